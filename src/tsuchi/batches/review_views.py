"""The review of a prepared batch: outcomes with counts, each notice needing a decision shown
as its rendered page beside its application record, the differing fields highlighted."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsuchi.accounts.selectors import user_can
from tsuchi.batches import selectors, services
from tsuchi.batches.forms import ReviewDecisionForm
from tsuchi.batches.models import Reconciliation
from tsuchi.batches.problem_text import problem_summary, problem_text
from tsuchi.batches.profiles import profile_for_batch
from tsuchi.batches.services import UNRESOLVED, TransitionError
from tsuchi.batches.storage import local_path
from tsuchi.batches.views import staff_actor
from tsuchi.core.documents.render import render_page_png
from tsuchi.core.errors import TsuchiError


@login_required
def review(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, batch_id)
    outcome = request.GET.get("outcome", "")
    notices = selectors.notices_for_batch(batch)
    counts = selectors.notice_outcome_counts(batch)
    if outcome == "unresolved":
        notices = notices.filter(reconciliation__in=UNRESOLVED)
    elif outcome in Reconciliation.values:
        notices = notices.filter(reconciliation=outcome)
    labels = _field_labels(batch)
    shown = list(notices[:500])
    for notice in shown:
        notice.difference_labels = [
            labels.get(d.get("field"), d.get("field")) for d in notice.differences
        ]
    return render(
        request,
        "batches/review.html",
        {
            "batch": batch,
            "notices": shown,
            "counts": [(Reconciliation(k).label, k, v) for k, v in counts.items()],
            "outcome": outcome,
            "unresolved": services.batch_unresolved_count(batch),
            "orphans": batch.records.filter(notice__isnull=True).order_by("row_number"),
            "report": batch.prepare_report or {},
            "summary": problem_summary((batch.prepare_report or {}).get("problems", [])),
            "can_prepare": user_can(request.user, "prepare", batch.department_id),
        },
    )


def _field_labels(batch) -> dict[str, str]:
    """Field name → the CSV column a clerk knows it by (``address`` → ``住所``)."""
    choice = profile_for_batch(batch.department_id, batch.profile_name)
    return dict(choice.load().csv.columns) if choice else {}


def _record_fields(batch, record) -> list[tuple[str, str, str]]:
    """(field, CSV column, value) for the profile's mapped columns of a record."""
    if record is None:
        return []
    choice = profile_for_batch(batch.department_id, batch.profile_name)
    columns = choice.load().csv.columns if choice else {k: k for k in record.data}
    return [
        (name, column, record.data.get(f"corrected:{name}", record.data.get(column, "")))
        for name, column in columns.items()
    ]


@login_required
def notice_review(request: HttpRequest, batch_id: int, sequence: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, batch_id)
    notice = selectors.notice_get(batch, sequence)
    differing = {d.get("field") for d in notice.differences}
    labels = _field_labels(batch)
    return render(
        request,
        "batches/notice_review.html",
        {
            "batch": batch,
            "notice": notice,
            "differences": [
                {**d, "label": labels.get(d.get("field"), d.get("field"))}
                for d in notice.differences
            ],
            "differing": differing,
            "record_fields": _record_fields(batch, notice.record),
            "extracted": {k: v for k, v in notice.extracted.items() if not k.startswith("_")},
            "problems": [problem_text(p) for p in notice.extracted.get("_problems", [])],
            "pages": range(1, notice.page_count + 1),
            "can_prepare": user_can(request.user, "prepare", batch.department_id),
            "needs_decision": notice.reconciliation in UNRESOLVED,
        },
    )


@login_required
def notice_page_image(
    request: HttpRequest, batch_id: int, sequence: int, page: int
) -> HttpResponse:
    """A rendered page of a notice's prepared PDF, for staff of the batch's department only."""
    batch = selectors.batch_get_for_user(request.user, batch_id)
    notice = selectors.notice_get(batch, sequence)
    if not notice.document or not 1 <= page <= notice.page_count:
        raise Http404
    with local_path(notice.document.storage, notice.document.name) as path:
        try:
            png = render_page_png(path, page, dpi=110)
        except TsuchiError as exc:
            raise Http404 from exc
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def notice_decide(request: HttpRequest, batch_id: int, sequence: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, batch_id)
    notice = selectors.notice_get(batch, sequence)
    form = ReviewDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.notice_review(
                notice=notice,
                decision=form.cleaned_data["decision"],
                field=form.cleaned_data["field"],
                value=form.cleaned_data["value"],
                actor=staff_actor(request),
            )
        except TransitionError as exc:
            messages.error(request, str(exc))
            return redirect("batches:notice_review", batch_id=batch.pk, sequence=sequence)
        messages.success(request, _("Your decision was recorded."))
    next_notice = selectors.next_unresolved(batch, after=sequence)
    if next_notice is not None:
        return redirect("batches:notice_review", batch_id=batch.pk, sequence=next_notice.sequence)
    return redirect("batches:review", batch_id=batch.pk)


@login_required
@require_POST
def record_acknowledge(request: HttpRequest, batch_id: int, row: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, batch_id)
    record = batch.records.filter(row_number=row).first()
    if record is None:
        raise Http404
    try:
        services.record_acknowledge(record=record, actor=staff_actor(request))
    except TransitionError as exc:
        messages.error(request, str(exc))
    return redirect("batches:review", batch_id=batch.pk)

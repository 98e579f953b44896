"""Staff pages for batches: list, create, detail and its actions. Reads go through selectors,
writes through services; views only translate HTTP to those calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tsuchi.accounts.models import Role
from tsuchi.accounts.selectors import departments_for_user, role_in_department, user_can
from tsuchi.batches import exports, preparation, selectors, services
from tsuchi.batches.forms import BatchCreateForm, CopyForm, ReasonForm, UploadForm
from tsuchi.batches.models import BatchState
from tsuchi.batches.profiles import profiles_for_department
from tsuchi.batches.services import TransitionError
from tsuchi.evidence.kinds import EVENT_LABELS
from tsuchi.evidence.selectors import events_for_batch
from tsuchi.evidence.services import Actor

STEPS = [
    BatchState.DRAFT,
    BatchState.PREPARING,
    BatchState.REVIEW,
    BatchState.SIGNED,
    BatchState.APPROVED,
    BatchState.SENDING,
    BatchState.DONE,
]


def staff_actor(request: HttpRequest) -> Actor:
    """The logged-in staff member as the actor of an event, with where they came from."""
    return Actor.staff(
        request.user,  # type: ignore[arg-type]
        ip_address=request.META.get("REMOTE_ADDR"),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = selectors.batch_list_with_counts(request.user)
    departments = departments_for_user(request.user)
    can_create = any(user_can(request.user, "prepare", d.pk) for d in departments)
    return render(
        request,
        "batches/batch_list.html",
        {"batches": batches, "departments": departments, "can_create": can_create},
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_create(request: HttpRequest) -> HttpResponse:
    departments = departments_for_user(request.user).filter(
        memberships__user=request.user, memberships__role__in=[Role.PREPARER, Role.ADMIN]
    )
    form = BatchCreateForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        batch = services.batch_create(
            department=data.pop("department"),
            title=data.pop("title"),
            notice_type=data.pop("notice_type"),
            actor=staff_actor(request),
            **data,
        )
        messages.success(request, _("The batch was created."))
        return redirect("batches:detail", batch_id=batch.pk)
    return render(request, "batches/batch_create.html", {"form": form})


@login_required
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, batch_id)
    can_prepare = user_can(request.user, "prepare", batch.department_id)
    upload_form = None
    if can_prepare and batch.state == BatchState.DRAFT:
        upload_form = UploadForm(profiles=profiles_for_department(batch.department_id))
    events = [
        (event, EVENT_LABELS.get(event.kind, event.kind))
        for event in events_for_batch(batch.pk)[:30]
    ]
    return render(
        request,
        "batches/batch_detail.html",
        {
            "batch": batch,
            "steps": STEPS,
            "role": role_in_department(request.user, batch.department_id),
            "can_prepare": can_prepare,
            "can_approve": user_can(request.user, "approve", batch.department_id),
            "upload_form": upload_form,
            "unresolved": services.batch_unresolved_count(batch)
            if batch.state == BatchState.REVIEW
            else 0,
            "status_counts": selectors.notice_status_counts(batch),
            "notices": selectors.notices_for_batch(batch)[:200],
            "events": events,
            "copy_form": CopyForm(initial={"title": batch.title}),
        },
    )


@login_required
def batch_progress(request: HttpRequest, batch_id: int) -> JsonResponse:
    """State and preparation progress, polled by the batch page while preparing."""
    batch = selectors.batch_get_for_user(request.user, batch_id)
    progress = batch.prepare_report.get("progress", {}) if batch.prepare_report else {}
    return JsonResponse({"state": batch.state, "progress": progress})


@login_required
@require_POST
def batch_upload(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, batch_id)
    form = UploadForm(
        request.POST, request.FILES, profiles=profiles_for_department(batch.department_id)
    )
    if not form.is_valid():
        messages.error(request, _("Choose the batch PDF and a notice profile."))
        return redirect("batches:detail", batch_id=batch.pk)
    try:
        preparation.batch_upload_and_prepare(
            batch=batch,
            pdf=form.cleaned_data["batch_pdf"],
            csv=form.cleaned_data["records_csv"],
            profile_key=form.cleaned_data["profile"],
            actor=staff_actor(request),
        )
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The files were uploaded. Preparation has started."))
    return redirect("batches:detail", batch_id=batch.pk)


def _transition(request: HttpRequest, batch_id: int, action: str) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, batch_id)
    actor = staff_actor(request)
    reason = ReasonForm(request.POST)
    reason_text = reason.cleaned_data["reason"] if reason.is_valid() else ""
    calls = {
        "submit": lambda: services.batch_mark_signed(batch=batch, actor=actor),
        "approve": lambda: services.batch_approve(batch=batch, actor=actor),
        "return": lambda: services.batch_return(batch=batch, reason=reason_text, actor=actor),
        "cancel": lambda: services.batch_cancel(batch=batch, reason=reason_text, actor=actor),
        "send": lambda: services.batch_start_sending(batch=batch, actor=actor),
    }
    try:
        calls[action]()
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done."))
    return redirect("batches:detail", batch_id=batch.pk)


@login_required
@require_POST
def batch_action(request: HttpRequest, batch_id: int, action: str) -> HttpResponse:
    return _transition(request, batch_id, action)


@login_required
@require_POST
def batch_copy(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, batch_id)
    form = CopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the new batch a title."))
        return redirect("batches:detail", batch_id=batch.pk)
    try:
        copy = services.batch_copy(
            batch=batch, title=form.cleaned_data["title"], actor=staff_actor(request)
        )
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("batches:detail", batch_id=batch.pk)
    messages.success(request, _("A new batch was created with the same settings."))
    return redirect("batches:detail", batch_id=copy.pk)


def spooled_download(
    request: HttpRequest, batch_id: int, spool: Callable[..., Any], filename: str, content_type: str
) -> HttpResponse:
    """Stream a file a service writes for a batch (it records its own event); when the service
    refuses, say why on the batch page."""
    batch = selectors.batch_get_for_user(request.user, batch_id)
    try:
        file, _count = spool(batch=batch, actor=staff_actor(request))
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect("batches:detail", batch_id=batch.pk)
    return FileResponse(
        file,
        as_attachment=True,
        filename=filename.format(batch=batch.pk),
        content_type=content_type,
    )


@login_required
def batch_print_file(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The paper notices as one PDF in postal-code order, behind the cover list."""
    return spooled_download(
        request,
        batch_id,
        exports.batch_spool_print_file,
        "batch-{batch}-paper.pdf",
        "application/pdf",
    )


@login_required
def batch_review_csv(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The cross-check report as CSV (UTF-8 with BOM)."""
    batch = selectors.batch_get_for_user(request.user, batch_id)
    response = HttpResponse(exports.batch_review_csv(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="batch-{batch.pk}-cross-check.csv"'
    return response

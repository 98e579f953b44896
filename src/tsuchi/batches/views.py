"""Staff pages for batches: list, create, detail. Reads go through selectors, writes through
services; views only translate HTTP to those calls."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tsuchi.accounts.models import Role
from tsuchi.accounts.selectors import departments_for_user, role_in_department
from tsuchi.batches import selectors, services
from tsuchi.batches.forms import BatchCreateForm
from tsuchi.batches.models import BatchState
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
    can_create = any(
        role_in_department(request.user, d.pk) in {Role.PREPARER, Role.ADMIN} for d in departments
    )
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
    return render(
        request,
        "batches/batch_detail.html",
        {
            "batch": batch,
            "steps": STEPS,
            "role": role_in_department(request.user, batch.department_id),
            "status_counts": selectors.notice_status_counts(batch),
            "notices": selectors.notices_for_batch(batch)[:200],
            "events": events_for_batch(batch.pk)[:20],
        },
    )

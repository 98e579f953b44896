"""Staff pages for server-side signing: start it, and poll its progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsuchi.batches import packages, selectors, signing
from tsuchi.batches.services import TransitionError
from tsuchi.batches.views import spooled_download, staff_actor


@login_required
@require_POST
def batch_sign(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(request.user, batch_id)
    try:
        batch = signing.batch_start_signing(batch=batch, actor=staff_actor(request))
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Signing has started."))
        for warning in (batch.signing_progress or {}).get("warnings", []):
            messages.warning(request, warning)
    return redirect("batches:detail", batch_id=batch.pk)


@login_required
def batch_signing_progress(request: HttpRequest, batch_id: int) -> JsonResponse:
    """Signing progress, polled by the batch page while the server signs."""
    batch = selectors.batch_get_for_user(request.user, batch_id)
    progress = batch.signing_progress or {}
    return JsonResponse(
        {
            "state": batch.state,
            "signing": progress.get("state", ""),
            "done": progress.get("done", 0),
            "total": progress.get("total", 0),
        }
    )


@login_required
def batch_signing_package(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The zip of notices to sign on a staff terminal (with its IC card)."""
    return spooled_download(
        request,
        batch_id,
        packages.spool_signing_package,
        "batch-{batch}-to-sign.zip",
        "application/zip",
    )

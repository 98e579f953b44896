"""The staff terminal API. Token-authenticated, so CSRF does not apply (no cookie is used)."""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tsuchi.api.auth import batch_get_for_token, token_from_request
from tsuchi.api.models import ApiToken
from tsuchi.api.services import api_token_touch
from tsuchi.batches import packages, signing
from tsuchi.batches.services import TransitionError
from tsuchi.evidence.models import ActorKind
from tsuchi.evidence.services import Actor

logger = logging.getLogger(__name__)

MAX_PACKAGE_BYTES = 1024 * 1024 * 1024
UPLOADS_PER_MINUTE = 6
CHUNK = 1024 * 1024


def _error(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse({"status": "error", "code": code, "message": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="tsuchi"'
    return response


def _throttled(token: ApiToken) -> bool:
    limit = getattr(settings, "TSUCHI_API_UPLOADS_PER_MINUTE", UPLOADS_PER_MINUTE)
    # Keyed by the token's hash, not its id: ids are reused after a deleted row.
    key = f"tsuchi-api-uploads:{token.token_hash[:24]}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    return cache.incr(key) > limit


@csrf_exempt
@require_POST
def signed_package(request: HttpRequest, batch_id: int) -> JsonResponse:
    """Import a zip of signed notices (see docs/api.md): 200 imported, 422 refused whole."""
    token = token_from_request(request)
    if token is None:
        return _error(401, "unauthorized", _("A valid API token is required."))
    if _throttled(token):
        return _error(429, "too_many_requests", _("Too many uploads; wait a minute."))
    batch = batch_get_for_token(token, batch_id)
    if batch is None:
        return _error(404, "not_found", _("No such batch."))
    limit = getattr(settings, "TSUCHI_API_MAX_PACKAGE_BYTES", MAX_PACKAGE_BYTES)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return _error(413, "too_large", _("The package is larger than the server accepts."))
    api_token_touch(token)
    actor = Actor(
        ActorKind.SYSTEM,
        None,
        request.META.get("REMOTE_ADDR"),
        request.META.get("HTTP_USER_AGENT", "")[:400],
    )
    with tempfile.TemporaryDirectory(prefix="tsuchi-package-") as tmp:
        package = Path(tmp) / "package.zip"
        size = 0
        with package.open("wb") as out:
            # Streamed: request.body would hold the whole package in memory.
            while chunk := request.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    return _error(413, "too_large", _("The package is larger than accepted."))
                out.write(chunk)
        try:
            outcome = signing.batch_import_signed_package(
                batch=batch,
                package=package,
                actor=actor,
                expected_signer=token.signer_sha256,
                token_id=token.pk,
            )
        except TransitionError as exc:
            return _error(409, "wrong_state", str(exc))
    logger.info("batch %s signed package from token %s: %s", batch.pk, token.pk, outcome.imported)
    return JsonResponse(outcome.as_json(), status=200 if outcome.imported else 422)


@require_GET
def signing_package(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The zip of notices to sign on the terminal (see docs/api.md)."""
    token = token_from_request(request)
    if token is None:
        return _error(401, "unauthorized", _("A valid API token is required."))
    batch = batch_get_for_token(token, batch_id)
    if batch is None:
        return _error(404, "not_found", _("No such batch."))
    actor = Actor(
        ActorKind.SYSTEM,
        ip_address=request.META.get("REMOTE_ADDR"),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
    )
    try:
        spool, count = packages.spool_signing_package(batch=batch, actor=actor)
    except TransitionError as exc:
        return _error(409, "not_ready", str(exc))
    api_token_touch(token)
    logger.info("batch %s: %s notices sent to terminal token %s", batch.pk, count, token.pk)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"batch-{batch.pk}-to-sign.zip",
        content_type="application/zip",
    )

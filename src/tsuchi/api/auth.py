"""Token authentication for the staff terminal API, and the reads a token limits.

``Authorization: Bearer <token>``; the token is looked up by its SHA-256, so the stored value
is useless to whoever reads the database. A token sees only its department's batches.
"""

from __future__ import annotations

from django.http import HttpRequest

from tsuchi.api.models import ApiToken, token_hash
from tsuchi.batches.models import Batch


def token_from_request(request: HttpRequest) -> ApiToken | None:
    """The active token named by the request's ``Authorization`` header, or ``None``."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or len(value) > 200:
        return None
    return (
        ApiToken.objects.select_related("department")
        .filter(token_hash=token_hash(value), revoked=False)
        .first()
    )


def batch_get_for_token(token: ApiToken, batch_id: int) -> Batch | None:
    """A batch of the token's department; ``None`` for any other, so ids reveal nothing."""
    return Batch.objects.filter(pk=batch_id, department_id=token.department_id).first()

"""Writes of the API app: creating and using tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from tsuchi.accounts.models import Department
from tsuchi.api.models import ApiToken, new_token, token_hash


def normalise_fingerprint(value: str) -> str:
    """A SHA-256 fingerprint as 64 lower-case hex digits (colons and spaces dropped)."""
    cleaned = value.replace(":", "").replace(" ", "").strip().lower()
    if cleaned and (len(cleaned) != 64 or any(c not in "0123456789abcdef" for c in cleaned)):
        raise ValueError("a SHA-256 fingerprint has 64 hexadecimal digits")
    return cleaned


@transaction.atomic
def api_token_create(
    *,
    department: Department,
    name: str,
    signer_sha256: str = "",
    created_by: AbstractBaseUser | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for a department; returns the row and the token, which is never stored
    and must be shown to the person now."""
    token = new_token()
    row = ApiToken.objects.create(
        department=department,
        name=name,
        token_hash=token_hash(token),
        token_hint=token[:12],
        signer_sha256=normalise_fingerprint(signer_sha256),
        created_by=created_by,
    )
    return row, token


def api_token_touch(token: ApiToken) -> None:
    """Remember when a token was last used (not an event: it changes no state)."""
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())

"""API tokens: how a staff terminal (``tsuchi upload``) authenticates to the staff API.

A token belongs to one department and may touch only that department's batches. Only the
SHA-256 of the token is stored; the token itself is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsuchi.accounts.models import Department

TOKEN_PREFIX = "tsuchi_"  # noqa: S105  (a recognisable prefix, not a secret)
"""Every token starts with this, so a leaked one is recognisable (secret scanners, logs)."""


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a token. Tokens carry 256 random bits, so no slow hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh random token (shown once, never stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Which terminal or person uses it.")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(
        _("first characters"), max_length=16, editable=False, help_text=_("To recognise it.")
    )
    signer_sha256 = models.CharField(
        _("expected signing certificate (SHA-256)"),
        max_length=64,
        blank=True,
        help_text=_(
            "SHA-256 fingerprint of the office certificate the notices uploaded with this token "
            "must be signed with. Empty: the server's configured signing certificate."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_hint}…)"

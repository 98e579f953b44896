"""API tokens in the Django admin: the token is shown once, when it is created."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from tsuchi.api.models import ApiToken, new_token, token_hash
from tsuchi.api.services import normalise_fingerprint


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "token_hint", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked", "department")
    readonly_fields = ("token_hint", "created_by", "created_at", "last_used_at")
    fields = ("department", "name", "signer_sha256", "revoked", *readonly_fields)

    def save_model(self, request, obj, form, change):
        obj.signer_sha256 = normalise_fingerprint(obj.signer_sha256)
        if not change:
            token = new_token()
            obj.token_hash = token_hash(token)
            obj.token_hint = token[:12]
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                _("The new API token is shown only now; copy it: %(token)s") % {"token": token},
            )
            return
        super().save_model(request, obj, form, change)

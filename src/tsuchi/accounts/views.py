"""Staff login with throttling of repeated failures."""

from __future__ import annotations

import logging

from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tsuchi.accounts import throttle

logger = logging.getLogger(__name__)


class ThrottledAuthenticationForm(auth_views.AuthenticationForm):
    error_messages = {
        **auth_views.AuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed attempts. Wait 15 minutes and try again, or ask an administrator."
        ),
    }

    def clean(self):
        username = self.data.get("username", "")
        ip_address = self.request.META.get("REMOTE_ADDR") if self.request else None
        if throttle.login_blocked(username, ip_address):
            logger.warning("login refused: too many failures from %s", ip_address)
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            throttle.login_failed(username, ip_address)
            raise
        throttle.login_succeeded(username)
        return cleaned


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = ThrottledAuthenticationForm

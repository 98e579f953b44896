"""API tokens: stored only as a hash, shown once, created in the admin or by a command."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tsuchi.api.auth import token_from_request
from tsuchi.api.models import ApiToken, token_hash

pytestmark = pytest.mark.django_db


def test_command_prints_the_token_once_and_stores_only_its_hash(department, test_pki):
    out = io.StringIO()
    call_command(
        "create_api_token",
        department=department.pk,
        name="端末1",
        signer_cert=test_pki.cert(),
        stdout=out,
        stderr=io.StringIO(),
    )
    token = out.getvalue().strip()
    row = ApiToken.objects.get()
    assert row.token_hash == token_hash(token)
    assert token not in {row.token_hash, row.token_hint, row.name}
    assert len(row.signer_sha256) == 64


def test_command_refuses_an_unknown_department():
    with pytest.raises(CommandError, match="no department"):
        call_command("create_api_token", department=999999, name="x", stdout=io.StringIO())


def test_admin_shows_a_new_token_once(client, department, rf):
    admin = get_user_model().objects.create_superuser("root", "root@example.jp", "pw-long-enough")
    client.force_login(admin)
    response = client.post(
        reverse("admin:api_apitoken_add"),
        {"department": department.pk, "name": "端末2", "signer_sha256": ""},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    token = next(m.rsplit(" ", 1)[1] for m in shown if "tsuchi_" in m)
    request = rf.post("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert token_from_request(request) == ApiToken.objects.get(name="端末2")
    page = client.get(reverse("admin:api_apitoken_change", args=[ApiToken.objects.get().pk]))
    assert token not in page.content.decode()

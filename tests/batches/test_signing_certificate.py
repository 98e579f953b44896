"""The server refuses to sign with an unusable certificate and warns before it expires."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from cryptography import x509
from django.urls import reverse

from tests.api.helpers import configure_server_key, prepared_pdf_notices
from tests.builders import batch_in_review, make_department, make_staff
from tests.core.signing.conftest import crl_server_url, pki_dir, test_pki  # noqa: F401
from tsuchi.accounts.models import Role
from tsuchi.evidence.models import Event

pytestmark = pytest.mark.django_db


def _office_expiry(pki) -> dt.datetime:
    return x509.load_pem_x509_certificate(pki.cert().read_bytes()).not_valid_after_utc


def test_signing_warns_when_the_certificate_expires_within_30_days(
    client,
    settings,
    test_pki,  # noqa: F811
    tmp_path,
):
    configure_server_key(settings, test_pki, tmp_path)
    department = make_department()
    preparer = make_staff(department, Role.PREPARER)
    batch = batch_in_review(department, preparer, notices=prepared_pdf_notices(tmp_path))
    with time_machine.travel(_office_expiry(test_pki) - dt.timedelta(days=10), tick=False):
        client.force_login(preparer)
        response = client.post(reverse("batches:sign", args=[batch.pk]), follow=True)
    page = response.content.decode()
    assert "expires in" in page
    event = Event.objects.get(kind="batch.signing_started")
    assert event.data["warnings"]


def test_signing_is_refused_once_the_certificate_has_expired(
    client,
    settings,
    test_pki,  # noqa: F811
    tmp_path,
):
    configure_server_key(settings, test_pki, tmp_path)
    department = make_department()
    preparer = make_staff(department, Role.PREPARER)
    batch = batch_in_review(department, preparer, notices=prepared_pdf_notices(tmp_path))
    with time_machine.travel(_office_expiry(test_pki) + dt.timedelta(days=1), tick=False):
        client.force_login(preparer)
        response = client.post(reverse("batches:sign", args=[batch.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("batches:detail", args=[batch.pk])
    assert "expired" in response.content.decode()
    assert not Event.objects.filter(kind="batch.signing_started").exists()
    assert not batch.notices.exclude(signed_sha256="").exists()

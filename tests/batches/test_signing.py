"""Server-side signing: the preparer starts it, a background task signs, verifies and attaches
every electronic notice; nothing unverified lands."""

from __future__ import annotations

import os
import stat

import pytest
from django.urls import reverse

from tests.api.helpers import configure_server_key, prepared_pdf_notices
from tests.builders import batch_in_review, make_staff
from tests.core.signing.conftest import (  # noqa: F401
    crl_server_url,
    pdfsig,
    pki_dir,
    test_pki,
    tsa_url,
)
from tests.core.signing.helpers import assert_pdfsig_valid
from tsuchi.accounts.models import Role
from tsuchi.batches import services, signing
from tsuchi.batches.models import BatchState, Channel, Reconciliation
from tsuchi.batches.services import TransitionError
from tsuchi.core.signing.verify import load_trust_roots, verify_pdf
from tsuchi.evidence.models import Event
from tsuchi.evidence.services import Actor, chain_key_for_batch, chain_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_key(settings, test_pki, tmp_path):  # noqa: F811
    configure_server_key(settings, test_pki, tmp_path)
    return test_pki


@pytest.fixture
def batch(department, preparer, tmp_path):
    return batch_in_review(department, preparer, notices=prepared_pdf_notices(tmp_path))


def _start(batch, user, capture):
    with capture(execute=True):
        signing.batch_start_signing(batch=batch, actor=Actor.staff(user))
    batch.refresh_from_db()
    return batch


def test_every_electronic_notice_is_signed_valid_as_issued(
    batch,
    preparer,
    server_key,
    django_capture_on_commit_callbacks,
    pdfsig,  # noqa: F811
    tmp_path,
):
    batch = _start(batch, preparer, django_capture_on_commit_callbacks)

    assert batch.signing_progress["state"] == "finished"
    assert batch.signing_progress["signed"] == 2
    roots = load_trust_roots([server_key.root_cert])
    electronic = batch.notices.filter(channel=Channel.ELECTRONIC)
    for notice in electronic:
        with notice.signed_document.open("rb") as handle:
            signed = handle.read()
        verdict = verify_pdf(signed, trust_roots=roots)
        assert verdict.valid_as_issued, verdict.reasons
        assert verdict.signed_revision_sha256 == notice.document_sha256
    assert not batch.notices.get(channel=Channel.PAPER).is_signed
    one = tmp_path / "one.pdf"
    one.write_bytes(signed)
    assert_pdfsig_valid(pdfsig(one))
    kinds = list(
        Event.objects.filter(chain__key=chain_key_for_batch(batch.pk)).values_list(
            "kind", flat=True
        )
    )
    assert "batch.signing_started" in kinds
    assert "batch.signing_finished" in kinds
    assert chain_verify(chain_key_for_batch(batch.pk)).ok
    # The signed batch can go to approval.
    services.batch_mark_signed(batch=batch, actor=Actor.staff(preparer))


def test_signing_is_refused_while_items_are_unresolved(department, preparer, server_key, tmp_path):
    batch = batch_in_review(department, preparer, notices=prepared_pdf_notices(tmp_path))
    batch.notices.filter(sequence=1).update(reconciliation=Reconciliation.MISMATCHED)
    with pytest.raises(TransitionError, match="need review"):
        signing.batch_start_signing(batch=batch, actor=Actor.staff(preparer))
    batch.refresh_from_db()
    assert batch.signing_progress == {}
    assert not batch.notices.exclude(signed_sha256="").exists()


def test_viewer_cannot_start_signing(batch, department, server_key, client):
    viewer = make_staff(department, Role.VIEWER)
    with pytest.raises(TransitionError, match="permission"):
        signing.batch_start_signing(batch=batch, actor=Actor.staff(viewer))
    client.force_login(viewer)
    client.post(reverse("batches:sign", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.signing_progress == {}


def test_page_offers_signing_and_the_button_starts_it(
    batch, preparer, server_key, client, django_capture_on_commit_callbacks
):
    client.force_login(preparer)
    page = client.get(reverse("batches:detail", args=[batch.pk])).content.decode()
    assert reverse("batches:sign", args=[batch.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("batches:sign", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.signing_progress["state"] == "finished"
    progress = client.get(reverse("batches:signing_progress", args=[batch.pk])).json()
    assert progress["signing"] == "finished"
    assert progress["done"] == progress["total"] == 2


def test_without_a_key_the_page_says_signing_is_unavailable(
    batch, preparer, client, settings, tmp_path
):
    settings.TSUCHI_SIGNING = {}
    settings.TSUCHI_DEMO_PKI_DIR = tmp_path / "none"
    client.force_login(preparer)
    page = client.get(reverse("batches:detail", args=[batch.pk])).content.decode()
    assert reverse("batches:sign", args=[batch.pk]) not in page
    with pytest.raises(TransitionError, match="not configured"):
        signing.batch_start_signing(batch=batch, actor=Actor.staff(preparer))


def test_a_notice_whose_stored_pdf_changed_is_named_and_left_unsigned(
    batch, preparer, server_key, django_capture_on_commit_callbacks
):
    batch.notices.filter(sequence=2).update(document_sha256="0" * 64)
    batch = _start(batch, preparer, django_capture_on_commit_callbacks)
    assert batch.state == BatchState.REVIEW
    assert batch.signing_progress["state"] == "failed"
    assert [f["sequence"] for f in batch.signing_progress["failed"]] == [2]
    assert batch.notices.get(sequence=1).is_signed
    assert not batch.notices.get(sequence=2).is_signed


def test_b_t_needs_a_time_stamping_authority(batch, preparer, server_key):
    batch.signing_level = "B-T"
    batch.save(update_fields=["signing_level"])
    with pytest.raises(TransitionError, match="time-stamping"):
        signing.batch_start_signing(batch=batch, actor=Actor.staff(preparer))


def test_demo_key_is_made_once_with_a_private_password_file(tmp_path, settings):
    path, password = signing.ensure_demo_signing_key(tmp_path)
    again = signing.ensure_demo_signing_key(tmp_path)
    assert again == (path, password)
    password_file = tmp_path / "demo-pki" / signing.DEMO_PASSWORD_FILE
    assert stat.S_IMODE(os.stat(password_file).st_mode) == 0o600
    settings.TSUCHI_SIGNING = {}
    settings.TSUCHI_DEMO_PKI_DIR = tmp_path / "demo-pki"
    config = signing.signing_configuration()
    assert config is not None
    assert config.demo
    assert signing.signer_fingerprint(config)


def test_a_second_start_is_refused_while_a_run_is_queued(batch, preparer, server_key):
    signing.batch_start_signing(batch=batch, actor=Actor.staff(preparer))
    with pytest.raises(TransitionError, match="already running"):
        signing.batch_start_signing(batch=batch, actor=Actor.staff(preparer))


def test_production_refuses_to_start_with_an_unreadable_key(tmp_path):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUCHI_")}
    env.update(
        DJANGO_SETTINGS_MODULE="tsuchi.web.settings",
        TSUCHI_ENV="production",
        TSUCHI_SECRET_KEY="s" * 50,
        TSUCHI_ALLOWED_HOSTS="tsuchi.example.jp",
        TSUCHI_SIGNING_PKCS12=str(tmp_path / "missing.p12"),
        TSUCHI_SIGNING_PKCS12_PASSWORD="x",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "missing.p12" in result.stderr


def test_b_t_batch_is_signed_with_a_trusted_timestamp(
    batch,
    preparer,
    server_key,
    settings,
    tsa_url,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    settings.TSUCHI_SIGNING = {**settings.TSUCHI_SIGNING, "tsa_url": tsa_url}
    batch.signing_level = "B-T"
    batch.save(update_fields=["signing_level"])
    batch = _start(batch, preparer, django_capture_on_commit_callbacks)
    assert batch.signing_progress["signed"] == 2
    notice = batch.notices.filter(channel=Channel.ELECTRONIC).first()
    with notice.signed_document.open("rb") as handle:
        verdict = verify_pdf(handle.read(), trust_roots=load_trust_roots([server_key.root_cert]))
    assert verdict.valid_as_issued, verdict.reasons
    assert verdict.timestamp is not None
    assert verdict.timestamp.trusted


def test_page_shows_progress_while_signing_is_queued(batch, preparer, server_key, client):
    signing.batch_start_signing(batch=batch, actor=Actor.staff(preparer))
    client.force_login(preparer)
    page = client.get(reverse("batches:detail", args=[batch.pk])).content.decode()
    assert 'id="sign-progress"' in page
    assert reverse("batches:signing_progress", args=[batch.pk]) in page

"""Uploading a batch: validated whole, then prepared in the background into the review."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.builders import make_batch, make_staff
from tsuchi.accounts.models import Role
from tsuchi.batches.models import BatchState, Reconciliation
from tsuchi.core.samples import generate
from tsuchi.evidence.services import chain_key_for_batch, chain_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("sample"), count=24, seed=3)


def _post(client, batch, pdf: bytes, csv: bytes | None, profile="nursery"):
    data = {"profile": profile, "batch_pdf": SimpleUploadedFile("batch.pdf", pdf)}
    if csv is not None:
        data["records_csv"] = SimpleUploadedFile("applications.csv", csv)
    return client.post(reverse("batches:upload", args=[batch.pk]), data, follow=True)


def test_upload_prepares_the_batch_into_review(
    client, department, preparer, sample, django_capture_on_commit_callbacks
):
    batch = make_batch(department, preparer)
    client.force_login(preparer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client, batch, sample.batch_pdf.read_bytes(), sample.applications_csv.read_bytes()
        )
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.state == BatchState.REVIEW
    assert batch.notices.count() == sample.notice_count
    assert batch.notices.filter(reconciliation=Reconciliation.MISMATCHED).exists()
    notice = batch.notices.first()
    assert notice.document_sha256
    assert notice.document.read().startswith(b"%PDF")
    assert chain_verify(chain_key_for_batch(batch.pk)).ok


def test_damaged_pdf_is_refused_and_nothing_lands(client, department, preparer, sample):
    batch = make_batch(department, preparer)
    client.force_login(preparer)
    response = _post(client, batch, b"%PDF-1.7 broken", sample.applications_csv.read_bytes())
    assert "batch.pdf" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == BatchState.DRAFT
    assert not batch.batch_pdf
    assert not batch.records_csv


def test_csv_without_the_key_column_is_refused_naming_it(client, department, preparer, sample):
    batch = make_batch(department, preparer)
    client.force_login(preparer)
    csv = sample.applications_csv.read_bytes().replace("申請番号".encode("cp932"), b"number", 1)
    response = _post(client, batch, sample.batch_pdf.read_bytes(), csv)
    assert "申請番号" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == BatchState.DRAFT
    assert not batch.batch_pdf


def test_viewer_cannot_upload(client, department, preparer, sample):
    batch = make_batch(department, preparer)
    viewer = make_staff(department, Role.VIEWER)
    client.force_login(viewer)
    _post(client, batch, sample.batch_pdf.read_bytes(), sample.applications_csv.read_bytes())
    batch.refresh_from_db()
    assert batch.state == BatchState.DRAFT
    assert not batch.batch_pdf


def test_interface_is_japanese_unless_english_is_chosen(client, department, preparer, japanese):
    client.force_login(preparer)
    page = client.get(reverse("batches:list"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert page["Content-Language"] == "ja"
    client.cookies["django_language"] = "en"
    assert client.get(reverse("batches:list"))["Content-Language"] == "en"


def test_encrypted_pdf_is_refused_in_the_clerks_words(client, department, preparer, sample):
    import io

    import pikepdf

    buffer = io.BytesIO()
    with pikepdf.open(sample.batch_pdf) as pdf:
        pdf.save(buffer, encryption=pikepdf.Encryption(owner="o", user="u"))
    batch = make_batch(department, preparer)
    client.force_login(preparer)
    response = _post(client, batch, buffer.getvalue(), sample.applications_csv.read_bytes())
    page = response.content.decode()
    assert "batch.pdf" in page
    assert "パスワード" in page or "password" in page
    batch.refresh_from_db()
    assert batch.state == BatchState.DRAFT

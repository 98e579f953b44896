"""A batch with a visible stamp: every notice gets an unguessable verification code, and its
signed PDF shows the office name and a QR code of its public verification URL, whether the
server signs or a terminal signs the downloaded package."""

from __future__ import annotations

import json
import re
import zipfile

import pypdfium2
import pytest
import zxingcpp

from tests.api.helpers import configure_server_key, prepared_pdf_notices
from tests.builders import batch_in_review
from tests.core.signing.conftest import crl_server_url, pki_dir, test_pki  # noqa: F401
from tsuchi.batches import packages, signing
from tsuchi.batches.models import Channel
from tsuchi.cli.sign import documents_to_sign, read_manifest
from tsuchi.core.signing.verify import load_trust_roots, verify_pdf
from tsuchi.evidence.services import Actor

pytestmark = pytest.mark.django_db
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


@pytest.fixture
def stamped_batch(department, preparer, tmp_path):
    department.office_name = "土見市 子ども家庭部 保育課"
    department.save()
    batch = batch_in_review(department, preparer, notices=prepared_pdf_notices(tmp_path))
    batch.visible_stamp = True
    batch.save(update_fields=["visible_stamp"])
    return batch


def _qr_codes(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    document.init_forms()  # the stamp is the signature field's appearance
    image = document[0].render(scale=4, may_draw_forms=True).to_pil()
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_every_notice_gets_a_distinct_unguessable_code(stamped_batch):
    codes = list(stamped_batch.notices.values_list("verification_code", flat=True))
    assert all(CODE.match(code) for code in codes)
    assert len(set(codes)) == len(codes)


def test_server_signing_draws_the_stamp_with_the_notices_qr_code(
    stamped_batch,
    preparer,
    settings,
    test_pki,  # noqa: F811
    tmp_path,
    django_capture_on_commit_callbacks,
):
    configure_server_key(settings, test_pki, tmp_path)
    settings.TSUCHI_PUBLIC_URL = "https://tsuchi.city.example.lg.jp"
    with django_capture_on_commit_callbacks(execute=True):
        signing.batch_start_signing(batch=stamped_batch, actor=Actor.staff(preparer))
    roots = load_trust_roots([test_pki.root_cert])
    for notice in stamped_batch.notices.filter(channel=Channel.ELECTRONIC):
        signed = notice.signed_document.read()
        assert verify_pdf(signed, trust_roots=roots).valid_as_issued
        url = f"https://tsuchi.city.example.lg.jp/verify/{notice.verification_code}"
        assert _qr_codes(signed) == [url]


def test_terminal_package_carries_the_stamp_and_each_url(
    stamped_batch,
    preparer,
    test_pki,  # noqa: F811
    tmp_path,
):
    spool, count = packages.spool_signing_package(batch=stamped_batch, actor=Actor.staff(preparer))
    folder = tmp_path / "to-sign"
    with zipfile.ZipFile(spool) as archive:
        archive.extractall(folder)
    manifest = read_manifest(folder)
    assert manifest["stamp"] == {"office_name": "土見市 子ども家庭部 保育課"}
    documents = documents_to_sign(folder, manifest)
    assert len(documents) == count == 2
    codes = dict(stamped_batch.notices.values_list("sequence", "verification_code"))
    for document, entry in zip(documents, manifest["notices"], strict=True):
        assert document.verification_url.endswith(codes[entry["sequence"]])
    assert json.loads((folder / "manifest.json").read_text())["batch"] == stamped_batch.pk

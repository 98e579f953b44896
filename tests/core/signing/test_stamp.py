"""The visible stamp: office name and date on page 1, a QR code, and a signature still valid."""

from __future__ import annotations

import datetime as dt
import functools
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from pyhanko_certvalidator import ValidationContext
from tests.core.signing.helpers import validate

from tsuchi.core.samples.pki import TestPki
from tsuchi.core.signing.keys import Pkcs12KeySource
from tsuchi.core.signing.sign import DocumentToSign, SigningSettings, sign_documents
from tsuchi.core.signing.stamp import StampSettings, stamp_text_params


def _stamped_text(path: Path, tmp_path: Path) -> str:
    # The stamp is the widget's appearance; flatten it into the page so pdftotext sees it.
    flat = tmp_path / "flat.pdf"
    subprocess.run(["qpdf", "--flatten-annotations=all", str(path), str(flat)], check=False)
    return subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(flat), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_stamp_shows_office_and_qr_and_signature_still_validates(
    test_pki: TestPki,
    validation_context: ValidationContext,
    make_pdfs: Callable[..., Path],
    pdfsig: Callable[[Path], str],
    tmp_path: Path,
) -> None:
    source = make_pdfs(1) / "notice-000.pdf"
    settings = SigningSettings(stamp=StampSettings(office_name="土見市 子ども家庭課"))
    document = DocumentToSign(source, verification_url="https://verify.example.jp/v/AB12-CD34")
    summary = sign_documents(
        [document],
        tmp_path / "out",
        functools.partial(Pkcs12KeySource, test_pki.pkcs12(), test_pki.password),
        settings,
    )
    assert summary.signed == 1, summary.errors
    output = tmp_path / "out" / source.name
    validate(output, validation_context)
    assert "Signature is Valid." in pdfsig(output)
    text = _stamped_text(output, tmp_path)
    assert "土見市 子ども家庭課" in text
    assert "電子署名済み" in text
    assert "verify.example.jp" not in text  # the URL is only in the QR code


def test_stamp_date_is_in_japan_time() -> None:
    moment = dt.datetime(2026, 3, 31, 16, 0, tzinfo=dt.UTC)  # 1 April 01:00 in Tokyo
    params = stamp_text_params(StampSettings(office_name="土見市"), moment, None)
    assert params["date"] == "2026年04月01日"
    assert "url" not in params


def test_stamp_qr_code_decodes_to_the_verification_url(
    test_pki: TestPki, make_pdfs: Callable[..., Path], tmp_path: Path
) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    import pypdfium2

    source = make_pdfs(1) / "notice-000.pdf"
    url = "https://verify.example.jp/v/AB12-CD34"
    sign_documents(
        [DocumentToSign(source, verification_url=url)],
        tmp_path / "out",
        functools.partial(Pkcs12KeySource, test_pki.pkcs12(), test_pki.password),
        SigningSettings(stamp=StampSettings(office_name="土見市")),
    )
    pdf = pypdfium2.PdfDocument(tmp_path / "out" / source.name)
    pdf.init_forms()
    image = pdf[0].render(scale=4, may_draw_forms=True).to_pil()
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [url]

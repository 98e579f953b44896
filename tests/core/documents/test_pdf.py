from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from tsuchi.core.documents.pdf import open_batch
from tsuchi.core.errors import PdfError

from .conftest import MakePdf


def test_open_batch_counts_pages_and_text(make_pdf: MakePdf) -> None:
    path = make_pdf("batch.pdf", [[(20, 20, "通知書")], [], [(20, 20, "二枚目")]])
    info = open_batch(path)
    assert info.file == "batch.pdf"
    assert info.page_count == 3
    assert info.pages_with_text == (True, False, True)
    assert info.pages_without_text == (2,)


def test_password_protected_pdf_is_refused_with_file_name(
    make_pdf: MakePdf, tmp_path: Path
) -> None:
    plain = make_pdf("plain.pdf", [[(20, 20, "通知書")]])
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(plain) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    with pytest.raises(PdfError, match="password") as raised:
        open_batch(locked)
    assert raised.value.location.file == "locked.pdf"


def test_truncated_pdf_is_refused_as_damaged(make_pdf: MakePdf, tmp_path: Path) -> None:
    whole = make_pdf("whole.pdf", [[(20, 20, "通知書")]]).read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(PdfError, match="damaged") as raised:
        open_batch(truncated)
    assert "truncated.pdf" in str(raised.value)


def test_text_file_is_refused_as_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("申請番号,氏名\n", encoding="utf-8")
    with pytest.raises(PdfError, match="not a PDF"):
        open_batch(path)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(PdfError, match="empty") as raised:
        open_batch(path)
    assert raised.value.location.file == "empty.pdf"


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PdfError, match="cannot be read"):
        open_batch(tmp_path / "absent.pdf")


def test_pdf_without_pages_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nopages.pdf"
    with pikepdf.new() as pdf:
        pdf.save(path)
    with pytest.raises(PdfError, match="no pages"):
        open_batch(path)

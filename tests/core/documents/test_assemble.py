from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from tsuchi.core.documents.assemble import assemble_print
from tsuchi.core.documents.render import render_page_png
from tsuchi.core.documents.split import split_to_files
from tsuchi.core.errors import PdfError

from .conftest import MakePdf, notice_page
from .profiles import make_profile


def page_texts(path: Path) -> list[str]:
    document = pdfium.PdfDocument(path)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def split_parts(make_pdf: MakePdf, tmp_path: Path, count: int) -> list[Path]:
    batch = make_pdf("batch.pdf", [notice_page(n, "山田　太郎") for n in range(1, count + 1)])
    return [r.path for r in split_to_files(batch, make_profile(), tmp_path / "parts")]


def test_print_file_has_cover_then_parts_in_the_given_order(
    make_pdf: MakePdf, tmp_path: Path
) -> None:
    parts = split_parts(make_pdf, tmp_path, 3)
    out = assemble_print(
        [parts[2], parts[0], parts[1]],
        tmp_path / "print.pdf",
        cover_lines=["紙通知 3 通", "〒100-0001 〜 〒100-0001"],
    )
    texts = page_texts(out)
    assert len(texts) == 4
    assert "紙通知 3 通" in texts[0]
    assert "〒100-0001 〜 〒100-0001" in texts[0]
    assert ["00003" in texts[1], "00001" in texts[2], "00002" in texts[3]] == [True] * 3
    result = subprocess.run(["qpdf", "--check", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert not (tmp_path / "print.pdf.part").exists()


def test_font_files_shared_by_the_parts_are_stored_once(make_pdf: MakePdf, tmp_path: Path) -> None:
    parts = split_parts(make_pdf, tmp_path, 6)
    out = assemble_print(parts, tmp_path / "print.pdf", cover_lines=["紙通知"])
    with pikepdf.open(out) as pdf:
        font_files = {
            obj.FontFile2.objgen
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary) and "/FontFile2" in obj
        }
    # Cover font (gothic) plus the notices' mincho subsets, not one copy per notice.
    assert out.stat().st_size < sum(p.stat().st_size for p in parts)
    assert len(font_files) <= 4


def test_unreadable_part_is_named(make_pdf: MakePdf, tmp_path: Path) -> None:
    parts = split_parts(make_pdf, tmp_path, 1)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 nothing")
    with pytest.raises(PdfError) as raised:
        assemble_print([*parts, broken], tmp_path / "print.pdf", cover_lines=["x"])
    assert "broken.pdf" in str(raised.value)
    assert not (tmp_path / "print.pdf").exists()


def test_many_parts_are_merged_in_groups_and_look_the_same(
    make_pdf: MakePdf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = split_parts(make_pdf, tmp_path, 7)
    monkeypatch.setattr("tsuchi.core.documents.assemble.GROUP_SIZE", 2)
    out = assemble_print(parts, tmp_path / "print.pdf", cover_lines=["紙通知 7 通"])
    texts = page_texts(out)
    assert len(texts) == 8
    for index, part in enumerate(parts, start=2):
        assert render_page_png(out, index, dpi=30) == render_page_png(part, 1, dpi=30)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".assemble-")]

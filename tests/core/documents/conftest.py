"""Small batch PDFs drawn with reportlab for the document tests (never committed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_PATH = "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"
FONT = "IPAexMincho"

Line = tuple[float, float, str]
"""x mm, y mm from the top-left (baseline), text."""

MakePdf = Callable[[str, Sequence[Sequence[Line]]], Path]


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_PATH))


def draw_pdf(path: Path, pages: Sequence[Sequence[Line]], *, size: int = 11) -> Path:
    """Write a PDF whose pages hold the given lines of text (an empty page stays blank)."""
    _register_font()
    pdf = canvas.Canvas(str(path), pagesize=A4)
    height = A4[1]
    for lines in pages:
        pdf.setFont(FONT, size)
        for x, y, text in lines:
            pdf.drawString(x * mm, height - y * mm, text)
        pdf.showPage()
    pdf.save()
    return path


def notice_page(number: int, name: str, *, first: bool = True) -> list[Line]:
    """One page of a simple two-field notice used across the tests."""
    if not first:
        return [(20, 30, "（裏面）ご案内"), (20, 50, f"通知番号　保第07-{number:05d}号")]
    return [
        (20, 20, "〒100-0001"),
        (20, 40, "保育所入所内定通知書"),
        (20, 60, f"通知番号　保第07-{number:05d}号"),
        (20, 70, f"申請者氏名　{name}　様"),
    ]


@pytest.fixture
def make_pdf(tmp_path: Path) -> MakePdf:
    """Factory: make_pdf("name.pdf", pages) → path of a new PDF in tmp_path."""

    def make(name: str, pages: Sequence[Sequence[Line]]) -> Path:
        return draw_pdf(tmp_path / name, pages)

    return make

from __future__ import annotations

import io

import pytest
from PIL import Image

from tsuchi.core.documents.render import page_text_boxes, render_page_png
from tsuchi.core.errors import PdfError

from .conftest import MakePdf


def test_page_renders_as_png_of_the_requested_resolution(make_pdf: MakePdf) -> None:
    path = make_pdf("a.pdf", [[(20, 20, "通知書")]])
    image = Image.open(io.BytesIO(render_page_png(path, 1, dpi=50)))
    assert image.format == "PNG"
    # A4 is 210 × 297 mm: at 50 dpi about 413 × 585 pixels.
    assert abs(image.width - 413) <= 1
    assert abs(image.height - 585) <= 1


def test_text_boxes_give_text_and_position_in_mm_from_top_left(make_pdf: MakePdf) -> None:
    path = make_pdf("a.pdf", [[(20, 30, "保育所入所内定通知書"), (120, 100, "様")]])
    boxes = {box.text: box.rect_mm for box in page_text_boxes(path, 1)}
    x, y, width, height = boxes["保育所入所内定通知書"]
    # Drawn at x = 20 mm with its baseline 30 mm from the top, 11 pt (≈ 3.9 mm) high.
    assert x == pytest.approx(20, abs=1)
    assert 25 < y < 30 < y + height < 31.5
    assert width == pytest.approx(10 * 11 * 25.4 / 72, abs=2)
    assert boxes["様"][0] == pytest.approx(120, abs=1)


def test_page_outside_the_document_is_refused(make_pdf: MakePdf) -> None:
    path = make_pdf("a.pdf", [[(20, 20, "通知書")]])
    with pytest.raises(PdfError, match="page 2 does not exist"):
        render_page_png(path, 2)
    with pytest.raises(PdfError):
        page_text_boxes(path, 0)

"""Page images and text boxes for the browser profile designer."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from tsuchi.core.documents.extract import clean_value
from tsuchi.core.documents.pdf import open_pdfium
from tsuchi.core.errors import Location, PdfError

_MM_PER_POINT = 25.4 / 72


@dataclass(frozen=True, slots=True)
class TextBox:
    """A run of text on a page and where it is, as the profile designer shows it."""

    text: str
    """The text inside the box (spaces normalized as in extraction)."""
    rect_mm: tuple[float, float, float, float]
    """``(x, y, width, height)`` in mm from the page's top-left corner, like ``rect_mm``."""


def render_page_png(path: str | Path, page_number: int, *, dpi: int = 100) -> bytes:
    """Render page ``page_number`` (1-based) of the PDF at ``path`` as PNG bytes at ``dpi``.

    Raises :class:`PdfError` for an unusable file or a page number outside the document.
    """
    path = Path(path)
    with open_pdfium(path) as document:
        page = _page(document, page_number, path)
        try:
            bitmap = page.render(scale=dpi / 72)
            image = bitmap.to_pil()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=False)
            bitmap.close()
        except pdfium.PdfiumError as exc:
            raise PdfError(
                "the page cannot be rendered", location=Location(file=path.name, page=page_number)
            ) from exc
        finally:
            page.close()
    return buffer.getvalue()


def page_text_boxes(path: str | Path, page_number: int) -> list[TextBox]:
    """Return the text boxes pdfium finds on page ``page_number`` (1-based), in reading order.

    pdfium groups characters into rectangles of one line or one run of words; each box's text is
    what extraction would read inside that rectangle. Empty boxes are left out.
    """
    path = Path(path)
    boxes: list[TextBox] = []
    with open_pdfium(path) as document:
        page = _page(document, page_number, path)
        try:
            left, _bottom, _right, top = page.get_cropbox()
            textpage = page.get_textpage()
            for index in range(textpage.count_rects()):
                x0, y0, x1, y1 = textpage.get_rect(index)
                text = clean_value(textpage.get_text_bounded(x0, y0, x1, y1))
                if not text:
                    continue
                boxes.append(
                    TextBox(
                        text=text,
                        rect_mm=(
                            round((x0 - left) * _MM_PER_POINT, 2),
                            round((top - y1) * _MM_PER_POINT, 2),
                            round((x1 - x0) * _MM_PER_POINT, 2),
                            round((y1 - y0) * _MM_PER_POINT, 2),
                        ),
                    )
                )
            textpage.close()
        finally:
            page.close()
    return boxes


def _page(document: pdfium.PdfDocument, page_number: int, path: Path) -> pdfium.PdfPage:
    if not 1 <= page_number <= len(document):
        raise PdfError(
            f"page {page_number} does not exist (the PDF has {len(document)} pages)",
            location=Location(file=path.name, page=page_number),
        )
    return document[page_number - 1]

"""Open a batch PDF and refuse, with the file's name, anything that cannot be processed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium

from tsuchi.core.errors import Location, PdfError


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """What a first look at a batch PDF found."""

    file: str
    """File name (no directory)."""
    page_count: int
    """Number of pages (≥ 1)."""
    pages_with_text: tuple[bool, ...]
    """For each page (index 0 = page 1), whether it carries any extractable text."""

    @property
    def pages_without_text(self) -> tuple[int, ...]:
        """1-based numbers of pages with no text at all (scanned images, blank pages)."""
        return tuple(i + 1 for i, has_text in enumerate(self.pages_with_text) if not has_text)


def open_batch(path: str | Path) -> BatchInfo:
    """Check that ``path`` is a readable, unencrypted PDF with pages and describe it.

    Raises :class:`PdfError` (location: the file name) for a missing, empty, damaged or
    password-protected file, and for a PDF without pages. Reads each page's text layer once to
    report which pages have text; memory stays flat because each page is closed after use.
    """
    path = Path(path)
    with open_pdfium(path) as document:
        has_text = []
        for index in range(len(document)):
            page = document[index]
            try:
                textpage = page.get_textpage()
                has_text.append(textpage.count_chars() > 0)
                textpage.close()
            finally:
                page.close()
    return BatchInfo(file=path.name, page_count=len(has_text), pages_with_text=tuple(has_text))


@contextlib.contextmanager
def open_pdfium(path: Path) -> Iterator[pdfium.PdfDocument]:
    """Open ``path`` with pdfium, translating every failure into :class:`PdfError`."""
    location = Location(file=path.name)
    _check_file(path, location)
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        reason = _pdfium_reason(str(exc))
        if reason.startswith("the file is damaged") and _has_no_pages(path):
            reason = "the PDF has no pages"
        raise PdfError(reason, location=location, code=_REASON_CODES[reason]) from exc
    try:
        if len(document) == 0:
            raise PdfError("the PDF has no pages", location=location, code="pdf_no_pages")
        yield document
    finally:
        document.close()


def _check_file(path: Path, location: Location) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PdfError(
            "the file cannot be read", location=location, code="file_unreadable"
        ) from exc
    if size == 0:
        raise PdfError("the file is empty", location=location, code="file_empty")


_REASON_CODES = {
    "the PDF has no pages": "pdf_no_pages",
    "the PDF is protected by a password": "pdf_encrypted",
    "the file cannot be read": "file_unreadable",
    "the file is damaged or not a PDF": "pdf_damaged",
}


def _has_no_pages(path: Path) -> bool:
    # pdfium refuses a document with an empty page tree as damaged; qpdf tells the two apart.
    try:
        with pikepdf.open(path) as document:
            return len(document.pages) == 0
    except (pikepdf.PdfError, ValueError):
        return False


def _pdfium_reason(message: str) -> str:
    # pdfium's messages are terse English ("Incorrect password error."); say it plainly.
    lowered = message.lower()
    if "password" in lowered or "security" in lowered:
        return "the PDF is protected by a password"
    if "file" in lowered and "not found" in lowered:
        return "the file cannot be read"
    return "the file is damaged or not a PDF"

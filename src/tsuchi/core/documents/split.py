"""Cut a batch PDF into one standalone PDF per notice, streaming page by page.

The source is opened once with pdfium (text and page copying) and read in page order; only the
text of the notice being assembled is held, and the parser is re-opened every few hundred pages
to drop its object cache, so memory barely grows with the batch. Pages are copied without
decoding or recompressing their streams, which is what makes the split fast (see MEASURED.md).
Each written notice carries the font subsets it uses; with fonts subset once for the whole
batch that means the whole batch's subsets.

Two workers can split one batch: give each a ``page_range`` (``(1, n)`` and ``(n + 1, last)``).
Each yields exactly the notices that *start* inside its range: leading pages that continue a
notice begun before the range are skipped, and the last notice is followed past the end of the
range until the next notice starts. Together the workers yield every notice exactly once.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from tsuchi.core.documents.extract import (
    Extraction,
    PageContent,
    clean_value,
    extract_fields,
    find_label_value,
    normalize_text,
)
from tsuchi.core.documents.pdf import open_pdfium
from tsuchi.core.errors import Location, PdfError, Problem
from tsuchi.core.profiles import FieldSpec, Profile

MM = 72 / 25.4
"""PDF points per millimetre."""

# pdfium caches every object it has parsed; re-opening the source every so many pages
# bounds that cache, which is what keeps peak memory flat on a 10,000-page batch.
_REOPEN_EVERY = 400
_WHITESPACE = re.compile(r"\s+")
_SPACES = re.compile(r"[^\S\n]+")
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s]+')


@dataclass(frozen=True, slots=True)
class NoticeDocument:
    """One notice cut from the batch: its pages and their text.

    Valid for writing (:func:`write_notice`) until the iterator that produced it is advanced.
    """

    file: str
    """Name of the batch PDF it came from."""
    sequence: int
    """1-based position among the notices this split yielded (not stable across page ranges)."""
    pages: tuple[PageContent, ...]
    """The notice's pages in order, with their text."""
    source: pdfium.PdfDocument = field(repr=False, compare=False)
    """The open batch PDF the pages are copied from."""

    @property
    def first_page(self) -> int:
        """1-based batch page number of the notice's first page (stable across page ranges)."""
        return self.pages[0].number

    @property
    def page_numbers(self) -> tuple[int, ...]:
        """1-based batch page numbers of the notice's pages."""
        return tuple(page.number for page in self.pages)

    @property
    def page_texts(self) -> tuple[str, ...]:
        """Text of each page, ``\\n`` line ends."""
        return tuple(page.text for page in self.pages)


@dataclass(frozen=True, slots=True)
class SplitNotice:
    """A notice written to its own file, with what was read from it."""

    path: Path
    """The standalone PDF written for this notice."""
    first_page: int
    """1-based batch page number of the notice's first page."""
    page_numbers: tuple[int, ...]
    """1-based batch page numbers of the notice's pages."""
    extraction: Extraction
    """Fields read and problems found (including a duplicate file name)."""


def split_batch(
    path: str | Path,
    profile: Profile,
    *,
    page_range: tuple[int, int] | None = None,
) -> Iterator[NoticeDocument]:
    """Yield the notices of the batch PDF at ``path``, cut by ``profile.split``.

    The whole :class:`Profile` is taken (not only its split rule) so that the text inside each
    field's rectangle is read while the page is open. Page 1 of the batch always starts a notice.
    Rules: ``fixed`` starts a notice every ``pages`` pages; ``pattern`` on each page whose text
    (each line with its spaces removed; ``^`` and ``$`` match at line ends) matches
    ``start_pattern``; ``key`` on each page whose key field has a
    value different from the last value seen (pages without a value continue the notice).

    ``page_range`` ``(first, last)`` (1-based, inclusive) limits the split to the notices that
    start in that range, following the last one past ``last`` as far as it goes; see the module
    docstring for splitting one batch across workers. Raises :class:`PdfError` for an unusable
    file or a range outside the document.
    """
    path = Path(path)
    reader = _PageReader(path, profile)
    try:
        yield from _notices(reader, profile, page_range)
    finally:
        reader.close()


def write_notice(document: NoticeDocument, out_path: str | Path) -> Path:
    """Write ``document``'s pages as a standalone PDF at ``out_path`` (atomically) and return it.

    pdfium copies the pages' objects with their streams as they are (no decode, no
    recompression); it was measured faster and leaner than pikepdf for this (see
    ``docs/profiles.md``). The file is written under a temporary name in the same folder and
    renamed, so a reader never sees half a file. Its bytes differ between runs only by the
    creation date and ID pdfium writes.
    """
    out_path = Path(out_path)
    partial = out_path.with_name(out_path.name + ".part")
    out = pdfium.PdfDocument.new()
    try:
        out.import_pages(document.source, [page.number - 1 for page in document.pages])
        out.save(partial)
        os.replace(partial, out_path)
    except (OSError, pdfium.PdfiumError) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise PdfError(
            f"cannot write notice starting at page {document.first_page}: {exc}",
            location=Location(file=document.file, page=document.first_page),
        ) from exc
    finally:
        out.close()
    return out_path


def split_to_files(
    path: str | Path,
    profile: Profile,
    out_dir: str | Path,
    *,
    page_range: tuple[int, int] | None = None,
) -> Iterator[SplitNotice]:
    """Split, extract and write each notice to ``out_dir``, yielding one result per notice.

    Files are named by :func:`notice_filename`. A name already used in this run (the same notice
    number twice) gets ``-p<first page>`` appended and a ``duplicate_name`` problem. Existing
    files of the same name are replaced.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    for document in split_batch(path, profile, page_range=page_range):
        extraction = extract_fields(document, profile)
        name = notice_filename(profile, extraction.fields, document.first_page)
        if name in used:
            name = f"{name.removesuffix('.pdf')}-p{document.first_page:05d}.pdf"
            extraction.problems.append(
                Problem(
                    "duplicate_name",
                    "another notice in this batch has the same file name",
                    Location(file=document.file, page=document.first_page),
                )
            )
        used.add(name)
        written = write_notice(document, out_dir / name)
        yield SplitNotice(
            path=written,
            first_page=document.first_page,
            page_numbers=document.page_numbers,
            extraction=extraction,
        )


def notice_filename(profile: Profile, fields: dict[str, str], first_page: int) -> str:
    """Stable file name of a notice: its notice number made safe, else ``notice-p00001.pdf``.

    The field used is ``profile.filename_field``, else ``notice_number`` when the profile has
    one. The fallback numbers by the notice's first batch page, which does not depend on how the
    batch was divided between workers.
    """
    field_name = profile.filename_field
    if field_name is None and "notice_number" in profile.field_names:
        field_name = "notice_number"
    value = fields.get(field_name) if field_name else None
    if value:
        safe = _UNSAFE_FILENAME.sub("_", unicodedata.normalize("NFKC", value)).strip("._")
        if safe:
            return f"{safe[:120]}.pdf"
    return f"notice-p{first_page:05d}.pdf"


# ---------------------------------------------------------------------------------------------


class _PageReader:
    """Reads pages of one batch in order, re-opening the source now and then to bound caches."""

    def __init__(self, path: Path, profile: Profile) -> None:
        self.path = path
        self.file = path.name
        self.profile = profile
        self._pdfium_cm = open_pdfium(path)
        self.pdfium = self._pdfium_cm.__enter__()
        self.page_count = len(self.pdfium)
        self.reads = 0

    def close(self) -> None:
        self._pdfium_cm.__exit__(None, None, None)

    def maybe_reopen(self) -> None:
        """Between notices: drop the parser's object cache every few hundred pages."""
        if self.reads < _REOPEN_EVERY:
            return
        self.reads = 0
        self._pdfium_cm.__exit__(None, None, None)
        self._pdfium_cm = open_pdfium(self.path)
        self.pdfium = self._pdfium_cm.__enter__()

    def open(self, number: int) -> _OpenPage:
        self.reads += 1
        try:
            page = self.pdfium[number - 1]
            textpage = page.get_textpage()
            text = normalize_text(textpage.get_text_range())
        except pdfium.PdfiumError as exc:
            raise PdfError(
                "the page cannot be read", location=Location(file=self.file, page=number)
            ) from exc
        return _OpenPage(number, page, textpage, text)


@dataclass(slots=True)
class _OpenPage:
    number: int
    page: pdfium.PdfPage
    textpage: pdfium.PdfTextPage
    text: str
    origin: tuple[float, float] | None = None
    """Top-left corner of the crop box in PDF points, read on first use."""

    def rect_text(self, spec: FieldSpec) -> str:
        assert spec.rect_mm is not None  # noqa: S101 - callers pass rectangle fields only
        if self.origin is None:
            left, _bottom, _right, top = self.page.get_cropbox()
            self.origin = (left, top)
        left, top = self.origin
        x, y, width, height = spec.rect_mm
        # Profiles measure from the top-left in mm; PDF user space starts bottom-left in points.
        return str(
            self.textpage.get_text_bounded(
                left=left + x * MM,
                bottom=top - (y + height) * MM,
                right=left + (x + width) * MM,
                top=top - y * MM,
            )
        )

    def finish(self, fields: tuple[FieldSpec, ...]) -> PageContent:
        rect_texts = {spec.name: self.rect_text(spec) for spec in fields if spec.rect_mm}
        text_objects = image_objects = 0
        if not self.text.strip():
            # Only pages without text are inspected further: it tells a scan from a font
            # without a ToUnicode map, and costs nothing on ordinary pages.
            for obj in self.page.get_objects():
                if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
                    text_objects += 1
                elif obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                    image_objects += 1
        content = PageContent(
            number=self.number,
            text=self.text,
            rect_texts=rect_texts,
            text_objects=text_objects,
            image_objects=image_objects,
        )
        self.textpage.close()
        self.page.close()
        return content

    def close(self) -> None:
        self.textpage.close()
        self.page.close()


def _notices(
    reader: _PageReader, profile: Profile, page_range: tuple[int, int] | None
) -> Iterator[NoticeDocument]:
    last_page = reader.page_count
    first, last = page_range if page_range is not None else (1, last_page)
    if not 1 <= first <= last <= last_page:
        raise PdfError(
            f"page range {first}-{last} is outside the document's pages 1-{last_page}",
            location=Location(file=reader.file),
        )
    rule = profile.split
    key_spec = profile.field(rule.field) if rule.rule == "key" and rule.field else None
    # Matched line by line (``^``/``$`` work) with spaces removed, because pdfium renders the
    # ideographic space as U+3000, as an ASCII space or not at all.
    start_re = re.compile(rule.start_pattern, re.MULTILINE) if rule.start_pattern else None
    fields_by_page: dict[int, tuple[FieldSpec, ...]] = {}
    for spec in profile.fields:
        fields_by_page[spec.page] = (*fields_by_page.get(spec.page, ()), spec)

    def key_of(page: _OpenPage) -> str | None:
        assert key_spec is not None  # noqa: S101 - only called for the key rule
        if key_spec.label is not None:
            value = find_label_value(page.text, key_spec.label, pattern=key_spec.pattern)
        else:
            value = clean_value(page.rect_text(key_spec)) or None
        return _WHITESPACE.sub("", value) if value else None

    last_key: str | None = None
    if key_spec is not None and first > 1:
        # The key in force at the range's start is the last one seen before it.
        for number in range(first - 1, 0, -1):
            page = reader.open(number)
            last_key = key_of(page)
            page.close()
            if last_key is not None:
                break

    current: list[PageContent] = []
    sequence = 0
    for number in range(first, last_page + 1):
        page = reader.open(number)
        if rule.rule == "fixed":
            assert rule.pages is not None  # noqa: S101 - validated by the profile loader
            starts = (number - 1) % rule.pages == 0
        elif rule.rule == "pattern":
            assert start_re is not None  # noqa: S101 - validated by the profile loader
            starts = number == 1 or bool(start_re.search(_SPACES.sub("", page.text)))
        else:
            key = key_of(page)
            starts = number == 1 or (key is not None and key != last_key)
            if key is not None:
                last_key = key
        if starts and number > last:
            page.close()
            break
        if not starts and not current:
            # Continuation of a notice that started before the range: its owner writes it.
            page.close()
            continue
        content = page.finish(fields_by_page.get(1 if starts else len(current) + 1, ()))
        if starts and current:
            sequence += 1
            yield NoticeDocument(reader.file, sequence, tuple(current), reader.pdfium)
            current = []
            # Between notices no page is open, so both parsers can be replaced safely.
            reader.maybe_reopen()
        current.append(content)
    if current:
        sequence += 1
        yield NoticeDocument(reader.file, sequence, tuple(current), reader.pdfium)

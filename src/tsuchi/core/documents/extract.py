"""Read a notice's fields from its text layer, and report pages whose text cannot be trusted.

Fields are found by label (a regular expression; the value is the rest of that line), by
rectangle (text inside an area given in mm from the page's top-left), or both, in which case
both must give the same value. Nothing is guessed: a field that is missing, ambiguous or does
not look as the profile says is left out of :attr:`Extraction.fields` and reported as a
:class:`~tsuchi.core.errors.Problem`.

Text from pdfium has quirks (``\\r\\n`` line ends, an ideographic space U+3000 that sometimes
comes out as an ASCII space). Values are returned with line ends removed and each run of spaces
of either kind replaced by one ASCII space; compare them with whitespace removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, cast

from tsuchi.core.errors import Location, Problem
from tsuchi.core.profiles import FieldSpec, Profile

if TYPE_CHECKING:
    from tsuchi.core.documents.split import NoticeDocument

_SPACES = re.compile(r"[ \t\u3000\u00a0]+")
_WHITESPACE = re.compile(r"\s+")
_LEADING_SEPARATORS = " \t\u3000:："
# Control characters other than line ends and tabs are what pdfium returns for glyphs whose
# font has no usable ToUnicode map, alongside U+FFFD.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")


@dataclass(frozen=True, slots=True)
class PageContent:
    """The text read from one page of the batch."""

    number: int
    """1-based page number in the batch PDF."""
    text: str
    """Whole-page text with ``\\n`` line ends."""
    rect_texts: Mapping[str, str] = field(default_factory=dict)
    """Field name → text inside that field's rectangle, for the fields this page holds."""
    text_objects: int = 0
    """Text objects drawn on the page; only counted when the page yields no text."""
    image_objects: int = 0
    """Images drawn on the page; only counted when the page yields no text."""


@dataclass(frozen=True, slots=True)
class Extraction:
    """Fields read from one notice and the problems found while reading it."""

    fields: dict[str, str]
    """Field name → value, only for fields found unambiguously."""
    problems: list[Problem]
    """Everything a clerk must look at: pages without text, 外字, missing or conflicting fields."""

    @property
    def ok(self) -> bool:
        """True when no problem of severity ``error`` was found."""
        return not any(problem.severity == "error" for problem in self.problems)


def extract_fields(
    notice: NoticeDocument | Sequence[PageContent] | Sequence[str],
    profile: Profile,
    *,
    file: str | None = None,
) -> Extraction:
    """Read every field of ``profile`` from one notice's pages and check each page's text.

    ``notice`` is a :class:`~tsuchi.core.documents.split.NoticeDocument` from
    :func:`~tsuchi.core.documents.split.split_batch`, its pages, or plain page texts (numbered
    from 1; label fields only). Rectangle fields need the rectangle texts that ``split_batch``
    read for the same profile. Problems carry the batch page
    number and the field name; ``file`` (default: the notice's source file name) names the file.
    """
    pages: Sequence[PageContent]
    if isinstance(notice, Sequence):
        given = cast("Sequence[PageContent | str]", notice)
        pages = [_as_page(index, page) for index, page in enumerate(given, start=1)]
    else:
        pages = notice.pages
        file = file or notice.file
    problems: list[Problem] = []
    for page in pages:
        problems.extend(check_page_text(page, file=file))
    values: dict[str, str] = {}
    for spec in profile.fields:
        value = _extract_field(spec, pages, file, problems)
        if value is not None:
            values[spec.name] = value
    return Extraction(fields=values, problems=problems)


def _as_page(number: int, page: PageContent | str) -> PageContent:
    if isinstance(page, str):
        return PageContent(number=number, text=normalize_text(page))
    return page


def check_page_text(page: PageContent, *, file: str | None = None) -> list[Problem]:
    """Report why a page's text cannot be trusted: no text, 外字, or an unmapped font.

    Never repairs anything. Messages name code points, never the surrounding (personal) text.
    """
    location = Location(file=file, page=page.number)
    text = page.text
    if not text.strip():
        if page.text_objects:
            return [
                Problem(
                    "unmapped_font",
                    "text is drawn but cannot be read (a font without a ToUnicode map)",
                    location,
                )
            ]
        if page.image_objects:
            return [Problem("no_text", "the page has no text, only images (scanned?)", location)]
        return [Problem("no_text", "the page has no text (blank page?)", location)]
    problems: list[Problem] = []
    private = sorted(set(_PRIVATE_USE.findall(text)))
    if private:
        codes = ", ".join(f"U+{ord(char):04X}" for char in private[:10])
        problems.append(
            Problem("gaiji", f"private-use characters (外字) in the text: {codes}", location)
        )
    visible = len(_WHITESPACE.sub("", text))
    broken = len(_CONTROL.findall(text))
    # A single stray U+FFFD already means a glyph was lost; a few control characters can be
    # harmless artefacts, a large share means the font's text mapping is missing or wrong.
    if "\ufffd" in text or (visible and broken / visible > 0.05):
        problems.append(
            Problem(
                "unmapped_font",
                f"{broken} of {visible} characters cannot be read (font without a usable"
                " ToUnicode map?)",
                location,
            )
        )
    return problems


def find_label_value(text: str, label: str, *, pattern: str | None = None) -> str | None:
    """Return the text after the first line matching ``label`` (see :func:`extract_fields`).

    With ``pattern``, the value is the first match of ``pattern`` in that rest of line, or None.
    """
    label_re = _compile(label)
    for line in text.split("\n"):
        match = label_re.search(line)
        if match is None:
            continue
        rest = clean_value(line[match.end() :]).lstrip(_LEADING_SEPARATORS)
        if pattern is not None:
            found = _compile(pattern).search(rest)
            return found.group(0) if found else None
        return rest or None
    return None


def clean_value(text: str) -> str:
    """Drop line ends and turn each run of spaces (ASCII, U+3000, tab) into one ASCII space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def normalize_text(text: str) -> str:
    """Page text with ``\\n`` line ends (pdfium gives ``\\r\\n``)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def compact(value: str) -> str:
    """``value`` in NFKC with all whitespace removed: the form two readings are compared in."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", value))


@lru_cache(maxsize=256)
def _compile(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


def _extract_field(
    spec: FieldSpec, pages: Sequence[PageContent], file: str | None, problems: list[Problem]
) -> str | None:
    if spec.page > len(pages):
        if spec.required:
            problems.append(
                Problem(
                    "field_missing",
                    f"field {spec.name} is on page {spec.page} of the notice, which has"
                    f" {len(pages)} page(s)",
                    Location(file=file, page=pages[0].number if pages else None, column=spec.name),
                )
            )
        return None
    page = pages[spec.page - 1]
    location = Location(file=file, page=page.number, column=spec.name)

    by_label: str | None = None
    if spec.label is not None:
        by_label = find_label_value(page.text, spec.label, pattern=spec.pattern)
        by_label = _strip_suffix(by_label, spec.strip_suffix)
    by_rect: str | None = None
    if spec.rect_mm is not None:
        raw = page.rect_texts.get(spec.name)
        if raw is None:
            problems.append(
                Problem(
                    "rect_not_read",
                    f"the rectangle of field {spec.name} was not read (split with this profile)",
                    location,
                )
            )
            return None
        by_rect = clean_value(raw) or None
        if by_rect is not None and spec.label is not None:
            # A rectangle drawn around a labelled value usually holds the label too.
            after_label = find_label_value(normalize_text(raw), spec.label)
            if after_label is not None:
                by_rect = after_label
        if by_rect is not None and spec.pattern is not None:
            found = _compile(spec.pattern).search(by_rect)
            by_rect = found.group(0) if found else None
        by_rect = _strip_suffix(by_rect, spec.strip_suffix)

    if spec.label is not None and spec.rect_mm is not None:
        if by_label is not None and by_rect is not None and compact(by_label) != compact(by_rect):
            problems.append(
                Problem(
                    "field_disagrees",
                    f"field {spec.name} reads differently after its label and in its rectangle",
                    location,
                )
            )
            return None
        if (by_label is None) != (by_rect is None):
            where = "after its label" if by_rect is None else "in its rectangle"
            problems.append(
                Problem("field_missing", f"field {spec.name} was not found {where}", location)
            )
            return None
    value = by_label if by_label is not None else by_rect
    if value is None and spec.required:
        how = "matching its pattern" if spec.pattern else ""
        problems.append(
            Problem("field_missing", f"field {spec.name} was not found {how}".strip(), location)
        )
    return value


def _strip_suffix(value: str | None, suffix: str | None) -> str | None:
    if value is None or not suffix:
        return value
    if value.endswith(suffix):
        value = value[: -len(suffix)].rstrip()
    return value or None

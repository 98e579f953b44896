"""Problems found by ``tsuchi.core`` in the clerk's language.

The core returns English messages with stable codes; the web shows the translated text for the
code, with where it is (page, CSV line, column), and falls back to the core's English message
for a code it does not know yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tsuchi.core.errors import TsuchiError

PROBLEM_TEXT = {
    "no_text": gettext_lazy("The page has no text (a scanned or blank page?)."),
    "gaiji": gettext_lazy("The page uses private characters (外字) that cannot be read."),
    "unmapped_font": gettext_lazy("The page's font cannot be read as text."),
    "field_missing": gettext_lazy("A field could not be read from the notice."),
    "field_disagrees": gettext_lazy("The label and the area of a field give different values."),
    "rect_not_read": gettext_lazy("Nothing could be read in a field's area."),
    "duplicate_name": gettext_lazy("Two notices have the same notice number."),
    "my_number": gettext_lazy(
        "The notice shows a My Number (個人番号); it may not be sent electronically."
    ),
    "missing_key": gettext_lazy("The application number cannot be read from the notice."),
    "ambiguous_key": gettext_lazy(
        "The same application number is on several notices or applications."
    ),
    "contact_shared": gettext_lazy("The contact is the same as another applicant's."),
    "duplicate_key": gettext_lazy("The application number appears on another row."),
    "missing_value": gettext_lazy("A required value is empty."),
    "invalid_email": gettext_lazy("The email address is not valid."),
    "legacy_email": gettext_lazy(
        "Old-style mobile carrier email address (accepted; please check)."
    ),
    "invalid_phone": gettext_lazy("The telephone number is not valid."),
    "invalid_postal_code": gettext_lazy("The postal code is not valid (7 digits)."),
    "too_many_cells": gettext_lazy("The row has more cells than the header has columns."),
}


def _where(problem: Mapping[str, Any]) -> str:
    parts = []
    if problem.get("page"):
        parts.append(_("page %(page)s") % {"page": problem["page"]})
    if problem.get("row"):
        parts.append(_("CSV line %(row)s") % {"row": problem["row"]})
    if problem.get("column"):
        parts.append(str(problem["column"]))
    return "、".join(parts)


def problem_text(problem: Mapping[str, Any]) -> str:
    """One problem (``{code, message, page, row, column}``) as a sentence for the clerk."""
    text = PROBLEM_TEXT.get(problem.get("code", ""))
    sentence = str(text) if text is not None else str(problem.get("message", ""))
    where = _where(problem)
    return _("%(where)s: %(text)s") % {"where": where, "text": sentence} if where else sentence


def problem_summary(problems: Iterable[Mapping[str, Any]]) -> list[str]:
    """How many CSV rows or pages have each kind of problem, e.g. "3 rows: the email address
    is not valid", in the clerk's language."""
    counts = Counter(p.get("code", "") for p in problems)
    lines = []
    for code, count in counts.most_common():
        text = PROBLEM_TEXT.get(code)
        label = str(text) if text is not None else code
        lines.append(
            ngettext("%(count)d place: %(problem)s", "%(count)d places: %(problem)s", count)
            % {"count": count, "problem": label}
        )
    return lines


ERROR_TEXT = {
    "pdf_encrypted": gettext_lazy(
        "The PDF is protected by a password. Export it again from the core system without one."
    ),
    "pdf_damaged": gettext_lazy("The file is damaged or is not a PDF."),
    "pdf_no_pages": gettext_lazy("The PDF has no pages."),
    "file_empty": gettext_lazy("The file is empty."),
    "file_unreadable": gettext_lazy("The file cannot be read."),
    "csv_encoding": gettext_lazy(
        "The CSV's character encoding cannot be read; save it as UTF-8 or Shift_JIS (CP932)."
    ),
    "csv_bad_line": gettext_lazy("A line of the CSV cannot be read."),
    "csv_duplicate_column": gettext_lazy("A column name appears twice in the CSV header."),
    "csv_missing_column": gettext_lazy("A column the profile needs is missing from the CSV."),
}


def error_text(error: TsuchiError) -> str:
    """A core error as a sentence for the clerk: file, line, column, and what is wrong."""
    text = ERROR_TEXT.get(error.code)
    if text is None:
        return str(error)
    location = error.location
    where = _where({"row": location.row, "column": location.column, "page": location.page})
    parts = [part for part in (location.file, where) if part]
    if not parts:
        return str(text)
    return _("%(where)s: %(text)s") % {"where": "、".join(parts), "text": text}

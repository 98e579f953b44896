"""Read application records from an e-application CSV export, and write CSV files.

Reading detects the encoding (UTF-8 with or without BOM, CP932 — never the ``shift_jis``
codec, which fails on 髙, 﨑, ①, ～), keeps every cell as text so that leading zeros survive,
and collects per-row problems instead of stopping at the first one. Only a file that cannot
be read as a table at all (undecodable, empty, header without a required column, duplicate
column names) raises :class:`~tsuchi.core.errors.CsvError`.

Writing produces UTF-8 with BOM (Excel opens it as UTF-8) or CP932 on request, and never
leaves a half-written file.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from tsuchi.core.errors import CsvError, Location, Problem
from tsuchi.core.records.normalize import (
    normalize_email,
    normalize_phone,
    normalize_postal_code,
)

__all__ = [
    "ApplicationRow",
    "RecordTable",
    "UnencodableCharactersError",
    "read_records",
    "write_csv",
]

# Clerk sentences for the summary, by problem code: (one row, n rows).
_SUMMARY_SENTENCES: Mapping[str, tuple[str, str]] = {
    "duplicate_key": (
        "1 row has an application number that appears on another row",
        "{n} rows have an application number that appears on another row",
    ),
    "missing_value": ("1 row is missing a required value", "{n} rows are missing a required value"),
    "invalid_email": (
        "1 row has an invalid email address",
        "{n} rows have an invalid email address",
    ),
    "legacy_email": (
        "1 row has an old-style mobile carrier email address (accepted; please check)",
        "{n} rows have an old-style mobile carrier email address (accepted; please check)",
    ),
    "invalid_phone": (
        "1 row has an invalid telephone number",
        "{n} rows have an invalid telephone number",
    ),
    "invalid_postal_code": (
        "1 row has an invalid postal code",
        "{n} rows have an invalid postal code",
    ),
    "too_many_cells": (
        "1 row has more cells than the header has columns",
        "{n} rows have more cells than the header has columns",
    ),
}

# Logical fields whose values are checked on import, with the problem each raises.
_CHECKED_FIELDS = ("email", "mobile", "postal_code")


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    """One application record: a non-empty data row of the CSV."""

    row: int
    """1-based line number in the file where the record starts (the header is line 1)."""
    key: str
    """The record's key value (e.g. the application number) as imported."""
    values: Mapping[str, str]
    """Every column of the row by CSV header, stripped, as imported."""
    fields: Mapping[str, str]
    """The mapped columns by logical field name (``applicant_name`` …), stripped, raw."""


@dataclass(frozen=True, slots=True)
class RecordTable:
    """The application records of one CSV file, with the problems found in them."""

    file: str
    """Name of the file, as given by the caller."""
    encoding: str
    """The detected encoding: ``utf-8-sig``, ``utf-8`` or ``cp932``."""
    header: tuple[str, ...]
    """Column names as in the file (stripped)."""
    records: tuple[ApplicationRow, ...]
    """Non-empty data rows in file order."""
    problems: tuple[Problem, ...] = ()
    """Row problems (duplicate keys, invalid values); they do not stop the import."""
    empty_rows: int = 0
    """How many empty rows were skipped."""
    columns: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Logical field name → CSV header, for the mapped columns present in the file."""
    _by_row: Mapping[int, ApplicationRow] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_row = MappingProxyType({record.row: record for record in self.records})
        object.__setattr__(self, "_by_row", by_row)

    def record_at(self, row: int) -> ApplicationRow | None:
        """Return the record that starts on a given line, or ``None``."""
        return self._by_row.get(row)

    def problems_for(self, row: int) -> tuple[Problem, ...]:
        """Return the problems found on one line."""
        return tuple(p for p in self.problems if p.location.row == row)

    def summary(self) -> list[str]:
        """Summarize the problems as clerk sentences, one per problem code (English).

        The web layer translates by :attr:`Problem.code`; the sentences here are the English
        text, e.g. ``"3 rows have an invalid email address"``.
        """
        rows_by_code: dict[str, set[int | None]] = defaultdict(set)
        for problem in self.problems:
            rows_by_code[problem.code].add(problem.location.row)
        sentences = []
        for code, rows in rows_by_code.items():
            one, many = _SUMMARY_SENTENCES.get(code, (f"1 row: {code}", "{n} rows: " + code))
            sentences.append(one if len(rows) == 1 else many.format(n=len(rows)))
        if self.empty_rows:
            sentences.append(
                "1 empty row was skipped"
                if self.empty_rows == 1
                else f"{self.empty_rows} empty rows were skipped"
            )
        return sentences


def _first_bad_line(data: bytes, encoding: str) -> int:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return data.count(b"\n", 0, exc.start) + 1
    return 0


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start + len(codecs.BOM_UTF8)) + 1
            raise CsvError(
                f"The file starts as UTF-8 but line {line} is not valid UTF-8.",
                location=Location(file=filename, row=line),
                code="csv_encoding",
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CsvError(
            "The file is UTF-16; save it as UTF-8 or Shift_JIS (CP932) CSV.",
            location=Location(file=filename),
            code="csv_encoding",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError:
        line = max(_first_bad_line(data, "utf-8"), _first_bad_line(data, "cp932"))
        raise CsvError(
            f"The file is neither UTF-8 nor Shift_JIS (CP932): line {line} cannot be read "
            "in either encoding.",
            location=Location(file=filename, row=line),
            code="csv_encoding",
        ) from None


def read_records(
    source: Path | bytes,
    *,
    filename: str,
    columns: Mapping[str, str],
    key: str,
    required: Collection[str],
) -> RecordTable:
    """Read application records from CSV bytes or a file.

    ``columns`` maps logical field names (``application_number`` …) to CSV headers; ``key``
    is the logical field that identifies a record; ``required`` the logical fields that must
    be present as columns (the key always is). Cells are stripped and kept as text.

    Raises :class:`CsvError` (with file, row 1 and column) when the file cannot be decoded,
    is empty, lacks a required column or names a column twice. Row problems — duplicate key
    (both rows named), empty required value, invalid email, telephone or postal code — are
    collected in :attr:`RecordTable.problems`.
    """
    if isinstance(source, bytes):
        data = source
    else:
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise CsvError(
                f"The file cannot be read ({exc.strerror}).",
                location=Location(file=filename),
                code="file_unreadable",
            ) from None
    text, encoding = _decode(data, filename)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        raw_header = next(reader, None)
    except csv.Error as exc:
        raise CsvError(
            f"The header cannot be read: {exc}",
            location=Location(filename, row=1),
            code="csv_bad_line",
        ) from None
    if raw_header is None or not any(cell.strip() for cell in raw_header):
        raise CsvError(
            "The file is empty (no header row).",
            location=Location(filename, row=1),
            code="file_empty",
        )
    header = tuple(cell.strip() for cell in raw_header)

    for name, count in Counter(header).items():
        if count > 1 and name:
            raise CsvError(
                f"The column {name!r} appears {count} times in the header.",
                location=Location(filename, row=1, column=name),
                code="csv_duplicate_column",
            )
    for logical in {key, *required}:
        column = columns.get(logical)
        if column is None:
            raise CsvError(
                f"No CSV column is configured for the field {logical!r}.",
                location=Location(filename, row=1, column=logical),
            )
        if column not in header:
            raise CsvError(
                f"The required column {column!r} is missing from the header.",
                location=Location(filename, row=1, column=column),
                code="csv_missing_column",
            )
    mapped = {logical: column for logical, column in columns.items() if column in header}

    problems: list[Problem] = []
    records: list[ApplicationRow] = []
    empty_rows = 0
    line = reader.line_num
    try:
        for cells in reader:
            row = line + 1
            line = reader.line_num
            stripped = [cell.strip() for cell in cells]
            if not any(stripped):
                empty_rows += 1
                continue
            if len(stripped) > len(header) and any(stripped[len(header) :]):
                problems.append(
                    Problem(
                        "too_many_cells",
                        f"The row has {len(stripped)} cells but the header has {len(header)} "
                        "columns.",
                        Location(filename, row=row),
                    )
                )
            # Spreadsheets drop trailing empty cells; missing cells read as empty.
            stripped += [""] * (len(header) - len(stripped))
            values = {name: stripped[i] for i, name in enumerate(header) if name}
            fields = {logical: values[column] for logical, column in mapped.items()}
            records.append(
                ApplicationRow(
                    row=row,
                    key=fields.get(key, ""),
                    values=MappingProxyType(values),
                    fields=MappingProxyType(fields),
                )
            )
    except csv.Error as exc:
        raise CsvError(
            f"Line {reader.line_num} cannot be read as CSV: {exc}",
            location=Location(filename, row=reader.line_num),
            code="csv_bad_line",
        ) from None

    for record in records:
        problems.extend(_check_record(record, filename, mapped, {key, *required}))
    problems.extend(_duplicate_keys(records, filename, mapped[key]))
    problems.sort(key=lambda p: (p.location.row or 0, p.location.column or ""))
    return RecordTable(
        file=filename,
        encoding=encoding,
        header=header,
        records=tuple(records),
        problems=tuple(problems),
        empty_rows=empty_rows,
        columns=MappingProxyType(mapped),
    )


def _check_record(
    record: ApplicationRow, filename: str, mapped: Mapping[str, str], required: set[str]
) -> list[Problem]:
    problems = []
    for logical in sorted(required):
        if not record.fields.get(logical):
            problems.append(
                Problem(
                    "missing_value",
                    "The required value is empty.",
                    Location(filename, row=record.row, column=mapped[logical]),
                )
            )
    for logical in _CHECKED_FIELDS:
        value = record.fields.get(logical, "")
        if not value:
            continue
        where = Location(filename, row=record.row, column=mapped[logical])
        if logical == "email":
            email = normalize_email(value)
            if not email.valid:
                problems.append(
                    Problem("invalid_email", f"Invalid email address: {email.reason}", where)
                )
            elif email.warning:
                problems.append(
                    Problem(
                        "legacy_email",
                        "Old-style mobile carrier address; accepted, but please check it.",
                        where,
                        severity="warning",
                    )
                )
        elif logical == "mobile":
            phone = normalize_phone(value)
            if not phone.valid:
                problems.append(
                    Problem("invalid_phone", f"Invalid telephone number: {phone.reason}", where)
                )
        elif normalize_postal_code(value) is None:
            problems.append(
                Problem("invalid_postal_code", "A postal code must have 7 digits.", where)
            )
    return problems


def _duplicate_keys(
    records: Sequence[ApplicationRow], filename: str, key_column: str
) -> list[Problem]:
    rows_by_key: dict[str, list[int]] = defaultdict(list)
    for record in records:
        if record.key:
            rows_by_key[record.key].append(record.row)
    problems = []
    for rows in rows_by_key.values():
        if len(rows) < 2:
            continue
        listed = ", ".join(str(r) for r in rows)
        for row in rows:
            problems.append(
                Problem(
                    "duplicate_key",
                    f"The same {key_column} appears on rows {listed}.",
                    Location(filename, row=row, column=key_column),
                )
            )
    return problems


class UnencodableCharactersError(CsvError):
    """Some characters cannot be written in the requested encoding (e.g. CP932)."""

    def __init__(self, message: str, *, problems: Sequence[Problem], location: Location) -> None:
        super().__init__(message, location=location)
        self.problems = tuple(problems)
        """One problem per character that cannot be encoded, with row and column."""


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    encoding: str = "utf-8-sig",
) -> None:
    """Write a CSV file atomically (to a temporary file, then renamed over ``path``).

    ``encoding`` is ``utf-8-sig`` (UTF-8 with BOM, the default: Excel opens it) or ``cp932``.
    With CP932, every character that cannot be encoded is named (row, column, character) in
    an :class:`UnencodableCharactersError` and nothing is written. Lines end with CRLF.
    """
    if encoding not in ("utf-8-sig", "cp932"):
        raise CsvError(
            f"Unsupported CSV encoding {encoding!r}; use utf-8-sig or cp932.",
            location=Location(file=path.name),
        )
    all_rows = [list(header), *([str(cell) for cell in row] for row in rows)]
    if encoding == "cp932":
        _check_encodable(all_rows, header, path.name)
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(all_rows)
    payload = buffer.getvalue().encode(encoding)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(temp_name, path)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise CsvError(
            f"The file cannot be written ({exc.strerror}).", location=Location(file=path.name)
        ) from None


def _check_encodable(rows: Sequence[Sequence[str]], header: Sequence[str], filename: str) -> None:
    problems = []
    for index, row in enumerate(rows):
        for col, cell in enumerate(row):
            for char in cell:
                try:
                    char.encode("cp932")
                except UnicodeEncodeError:
                    column = header[col] if col < len(header) else str(col + 1)
                    problems.append(
                        Problem(
                            "unencodable_character",
                            f"{char!r} (U+{ord(char):04X}) cannot be written in CP932.",
                            Location(filename, row=index + 1, column=column),
                        )
                    )
    if problems:
        details = "; ".join(f"{p.location}: {p.message}" for p in problems)
        raise UnencodableCharactersError(
            f"{len(problems)} character(s) cannot be written in CP932 (Shift_JIS): {details}",
            problems=problems,
            location=problems[0].location,
        )

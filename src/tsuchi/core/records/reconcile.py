"""Reconcile (突合照合) notices extracted from a batch PDF against application records.

Every notice is paired with at most one record and every record with at most one notice, by
the normalized key (the application number). A pair is ``matched`` only when the key and every
verified field are equal after normalization; anything else goes to a clerk with both raw
values side by side. A fuzzy likeness can point a clerk at a probable pair
(:attr:`Pair.suggestion`) but never makes a match on its own.
"""

from __future__ import annotations

import difflib
import enum
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tsuchi.core.errors import Location, Problem
from tsuchi.core.records.csvio import ApplicationRow, RecordTable
from tsuchi.core.records.normalize import (
    NORMALIZERS,
    normalize_email,
    normalize_name,
    normalize_phone,
)

__all__ = [
    "FLAG_MY_NUMBER",
    "FieldDifference",
    "NoticeFields",
    "Outcome",
    "Pair",
    "ReconcileSpec",
    "Reconciliation",
    "Suggestion",
    "default_normalizer",
    "reconcile",
]

FLAG_MY_NUMBER = "my_number"
"""Notice flag: the notice text contains a 個人番号; it must never be sent electronically."""

# A likeness below this is noise for names and addresses of ~20 characters.
SUGGESTION_THRESHOLD = 0.6


class Outcome(enum.StrEnum):
    """What reconciliation concluded for one pair."""

    MATCHED = "matched"
    """Key and every verified field equal after normalization."""
    MISMATCHED = "mismatched"
    """Key equal, at least one verified field differs (see :attr:`Pair.differences`)."""
    NOTICE_WITHOUT_RECORD = "notice_without_record"
    """No record has the notice's key (or the notice has no key)."""
    RECORD_WITHOUT_NOTICE = "record_without_notice"
    """No notice has the record's key."""
    AMBIGUOUS = "ambiguous"
    """The key is on two or more records, or on two or more notices."""
    BLOCKED = "blocked"
    """The notice contains a 個人番号: it goes to paper after a clerk's look, whatever else."""


@dataclass(frozen=True, slots=True)
class NoticeFields:
    """The fields extracted from one notice of a batch PDF."""

    sequence: int
    """1-based position of the notice in the batch."""
    fields: Mapping[str, str]
    """Extracted raw values by logical field name (``application_number`` …)."""
    pages: tuple[int, ...] = ()
    """1-based pages of the batch PDF that make up the notice."""
    flags: frozenset[str] = frozenset()
    """Findings about the notice, e.g. ``{"my_number", "no_text"}``."""


@dataclass(frozen=True, slots=True)
class ReconcileSpec:
    """How to reconcile: which field is the key, which fields must agree, how to compare."""

    key: str
    """Logical field that pairs a notice with a record (e.g. ``application_number``)."""
    verify: tuple[str, ...] = ()
    """Logical fields that must be equal after normalization for a match."""
    normalizers: Mapping[str, str] | None = None
    """Normalizer name per field (``name``, ``kana``, ``address``, ``postal_code``, ``text``,
    ``date``, ``email``, ``phone``); fields not listed get :func:`default_normalizer`."""
    similarity_fields: tuple[str, ...] = ()
    """Fields compared for a fuzzy suggestion; by default the verified fields normalized as
    name, kana or address."""
    applicant_field: str = "applicant_name"
    """Field that tells applicants apart when a contact is shared between records."""
    contact_fields: tuple[str, ...] = ("email", "mobile")
    """Record fields checked for contacts shared between different applicants."""


@dataclass(frozen=True, slots=True)
class FieldDifference:
    """One verified field that differs between a notice and its record."""

    field: str
    """Logical field name."""
    notice_value: str
    """The value as extracted from the notice (raw)."""
    record_value: str
    """The value as imported from the CSV (raw)."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A probable counterpart of an unpaired notice or record, for a clerk to look at."""

    notice_sequence: int | None
    """The suggested notice (for an unpaired record)."""
    record_row: int | None
    """The suggested record's CSV line (for an unpaired notice)."""
    similarity: float
    """0..1 likeness of the normalized names and addresses (difflib ratio)."""


@dataclass(frozen=True, slots=True)
class Pair:
    """One line of the reconciliation: a notice, a record, or both, and the outcome."""

    notice_sequence: int | None
    """The notice's sequence in the batch, or ``None`` for a record without notice."""
    record_row: int | None
    """The record's CSV line, or ``None`` when no single record belongs to the notice."""
    outcome: Outcome
    """What reconciliation concluded."""
    differences: tuple[FieldDifference, ...] = ()
    """Verified fields that differ (for ``mismatched``, and for ``blocked`` pairs)."""
    suggestion: Suggestion | None = None
    """A probable counterpart for an unpaired notice or record; never a match."""
    problems: tuple[Problem, ...] = ()
    """Problems a clerk should see with this pair (record problems, shared contacts …)."""


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The result of reconciling one batch."""

    pairs: tuple[Pair, ...]
    """Notices in sequence order, then records without a notice in file order."""
    _counts: Mapping[Outcome, int] = field(init=False, repr=False, compare=False)
    _by_notice: Mapping[int, Pair] = field(init=False, repr=False, compare=False)
    _by_record: Mapping[int, Pair] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Frozen: the indexes are set once here, so lookups stay O(1) for 10,000-notice batches.
        object.__setattr__(self, "_counts", Counter(pair.outcome for pair in self.pairs))
        by_notice = {p.notice_sequence: p for p in self.pairs if p.notice_sequence is not None}
        by_record = {p.record_row: p for p in self.pairs if p.record_row is not None}
        object.__setattr__(self, "_by_notice", by_notice)
        object.__setattr__(self, "_by_record", by_record)

    def counts(self) -> dict[Outcome, int]:
        """Number of pairs per outcome (every outcome present, zero if none)."""
        return {outcome: self._counts.get(outcome, 0) for outcome in Outcome}

    @property
    def needs_review(self) -> bool:
        """Whether a clerk must look at anything: an unmatched pair or any problem."""
        return any(pair.outcome is not Outcome.MATCHED or pair.problems for pair in self.pairs)

    def pair_for_notice(self, sequence: int) -> Pair | None:
        """Return the pair of one notice, or ``None``."""
        return self._by_notice.get(sequence)

    def pair_for_record(self, row: int) -> Pair | None:
        """Return the pair of one record, or ``None``."""
        return self._by_record.get(row)


def default_normalizer(field_name: str) -> str:
    """The normalizer name used for a field when the spec names none, chosen by its name."""
    if field_name.endswith("kana"):
        return "kana"
    if field_name.endswith("name"):
        return "name"
    if field_name.endswith("address") and field_name != "email_address":
        return "address"
    if field_name in ("postal_code", "zip", "zip_code"):
        return "postal_code"
    if field_name.startswith("email"):
        return "email"
    if field_name in ("mobile", "phone", "telephone"):
        return "phone"
    if field_name.endswith("date"):
        return "date"
    return "text"


def _normalizer(spec: ReconcileSpec, field_name: str) -> Callable[[str], str]:
    name = (spec.normalizers or {}).get(field_name) or default_normalizer(field_name)
    try:
        return NORMALIZERS[name]
    except KeyError:
        # An unknown name is a profile mistake; comparing as text keeps the run going and the
        # profile loader is the place that reports it.
        return NORMALIZERS["text"]


def reconcile(
    notices: Iterable[NoticeFields], table: RecordTable, spec: ReconcileSpec
) -> Reconciliation:
    """Pair every notice with at most one record by the normalized key and compare fields.

    Outcomes: ``matched``, ``mismatched`` (with both raw values of each differing field),
    ``notice_without_record``, ``record_without_notice``, ``ambiguous`` (a key on two or more
    records, or on two or more notices: every notice and record involved gets an ``ambiguous``
    pair and none is matched), and ``blocked`` for a notice flagged ``my_number``: it keeps its
    record (so the record is not reported missing) and its differences, but is never matched;
    ``blocked`` wins over every other outcome of the notice, ``ambiguous`` included.

    Unpaired notices and records may carry a :class:`Suggestion` from a fuzzy likeness of
    names and addresses; it never changes the outcome. Records whose email or mobile is
    shared with a record of a different applicant get a ``contact_shared`` warning.
    """
    notice_list = sorted(notices, key=lambda n: n.sequence)
    key_norm = _normalizer(spec, spec.key)
    similarity_fields = spec.similarity_fields or tuple(
        f
        for f in spec.verify
        if _normalizer(spec, f)
        in (NORMALIZERS["name"], NORMALIZERS["kana"], NORMALIZERS["address"])
    )

    records_by_key: dict[str, list[ApplicationRow]] = defaultdict(list)
    for record in table.records:
        if record.key.strip():
            records_by_key[key_norm(record.key)].append(record)
    notice_keys = {n.sequence: key_norm(n.fields.get(spec.key, "")) for n in notice_list}
    notice_key_counts = Counter(k for k in notice_keys.values() if k)

    record_problems: dict[int, list[Problem]] = defaultdict(list)
    for problem in table.problems:
        if problem.location.row is not None:
            record_problems[problem.location.row].append(problem)
    for row, problem in _shared_contacts(table, spec):
        record_problems[row].append(problem)

    pairs: list[Pair] = []
    used_rows: set[int] = set()
    ambiguous_rows: set[int] = set()
    unpaired_notices: list[int] = []
    for notice in notice_list:
        key = notice_keys[notice.sequence]
        candidates = records_by_key.get(key, []) if key else []
        blocked = FLAG_MY_NUMBER in notice.flags
        notice_problems = []
        if not key:
            notice_problems.append(
                Problem(
                    "missing_key",
                    f"No {spec.key} could be read from the notice.",
                    Location(page=notice.pages[0] if notice.pages else None, column=spec.key),
                )
            )
        if key and (notice_key_counts[key] > 1 or len(candidates) > 1):
            ambiguous_rows.update(r.row for r in candidates)
            pairs.append(
                Pair(
                    notice.sequence,
                    None,
                    # A 個人番号 outranks everything: the notice must reach paper, not a queue.
                    Outcome.BLOCKED if blocked else Outcome.AMBIGUOUS,
                    problems=(_ambiguity_problem(spec, notice_key_counts[key], candidates),),
                )
            )
            continue
        if not candidates:
            outcome = Outcome.BLOCKED if blocked else Outcome.NOTICE_WITHOUT_RECORD
            unpaired_notices.append(len(pairs))
            pairs.append(Pair(notice.sequence, None, outcome, problems=tuple(notice_problems)))
            continue
        record = candidates[0]
        used_rows.add(record.row)
        differences = tuple(_differences(notice, record, spec))
        if blocked:
            outcome = Outcome.BLOCKED
        elif differences:
            outcome = Outcome.MISMATCHED
        else:
            outcome = Outcome.MATCHED
        pairs.append(
            Pair(
                notice.sequence,
                record.row,
                outcome,
                differences=differences,
                problems=tuple(record_problems.get(record.row, ())),
            )
        )

    for row in sorted(ambiguous_rows):
        pairs.append(
            Pair(None, row, Outcome.AMBIGUOUS, problems=tuple(record_problems.get(row, ())))
        )
    unpaired_records = [
        r for r in table.records if r.row not in used_rows and r.row not in ambiguous_rows
    ]
    notices_by_sequence = {n.sequence: n for n in notice_list}
    lonely_notices = [notices_by_sequence[pairs[i].notice_sequence or 0] for i in unpaired_notices]
    for i in unpaired_notices:
        notice = notices_by_sequence[pairs[i].notice_sequence or 0]
        best = _best_match(
            _likeness_text(notice.fields, similarity_fields, spec),
            ((r.row, _likeness_text(r.fields, similarity_fields, spec)) for r in unpaired_records),
        )
        if best:
            pair = pairs[i]
            pairs[i] = Pair(
                pair.notice_sequence,
                None,
                pair.outcome,
                suggestion=Suggestion(None, best[0], best[1]),
                problems=pair.problems,
            )
    for record in unpaired_records:
        best = _best_match(
            _likeness_text(record.fields, similarity_fields, spec),
            (
                (n.sequence, _likeness_text(n.fields, similarity_fields, spec))
                for n in lonely_notices
            ),
        )
        pairs.append(
            Pair(
                None,
                record.row,
                Outcome.RECORD_WITHOUT_NOTICE,
                suggestion=Suggestion(best[0], None, best[1]) if best else None,
                problems=tuple(record_problems.get(record.row, ())),
            )
        )
    return Reconciliation(pairs=tuple(pairs))


def _ambiguity_problem(
    spec: ReconcileSpec, notice_count: int, candidates: Sequence[ApplicationRow]
) -> Problem:
    parts = []
    if notice_count > 1:
        parts.append(f"{notice_count} notices")
    if len(candidates) > 1:
        parts.append("records on rows " + ", ".join(str(r.row) for r in candidates))
    return Problem("ambiguous_key", f"The same {spec.key} is on " + " and ".join(parts) + ".")


def _differences(
    notice: NoticeFields, record: ApplicationRow, spec: ReconcileSpec
) -> Iterable[FieldDifference]:
    for name in spec.verify:
        normalize = _normalizer(spec, name)
        notice_value = notice.fields.get(name, "")
        record_value = record.fields.get(name, "")
        if normalize(notice_value) != normalize(record_value):
            yield FieldDifference(name, notice_value, record_value)


def _likeness_text(values: Mapping[str, str], fields: Sequence[str], spec: ReconcileSpec) -> str:
    return "|".join(_normalizer(spec, f)(values.get(f, "")) for f in fields)


def _best_match(text: str, candidates: Iterable[tuple[int, str]]) -> tuple[int, float] | None:
    if not text.strip("|"):
        return None
    best: tuple[int, float] | None = None
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(text)
    for ident, other in candidates:
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() < SUGGESTION_THRESHOLD:
            continue
        if matcher.quick_ratio() < SUGGESTION_THRESHOLD:
            continue
        ratio = matcher.ratio()
        if ratio >= SUGGESTION_THRESHOLD and (best is None or ratio > best[1]):
            best = (ident, round(ratio, 3))
    return best


def _shared_contacts(table: RecordTable, spec: ReconcileSpec) -> list[tuple[int, Problem]]:
    found = []
    for contact_field in spec.contact_fields:
        rows_by_contact: dict[str, list[ApplicationRow]] = defaultdict(list)
        for record in table.records:
            value = record.fields.get(contact_field, "")
            if not value:
                continue
            if contact_field == "mobile":
                contact = normalize_phone(value).e164
            else:
                email = normalize_email(value).normalized
                contact = email.lower() if email else None
            if contact:
                rows_by_contact[contact].append(record)
        for records in rows_by_contact.values():
            applicants = {normalize_name(r.fields.get(spec.applicant_field, "")) for r in records}
            if len(records) < 2 or len(applicants) < 2:
                continue
            column = table.columns.get(contact_field, contact_field)
            for record in records:
                others = ", ".join(str(r.row) for r in records if r is not record)
                found.append(
                    (
                        record.row,
                        Problem(
                            "contact_shared",
                            f"The {column} is shared with another applicant's record "
                            f"(rows {others}).",
                            Location(table.file, row=record.row, column=column),
                            severity="warning",
                        ),
                    )
                )
    return found

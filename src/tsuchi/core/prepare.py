"""Prepare a batch: split the core system's PDF, read each notice, reconcile, sort, print.

:func:`prepare_batch` glues the pieces of :mod:`tsuchi.core.documents` and
:mod:`tsuchi.core.records` into the one step a clerk runs before signing:

1. validate every input up front (profile, CSV header and encoding, PDF readable) so that an
   unusable input is refused before anything is written;
2. split the batch into one PDF per notice and read each notice's fields, in worker processes
   that each take a contiguous range of pages (``split_batch``'s ``page_range`` makes a notice
   that straddles a range boundary belong to exactly one worker);
3. reconcile (突合照合) the notices against the application records in the parent;
4. decide each notice's channel (electronic only with consent, a contact, a clean match and no
   個人番号 on the notice), move its file into ``electronic/`` or ``paper/``, and assemble the
   paper notices in postal-code order behind a cover list into ``paper/print.pdf``;
5. write ``report.csv`` (UTF-8 with BOM, for the clerk) and ``report.json``.

Everything is written into a temporary sibling of the output folder, which is renamed into
place at the end: the output folder is either whole or absent.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import pickle
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

import pypdfium2 as pdfium

from tsuchi.core.documents.assemble import assemble_print
from tsuchi.core.documents.extract import extract_fields
from tsuchi.core.documents.pdf import open_pdfium
from tsuchi.core.documents.split import (
    NoticeDocument,
    notice_filename,
    split_batch,
    write_notice,
)
from tsuchi.core.errors import InputError, Location, PdfError, Problem, TsuchiError
from tsuchi.core.profiles import Profile
from tsuchi.core.records.csvio import ApplicationRow, RecordTable, read_records, write_csv
from tsuchi.core.records.normalize import (
    find_my_numbers,
    normalize_email,
    normalize_phone,
    normalize_postal_code,
)
from tsuchi.core.records.reconcile import (
    FLAG_MY_NUMBER,
    NoticeFields,
    Outcome,
    Pair,
    ReconcileSpec,
    reconcile,
)
from tsuchi.core.records.sort import (
    ChannelDecision,
    decide_channel,
    order_for_print,
    postal_code_ranges,
)

__all__ = [
    "NoticeOutcome",
    "PrepareResult",
    "assemble_paper_notices",
    "prepare_batch",
    "print_cover_lines",
    "problem_as_dict",
]

ELECTRONIC_DIR = "electronic"
PAPER_DIR = "paper"
PRINT_FILE = "print.pdf"
REPORT_CSV = "report.csv"
REPORT_JSON = "report.json"
_STAGING_DIR = "_staging"
# decide_channel's default, used when the profile names no consent values.
_DEFAULT_CONSENT_VALUES = ("同意する",)

# Below this many pages per worker, starting processes costs more than it saves.
_MIN_PAGES_PER_WORKER = 100
_POLL_SECONDS = 0.1

# Logical field names tried, in order, for the addressee printed on the notice.
_ADDRESSEE_NAME_FIELDS = ("addressee_name", "guardian_name", "applicant_name", "name")
_ADDRESS_FIELDS = ("address", "addressee_address", "applicant_address")
_POSTAL_CODE_FIELDS = ("postal_code", "addressee_postal_code", "zip_code")


@dataclass(frozen=True, slots=True)
class NoticeOutcome:
    """What preparing found for one notice of the batch, and where its file is."""

    sequence: int
    """1-based order of the notice in the batch PDF."""
    pages: tuple[int, ...]
    """1-based page numbers of the notice in the batch PDF."""
    notice_number: str
    """The extracted notice number, ``""`` if none."""
    path: Path
    """The notice's standalone PDF, in ``out_dir/electronic`` or ``out_dir/paper``."""
    sha256: str
    """SHA-256 (hex) of that file."""
    fields: Mapping[str, str]
    """Extracted raw values by logical field name."""
    record_row: int | None
    """The paired (or candidate) application record's CSV line (header = 1)."""
    outcome: str
    """``matched``, ``mismatched``, ``notice_without_record``, ``ambiguous`` or ``blocked``."""
    differences: tuple[Mapping[str, str], ...]
    """Differing verified fields: ``{"field", "notice_value", "record_value"}`` each."""
    suggestion_row: int | None
    """A probable record for an unmatched notice (fuzzy likeness), for a clerk; never a match."""
    channel: str
    """``electronic`` or ``paper``."""
    channel_reason: str
    """``consented`` for electronic, else why paper (``my_number``, ``no_record`` …)."""
    addressee_name: str
    """Addressee name as printed on the notice."""
    postal_code: str
    """Addressee postal code from the notice: 7 digits when valid, else as printed."""
    address: str
    """Addressee address as printed on the notice."""
    email: str
    """The record's email address as given, when valid; else ``""``."""
    mobile: str
    """The record's mobile number in E.164 (``+819012345678``), when it is one; else ``""``."""
    consent: bool
    """Whether the record says the resident agreed to electronic notices."""
    problems: tuple[Problem, ...]
    """Extraction problems of its pages, a 個人番号 found, record and contact warnings."""

    @property
    def needs_review(self) -> bool:
        """Whether a clerk must look at this notice before it goes out."""
        return self.outcome != Outcome.MATCHED.value or any(
            problem.severity == "error" for problem in self.problems
        )


@dataclass(frozen=True, slots=True)
class PrepareResult:
    """Everything :func:`prepare_batch` produced and found."""

    notices: tuple[NoticeOutcome, ...]
    """One outcome per notice, in batch order."""
    records: RecordTable
    """The application records as read (empty when no CSV was given)."""
    records_without_notice: tuple[int, ...]
    """CSV lines of records that no notice belongs to."""
    print_pdf: Path | None
    """``out_dir/paper/print.pdf``, or ``None`` when no notice goes to paper."""
    report_csv: Path
    """``out_dir/report.csv`` (UTF-8 with BOM)."""
    report_json: Path
    """``out_dir/report.json``."""
    problems: tuple[Problem, ...]
    """Input-level problems: CSV rows, then pages (the same page problems are on the notices)."""
    counts: Mapping[str, int]
    """Number of notices by outcome and by channel, plus ``records_without_notice``."""
    needs_review: bool
    """Whether anything needs a clerk: an unmatched notice or record, or an error problem."""
    summary: tuple[str, ...] = ()
    """Summary sentences for the clerk (``"3 rows have an invalid email address"``)."""

    @property
    def exit_code(self) -> int:
        """0 when everything matched and nothing needs review, else 1."""
        return 1 if self.needs_review else 0


# ---------------------------------------------------------------------------------------------
# worker side


@dataclass(frozen=True, slots=True)
class _Extracted:
    """What a worker sends back for one notice (small: no page text, no 個人番号 digits)."""

    first_page: int
    pages: tuple[int, ...]
    staged: str
    sha256: str
    fields: dict[str, str]
    problems: tuple[Problem, ...]
    my_number: bool


_progress_counters: Any = None


def _init_worker(counters: Any) -> None:
    global _progress_counters  # per-process state, set once by the pool
    _progress_counters = counters


def _process_range(
    batch_pdf: str,
    profile: Profile,
    staging: str,
    page_range: tuple[int, int] | None,
    worker: int,
    on_pages: Callable[[int], None] | None = None,
) -> str:
    """Split, extract and stage the notices that start in ``page_range``.

    Returns the path of a file holding one pickled :class:`_Extracted` per notice: written as
    the notices go, so a worker's memory does not grow with its share of the batch.
    """
    results = Path(staging) / f"_worker{worker}.pickle"
    with results.open("wb") as out:
        for document in split_batch(batch_pdf, profile, page_range=page_range):
            _process_notice(document, profile, Path(staging), out)
            if on_pages is not None:
                on_pages(len(document.pages))
            elif _progress_counters is not None:
                # Only this worker writes its slot; the parent reads it for the progress bar.
                _progress_counters[worker] += len(document.pages)
    return str(results)


def _process_notice(
    document: NoticeDocument, profile: Profile, staging: Path, out: BinaryIO
) -> None:
    extraction = extract_fields(document, profile)
    problems = list(extraction.problems)
    my_number_pages = [page.number for page in document.pages if find_my_numbers(page.text)]
    for number in my_number_pages:
        problems.append(
            Problem(
                FLAG_MY_NUMBER,
                "the page shows a My Number (個人番号): the notice may not be sent electronically",
                Location(file=document.file, page=number),
            )
        )
    staged = staging / f"{document.first_page:07d}.pdf"
    write_notice(document, staged)
    item = _Extracted(
        first_page=document.first_page,
        pages=document.page_numbers,
        staged=staged.name,
        sha256=_sha256(staged),
        fields=dict(extraction.fields),
        problems=tuple(problems),
        my_number=bool(my_number_pages),
    )
    pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)


def _load_results(path: str) -> Iterator[_Extracted]:
    with open(path, "rb") as file:
        while True:
            try:
                # Written by our own worker a moment ago into our private folder.
                yield pickle.load(file)  # noqa: S301
            except EOFError:
                break
    os.unlink(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# parent side


class _Progress:
    """Calls the caller's progress callback at most about every 1 % or every 50 pages."""

    def __init__(self, total: int, callback: Callable[[int, int], None] | None) -> None:
        self.total = total
        self.callback = callback
        self.step = max(1, min(50, total // 100))
        self.reported = -1

    def update(self, done: int) -> None:
        if self.callback is None or done == self.reported:
            return
        if done >= self.total or self.reported < 0 or done - self.reported >= self.step:
            self.reported = done
            self.callback(min(done, self.total), self.total)


def prepare_batch(
    batch_pdf: Path,
    records_csv: Path | None,
    profile: Profile,
    out_dir: Path,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PrepareResult:
    """Split, read, reconcile and sort one batch; write notices, print file and reports.

    Writes ``out_dir/electronic/<name>.pdf`` and ``out_dir/paper/<name>.pdf`` (one per notice,
    named by its notice number, see :func:`~tsuchi.core.documents.split.notice_filename`),
    ``out_dir/paper/print.pdf`` (paper notices in postal-code order behind a cover list),
    ``out_dir/report.csv`` and ``out_dir/report.json``. ``records_csv`` ``None`` reconciles
    against no records (every notice is then ``notice_without_record``).

    ``workers`` processes (default: the number of CPUs) each split a contiguous range of pages;
    small batches are done in this process. ``progress(done_pages, total_pages)`` is called as
    pages are done, at most about every 1 % or every 50 pages, and once at the end.

    Raises :class:`~tsuchi.core.errors.InputError` (a ``PdfError`` or ``CsvError`` naming
    file, page, row or column) for unusable input, before anything is written; raises
    ``InputError`` too when ``out_dir`` exists and is not an earlier prepare output (a folder
    holding ``report.json``), which it replaces. Nothing is left behind on any error.
    """
    batch_pdf = Path(batch_pdf)
    out_dir = Path(out_dir)
    table = _read_table(records_csv, profile)
    with open_pdfium(batch_pdf) as document:
        page_count = len(document)
    _check_out_dir(out_dir)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".part", dir=out_dir.parent))
    try:
        staging = work / _STAGING_DIR
        staging.mkdir()
        tracker = _Progress(page_count, progress)
        tracker.update(0)
        extracted = _extract_all(batch_pdf, profile, staging, page_count, workers, tracker)
        tracker.update(page_count)
        result = _finish(batch_pdf, records_csv, table, profile, extracted, work, out_dir)
        staging.rmdir()
        _replace_dir(work, out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return result


def _read_table(records_csv: Path | None, profile: Profile) -> RecordTable:
    if records_csv is None:
        return RecordTable(file="", encoding="", header=(), records=())
    records_csv = Path(records_csv)
    return read_records(
        records_csv,
        filename=records_csv.name,
        columns=profile.csv.columns,
        key=profile.match.key,
        required=(profile.match.key, *profile.match.verify),
    )


def _check_out_dir(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise InputError(
            "the output path exists and is not a folder", location=Location(file=out_dir.name)
        )
    if any(out_dir.iterdir()) and not (out_dir / REPORT_JSON).is_file():
        # Only an earlier prepare output is replaced; any other folder may be the clerk's.
        raise InputError(
            "the output folder exists and is not an earlier prepare output; choose a new folder",
            location=Location(file=out_dir.name),
        )


def _replace_dir(work: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        work.rename(out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent))
    old.rmdir()
    out_dir.rename(old)
    try:
        work.rename(out_dir)
    except OSError:
        old.rename(out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _page_ranges(page_count: int, workers: int) -> list[tuple[int, int]]:
    size, extra = divmod(page_count, workers)
    ranges = []
    first = 1
    for index in range(workers):
        last = first + size - 1 + (1 if index < extra else 0)
        ranges.append((first, last))
        first = last + 1
    return ranges


def _extract_all(
    batch_pdf: Path,
    profile: Profile,
    staging: Path,
    page_count: int,
    workers: int | None,
    tracker: _Progress,
) -> list[_Extracted]:
    wanted = workers if workers is not None else (os.cpu_count() or 1)
    count = max(1, min(wanted, page_count // _MIN_PAGES_PER_WORKER))
    if count == 1:
        done = 0

        def on_pages(pages: int) -> None:
            nonlocal done
            done += pages
            tracker.update(done)

        return list(
            _load_results(_process_range(str(batch_pdf), profile, str(staging), None, 0, on_pages))
        )

    # spawn, not fork: the caller may be a threaded web worker, and pdfium is not fork-safe.
    context = multiprocessing.get_context("spawn")
    counters = context.Array("q", count, lock=False)
    ranges = _page_ranges(page_count, count)
    with ProcessPoolExecutor(
        max_workers=count, mp_context=context, initializer=_init_worker, initargs=(counters,)
    ) as pool:
        futures: list[Future[str]] = [
            pool.submit(_process_range, str(batch_pdf), profile, str(staging), page_range, index)
            for index, page_range in enumerate(ranges)
        ]
        pending: set[Future[str]] = set(futures)
        while pending:
            _, pending = wait(pending, timeout=_POLL_SECONDS, return_when=FIRST_EXCEPTION)
            tracker.update(sum(counters))
            failed = next((f for f in futures if f.done() and f.exception()), None)
            if failed is not None:
                for future in pending:
                    future.cancel()
                try:
                    failed.result()  # re-raises the worker's error here
                except BrokenProcessPool as exc:
                    raise TsuchiError(
                        "a worker process stopped unexpectedly (out of memory, or a script "
                        "calling prepare_batch without an if __name__ == '__main__' guard)"
                    ) from exc
        paths = [future.result() for future in futures]
    return [item for path in paths for item in _load_results(path)]


def _first_field(fields: Mapping[str, str], names: Sequence[str]) -> str:
    return next((fields[name] for name in names if fields.get(name)), "")


def _channel_options(profile: Profile) -> dict[str, Any]:
    delivery = profile.delivery
    columns = profile.csv.columns
    options: dict[str, Any] = {
        "consent_field": delivery.consent_column or "consent",
        "email_field": delivery.email_column or "email",
        "mobile_field": delivery.phone_column or "mobile",
    }
    if delivery.consent_values:
        options["consent_values"] = delivery.consent_values
    if "delivery_preference" not in columns:
        # Without a preference column the resident's consent alone decides; an absent field
        # reads as "" so accepting "" lets decide_channel skip that check.
        options["electronic_values"] = ("",)
    return options


def _finish(
    batch_pdf: Path,
    records_csv: Path | None,
    table: RecordTable,
    profile: Profile,
    extracted: list[_Extracted],
    work: Path,
    out_dir: Path,
) -> PrepareResult:
    extracted.sort(key=lambda item: item.first_page)
    notices = [
        NoticeFields(
            sequence=index,
            fields=item.fields,
            pages=item.pages,
            flags=frozenset({FLAG_MY_NUMBER}) if item.my_number else frozenset(),
        )
        for index, item in enumerate(extracted, start=1)
    ]
    delivery = profile.delivery
    spec = ReconcileSpec(
        key=profile.match.key,
        verify=profile.match.verify,
        contact_fields=tuple(f for f in (delivery.email_column, delivery.phone_column) if f),
    )
    reconciliation = reconcile(notices, table, spec)
    channel_options = _channel_options(profile)

    (work / ELECTRONIC_DIR).mkdir()
    (work / PAPER_DIR).mkdir()
    used_names: set[str] = {PRINT_FILE}
    outcomes: list[NoticeOutcome] = []
    for item, notice in zip(extracted, notices, strict=True):
        pair = reconciliation.pair_for_notice(notice.sequence)
        assert pair is not None  # noqa: S101 - reconcile pairs every notice
        record = table.record_at(pair.record_row) if pair.record_row is not None else None
        decision = decide_channel(pair, record, **channel_options)
        problems = list(item.problems)
        name = notice_filename(profile, item.fields, item.first_page)
        if name in used_names:
            name = f"{name.removesuffix('.pdf')}-p{item.first_page:05d}.pdf"
            problems.append(
                Problem(
                    "duplicate_name",
                    "another notice in this batch has the same file name",
                    Location(file=batch_pdf.name, page=item.first_page),
                    severity="warning",
                )
            )
        used_names.add(name)
        folder = ELECTRONIC_DIR if decision.channel == "electronic" else PAPER_DIR
        (work / _STAGING_DIR / item.staged).rename(work / folder / name)
        problems.extend(pair.problems)
        outcomes.append(
            _notice_outcome(
                item,
                notice,
                pair,
                record,
                decision,
                out_dir / folder / name,
                tuple(problems),
                channel_options,
            )
        )

    paper = [o for o in outcomes if o.channel == "paper"]
    print_pdf: Path | None = None
    if paper:
        ordered = order_for_print(paper, lambda o: o.postal_code, lambda o: o.sequence)
        _assemble(batch_pdf, profile, ordered, work)
        print_pdf = out_dir / PAPER_DIR / PRINT_FILE

    records_without_notice = tuple(
        pair.record_row
        for pair in reconciliation.pairs
        if pair.outcome is Outcome.RECORD_WITHOUT_NOTICE and pair.record_row is not None
    )
    record_pairs = [p for p in reconciliation.pairs if p.notice_sequence is None]
    counts: Counter[str] = Counter({outcome.value: 0 for outcome in Outcome})
    counts.update(o.outcome for o in outcomes)
    counts.update(p.outcome.value for p in record_pairs)
    counts["electronic"] = sum(1 for o in outcomes if o.channel == "electronic")
    counts["paper"] = len(paper)
    counts["notices"] = len(outcomes)
    counts["records"] = len(table.records)
    page_problems = [p for o in outcomes for p in o.problems if p.location.page is not None]
    input_problems = (*table.problems, *page_problems)
    needs_review = (
        any(o.needs_review for o in outcomes)
        or bool(record_pairs)
        or any(p.severity == "error" for p in table.problems)
    )
    summary = tuple(_summary(outcomes, table, records_without_notice))
    result = PrepareResult(
        notices=tuple(outcomes),
        records=table,
        records_without_notice=records_without_notice,
        print_pdf=print_pdf,
        report_csv=out_dir / REPORT_CSV,
        report_json=out_dir / REPORT_JSON,
        problems=input_problems,
        counts=MappingProxyType(dict(counts)),
        needs_review=needs_review,
        summary=summary,
    )
    _write_reports(result, record_pairs, batch_pdf, records_csv, profile, work)
    return result


def _notice_outcome(
    item: _Extracted,
    notice: NoticeFields,
    pair: Pair,
    record: ApplicationRow | None,
    decision: ChannelDecision,
    path: Path,
    problems: tuple[Problem, ...],
    options: Mapping[str, Any],
) -> NoticeOutcome:
    fields = item.fields
    record_fields: Mapping[str, str] = record.fields if record else {}
    email = record_fields.get(options["email_field"], "")
    mobile = record_fields.get(options["mobile_field"], "")
    phone = normalize_phone(mobile) if mobile else None
    raw_postal = _first_field(fields, _POSTAL_CODE_FIELDS)
    consent_values = options.get("consent_values", _DEFAULT_CONSENT_VALUES)
    return NoticeOutcome(
        sequence=notice.sequence,
        pages=item.pages,
        notice_number=fields.get("notice_number", ""),
        path=path,
        sha256=item.sha256,
        fields=MappingProxyType(dict(fields)),
        record_row=pair.record_row,
        outcome=pair.outcome.value,
        differences=tuple(
            MappingProxyType(
                {"field": d.field, "notice_value": d.notice_value, "record_value": d.record_value}
            )
            for d in pair.differences
        ),
        suggestion_row=pair.suggestion.record_row if pair.suggestion else None,
        channel=decision.channel.value,
        channel_reason=decision.reason,
        addressee_name=_first_field(fields, _ADDRESSEE_NAME_FIELDS),
        postal_code=(normalize_postal_code(raw_postal) or raw_postal) if raw_postal else "",
        address=_first_field(fields, _ADDRESS_FIELDS),
        email=email if email and normalize_email(email).valid else "",
        mobile=(phone.e164 or "") if phone is not None and phone.is_mobile else "",
        consent=record_fields.get(options["consent_field"], "").strip() in consent_values,
        problems=problems,
    )


def print_cover_lines(title: str, postal_codes: Sequence[str]) -> list[str]:
    """The cover list of a paper mailing: title, count, and counts per postal-code range
    (郵便番号仕分け), with notices lacking a readable postal code counted last."""
    lines = [f"{title} 紙通知 印刷用", f"通数: {len(postal_codes)}"]
    for lowest, highest, count in postal_code_ranges(postal_codes):
        if lowest:
            span = f"{lowest[:3]}-{lowest[3:]}"
            if highest != lowest:
                span += f" 〜 {highest[:3]}-{highest[3:]}"
            lines.append(f"〒{span}: {count}通")
        else:
            lines.append(f"郵便番号なし・読めないもの (最後に綴じています): {count}通")
    return lines


def assemble_paper_notices(
    notices: Sequence[tuple[Path, str, int]], out_path: Path, *, title: str
) -> Path:
    """Write one print-ready PDF of separate notice files, given as ``(path, postal code,
    sequence)``: sorted by postal code (then sequence), behind the cover list."""
    ordered = order_for_print(notices, lambda n: n[1], lambda n: n[2])
    lines = print_cover_lines(title, [n[1] for n in ordered])
    return assemble_print([n[0] for n in ordered], out_path, cover_lines=lines)


def _assemble(
    batch_pdf: Path, profile: Profile, ordered: Sequence[NoticeOutcome], work: Path
) -> None:
    """Write ``paper/print.pdf``: the cover list, then each notice's pages in ``ordered``.

    The pages are copied straight from the batch in one pass, not re-read from the split
    files: pages of one source share their fonts and resources, so the print file carries them
    once and takes milliseconds where re-assembling a few thousand split files takes seconds.
    The cover comes from :func:`assemble_print` with no parts. Streams are not recompressed.
    """
    lines = print_cover_lines(profile.name, [o.postal_code for o in ordered])
    cover = work / (PRINT_FILE + ".cover")
    assemble_print([], cover, cover_lines=lines)
    target = work / PAPER_DIR / PRINT_FILE
    partial = target.with_name(target.name + ".part")
    indices = [number - 1 for notice in ordered for number in notice.pages]
    try:
        out = pdfium.PdfDocument.new()
        try:
            with open_pdfium(cover) as cover_document:
                out.import_pages(cover_document)
            with open_pdfium(batch_pdf) as source:
                out.import_pages(source, indices)
            out.save(partial)
        finally:
            out.close()
    except pdfium.PdfiumError as exc:
        raise PdfError(
            f"cannot write the print file: {exc}", location=Location(file=PRINT_FILE)
        ) from exc
    finally:
        cover.unlink(missing_ok=True)
    partial.rename(target)


_OUTCOME_SENTENCES = {
    "mismatched": ("1 notice differs from its record", "{n} notices differ from their records"),
    "notice_without_record": ("1 notice has no record", "{n} notices have no record"),
    "record_without_notice": ("1 record has no notice", "{n} records have no notice"),
    "ambiguous": (
        "1 notice or record has an application number found more than once",
        "{n} notices or records have an application number found more than once",
    ),
    "blocked": (
        "1 notice shows a My Number and goes to paper",
        "{n} notices show a My Number and go to paper",
    ),
}


def _summary(
    outcomes: Sequence[NoticeOutcome], table: RecordTable, records_without_notice: Sequence[int]
) -> Iterator[str]:
    counts = Counter(o.outcome for o in outcomes)
    counts["record_without_notice"] = len(records_without_notice)
    for outcome, (one, many) in _OUTCOME_SENTENCES.items():
        if counts[outcome]:
            yield one if counts[outcome] == 1 else many.format(n=counts[outcome])
    pages = {
        p.location.page
        for o in outcomes
        for p in o.problems
        if p.code in ("no_text", "unmapped_font") and p.location.page is not None
    }
    if pages:
        yield (
            "1 page has no readable text"
            if len(pages) == 1
            else f"{len(pages)} pages have no readable text"
        )
    shared = {p.location.row for o in outcomes for p in o.problems if p.code == "contact_shared"}
    if shared:
        yield (
            "1 record shares its email address or mobile number with another applicant"
            if len(shared) == 1
            else f"{len(shared)} records share their email address or mobile number with"
            " another applicant"
        )
    yield from table.summary()


_REPORT_HEADER = (
    "sequence",
    "pages",
    "notice_number",
    "key",
    "record_row",
    "outcome",
    "differences",
    "suggested_row",
    "channel",
    "channel_reason",
    "file",
    "problems",
)


def _describe(problem: Problem) -> str:
    where = []
    if problem.location.page is not None:
        where.append(f"page {problem.location.page}")
    if problem.location.row is not None:
        where.append(f"row {problem.location.row}")
    if problem.location.column:
        where.append(problem.location.column)
    prefix = f"[{', '.join(where)}] " if where else ""
    return prefix + problem.message


def problem_as_dict(problem: Problem) -> dict[str, Any]:
    """A problem as JSON-ready data: code, message, severity, page, row, column."""
    location = problem.location
    return {
        "code": problem.code,
        "message": problem.message,
        "severity": problem.severity,
        "page": location.page,
        "row": location.row,
        "column": location.column,
    }


def _record_key(table: RecordTable, row: int | None) -> str:
    record = table.record_at(row) if row is not None else None
    return record.key if record is not None else ""


def _write_reports(
    result: PrepareResult,
    record_pairs: Sequence[Pair],
    batch_pdf: Path,
    records_csv: Path | None,
    profile: Profile,
    work: Path,
) -> None:
    key = profile.match.key
    rows: list[list[str]] = []
    for notice in result.notices:
        rows.append(
            [
                str(notice.sequence),
                " ".join(str(p) for p in notice.pages),
                notice.notice_number,
                notice.fields.get(key, ""),
                "" if notice.record_row is None else str(notice.record_row),
                notice.outcome,
                "; ".join(
                    f"{d['field']}: notice 「{d['notice_value']}」 / record 「{d['record_value']}」"
                    for d in notice.differences
                ),
                "" if notice.suggestion_row is None else str(notice.suggestion_row),
                notice.channel,
                notice.channel_reason,
                f"{notice.path.parent.name}/{notice.path.name}",
                "; ".join(_describe(p) for p in notice.problems),
            ]
        )
    for pair in record_pairs:
        suggestion = pair.suggestion.notice_sequence if pair.suggestion else None
        rows.append(
            [
                "",
                "",
                "",
                _record_key(result.records, pair.record_row),
                "" if pair.record_row is None else str(pair.record_row),
                pair.outcome.value,
                "",
                "" if suggestion is None else f"notice {suggestion}",
                "",
                "",
                "",
                "; ".join(_describe(p) for p in pair.problems),
            ]
        )
    write_csv(work / REPORT_CSV, _REPORT_HEADER, rows)

    head = {
        "batch": batch_pdf.name,
        "records": records_csv.name if records_csv is not None else None,
        "profile": profile.name,
        "notice_type": profile.notice_type,
        "needs_review": result.needs_review,
        "counts": dict(result.counts),
        "summary": list(result.summary),
        "print_pdf": f"{PAPER_DIR}/{PRINT_FILE}" if result.print_pdf else None,
    }
    notices = (
        {
            "sequence": n.sequence,
            "pages": list(n.pages),
            "notice_number": n.notice_number,
            "key": n.fields.get(key, ""),
            "file": f"{n.path.parent.name}/{n.path.name}",
            "sha256": n.sha256,
            "record_row": n.record_row,
            "outcome": n.outcome,
            "differences": [dict(d) for d in n.differences],
            "suggestion_row": n.suggestion_row,
            "channel": n.channel,
            "channel_reason": n.channel_reason,
            "problems": [problem_as_dict(p) for p in n.problems],
        }
        for n in result.notices
    )
    records = (
        {
            "record_row": pair.record_row,
            "key": _record_key(result.records, pair.record_row),
            "outcome": pair.outcome.value,
            "suggested_notice": pair.suggestion.notice_sequence if pair.suggestion else None,
            "problems": [problem_as_dict(p) for p in pair.problems],
        }
        for pair in record_pairs
    )
    problems = (problem_as_dict(p) for p in result.records.problems)
    partial = work / (REPORT_JSON + ".part")
    # Written item by item: building the whole document first would hold every notice twice.
    with partial.open("w", encoding="utf-8") as file:
        file.write("{\n")
        for name, value in head.items():
            file.write(f" {json.dumps(name)}: {json.dumps(value, ensure_ascii=False)},\n")
        for index, (name, items) in enumerate(
            (("notices", notices), ("records_without_notice", records), ("problems", problems))
        ):
            file.write(f" {json.dumps(name)}: [")
            for position, item in enumerate(items):
                file.write(",\n  " if position else "\n  ")
                file.write(json.dumps(item, ensure_ascii=False))
            file.write("\n ]" + (",\n" if index < 2 else "\n"))
        file.write("}\n")
    partial.rename(work / REPORT_JSON)

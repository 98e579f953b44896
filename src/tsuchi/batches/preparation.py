"""Preparation of a batch on the server: validate uploads, run ``tsuchi.core.prepare`` in the
background, store its result whole. The core does the work; this module moves files between
storage and the core, and turns the result into the batch's notices and records."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from tsuchi.batches import services
from tsuchi.batches.models import Batch, BatchState
from tsuchi.batches.problem_text import error_text
from tsuchi.batches.profiles import ProfileChoice, profile_for_batch
from tsuchi.batches.services import PreparedNotice, PreparedRecord, TransitionError
from tsuchi.core.documents.pdf import open_batch
from tsuchi.core.errors import TsuchiError
from tsuchi.core.prepare import prepare_batch, problem_as_dict
from tsuchi.core.records import read_records
from tsuchi.evidence.services import Actor

logger = logging.getLogger(__name__)


def _spool(upload: UploadedFile | File, directory: Path, name: str) -> Path:
    path = directory / name
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    upload.seek(0)
    return path


def validate_sources(
    *, pdf: UploadedFile, csv: UploadedFile | None, profile: ProfileChoice
) -> list[str]:
    """Check that the PDF opens and the CSV can be read with the profile's columns.

    Returns the problems in the clerk's words; an empty list means the upload may land.
    """
    loaded = profile.load()
    problems = []
    with tempfile.TemporaryDirectory(prefix="tsuchi-upload-") as tmp:
        try:
            # Spooled under the uploaded name, so that errors name the clerk's file.
            open_batch(_spool(pdf, Path(tmp), Path(pdf.name or "batch.pdf").name))
        except TsuchiError as exc:
            problems.append(error_text(exc))
        if csv is not None:
            try:
                read_records(
                    _spool(csv, Path(tmp), "records.csv"),
                    filename=csv.name or "records.csv",
                    columns=loaded.csv.columns,
                    key=loaded.match.key,
                    required=(loaded.match.key, *loaded.match.verify),
                )
            except TsuchiError as exc:
                problems.append(error_text(exc))
    return problems


@transaction.atomic
def batch_upload_and_prepare(
    *, batch: Batch, pdf: UploadedFile, csv: UploadedFile | None, profile_key: str, actor: Actor
) -> Batch:
    """Store validated sources on a draft batch, start preparation and queue the task."""
    profile = profile_for_batch(batch.department_id, profile_key)
    if profile is None:
        raise TransitionError(_("Choose a notice profile."))
    problems = validate_sources(pdf=pdf, csv=csv, profile=profile)
    if problems:
        raise TransitionError(" ".join(problems))
    batch.profile_name = profile.key
    batch.save(update_fields=["profile_name"])
    services.batch_attach_sources(batch=batch, batch_pdf=pdf, records_csv=csv, actor=actor)
    batch = services.batch_start_preparation(batch=batch, actor=actor)
    from tsuchi.batches.tasks import prepare_batch_task

    batch_id = batch.pk
    transaction.on_commit(lambda: prepare_batch_task.enqueue(batch_id))
    return batch


def _record_progress(batch_id: int, done: int, total: int) -> None:
    # A progress figure is not a state change: it writes no event and skips the services.
    Batch.objects.filter(pk=batch_id).update(
        prepare_report={"progress": {"done": done, "total": total}}
    )


def batch_run_preparation(*, batch_id: int) -> None:
    """Run the core preparation for a batch in state ``preparing`` and store the outcome."""
    batch = Batch.objects.get(pk=batch_id)
    if batch.state != BatchState.PREPARING:
        logger.warning("batch %s is not preparing; task skipped", batch_id)
        return
    profile = profile_for_batch(batch.department_id, batch.profile_name)
    work = Path(tempfile.mkdtemp(prefix="tsuchi-prepare-"))
    try:
        if profile is None:
            raise TransitionError(_("The batch's profile no longer exists."))
        pdf = _spool(batch.batch_pdf, work, "batch.pdf")
        csv = _spool(batch.records_csv, work, "records.csv") if batch.records_csv else None
        result = prepare_batch(
            pdf,
            csv,
            profile.load(),
            work / "out",
            progress=lambda done, total: _record_progress(batch_id, done, total),
        )
        report = _report(result)
        services.batch_finish_preparation(
            batch=batch,
            report=report,
            notices=[_prepared_notice(n) for n in result.notices],
            records=[PreparedRecord(r.row, r.key, dict(r.values)) for r in result.records.records],
            actor=Actor.system(),
        )
        logger.info("batch %s prepared: %s notices", batch_id, len(result.notices))
    except (TsuchiError, TransitionError) as exc:
        logger.info("batch %s preparation refused: %s", batch_id, type(exc).__name__)
        message = error_text(exc) if isinstance(exc, TsuchiError) else str(exc)
        services.batch_finish_preparation(
            batch=batch, report={"error": message}, actor=Actor.system(), failed=True
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _prepared_notice(outcome: Any) -> PreparedNotice:
    return PreparedNotice(
        sequence=outcome.sequence,
        document=outcome.path,
        notice_number=outcome.notice_number,
        first_page=outcome.pages[0],
        page_count=len(outcome.pages),
        record_row=outcome.record_row,
        addressee_name=outcome.addressee_name,
        postal_code=outcome.postal_code,
        address=outcome.address,
        email=outcome.email,
        mobile=outcome.mobile,
        consent=outcome.consent,
        channel=outcome.channel,
        channel_reason=outcome.channel_reason,
        reconciliation=outcome.outcome,
        differences=[dict(d) for d in outcome.differences],
        extracted={
            **dict(outcome.fields),
            "_problems": [problem_as_dict(p) for p in outcome.problems],
            "_suggestion_row": outcome.suggestion_row,
        },
    )


def _report(result: Any) -> dict[str, Any]:
    return {
        "counts": dict(result.counts),
        "needs_review": result.needs_review,
        "records_without_notice": list(result.records_without_notice),
        "problems": [problem_as_dict(p) for p in result.problems][:1000],
    }

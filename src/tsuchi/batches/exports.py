"""Files staff take out of a batch: the print file of the paper notices (郵便番号仕分け) and
the cross-check report as CSV. Personal data leaves the system here, so each print file
records an event."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from tsuchi.batches.models import Batch, BatchState, Channel, Reconciliation
from tsuchi.batches.services import require, require_permission
from tsuchi.core.prepare import assemble_paper_notices
from tsuchi.evidence.services import Actor, chain_key_for_batch, event_record

PRINTABLE_STATES = {
    BatchState.REVIEW,
    BatchState.SIGNED,
    BatchState.APPROVED,
    BatchState.SENDING,
    BatchState.DONE,
}


def paper_notices(batch: Batch):
    """The notices to print: on paper and not excluded by a clerk."""
    return batch.notices.filter(channel=Channel.PAPER).exclude(
        reconciliation=Reconciliation.EXCLUDED
    )


@transaction.atomic
def batch_spool_print_file(*, batch: Batch, actor: Actor) -> tuple[IO[bytes], int]:
    """One print-ready PDF of the batch's paper notices in postal-code order behind a cover
    list, in a rewound temporary file (for a response to stream and close), and the count."""
    require_permission(actor, "prepare", batch)
    require(batch.state in PRINTABLE_STATES, _("The batch has no prepared notices yet."))
    notices = list(paper_notices(batch))
    require(bool(notices), _("The batch has no paper notices."))
    with tempfile.TemporaryDirectory(prefix="tsuchi-print-") as work:
        parts = []
        for notice in notices:
            path = Path(work) / f"{notice.sequence:06d}.pdf"
            with notice.document.open("rb") as source:
                path.write_bytes(source.read())
            parts.append((path, notice.postal_code, notice.sequence))
        out = assemble_paper_notices(parts, Path(work) / "print.pdf", title=batch.title)
        # Closed by the response that streams it, hence no context manager here.
        spool = tempfile.TemporaryFile(prefix="tsuchi-print-")  # noqa: SIM115
        spool.write(out.read_bytes())
    spool.seek(0)
    event_record(
        chain_key=chain_key_for_batch(batch.pk),
        kind="batch.print_file_downloaded",
        actor=actor,
        data={"notices": len(notices)},
    )
    return spool, len(notices)


REPORT_HEADER = (
    "sequence",
    "notice_number",
    "first_page",
    "pages",
    "cross_check",
    "differences",
    "channel",
    "channel_reason",
    "status",
)


def batch_review_csv(batch: Batch) -> bytes:
    """The cross-check outcome per notice, then the CSV rows without a notice, as UTF-8 with
    BOM (Excel opens it). No contact data: a clerk acts on it, nobody mails from it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REPORT_HEADER)
    for notice in batch.notices.order_by("sequence"):
        differences = "; ".join(
            f"{d.get('field')}: {d.get('notice_value')} / {d.get('record_value')}"
            for d in notice.differences
        )
        writer.writerow(
            (
                notice.sequence,
                notice.notice_number,
                notice.first_page,
                notice.page_count,
                notice.reconciliation,
                differences,
                notice.channel,
                notice.channel_reason,
                notice.status,
            )
        )
    for record in batch.records.filter(notice__isnull=True).order_by("row_number"):
        state = "acknowledged" if record.acknowledged else "record_without_notice"
        writer.writerow(("", "", "", "", state, f"csv line {record.row_number}", "", "", ""))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")

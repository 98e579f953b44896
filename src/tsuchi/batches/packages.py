"""The package of prepared notices that a staff terminal signs with its IC card.

The terminal signs exactly the bytes the server prepared, so the server can later check that
each signed PDF's unsigned revision is one of its prepared notices (by SHA-256). Downloading
personal data is evidence-worthy: each download records an event (who, from where).
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from tsuchi.batches.models import Batch, BatchState, Channel, Notice
from tsuchi.batches.services import (
    TransitionError,
    batch_unresolved_count,
    require,
    require_permission,
)
from tsuchi.batches.stamps import stamp_settings_for, verification_url_for
from tsuchi.evidence.services import Actor, chain_key_for_batch, event_record

MANIFEST_NAME = "manifest.json"
_UNSAFE = re.compile(r"[^\w\-]+")


def package_filename(notice: Notice) -> str:
    """``00012-保第08-00012号.pdf``: sorted like the batch, readable by a clerk."""
    number = _UNSAFE.sub("_", notice.notice_number).strip("_")
    return f"{notice.sequence:05d}-{number}.pdf" if number else f"{notice.sequence:05d}.pdf"


def notices_to_sign(batch: Batch):
    """Electronic notices of the batch whose signed PDF is still missing."""
    return batch.notices.filter(channel=Channel.ELECTRONIC, signed_sha256="").order_by("sequence")


@transaction.atomic
def batch_write_signing_package(*, batch: Batch, out: IO[bytes], actor: Actor) -> int:
    """Write a zip of the notices to sign (and a manifest) to ``out``; return how many.

    Allowed to those who may prepare, while the batch is in review with nothing unresolved.
    """
    require_permission(actor, "prepare", batch)
    require(
        batch.state == BatchState.REVIEW, _("Notices can be signed while the batch is in review.")
    )
    require(
        batch_unresolved_count(batch) == 0,
        _("Resolve every item of the review before signing."),
    )
    notices = list(notices_to_sign(batch).select_related("batch__department"))
    if not notices:
        raise TransitionError(_("Every electronic notice is already signed."))
    manifest = []
    # PDFs are compressed already: storing them keeps the download fast.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for notice in notices:
            name = package_filename(notice)
            with notice.document.open("rb") as source:
                archive.writestr(name, source.read())
            entry = {"file": name, "sequence": notice.sequence, "sha256": notice.document_sha256}
            url = verification_url_for(notice)
            if url is not None:
                entry["verification_url"] = url
            manifest.append(entry)
        archive.writestr(
            MANIFEST_NAME,
            json.dumps(
                {"batch": batch.pk, "stamp": _stamp_json(batch), "notices": manifest},
                ensure_ascii=False,
                indent=1,
            ),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    event_record(
        chain_key=chain_key_for_batch(batch.pk),
        kind="batch.signing_package_downloaded",
        actor=actor,
        data={"notices": len(notices)},
    )
    return len(notices)


def _stamp_json(batch: Batch) -> dict[str, str] | None:
    stamp = stamp_settings_for(batch)
    return None if stamp is None else {"office_name": stamp.office_name}


def spool_signing_package(*, batch: Batch, actor: Actor) -> tuple[IO[bytes], int]:
    """The package written to a temporary file (rewound), for a response to stream and close."""
    # Closed by the response that streams it, hence no context manager here.
    spool = tempfile.TemporaryFile(prefix="tsuchi-package-")  # noqa: SIM115
    try:
        count = batch_write_signing_package(batch=batch, out=spool, actor=actor)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, count

"""Every write to batches and notices. Each transition checks its guard and writes its Event
in the same transaction; views and tasks call these, never ``save()`` directly."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsuchi.accounts.models import Department
from tsuchi.accounts.selectors import user_can
from tsuchi.batches.models import (
    ApplicationRecord,
    Batch,
    BatchState,
    Channel,
    Notice,
    NoticeStatus,
    Reconciliation,
)
from tsuchi.evidence.services import Actor, chain_key_for_batch, event_record


class TransitionError(Exception):
    """A state change was refused; the message says why in the user's words."""


UNRESOLVED = {
    Reconciliation.UNCHECKED,
    Reconciliation.MISMATCHED,
    Reconciliation.NO_RECORD,
    Reconciliation.AMBIGUOUS,
    Reconciliation.BLOCKED,
}

# Settings a copied batch takes over from its original.
COPIED_FIELDS = (
    "notice_type",
    "profile_name",
    "email_subject",
    "email_body",
    "sms_body",
    "sender_name",
    "reply_to",
    "reminder_days",
    "retention",
    "identity_check",
    "channels",
    "signing_level",
    "visible_stamp",
)

# Crockford's base32 without I, L, O, U: read aloud or typed from a printout without confusion.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_verification_code() -> str:
    """An unguessable code (80 random bits) for the public verification of one notice,
    written ``XXXX-XXXX-XXXX-XXXX``."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def require(condition: bool, message: str) -> None:
    if not condition:
        raise TransitionError(message)


def require_permission(actor: Actor, permission: str, batch: Batch) -> None:
    if actor.kind == "system":
        return
    require(
        actor.user is not None and user_can(actor.user, permission, batch.department_id),
        _("You do not have permission to do this in this department."),
    )


def _set_state(batch: Batch, state: str, *, kind: str, actor: Actor, **data: Any) -> Batch:
    previous = batch.state
    batch.state = state
    batch.save(update_fields=["state", "updated_at", *data.pop("update_fields", [])])
    event_record(
        chain_key=chain_key_for_batch(batch.pk),
        kind=kind,
        actor=actor,
        data={"from": previous, "to": state, **data},
    )
    return batch


def _locked(batch: Batch) -> Batch:
    return Batch.objects.select_for_update().get(pk=batch.pk)


@transaction.atomic
def batch_create(
    *, department: Department, title: str, notice_type: str, actor: Actor, **settings: Any
) -> Batch:
    """Create a draft batch in a department where the actor may prepare."""
    require(
        actor.user is not None and user_can(actor.user, "prepare", department.pk),
        _("You do not have permission to do this in this department."),
    )
    batch = Batch.objects.create(
        department=department,
        title=title,
        notice_type=notice_type,
        created_by=actor.user,  # type: ignore[misc]
        **settings,
    )
    event_record(
        chain_key=chain_key_for_batch(batch.pk),
        kind="batch.created",
        actor=actor,
        data={"title": title},
    )
    return batch


@transaction.atomic
def batch_copy(*, batch: Batch, title: str, actor: Actor) -> Batch:
    """Create a new draft with the settings (not the notices) of an existing batch."""
    settings = {field: getattr(batch, field) for field in COPIED_FIELDS}
    settings.pop("notice_type")
    return batch_create(
        department=batch.department,
        title=title,
        notice_type=batch.notice_type,
        actor=actor,
        **settings,
    )


@transaction.atomic
def batch_attach_sources(
    *, batch: Batch, batch_pdf: File, records_csv: File | None, actor: Actor
) -> Batch:
    """Store the core system's batch PDF and the e-application CSV on a draft batch."""
    batch = _locked(batch)
    require_permission(actor, "prepare", batch)
    require(batch.state == BatchState.DRAFT, _("Files can only be replaced on a draft batch."))
    batch.batch_pdf.save(batch_pdf.name, batch_pdf, save=False)
    update_fields = ["batch_pdf"]
    if records_csv is not None:
        batch.records_csv.save(records_csv.name, records_csv, save=False)
        update_fields.append("records_csv")
    batch.save(update_fields=[*update_fields, "updated_at"])
    event_record(
        chain_key=chain_key_for_batch(batch.pk),
        kind="batch.updated",
        actor=actor,
        data={"files": update_fields},
    )
    return batch


@transaction.atomic
def batch_start_preparation(*, batch: Batch, actor: Actor) -> Batch:
    """draft → preparing: the uploaded batch PDF and CSV are being split and cross-checked."""
    batch = _locked(batch)
    require_permission(actor, "prepare", batch)
    require(batch.state == BatchState.DRAFT, _("Only a draft batch can be prepared."))
    require(bool(batch.batch_pdf), _("Upload the batch PDF first."))
    return _set_state(batch, BatchState.PREPARING, kind="batch.preparation_started", actor=actor)


@dataclass(frozen=True)
class PreparedRecord:
    """One application record as imported by preparation."""

    row_number: int
    application_number: str
    data: dict[str, str]


@dataclass(frozen=True)
class PreparedNotice:
    """One notice as preparation produced it: its PDF, what was extracted and the outcome."""

    sequence: int
    document: bytes | Path
    """The notice's PDF, as bytes or (for large batches, read one at a time) a file."""
    notice_number: str = ""
    first_page: int = 1
    page_count: int = 1
    record_row: int | None = None
    addressee_name: str = ""
    postal_code: str = ""
    address: str = ""
    email: str = ""
    mobile: str = ""
    consent: bool = False
    channel: str = Channel.PAPER
    channel_reason: str = ""
    reconciliation: str = Reconciliation.UNCHECKED
    differences: list[dict[str, Any]] = field(default_factory=list)
    extracted: dict[str, str] = field(default_factory=dict)


def _store_prepared(
    batch: Batch, notices: Sequence[PreparedNotice], records: Sequence[PreparedRecord]
) -> None:
    batch.notices.all().delete()
    batch.records.all().delete()
    by_row = {
        r.row_number: ApplicationRecord.objects.create(
            batch=batch,
            row_number=r.row_number,
            application_number=r.application_number,
            data=r.data,
        )
        for r in records
    }
    for prepared in notices:
        content = (
            prepared.document.read_bytes()
            if isinstance(prepared.document, Path)
            else prepared.document
        )
        notice = Notice(
            batch=batch,
            verification_code=new_verification_code(),
            record=by_row.get(prepared.record_row) if prepared.record_row else None,
            document_sha256=hashlib.sha256(content).hexdigest(),
            **{
                name: getattr(prepared, name)
                for name in (
                    "sequence",
                    "notice_number",
                    "first_page",
                    "page_count",
                    "addressee_name",
                    "postal_code",
                    "address",
                    "email",
                    "mobile",
                    "consent",
                    "channel",
                    "channel_reason",
                    "reconciliation",
                    "differences",
                    "extracted",
                )
            },
        )
        notice.document.save(f"{prepared.sequence:05d}.pdf", ContentFile(content), save=False)
        notice.save()


@transaction.atomic
def batch_finish_preparation(
    *,
    batch: Batch,
    report: dict[str, Any],
    actor: Actor,
    notices: Sequence[PreparedNotice] = (),
    records: Sequence[PreparedRecord] = (),
    failed: bool = False,
) -> Batch:
    """preparing → review with the prepared notices and records stored whole, or back to
    draft (storing nothing) when preparation failed; the report is kept either way."""
    batch = _locked(batch)
    require(batch.state == BatchState.PREPARING, _("The batch is not being prepared."))
    batch.prepare_report = report
    if failed:
        return _set_state(
            batch,
            BatchState.DRAFT,
            kind="batch.preparation_failed",
            actor=actor,
            update_fields=["prepare_report"],
        )
    _store_prepared(batch, notices, records)
    return _set_state(
        batch,
        BatchState.REVIEW,
        kind="batch.prepared",
        actor=actor,
        update_fields=["prepare_report"],
        notices=len(notices),
        records=len(records),
    )


@transaction.atomic
def notice_attach_signed(*, notice: Notice, signed: bytes, actor: Actor) -> Notice:
    """Store the signed PDF of a notice while its batch is in review (before approval).

    Callers verify the signature first (tsuchi.core.signing.verify); nothing may change a
    notice's signed PDF once the batch has been signed off.
    """
    notice = (
        Notice.objects.select_for_update(of=("self",)).select_related("batch").get(pk=notice.pk)
    )
    require_permission(actor, "prepare", notice.batch)
    require(
        notice.batch.state == BatchState.REVIEW,
        _("Signed notices can only be added while the batch is in review."),
    )
    notice.signed_document.save(
        f"{notice.sequence:05d}-signed.pdf", ContentFile(signed), save=False
    )
    notice.signed_sha256 = hashlib.sha256(signed).hexdigest()
    notice.save(update_fields=["signed_document", "signed_sha256"])
    return notice


def batch_unresolved_count(batch: Batch) -> int:
    """How many notices and records still need a clerk's decision before the batch moves on."""
    notices = batch.notices.filter(reconciliation__in=UNRESOLVED).count()
    records = batch.records.filter(notice__isnull=True, acknowledged=False).count()
    return notices + records


REVIEW_DECISIONS = ("accept", "exclude", "paper", "correct")


def _channel_after_review(notice: Notice) -> tuple[str, str]:
    if notice.channel_reason == "my_number":
        return Channel.PAPER, "my_number"
    if notice.record_id is None:
        return Channel.PAPER, "no_record"
    if notice.consent and (notice.email or notice.mobile):
        return Channel.ELECTRONIC, "consent_and_contact"
    return Channel.PAPER, "no_consent" if not notice.consent else "no_contact"


@transaction.atomic
def notice_review(
    *, notice: Notice, decision: str, actor: Actor, field: str = "", value: str = ""
) -> Notice:
    """Record a clerk's decision on a notice that needs review.

    ``accept``: the notice is right as it is (differences explained); ``exclude``: it will not
    be delivered; ``paper``: deliver on paper; ``correct``: the application record's value of
    ``field`` was wrong and is replaced by ``value`` (the notice itself, the legal document,
    never changes); once no difference is left the notice counts as accepted.
    """
    notice = (
        Notice.objects.select_for_update(of=("self",))
        .select_related("batch", "record")
        .get(pk=notice.pk)
    )
    require_permission(actor, "prepare", notice.batch)
    require(notice.batch.state == BatchState.REVIEW, _("The batch is not in review."))
    require(decision in REVIEW_DECISIONS, _("Unknown decision."))
    update_fields = ["reconciliation", "channel", "channel_reason"]
    if decision == "correct":
        remaining = [d for d in notice.differences if d.get("field") != field]
        require(
            notice.record is not None and len(remaining) < len(notice.differences),
            _("There is no such difference to correct."),
        )
        notice.record.data = {**notice.record.data, f"corrected:{field}": value}
        notice.record.save(update_fields=["data"])
        notice.differences = remaining
        update_fields.append("differences")
        if remaining:
            notice.save(update_fields=["differences"])
        else:
            notice.reconciliation = Reconciliation.ACCEPTED
            notice.channel, notice.channel_reason = _channel_after_review(notice)
    elif decision == "accept":
        notice.reconciliation = Reconciliation.ACCEPTED
        notice.channel, notice.channel_reason = _channel_after_review(notice)
    elif decision == "exclude":
        notice.reconciliation = Reconciliation.EXCLUDED
        notice.channel, notice.channel_reason = Channel.PAPER, "excluded"
    else:
        notice.reconciliation = Reconciliation.ACCEPTED
        notice.channel, notice.channel_reason = Channel.PAPER, "staff"
    notice.save(update_fields=update_fields)
    event_record(
        chain_key=chain_key_for_batch(notice.batch_id),
        kind="notice.reviewed",
        actor=actor,
        notice_id=notice.pk,
        data={"decision": decision, "field": field, "outcome": notice.reconciliation},
    )
    return notice


@transaction.atomic
def record_acknowledge(*, record: ApplicationRecord, actor: Actor) -> ApplicationRecord:
    """Confirm that an application record rightly has no notice in this batch."""
    record = (
        ApplicationRecord.objects.select_for_update(of=("self",))
        .select_related("batch")
        .get(pk=record.pk)
    )
    require_permission(actor, "prepare", record.batch)
    require(record.batch.state == BatchState.REVIEW, _("The batch is not in review."))
    record.acknowledged = True
    record.save(update_fields=["acknowledged"])
    event_record(
        chain_key=chain_key_for_batch(record.batch_id),
        kind="notice.reviewed",
        actor=actor,
        data={"decision": "acknowledge_record", "row": record.row_number},
    )
    return record


@transaction.atomic
def batch_mark_signed(*, batch: Batch, actor: Actor) -> Batch:
    """review → signed: every notice is resolved and every electronic notice is signed."""
    batch = _locked(batch)
    require_permission(actor, "prepare", batch)
    require(batch.state == BatchState.REVIEW, _("Only a batch in review can be signed."))
    require(batch.notices.exists(), _("The batch has no notices."))
    unresolved = batch_unresolved_count(batch)
    require(unresolved == 0, _("%(count)d notices still need review.") % {"count": unresolved})
    unsigned = batch.notices.filter(channel=Channel.ELECTRONIC, signed_sha256="").count()
    require(unsigned == 0, _("%(count)d notices are not signed yet.") % {"count": unsigned})
    if actor.user is not None:
        batch.submitted_by = actor.user  # type: ignore[assignment]
    return _set_state(
        batch, BatchState.SIGNED, kind="batch.signed", actor=actor, update_fields=["submitted_by"]
    )


def _preparers(batch: Batch) -> set[int]:
    return {pk for pk in (batch.created_by_id, batch.submitted_by_id) if pk is not None}


@transaction.atomic
def batch_approve(*, batch: Batch, actor: Actor) -> Batch:
    """signed → approved (決裁) by an approver who did not prepare the batch.

    Electronic notices become ready (連絡スタンバイ); paper notices become paper.
    """
    batch = _locked(batch)
    require(actor.user is not None, _("Only a staff member can approve."))
    require_permission(actor, "approve", batch)
    require(batch.state == BatchState.SIGNED, _("Only a signed batch can be approved."))
    require(
        actor.user.pk not in _preparers(batch),  # type: ignore[union-attr]
        _("The approver must be someone other than the preparer of the batch."),
    )
    batch.approved_by = actor.user  # type: ignore[assignment]
    _set_state(
        batch,
        BatchState.APPROVED,
        kind="batch.approved",
        actor=actor,
        update_fields=["approved_by"],
    )
    for notice in batch.notices.exclude(reconciliation=Reconciliation.EXCLUDED):
        target = NoticeStatus.READY if notice.channel == Channel.ELECTRONIC else NoticeStatus.PAPER
        _notice_set_status(notice, target, actor=actor)
    return batch


@transaction.atomic
def batch_return(*, batch: Batch, reason: str, actor: Actor) -> Batch:
    """signed → review: the approver sends the batch back for correction."""
    batch = _locked(batch)
    require_permission(actor, "approve", batch)
    require(batch.state == BatchState.SIGNED, _("Only a signed batch can be returned."))
    return _set_state(batch, BatchState.REVIEW, kind="batch.returned", actor=actor, reason=reason)


@transaction.atomic
def batch_start_sending(*, batch: Batch, actor: Actor) -> Batch:
    """approved → sending. Nothing is sent before the batch is signed and approved."""
    batch = _locked(batch)
    require_permission(actor, "prepare", batch)
    require(batch.state == BatchState.APPROVED, _("Only an approved batch can be sent."))
    require(batch.approved_by_id is not None, _("The batch has not been approved."))
    return _set_state(batch, BatchState.SENDING, kind="batch.sending_started", actor=actor)


@transaction.atomic
def batch_finish(*, batch: Batch, actor: Actor) -> Batch:
    """sending → done, once no notice is waiting or being sent."""
    batch = _locked(batch)
    require(batch.state == BatchState.SENDING, _("The batch is not being sent."))
    waiting = batch.notices.filter(status__in=[NoticeStatus.READY, NoticeStatus.SENDING]).count()
    require(waiting == 0, _("%(count)d notices are still waiting.") % {"count": waiting})
    return _set_state(batch, BatchState.DONE, kind="batch.done", actor=actor)


@transaction.atomic
def batch_cancel(*, batch: Batch, reason: str, actor: Actor) -> Batch:
    """Cancel a batch that has not started sending."""
    batch = _locked(batch)
    require_permission(actor, "prepare", batch)
    require(
        batch.state not in {BatchState.SENDING, BatchState.DONE, BatchState.CANCELLED},
        _("A batch that has started sending cannot be cancelled; withdraw its notices instead."),
    )
    return _set_state(
        batch, BatchState.CANCELLED, kind="batch.cancelled", actor=actor, reason=reason
    )


# Notice transitions: (allowed previous statuses, event kind).
NOTICE_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    NoticeStatus.READY: (frozenset({NoticeStatus.PENDING}), "notice.ready"),
    NoticeStatus.SENDING: (
        frozenset({NoticeStatus.READY, NoticeStatus.FAILED, NoticeStatus.SENT}),
        "notice.sending",
    ),
    NoticeStatus.SENT: (frozenset({NoticeStatus.SENDING}), "notice.sent"),
    NoticeStatus.OPENED: (frozenset({NoticeStatus.SENT, NoticeStatus.OPENED}), "notice.opened"),
    NoticeStatus.FAILED: (frozenset({NoticeStatus.SENDING}), "notice.failed"),
    NoticeStatus.PAPER: (
        frozenset(
            {
                NoticeStatus.PENDING,
                NoticeStatus.READY,
                NoticeStatus.SENT,
                NoticeStatus.FAILED,
                NoticeStatus.EXPIRED,
            }
        ),
        "notice.moved_to_paper",
    ),
    NoticeStatus.WITHDRAWN: (
        frozenset(
            {
                NoticeStatus.PENDING,
                NoticeStatus.READY,
                NoticeStatus.SENT,
                NoticeStatus.FAILED,
                NoticeStatus.PAPER,
            }
        ),
        "notice.withdrawn",
    ),
    NoticeStatus.EXPIRED: (frozenset({NoticeStatus.SENT}), "notice.expired"),
}


def _notice_set_status(
    notice: Notice, status: str, *, actor: Actor, data: dict[str, Any] | None = None
) -> Notice:
    allowed, kind = NOTICE_TRANSITIONS[status]
    require(
        notice.status in allowed,
        _("A notice that is %(current)s cannot become %(target)s.")
        % {
            "current": NoticeStatus(notice.status).label,
            "target": NoticeStatus(status).label,
        },
    )
    previous = notice.status
    notice.status = status
    notice.status_changed_at = timezone.now()
    update_fields = ["status", "status_changed_at"]
    if status == NoticeStatus.PAPER:
        notice.channel = Channel.PAPER
        update_fields.append("channel")
    notice.save(update_fields=update_fields)
    event_record(
        chain_key=chain_key_for_batch(notice.batch_id),
        kind=kind,
        actor=actor,
        notice_id=notice.pk,
        data={"from": previous, "to": status, **(data or {})},
    )
    return notice


@transaction.atomic
def notice_mark_sending(*, notice: Notice, actor: Actor) -> Notice:
    """ready → sending. Refused unless the batch is sending (signed and approved) and the
    notice itself is electronic and signed."""
    notice = (
        Notice.objects.select_for_update(of=("self",)).select_related("batch").get(pk=notice.pk)
    )
    require(
        notice.batch.state == BatchState.SENDING,
        _("Nothing is sent before the batch is signed and approved."),
    )
    require(notice.channel == Channel.ELECTRONIC, _("A paper notice is not sent electronically."))
    require(notice.is_signed, _("The notice is not signed."))
    return _notice_set_status(notice, NoticeStatus.SENDING, actor=actor)


@transaction.atomic
def notice_mark_sent(*, notice: Notice, actor: Actor, data: dict[str, Any] | None = None) -> Notice:
    """sending → sent: the message left for the resident."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    return _notice_set_status(notice, NoticeStatus.SENT, actor=actor, data=data)


@transaction.atomic
def notice_mark_failed(*, notice: Notice, reason: str, actor: Actor) -> Notice:
    """sending → failed, with the provider's reason (no personal data)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    return _notice_set_status(notice, NoticeStatus.FAILED, actor=actor, data={"reason": reason})


@transaction.atomic
def notice_mark_opened(*, notice: Notice, actor: Actor) -> Notice:
    """sent → opened: only the verified resident's download counts as opening (既読)."""
    require(actor.kind == "resident", _("Only the resident's download marks a notice opened."))
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    return _notice_set_status(notice, NoticeStatus.OPENED, actor=actor)


@transaction.atomic
def notice_move_to_paper(*, notice: Notice, reason: str, actor: Actor) -> Notice:
    """Fall back to paper delivery for one notice."""
    notice = (
        Notice.objects.select_for_update(of=("self",)).select_related("batch").get(pk=notice.pk)
    )
    require_permission(actor, "prepare", notice.batch)
    if notice.status == NoticeStatus.PENDING:
        notice.channel = Channel.PAPER
        notice.channel_reason = "staff"
        notice.save(update_fields=["channel", "channel_reason"])
        event_record(
            chain_key=chain_key_for_batch(notice.batch_id),
            kind="notice.moved_to_paper",
            actor=actor,
            notice_id=notice.pk,
            data={"reason": reason},
        )
        return notice
    return _notice_set_status(notice, NoticeStatus.PAPER, actor=actor, data={"reason": reason})


@transaction.atomic
def notice_withdraw(*, notice: Notice, reason: str, actor: Actor) -> Notice:
    """Withdraw a notice (it will not be sent, and can no longer be opened)."""
    notice = (
        Notice.objects.select_for_update(of=("self",)).select_related("batch").get(pk=notice.pk)
    )
    require_permission(actor, "prepare", notice.batch)
    return _notice_set_status(notice, NoticeStatus.WITHDRAWN, actor=actor, data={"reason": reason})

"""Batches (通知枠), the application records imported for them, and their notices (処分通知)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsuchi.accounts.models import Department


class BatchState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PREPARING = "preparing", _("Preparing")
    REVIEW = "review", _("In review")
    SIGNED = "signed", _("Signed")
    APPROVED = "approved", _("Approved")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class SigningLevel(models.TextChoices):
    B_B = "B-B", "PAdES B-B"
    B_T = "B-T", _("PAdES B-T (with timestamp)")
    B_LT = "B-LT", _("PAdES B-LT (with validation data)")


class IdentityCheck(models.TextChoices):
    BIRTH_DATE = "birth_date", _("Child's date of birth")
    APPLICATION_NUMBER = "application_number", _("Application number")
    ONE_TIME_CODE = "one_time_code", _("One-time code sent by SMS")


def default_channels() -> list[str]:
    return ["email", "sms"]


def default_reminders() -> list[int]:
    return [3, 7]


def batch_upload_path(instance: Batch, filename: str) -> str:
    return f"batches/{instance.pk}/source/{filename}"


def notice_upload_path(instance: Notice, filename: str) -> str:
    return f"batches/{instance.batch_id}/notices/{filename}"


class Batch(models.Model):
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="batches")
    title = models.CharField(_("title"), max_length=200)
    notice_type = models.CharField(_("notice type"), max_length=100)
    profile_name = models.CharField(_("profile"), max_length=100, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=BatchState.choices, default=BatchState.DRAFT
    )

    email_subject = models.CharField(_("email subject"), max_length=200, blank=True)
    email_body = models.TextField(
        _("email body"),
        blank=True,
        help_text=_("Placeholders: {name} {office} {url} {deadline}. No content of the notice."),
    )
    sms_body = models.CharField(_("SMS body"), max_length=660, blank=True)
    sender_name = models.CharField(_("sender name"), max_length=100, blank=True)
    reply_to = models.EmailField(_("reply-to address"), blank=True)
    retrieval_deadline = models.DateField(_("retrieval deadline"), null=True, blank=True)
    reminder_days = models.JSONField(
        _("reminders (days after sending)"), default=default_reminders, blank=True
    )
    retention = models.DurationField(_("retention period"), default=timedelta(days=365 * 5))
    identity_check = models.CharField(
        _("identity check"),
        max_length=30,
        choices=IdentityCheck.choices,
        default=IdentityCheck.BIRTH_DATE,
    )
    channels = models.JSONField(_("channels allowed"), default=default_channels)
    signing_level = models.CharField(
        _("signature level"), max_length=8, choices=SigningLevel.choices, default=SigningLevel.B_B
    )
    visible_stamp = models.BooleanField(
        _("visible signature stamp"),
        default=False,
        help_text=_(
            "Draw the office name, the date and a QR code of the public verification page on "
            "the first page of each notice."
        ),
    )

    batch_pdf = models.FileField(_("batch PDF"), upload_to=batch_upload_path, blank=True)
    records_csv = models.FileField(
        _("application records CSV"), upload_to=batch_upload_path, blank=True
    )
    prepare_report = models.JSONField(_("preparation report"), default=dict, blank=True)
    signing_progress = models.JSONField(_("server-side signing"), default=dict, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ApplicationRecord(models.Model):
    """One row of the e-application CSV, exactly as imported (every column kept)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="records")
    row_number = models.PositiveIntegerField(_("CSV line"))
    application_number = models.CharField(_("application number"), max_length=64)
    data = models.JSONField(_("columns"), default=dict)
    acknowledged = models.BooleanField(
        _("acknowledged without notice"),
        default=False,
        help_text=_("A clerk confirmed that this record rightly has no notice in the batch."),
    )

    class Meta:
        verbose_name = _("application record")
        verbose_name_plural = _("application records")
        ordering = ["batch", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "application_number"], name="record_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.application_number}"


class Channel(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic")
    PAPER = "paper", _("Paper")


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    READY = "ready", _("Ready to send")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    OPENED = "opened", _("Opened")
    FAILED = "failed", _("Failed")
    PAPER = "paper", _("Paper")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class Reconciliation(models.TextChoices):
    UNCHECKED = "unchecked", _("Not checked")
    MATCHED = "matched", _("Matched")
    MISMATCHED = "mismatched", _("Mismatched")
    NO_RECORD = "notice_without_record", _("No application record")
    AMBIGUOUS = "ambiguous", _("Ambiguous")
    BLOCKED = "blocked", _("Blocked")
    ACCEPTED = "accepted", _("Accepted by staff")
    EXCLUDED = "excluded", _("Excluded by staff")


class Notice(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="notices")
    sequence = models.PositiveIntegerField(_("sequence"))
    notice_number = models.CharField(_("notice number"), max_length=64, blank=True)
    record = models.OneToOneField(
        ApplicationRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="notice"
    )
    first_page = models.PositiveIntegerField(_("first page in batch PDF"), default=1)
    page_count = models.PositiveIntegerField(_("pages"), default=1)

    addressee_name = models.CharField(_("name"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=400, blank=True)
    email = models.EmailField(_("email"), blank=True)
    mobile = models.CharField(_("mobile number (E.164)"), max_length=20, blank=True)
    consent = models.BooleanField(_("consents to electronic delivery"), default=False)

    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.PAPER
    )
    channel_reason = models.CharField(max_length=40, blank=True)
    extracted = models.JSONField(_("extracted fields"), default=dict, blank=True)
    reconciliation = models.CharField(
        _("cross-check"),
        max_length=30,
        choices=Reconciliation.choices,
        default=Reconciliation.UNCHECKED,
    )
    differences = models.JSONField(_("differences"), default=list, blank=True)

    document = models.FileField(_("prepared PDF"), upload_to=notice_upload_path, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    signed_document = models.FileField(_("signed PDF"), upload_to=notice_upload_path, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)

    verification_code = models.CharField(
        _("verification code"),
        max_length=24,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Printed in the stamp's QR code; lets anyone check the notice is genuine."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["batch", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "sequence"], name="notice_unique_sequence")
        ]
        indexes = [models.Index(fields=["batch", "status"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.sequence}"

    @property
    def is_signed(self) -> bool:
        return bool(self.signed_sha256)


class NoticeProfile(models.Model):
    """A notice-type profile saved by a department with the profile designer (TOML text)."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="profiles")
    name = models.CharField(_("name"), max_length=100)
    toml = models.TextField(_("profile (TOML)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notice profile")
        verbose_name_plural = _("notice profiles")
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="profile_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

"""What a signed notice shows: its public verification URL (in the stamp's QR code) and the
visible stamp of its batch. Used by server-side signing and by the package a terminal signs."""

from __future__ import annotations

from django.conf import settings

from tsuchi.batches.models import Batch, Notice
from tsuchi.core.signing.stamp import StampSettings


def verification_url_for(notice: Notice) -> str | None:
    """The public verification URL printed in the stamp's QR code, when the batch asks for a
    visible stamp (else ``None``: the signature stays invisible, the fast path)."""
    if not notice.batch.visible_stamp or not notice.verification_code:
        return None
    return f"{settings.TSUCHI_PUBLIC_URL}/verify/{notice.verification_code}"


def stamp_settings_for(batch: Batch) -> StampSettings | None:
    """The visible stamp of a batch's notices: the office name as residents know it."""
    if not batch.visible_stamp:
        return None
    department = batch.department
    return StampSettings(office_name=department.office_name or str(department))

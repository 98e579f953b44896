"""What the batch page shows about signing (counts, whether the server can sign, progress)."""

from __future__ import annotations

from typing import Any

from django import template

from tsuchi.batches import signing
from tsuchi.batches.models import Batch, Channel

register = template.Library()


@register.simple_tag
def signing_status(batch: Batch) -> dict[str, Any]:
    """Counts of electronic notices signed, the server key's availability and the last run."""
    electronic = batch.notices.filter(channel=Channel.ELECTRONIC)
    config = signing.signing_configuration()
    progress = batch.signing_progress or {}
    return {
        "electronic": electronic.count(),
        "signed": electronic.exclude(signed_sha256="").count(),
        "available": config is not None,
        "key": config.describe() if config is not None else "",
        "running": signing.signing_in_progress(batch),
        "progress": progress,
    }

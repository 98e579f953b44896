"""Reads of events; callers pass a batch they already obtained through a scoped selector."""

from django.db.models import QuerySet

from tsuchi.evidence.models import Event
from tsuchi.evidence.services import chain_key_for_batch


def events_for_batch(batch_id: int) -> QuerySet[Event]:
    """The events of one batch, newest first."""
    return (
        Event.objects.filter(chain__key=chain_key_for_batch(batch_id))
        .select_related("actor_user")
        .order_by("-sequence")
    )

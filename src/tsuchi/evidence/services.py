"""Writing events. ``event_record`` is the only way an Event row is created."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from tsuchi.core.evidence import GENESIS_HASH, ChainVerdict, Link, link_hash, verify_chain
from tsuchi.evidence.kinds import EVENT_LABELS
from tsuchi.evidence.models import ActorKind, Event, EvidenceChain


@dataclass(frozen=True)
class Actor:
    """Who caused an event, and from where."""

    kind: str
    user: AbstractBaseUser | None = None
    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def staff(cls, user: AbstractBaseUser, *, ip_address: str | None = None, user_agent: str = ""):
        return cls(ActorKind.STAFF, user, ip_address, user_agent[:400])

    @classmethod
    def resident(cls, *, ip_address: str | None = None, user_agent: str = ""):
        return cls(ActorKind.RESIDENT, None, ip_address, user_agent[:400])

    @classmethod
    def system(cls):
        return cls(ActorKind.SYSTEM)


def event_content(event: Event) -> dict[str, Any]:
    """The fields an event's hash covers, in the form they are hashed."""
    return {
        "chain": event.chain.key,
        "sequence": event.sequence,
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_kind": event.actor_kind,
        "actor_user": event.actor_user_id,
        "notice": event.notice_id,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "data": event.data,
    }


def chain_key_for_batch(batch_id: int) -> str:
    return f"batch:{batch_id}"


def event_record(
    *,
    chain_key: str,
    kind: str,
    actor: Actor,
    notice_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Append an event to a chain. Must run inside the caller's transaction."""
    if kind not in EVENT_LABELS:
        raise ValueError(f"unknown event kind {kind}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record must be called inside transaction.atomic()")
    chain, _ = EvidenceChain.objects.get_or_create(
        key=chain_key, defaults={"head_hash": GENESIS_HASH}
    )
    chain = EvidenceChain.objects.select_for_update().get(pk=chain.pk)
    event = Event(
        chain=chain,
        sequence=chain.length + 1,
        kind=kind,
        occurred_at=timezone.now().replace(microsecond=0),
        actor_kind=actor.kind,
        actor_user=actor.user,
        notice_id=notice_id,
        ip_address=actor.ip_address,
        user_agent=actor.user_agent,
        data=data or {},
        previous_hash=chain.head_hash,
    )
    event.hash = link_hash(event.previous_hash, event_content(event))
    event.save()
    chain.length = event.sequence
    chain.head_hash = event.hash
    chain.save(update_fields=["length", "head_hash"])
    return event


def chain_verify(chain_key: str) -> ChainVerdict:
    """Check a stored chain against its head; names the first event that does not hold."""
    chain = EvidenceChain.objects.filter(key=chain_key).first()
    if chain is None:
        return ChainVerdict(True, 0)
    events = chain.events.order_by("sequence").select_related("chain").iterator()
    links = (Link(str(e.pk), e.sequence, e.previous_hash, e.hash, event_content(e)) for e in events)
    return verify_chain(links, head_hash=chain.head_hash, length=chain.length)

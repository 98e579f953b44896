"""Every read of batches and notices that a staff member's rights limit.

Staff see only the batches of departments they belong to. Everything else (views, exports)
goes through these functions, so isolation is written and tested once.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from tsuchi.batches.models import Batch, Notice


def batches_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Batch]:
    """Batches of every department the user belongs to, newest first."""
    if not user.is_authenticated:
        return Batch.objects.none()
    return (
        Batch.objects.filter(department__memberships__user=user)
        .select_related("department", "department__municipality")
        .order_by("-created_at")
    )


def batch_get_for_user(user: AbstractBaseUser | AnonymousUser, batch_id: int) -> Batch:
    """One batch the user may see; 404 (not 403) otherwise, so ids reveal nothing."""
    batch = batches_for_user(user).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


def batch_list_with_counts(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Batch]:
    """The user's batches with notice counts per status for the list page."""
    return batches_for_user(user).annotate(
        notice_count=Count("notices"),
        opened_count=Count("notices", filter=Q(notices__status="opened")),
        paper_count=Count("notices", filter=Q(notices__channel="paper")),
    )


def notices_for_batch(batch: Batch) -> QuerySet[Notice]:
    """Notices of a batch the caller already obtained through ``batch_get_for_user``."""
    return batch.notices.order_by("sequence")


def notice_status_counts(batch: Batch) -> dict[str, int]:
    """Number of notices per status in a batch."""
    rows = batch.notices.values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def notice_get(batch: Batch, sequence: int) -> Notice:
    """One notice of a batch the caller already obtained through ``batch_get_for_user``."""
    notice = batch.notices.select_related("record").filter(sequence=sequence).first()
    if notice is None:
        raise Http404
    return notice


def notice_outcome_counts(batch: Batch) -> dict[str, int]:
    """Number of notices per cross-check outcome."""
    rows = batch.notices.values("reconciliation").annotate(n=Count("id")).order_by()
    return {row["reconciliation"]: row["n"] for row in rows}


def next_unresolved(batch: Batch, *, after: int) -> Notice | None:
    """The next notice after ``after`` (wrapping around) that still needs a decision."""
    from tsuchi.batches.services import UNRESOLVED

    pending = batch.notices.filter(reconciliation__in=UNRESOLVED).order_by("sequence")
    return pending.filter(sequence__gt=after).first() or pending.first()

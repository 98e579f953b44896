"""Sort notices into electronic and paper delivery, and order paper notices for posting.

The law (デジタル手続法 §7) allows an electronic 処分通知 only to a resident who agreed to
receive it electronically; everything else, and anything a clerk has not cleared, goes to
paper. Paper notices are printed in postal-code order (郵便番号仕分け) so that the post
office's bulk discount sorting can be done by the print order itself.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from tsuchi.core.records.csvio import ApplicationRow
from tsuchi.core.records.normalize import normalize_email, normalize_phone, normalize_postal_code
from tsuchi.core.records.reconcile import Outcome, Pair

__all__ = [
    "Channel",
    "ChannelDecision",
    "PaperReason",
    "decide_channel",
    "order_for_print",
    "postal_code_ranges",
]


class Channel(enum.StrEnum):
    """How a notice reaches its resident."""

    ELECTRONIC = "electronic"
    PAPER = "paper"


class PaperReason(enum.StrEnum):
    """Why a notice goes to paper (checked in this order; the first that applies wins)."""

    MY_NUMBER = "my_number"
    """The notice contains a 個人番号."""
    NO_RECORD = "no_record"
    """No single application record belongs to the notice."""
    MISMATCH = "mismatch"
    """The notice and its record disagree (or reconciliation did not match them)."""
    PREFERS_PAPER = "prefers_paper"
    """The resident chose paper (通知方法 紙)."""
    NO_CONSENT = "no_consent"
    """The resident has not agreed to electronic delivery (電子交付同意)."""
    NO_CONTACT = "no_contact"
    """Neither a valid email address nor a valid mobile number."""


@dataclass(frozen=True, slots=True)
class ChannelDecision:
    """The delivery channel of one notice, and why."""

    channel: Channel
    """``electronic`` or ``paper``."""
    reason: str
    """``consented`` for electronic; a :class:`PaperReason` value for paper."""


def decide_channel(
    pair: Pair,
    record: ApplicationRow | None,
    *,
    consent_values: Collection[str] = ("同意する",),
    electronic_values: Collection[str] = ("電子",),
    consent_field: str = "consent",
    preference_field: str = "delivery_preference",
    email_field: str = "email",
    mobile_field: str = "mobile",
) -> ChannelDecision:
    """Decide electronic or paper for one reconciled notice.

    Electronic only when: the pair is ``matched`` (which excludes a notice flagged with a
    個人番号: its outcome is ``blocked``), the record's consent value is one of
    ``consent_values``, its preference one of ``electronic_values``, and it has an email
    address or a mobile number that is valid after normalization. Otherwise paper, with the
    first reason that applies (order of :class:`PaperReason`).
    """

    def paper(reason: PaperReason) -> ChannelDecision:
        return ChannelDecision(Channel.PAPER, reason.value)

    if pair.outcome is Outcome.BLOCKED:
        return paper(PaperReason.MY_NUMBER)
    if record is None or pair.record_row is None or pair.notice_sequence is None:
        return paper(PaperReason.NO_RECORD)
    if pair.outcome is not Outcome.MATCHED:
        return paper(PaperReason.MISMATCH)
    fields = record.fields
    # The resident's own choice of paper is the reason to show, even without consent.
    if fields.get(preference_field, "").strip() not in electronic_values:
        return paper(PaperReason.PREFERS_PAPER)
    if fields.get(consent_field, "").strip() not in consent_values:
        return paper(PaperReason.NO_CONSENT)
    email = fields.get(email_field, "")
    mobile = fields.get(mobile_field, "")
    has_email = bool(email) and normalize_email(email).valid
    has_mobile = bool(mobile) and normalize_phone(mobile).is_mobile
    if not (has_email or has_mobile):
        return paper(PaperReason.NO_CONTACT)
    return ChannelDecision(Channel.ELECTRONIC, "consented")


def _default_sequence(item: object) -> int:
    for attribute in ("sequence", "notice_sequence"):
        value = getattr(item, attribute, None)
        if isinstance(value, int):
            return value
    return 0


def order_for_print[T](
    items: Iterable[T],
    postal_code_of: Callable[[T], str | None],
    sequence_of: Callable[[T], int] | None = None,
) -> list[T]:
    """Order paper notices for printing: by normalized postal code, then by sequence.

    ``sequence_of`` defaults to the item's ``sequence`` or ``notice_sequence`` attribute.
    Items whose postal code is missing or invalid come last, in sequence order, so that a
    clerk can address them by hand.
    """
    get_sequence = sequence_of or _default_sequence

    def sort_key(item: T) -> tuple[int, str, int]:
        raw = postal_code_of(item)
        code = normalize_postal_code(raw) if raw else None
        return (0, code, get_sequence(item)) if code else (1, "", get_sequence(item))

    return sorted(items, key=sort_key)


def postal_code_ranges(codes: Iterable[str | None]) -> list[tuple[str, str, int]]:
    """Group postal codes by their first 3 digits for the cover list of a paper mailing.

    Returns ``(lowest, highest, count)`` per group in ascending order, codes as 7 digits.
    Missing or invalid codes are counted in a last ``("", "", count)`` entry when any exist.
    """
    groups: dict[str, list[str]] = {}
    invalid = 0
    for raw in codes:
        code = normalize_postal_code(raw) if raw else None
        if code is None:
            invalid += 1
            continue
        groups.setdefault(code[:3], []).append(code)
    ranges = [(min(g), max(g), len(g)) for _, g in sorted(groups.items())]
    if invalid:
        ranges.append(("", "", invalid))
    return ranges

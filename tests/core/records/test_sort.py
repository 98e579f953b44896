from dataclasses import dataclass
from types import MappingProxyType

import pytest

from tsuchi.core.records.csvio import ApplicationRow
from tsuchi.core.records.reconcile import Outcome, Pair
from tsuchi.core.records.sort import (
    Channel,
    decide_channel,
    order_for_print,
    postal_code_ranges,
)


def record(**overrides):
    fields = {
        "application_number": "0001",
        "email": "taro@example.jp",
        "mobile": "090-1234-5678",
        "delivery_preference": "電子",
        "consent": "同意する",
        **overrides,
    }
    return ApplicationRow(
        row=2, key="0001", values=MappingProxyType({}), fields=MappingProxyType(fields)
    )


MATCHED = Pair(notice_sequence=1, record_row=2, outcome=Outcome.MATCHED)


def test_consenting_matched_record_with_contact_goes_electronic():
    decision = decide_channel(MATCHED, record())
    assert decision.channel is Channel.ELECTRONIC
    assert decision.reason == "consented"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"consent": "同意しない"}, "no_consent"),
        ({"consent": ""}, "no_consent"),
        ({"delivery_preference": "紙"}, "prefers_paper"),
        ({"email": "", "mobile": ""}, "no_contact"),
        ({"email": "broken", "mobile": "03-1234-5678"}, "no_contact"),
    ],
)
def test_record_reasons_for_paper(fields, reason):
    decision = decide_channel(MATCHED, record(**fields))
    assert decision.channel is Channel.PAPER
    assert decision.reason == reason


def test_email_alone_or_mobile_alone_is_enough():
    assert decide_channel(MATCHED, record(mobile="")).channel is Channel.ELECTRONIC
    assert decide_channel(MATCHED, record(email="")).channel is Channel.ELECTRONIC
    assert decide_channel(MATCHED, record(email="x.@docomo.ne.jp", mobile="")).channel is (
        Channel.ELECTRONIC
    )


@pytest.mark.parametrize(
    ("pair", "reason"),
    [
        (Pair(1, 2, Outcome.BLOCKED), "my_number"),
        (Pair(1, None, Outcome.BLOCKED), "my_number"),
        (Pair(1, 2, Outcome.MISMATCHED), "mismatch"),
        (Pair(1, None, Outcome.NOTICE_WITHOUT_RECORD), "no_record"),
        (Pair(1, None, Outcome.AMBIGUOUS), "no_record"),
    ],
)
def test_reconciliation_reasons_for_paper(pair, reason):
    rec = None if pair.record_row is None else record()
    decision = decide_channel(pair, rec)
    assert decision.channel is Channel.PAPER
    assert decision.reason == reason


def test_consent_and_preference_values_are_configurable():
    rec = record(consent="はい", delivery_preference="メール")
    assert decide_channel(MATCHED, rec).reason == "prefers_paper"
    decision = decide_channel(MATCHED, rec, consent_values={"はい"}, electronic_values={"メール"})
    assert decision.channel is Channel.ELECTRONIC


@dataclass(frozen=True)
class Item:
    sequence: int
    postal: str | None


def test_paper_notices_are_ordered_by_postal_code_then_sequence():
    items = [
        Item(1, "〒100-0001"),
        Item(2, "060-0001"),
        Item(3, None),
        Item(4, "０６０－０００１"),
        Item(5, "bad"),
        Item(6, "0010010"),
    ]
    ordered = order_for_print(items, lambda item: item.postal)
    assert [item.sequence for item in ordered] == [6, 2, 4, 1, 3, 5]


def test_order_for_print_accepts_pairs_and_a_sequence_function():
    pairs = [Pair(2, 3, Outcome.MATCHED), Pair(1, 2, Outcome.MATCHED)]
    codes = {2: "100-0001", 3: "060-0001"}
    assert order_for_print(pairs, lambda p: codes[p.record_row]) == [pairs[0], pairs[1]]
    same = {2: "100-0001", 3: "100-0001"}
    assert order_for_print(pairs, lambda p: same[p.record_row]) == [pairs[1], pairs[0]]
    assert order_for_print(pairs, lambda p: "100-0001", sequence_of=lambda p: -p.record_row) == [
        pairs[0],
        pairs[1],
    ]


def test_postal_code_ranges_group_by_first_three_digits_with_counts():
    codes = ["060-0001", "0600042", "001-0010", "〒060-0005", "100-0001", None, "x"]
    assert postal_code_ranges(codes) == [
        ("0010010", "0010010", 1),
        ("0600001", "0600042", 3),
        ("1000001", "1000001", 1),
        ("", "", 2),
    ]


def test_postal_code_ranges_of_nothing_is_empty():
    assert postal_code_ranges([]) == []


def test_a_resident_who_chose_paper_is_reported_as_prefers_paper_even_without_consent():
    decision = decide_channel(MATCHED, record(delivery_preference="紙", consent="同意しない"))
    assert decision.reason == "prefers_paper"

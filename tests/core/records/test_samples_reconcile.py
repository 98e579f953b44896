"""The generated sample batch reconciles exactly as its truth says.

The notice side is taken from ``truth.json`` (the values the core system printed), the record
side is the generated CP932 ``applications.csv`` with all its spelling variants. This proves
the normalization handles every variant the sample generator produces, independently of PDF
extraction.
"""

import json

import pytest

from tsuchi.core.records import (
    Channel,
    NoticeFields,
    Outcome,
    ReconcileSpec,
    decide_channel,
    read_records,
    reconcile,
)
from tsuchi.core.samples import CSV_HEADER, generate

COLUMNS = dict(
    zip(
        (
            "application_number",
            "applicant_name",
            "applicant_kana",
            "child_name",
            "postal_code",
            "address",
            "email",
            "mobile",
            "birth_date",
            "delivery_preference",
            "consent",
        ),
        CSV_HEADER,
        strict=True,
    )
)
SPEC = ReconcileSpec(
    key="application_number",
    verify=("applicant_name", "child_name", "postal_code", "address"),
)


@pytest.fixture(scope="module", params=[(1, "nursery"), (2, "nursery"), (3, "allowance")])
def sample(request, tmp_path_factory):
    seed, layout = request.param
    out = tmp_path_factory.mktemp(f"sample{seed}")
    generated = generate(out, count=60, seed=seed, layout=layout)
    truth = json.loads(generated.truth_json.read_text("utf-8"))
    table = read_records(
        generated.applications_csv.read_bytes(),
        filename="applications.csv",
        columns=COLUMNS,
        key="application_number",
        required=("application_number", "applicant_name", "address"),
    )
    notices = [
        NoticeFields(
            sequence=n["sequence"],
            fields={k: n[k] for k in ("application_number", *SPEC.verify)},
            pages=tuple(range(n["first_page"], n["first_page"] + n["page_count"])),
            flags=frozenset({"my_number"}) if n["my_number"] else frozenset(),
        )
        for n in truth["notices"]
    ]
    return truth, table, notices, reconcile(notices, table, SPEC)


def test_sample_csv_is_cp932_and_has_no_errors(sample):
    truth, table, _, _ = sample
    assert table.encoding == "cp932"
    expected_rows = len(truth["records"]) + len(truth["records_without_notice"])
    assert len(table.records) == expected_rows
    assert [p for p in table.problems if p.severity == "error"] == []


def test_every_record_gets_the_outcome_truth_gives(sample):
    truth, _, notices_in, result = sample
    my_number = {n.sequence for n in notices_in if "my_number" in n.flags}
    for expected in truth["records"]:
        pair = result.pair_for_record(expected["csv_row"])
        assert pair is not None
        assert pair.notice_sequence == expected["notice_sequence"]
        outcome = (
            Outcome.BLOCKED if expected["notice_sequence"] in my_number else expected["outcome"]
        )
        assert pair.outcome == outcome, (expected["variants"], pair.differences)
        assert sorted(d.field for d in pair.differences) == sorted(expected["differing_fields"])


def test_notices_and_records_without_counterpart(sample):
    truth, _, _, result = sample
    lonely = [
        p.notice_sequence
        for p in result.pairs
        if p.outcome is Outcome.NOTICE_WITHOUT_RECORD
        or (p.outcome is Outcome.BLOCKED and p.record_row is None)
    ]
    assert sorted(lonely) == sorted(truth["notices_without_record"])
    orphans = [p.record_row for p in result.pairs if p.outcome is Outcome.RECORD_WITHOUT_NOTICE]
    assert sorted(orphans) == sorted(r["csv_row"] for r in truth["records_without_notice"])
    assert result.counts()[Outcome.AMBIGUOUS] == 0


def test_shared_email_is_flagged_exactly_where_truth_put_it(sample):
    truth, _, _, result = sample
    for expected in truth["records"]:
        pair = result.pair_for_record(expected["csv_row"])
        shared = any(p.code == "contact_shared" for p in pair.problems)
        assert shared == expected["shared_email"], expected["csv_row"]
    assert any(r["shared_email"] for r in truth["records"])


def test_every_record_gets_the_channel_truth_gives(sample):
    truth, table, _, result = sample
    for expected in truth["records"]:
        pair = result.pair_for_record(expected["csv_row"])
        decision = decide_channel(pair, table.record_at(expected["csv_row"]))
        assert decision.channel == expected["channel"], expected
        if decision.channel is Channel.PAPER:
            assert decision.reason == expected["channel_reason"], expected
        else:
            assert expected["channel_reason"] == "consent_and_contact"

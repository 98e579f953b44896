"""prepare_batch on generated sample batches finds exactly what their truth.json says.

The samples (``tsuchi.core.samples.generate``) hold every deliberate case: notices whose
record differs in one field, notices without record, records without notice, variant
spellings that must still match (髙/高, half-width kana, dash and space variants …), a printed
個人番号, paper preference, missing consent, no contact. The shipped profiles must find all of
them from the PDF text alone, and nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tsuchi.core.prepare import PrepareResult, prepare_batch
from tsuchi.core.profiles import load_profile
from tsuchi.core.samples import generate

PROFILES = Path(__file__).resolve().parents[2] / "profiles"


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(("nursery", 200), id="nursery-200"),
        pytest.param(("allowance", 60), id="allowance-60"),
    ],
)
def prepared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], PrepareResult]:
    layout, count = request.param
    profile_path = PROFILES / f"{layout}.toml"
    if not profile_path.is_file():
        pytest.skip(f"{profile_path.name} is not written yet")
    folder = tmp_path_factory.mktemp(layout)
    sample = generate(folder / "sample", count=count, seed=3, layout=layout)
    truth = json.loads(sample.truth_json.read_text(encoding="utf-8"))
    result = prepare_batch(
        sample.batch_pdf,
        sample.applications_csv,
        load_profile(profile_path),
        folder / "out",
        workers=2,
    )
    return truth, result


def test_notices_are_split_and_numbered_as_printed(
    prepared: tuple[dict[str, Any], PrepareResult],
) -> None:
    truth, result = prepared
    got = [(n.sequence, n.pages, n.notice_number) for n in result.notices]
    expected = [
        (
            n["sequence"],
            tuple(range(n["first_page"], n["first_page"] + n["page_count"])),
            n["notice_number"],
        )
        for n in truth["notices"]
    ]
    assert got == expected


def test_every_record_gets_its_notice_outcome_and_differing_fields(
    prepared: tuple[dict[str, Any], PrepareResult],
) -> None:
    truth, result = prepared
    my_number = {n["sequence"] for n in truth["notices"] if n["my_number"]}
    notices = {n.sequence: n for n in result.notices}
    for expected in truth["records"]:
        notice = notices[expected["notice_sequence"]]
        context = (expected["csv_row"], expected["variants"], notice.differences)
        assert notice.record_row == expected["csv_row"], context
        if notice.sequence in my_number:
            assert notice.outcome == "blocked", context
        else:
            assert notice.outcome == expected["outcome"], context
        assert sorted(d["field"] for d in notice.differences) == sorted(
            expected["differing_fields"]
        ), context


def test_variant_spellings_match_their_records(
    prepared: tuple[dict[str, Any], PrepareResult],
) -> None:
    truth, result = prepared
    notices = {n.sequence: n for n in result.notices}
    variants = [r for r in truth["records"] if r["variants"] and not r["differing_fields"]]
    assert variants  # the sample must exercise them
    for expected in variants:
        notice = notices[expected["notice_sequence"]]
        assert notice.outcome in ("matched", "blocked"), (expected, notice.differences)
        assert notice.differences == (), expected


def test_notices_without_record_and_records_without_notice_are_all_found(
    prepared: tuple[dict[str, Any], PrepareResult],
) -> None:
    truth, result = prepared
    lonely = [n.sequence for n in result.notices if n.record_row is None]
    assert sorted(lonely) == sorted(truth["notices_without_record"])
    assert list(result.records_without_notice) == [
        r["csv_row"] for r in truth["records_without_notice"]
    ]
    assert result.counts["ambiguous"] == 0


def test_nothing_is_matched_wrongly(prepared: tuple[dict[str, Any], PrepareResult]) -> None:
    truth, result = prepared
    rows = {r["notice_sequence"]: r["csv_row"] for r in truth["records"]}
    for notice in result.notices:
        if notice.outcome == "matched":
            assert notice.record_row == rows[notice.sequence]


def test_channels_and_reasons_agree_with_truth(
    prepared: tuple[dict[str, Any], PrepareResult],
) -> None:
    truth, result = prepared
    my_number = {n["sequence"] for n in truth["notices"] if n["my_number"]}
    assert my_number
    notices = {n.sequence: n for n in result.notices}
    for expected in truth["records"]:
        notice = notices[expected["notice_sequence"]]
        if notice.sequence in my_number:
            assert (notice.channel, notice.channel_reason) == ("paper", "my_number")
        elif expected["channel"] == "electronic":
            assert (notice.channel, notice.channel_reason) == ("electronic", "consented")
            assert notice.path.parent.name == "electronic"
        else:
            assert (notice.channel, notice.channel_reason) == (
                "paper",
                expected["channel_reason"],
            ), expected
    for sequence in truth["notices_without_record"]:
        assert notices[sequence].channel == "paper"


def test_shared_email_is_flagged_for_review(
    prepared: tuple[dict[str, Any], PrepareResult],
) -> None:
    truth, result = prepared
    notices = {n.sequence: n for n in result.notices}
    for expected in truth["records"]:
        notice = notices[expected["notice_sequence"]]
        shared = any(p.code == "contact_shared" for p in notice.problems)
        assert shared == expected["shared_email"], expected["csv_row"]


def test_no_page_of_a_sample_has_an_extraction_problem(
    prepared: tuple[dict[str, Any], PrepareResult],
) -> None:
    _, result = prepared
    extraction = [
        p for p in result.problems if p.location.page is not None and p.code != "my_number"
    ]
    assert extraction == []

"""Sample batches are deterministic, readable, and hold every deliberate case."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from tsuchi.core.samples import CSV_HEADER, SampleError, SampleSet, generate


def _load(sample: SampleSet) -> dict[str, Any]:
    truth: dict[str, Any] = json.loads(sample.truth_json.read_text("utf-8"))
    return truth


def _page_texts(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(path)
    try:
        texts = []
        for page in pdf:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        pdf.close()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _csv_rows(sample: SampleSet) -> list[list[str]]:
    return list(csv.reader(io.StringIO(sample.applications_csv.read_bytes().decode("cp932"))))


@pytest.fixture(scope="module")
def nursery(tmp_path_factory: pytest.TempPathFactory) -> SampleSet:
    return generate(tmp_path_factory.mktemp("nursery"), count=60, seed=7)


@pytest.fixture(scope="module")
def allowance(tmp_path_factory: pytest.TempPathFactory) -> SampleSet:
    return generate(tmp_path_factory.mktemp("allowance"), count=30, seed=7, layout="allowance")


def test_same_seed_gives_byte_identical_files_and_text(nursery: SampleSet, tmp_path: Path) -> None:
    again = generate(tmp_path, count=60, seed=7)
    assert again.batch_pdf.read_bytes() == nursery.batch_pdf.read_bytes()
    assert again.applications_csv.read_bytes() == nursery.applications_csv.read_bytes()
    assert again.truth_json.read_bytes() == nursery.truth_json.read_bytes()
    assert _page_texts(again.batch_pdf) == _page_texts(nursery.batch_pdf)


def test_different_seed_gives_different_data(nursery: SampleSet, tmp_path: Path) -> None:
    other = generate(tmp_path, count=60, seed=8)
    assert other.applications_csv.read_bytes() != nursery.applications_csv.read_bytes()
    assert _load(other)["notices"] != _load(nursery)["notices"]


@pytest.mark.parametrize("layout", ["nursery", "allowance"])
def test_every_notice_first_page_shows_name_postal_code_and_number(
    layout: str, nursery: SampleSet, allowance: SampleSet
) -> None:
    sample = nursery if layout == "nursery" else allowance
    truth = _load(sample)
    texts = _page_texts(sample.batch_pdf)
    assert len(texts) == sum(n["page_count"] for n in truth["notices"]) == sample.page_count
    for notice in truth["notices"]:
        page = _squash(texts[notice["first_page"] - 1])
        assert _squash(notice["applicant_name"]) in page
        assert notice["postal_code"] in page
        assert notice["notice_number"] in page
        assert notice["application_number"] in page
        assert _squash(notice["child_name"]) in page


def test_nursery_notices_have_title_kyoji_and_some_continuation_pages(
    nursery: SampleSet,
) -> None:
    truth = _load(nursery)
    texts = _page_texts(nursery.batch_pdf)
    kinds = {n["kind"] for n in truth["notices"]}
    assert kinds == {"内定", "保留"}
    for notice in truth["notices"]:
        page = _squash(texts[notice["first_page"] - 1])
        assert f"保育所入所{notice['kind']}通知書" in page
        assert "行政不服審査法" in page
        assert "土見市長鈴木一郎" in page
        if notice["page_count"] == 2:
            second = _squash(texts[notice["first_page"]])
            assert f"通知番号{notice['notice_number']}（2／2）" in second
    assert any(n["page_count"] == 2 for n in truth["notices"])


def test_allowance_notices_always_have_two_pages(allowance: SampleSet) -> None:
    truth = _load(allowance)
    assert {n["page_count"] for n in truth["notices"]} == {2}
    texts = _page_texts(allowance.batch_pdf)
    first = truth["notices"][0]
    assert f"管理番号：{first['application_number']}" in texts[0]
    assert "受給者氏名：" in texts[0]
    assert f"管理番号：{first['application_number']}（2／2）" in texts[1]


def test_csv_is_cp932_with_crlf_and_the_expected_header(nursery: SampleSet) -> None:
    raw = nursery.applications_csv.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")
    rows = _csv_rows(nursery)
    assert tuple(rows[0]) == CSV_HEADER
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    numbers = [row[0] for row in rows[1:]]
    assert all(re.fullmatch(r"[0-9]{7}", number) for number in numbers)
    assert any(number.startswith("0") for number in numbers)
    assert len(set(numbers)) == len(numbers)


def test_truth_points_at_the_csv_rows_it_describes(nursery: SampleSet) -> None:
    truth = _load(nursery)
    rows = _csv_rows(nursery)
    described = truth["records"] + truth["records_without_notice"]
    assert sorted(r["csv_row"] for r in described) == list(range(2, len(rows) + 1))
    for record in described:
        assert rows[record["csv_row"] - 1][0] == record["application_number"]
    notices = {n["sequence"]: n for n in truth["notices"]}
    for record in truth["records"]:
        assert (
            notices[record["notice_sequence"]]["application_number"]
            == (record["application_number"])
        )


def test_every_deliberate_case_appears_when_count_is_at_least_20(nursery: SampleSet) -> None:
    truth = _load(nursery)
    records = truth["records"]
    assert truth["notices_without_record"]
    assert truth["records_without_notice"]
    fields = {f for r in records for f in r["differing_fields"]}
    assert {"address", "applicant_name"} <= fields
    reasons = {r["channel_reason"] for r in records}
    assert reasons == {
        "consent_and_contact",
        "prefers_paper",
        "no_consent",
        "no_contact",
        "my_number",
        "mismatch",
    }
    assert sum(r["shared_email"] for r in records) >= 2
    assert any(n["my_number"] for n in truth["notices"])
    variants = {v for r in records for v in r["variants"]}
    assert {"halfwidth_kana", "variant_kanji"} <= variants
    # Records come in a different order from the notices.
    sequences = [r["notice_sequence"] for r in sorted(records, key=lambda r: r["csv_row"])]
    assert sequences != sorted(sequences)


def test_shared_email_is_really_shared_and_paper_rows_say_paper(nursery: SampleSet) -> None:
    truth = _load(nursery)
    rows = _csv_rows(nursery)
    header = rows[0]
    email = header.index("メールアドレス")
    method = header.index("通知方法")
    shared = [rows[r["csv_row"] - 1][email] for r in truth["records"] if r["shared_email"]]
    assert all(shared.count(address) == 2 for address in shared)
    for record in truth["records"]:
        row = rows[record["csv_row"] - 1]
        if record["channel_reason"] == "prefers_paper":
            assert row[method] == "紙"
        if record["channel_reason"] == "no_contact":
            assert row[email] == ""
            assert row[header.index("携帯電話番号")] == ""


def test_small_batches_have_no_deliberate_cases(tmp_path: Path) -> None:
    truth = _load(generate(tmp_path, count=5, seed=3))
    assert not truth["notices_without_record"]
    assert not truth["records_without_notice"]
    assert all(r["outcome"] == "matched" for r in truth["records"])


def test_unknown_layout_and_bad_count_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SampleError, match="layout"):
        generate(tmp_path, count=5, layout="tax")
    with pytest.raises(SampleError, match="count"):
        generate(tmp_path, count=0)


def test_missing_font_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reportlab.pdfbase import pdfmetrics

    import tsuchi.core.samples.notices as notices

    monkeypatch.setattr(pdfmetrics, "getRegisteredFontNames", lambda: [])
    monkeypatch.setattr(notices, "MINCHO_PATH", tmp_path / "missing.ttf")
    with pytest.raises(SampleError, match="fonts-ipaexfont"):
        generate(tmp_path, count=1)

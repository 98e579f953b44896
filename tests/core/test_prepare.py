"""prepare_batch on small crafted batches: outputs, outcomes, channels and refused input."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from pathlib import Path

import pikepdf
import pytest
from tests.core.documents.conftest import Line, draw_pdf

from tsuchi.core.errors import CsvError, InputError, PdfError
from tsuchi.core.prepare import PrepareResult, prepare_batch
from tsuchi.core.profiles import Profile, load_profile

PROFILE = """
[profile]
name = "テスト通知"
notice_type = "test"

[split]
rule = "pattern"
start_pattern = "入所内定通知書"

[fields.notice_number]
label = "通知番号"
pattern = "保第\\\\d{2}-\\\\d{5}号"

[fields.postal_code]
label = "〒"
pattern = "\\\\d{3}-\\\\d{4}"

[fields.applicant_name]
label = "申請者氏名"
strip_suffix = "様"

[csv.columns]
notice_number = "通知番号"
applicant_name = "申請者氏名"
postal_code = "郵便番号"
email = "メールアドレス"
mobile = "携帯電話番号"
delivery_preference = "通知方法"
consent = "電子交付同意"

[match]
key = "notice_number"
verify = ["applicant_name", "postal_code"]

[delivery]
consent_column = "consent"
consent_values = ["同意する"]
email_column = "email"
phone_column = "mobile"
"""

HEADER = (
    "通知番号",
    "申請者氏名",
    "郵便番号",
    "メールアドレス",
    "携帯電話番号",
    "通知方法",
    "電子交付同意",
)


def profile() -> Profile:
    """The profile of the crafted notices below."""
    return load_profile(PROFILE)


def number(n: int) -> str:
    """Notice number n as printed."""
    return f"保第07-{n:05d}号"


def page(n: int, name: str, postal: str, *, extra: str = "", second: bool = False) -> list[Line]:
    """One page of crafted notice n (``second``: its continuation page)."""
    if second:
        return [(20, 30, "（裏面）ご案内"), (20, 50, f"通知番号　{number(n)}")]
    lines: list[Line] = [
        (20, 20, f"〒{postal}"),
        (20, 40, "保育所入所内定通知書"),
        (20, 60, f"通知番号　{number(n)}"),
        (20, 70, f"申請者氏名　{name}　様"),
    ]
    if extra:
        lines.append((20, 90, extra))
    return lines


def csv_bytes(rows: Sequence[Sequence[str]], encoding: str = "utf-8-sig") -> bytes:
    """CSV file bytes with HEADER and ``rows``."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


# A valid 個人番号 (check digit correct): 1234 5678 9018.
MY_NUMBER = "1234 5678 9018"


def make_batch(tmp_path: Path) -> tuple[Path, Path]:
    """Six notices on seven pages and six records, covering every outcome.

    1 matched, electronic by email · 2 matched, electronic by mobile · 3 name differs · 4 no
    record, pages 4-5 (across the middle of the batch) · 5 matched but shows a 個人番号 · 6
    matched, prefers paper · record 保第07-00099 has no notice.
    """
    pages = [
        page(1, "山田　太郎", "100-0005"),
        page(2, "髙橋　花子", "060-0001"),
        page(3, "佐藤　一郎", "530-0001"),
        page(4, "鈴木　次郎", "980-0001"),
        page(4, "", "", second=True),
        page(5, "田中　三郎", "100-0001", extra=f"保護者個人番号　{MY_NUMBER}"),
        page(6, "伊藤　四郎", "810-0001"),
    ]
    pdf = draw_pdf(tmp_path / "batch.pdf", pages)
    rows = [
        (number(1), "山田 太郎", "1000005", "taro@example.jp", "", "電子", "同意する"),
        (number(2), "高橋花子", "060-0001", "", "090-1234-5678", "電子", "同意する"),
        (number(3), "佐藤 二郎", "530-0001", "ichiro@example.jp", "", "電子", "同意する"),
        (number(5), "田中 三郎", "100-0001", "saburo@example.jp", "", "電子", "同意する"),
        (number(6), "伊藤 四郎", "810-0001", "shiro@example.jp", "", "紙", "同意する"),
        (number(99), "渡辺 五郎", "150-0001", "goro@example.jp", "", "電子", "同意する"),
    ]
    records = tmp_path / "applications.csv"
    records.write_bytes(csv_bytes(rows))
    return pdf, records


@pytest.fixture
def batch(tmp_path: Path) -> tuple[Path, Path]:
    return make_batch(tmp_path)


def by_number(result: PrepareResult) -> dict[str, object]:
    return {n.notice_number: n for n in result.notices}


def test_every_outcome_and_channel_is_found(batch: tuple[Path, Path], tmp_path: Path) -> None:
    pdf, records = batch
    out = tmp_path / "out"
    result = prepare_batch(pdf, records, profile(), out, workers=1)

    outcomes = {n.notice_number: (n.outcome, n.channel, n.channel_reason) for n in result.notices}
    assert outcomes == {
        number(1): ("matched", "electronic", "consented"),
        number(2): ("matched", "electronic", "consented"),
        number(3): ("mismatched", "paper", "mismatch"),
        number(4): ("notice_without_record", "paper", "no_record"),
        number(5): ("blocked", "paper", "my_number"),
        number(6): ("matched", "paper", "prefers_paper"),
    }
    assert [n.sequence for n in result.notices] == [1, 2, 3, 4, 5, 6]
    assert result.notices[3].pages == (4, 5)
    assert result.records_without_notice == (7,)
    third = result.notices[2]
    assert third.record_row == 4
    assert [dict(d) for d in third.differences] == [
        {"field": "applicant_name", "notice_value": "佐藤 一郎", "record_value": "佐藤 二郎"}
    ]
    assert result.counts["matched"] == 3
    assert result.counts["electronic"] == 2
    assert result.counts["paper"] == 4
    assert result.counts["record_without_notice"] == 1
    assert result.needs_review
    assert result.exit_code == 1


def test_contacts_and_addressee_come_from_the_right_side(
    batch: tuple[Path, Path], tmp_path: Path
) -> None:
    pdf, records = batch
    result = prepare_batch(pdf, records, profile(), tmp_path / "out", workers=1)
    first, second = result.notices[0], result.notices[1]
    assert (first.email, first.mobile, first.consent) == ("taro@example.jp", "", True)
    assert (second.email, second.mobile) == ("", "+819012345678")
    assert first.postal_code == "1000005"
    assert second.addressee_name == "髙橋 花子"


def test_a_notice_showing_a_my_number_is_blocked_and_flagged_by_page(
    batch: tuple[Path, Path], tmp_path: Path
) -> None:
    pdf, records = batch
    result = prepare_batch(pdf, records, profile(), tmp_path / "out", workers=1)
    blocked = result.notices[4]
    assert blocked.outcome == "blocked"
    assert blocked.record_row == 5  # keeps its record: not reported as missing
    flags = [p for p in blocked.problems if p.code == "my_number"]
    assert [p.location.page for p in flags] == [6]
    report = (tmp_path / "out" / "report.json").read_text(encoding="utf-8")
    assert "5678" not in report  # the number itself is never copied anywhere


def test_files_are_sorted_into_channels_and_hashed(
    batch: tuple[Path, Path], tmp_path: Path
) -> None:
    pdf, records = batch
    out = tmp_path / "out"
    result = prepare_batch(pdf, records, profile(), out, workers=1)
    assert sorted(p.name for p in (out / "electronic").iterdir()) == [
        "保第07-00001号.pdf",
        "保第07-00002号.pdf",
    ]
    assert len(list((out / "paper").iterdir())) == 5  # four notices and print.pdf
    for notice in result.notices:
        assert notice.path.parent == out / notice.channel
        assert hashlib.sha256(notice.path.read_bytes()).hexdigest() == notice.sha256
        with pikepdf.open(notice.path) as single:
            assert len(single.pages) == len(notice.pages)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_print_file_has_a_cover_and_paper_notices_in_postal_code_order(
    batch: tuple[Path, Path], tmp_path: Path
) -> None:
    pdf, records = batch
    result = prepare_batch(pdf, records, profile(), tmp_path / "out", workers=1)
    assert result.print_pdf is not None
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(result.print_pdf)
    try:
        texts = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    assert "通数: 4" in texts[0]
    assert "〒100-0001: 1通" in texts[0]
    postal_order = [t.split("\r\n")[0] for t in texts[1:]]
    # 100-0001 (blocked), 530-0001, 810-0001, 980-0001 (two pages)
    assert postal_order == [
        "〒100-0001",
        "〒530-0001",
        "〒810-0001",
        "〒980-0001",
        "（裏面）ご案内",
    ]


def test_reports_list_every_notice_and_record_without_notice(
    batch: tuple[Path, Path], tmp_path: Path
) -> None:
    pdf, records = batch
    result = prepare_batch(pdf, records, profile(), tmp_path / "out", workers=1)
    raw = result.report_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 7
    assert rows[2]["differences"] == "applicant_name: notice 「佐藤 一郎」 / record 「佐藤 二郎」"
    assert rows[6]["outcome"] == "record_without_notice"
    assert rows[6]["record_row"] == "7"
    assert "taro@example.jp" not in raw.decode("utf-8-sig")  # contacts are not the clerk's task
    document = json.loads(result.report_json.read_text(encoding="utf-8"))
    assert document["counts"]["blocked"] == 1
    assert "1 notice has no record" in document["summary"]
    assert document["records_without_notice"][0]["record_row"] == 7


def test_everything_matched_gives_exit_code_zero(tmp_path: Path) -> None:
    pdf = draw_pdf(tmp_path / "batch.pdf", [page(1, "山田　太郎", "100-0005")])
    records = tmp_path / "r.csv"
    records.write_bytes(
        csv_bytes([(number(1), "山田 太郎", "1000005", "t@example.jp", "", "電子", "同意する")])
    )
    result = prepare_batch(pdf, records, profile(), tmp_path / "out", workers=1)
    assert result.exit_code == 0
    assert result.print_pdf is None
    assert result.summary == ()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_encodings_give_the_same_result(
    batch: tuple[Path, Path], tmp_path: Path, encoding: str
) -> None:
    pdf, records = batch
    text = records.read_bytes().decode("utf-8-sig")
    converted = tmp_path / f"records-{encoding}.csv"
    converted.write_bytes(text.encode(encoding))
    reference = prepare_batch(pdf, records, profile(), tmp_path / "ref", workers=1)
    result = prepare_batch(pdf, converted, profile(), tmp_path / "out", workers=1)
    assert result.records.encoding == encoding

    def essence(r: PrepareResult) -> list[tuple[object, ...]]:
        return [(n.outcome, n.channel, n.record_row, n.differences) for n in r.notices]

    assert essence(result) == essence(reference)


def test_a_missing_csv_column_is_refused_by_name_and_nothing_is_written(
    batch: tuple[Path, Path], tmp_path: Path
) -> None:
    pdf, _ = batch
    records = tmp_path / "bad.csv"
    records.write_text("通知番号,郵便番号\n保第07-00001号,1000005\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(CsvError) as caught:
        prepare_batch(pdf, records, profile(), out, workers=1)
    assert "申請者氏名" in str(caught.value)
    assert caught.value.location.column == "申請者氏名"
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _encrypted(tmp_path: Path, source: Path) -> Path:
    target = tmp_path / "encrypted.pdf"
    with pikepdf.open(source) as document:
        document.save(target, encryption=pikepdf.Encryption(owner="o", user="secret"))
    return target


@pytest.mark.parametrize("kind", ["encrypted", "damaged", "empty", "no_pages"])
def test_unusable_pdfs_are_refused_and_nothing_is_written(
    batch: tuple[Path, Path], tmp_path: Path, kind: str
) -> None:
    good, records = batch
    if kind == "encrypted":
        pdf = _encrypted(tmp_path, good)
    elif kind == "damaged":
        pdf = tmp_path / "damaged.pdf"
        pdf.write_bytes(good.read_bytes()[:300])
    elif kind == "empty":
        pdf = tmp_path / "empty.pdf"
        pdf.write_bytes(b"")
    else:
        pdf = tmp_path / "nopages.pdf"
        with pikepdf.new() as document:
            document.save(pdf)
    out = tmp_path / "out"
    with pytest.raises(PdfError) as caught:
        prepare_batch(pdf, records, profile(), out, workers=1)
    assert caught.value.location.file == pdf.name
    assert not out.exists()


def test_pages_without_text_are_reported_per_page(tmp_path: Path) -> None:
    pages = [page(1, "山田　太郎", "100-0005"), [], page(2, "髙橋　花子", "060-0001"), []]
    pdf = draw_pdf(tmp_path / "batch.pdf", pages)
    result = prepare_batch(pdf, None, profile(), tmp_path / "out", workers=1)
    assert [n.pages for n in result.notices] == [(1, 2), (3, 4)]
    no_text = [p.location.page for p in result.problems if p.code == "no_text"]
    assert no_text == [2, 4]
    assert "2 pages have no readable text" in result.summary


def test_an_existing_foreign_folder_is_not_replaced(
    batch: tuple[Path, Path], tmp_path: Path
) -> None:
    pdf, records = batch
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(InputError):
        prepare_batch(pdf, records, profile(), out, workers=1)
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep"


def test_an_earlier_output_is_replaced_whole(batch: tuple[Path, Path], tmp_path: Path) -> None:
    pdf, records = batch
    out = tmp_path / "out"
    prepare_batch(pdf, records, profile(), out, workers=1)
    (out / "electronic" / "stale.pdf").write_bytes(b"old")
    prepare_batch(pdf, records, profile(), out, workers=1)
    assert not (out / "electronic" / "stale.pdf").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_progress_is_reported_up_to_the_page_count(
    batch: tuple[Path, Path], tmp_path: Path
) -> None:
    pdf, records = batch
    calls: list[tuple[int, int]] = []
    prepare_batch(
        pdf,
        records,
        profile(),
        tmp_path / "out",
        workers=1,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls[0] == (0, 7)
    assert calls[-1] == (7, 7)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_two_workers_give_the_same_result_as_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tsuchi.core.prepare as prepare_module

    # Force two workers on a small batch; notice 4 (pages 4-5) straddles the boundary at 4/5.
    monkeypatch.setattr(prepare_module, "_MIN_PAGES_PER_WORKER", 1)
    pdf, records = make_batch(tmp_path)
    one = prepare_batch(pdf, records, profile(), tmp_path / "one", workers=1)
    calls: list[tuple[int, int]] = []
    two = prepare_batch(
        pdf,
        records,
        profile(),
        tmp_path / "two",
        workers=2,
        progress=lambda d, t: calls.append((d, t)),
    )

    def essence(r: PrepareResult) -> list[tuple[object, ...]]:
        return [(n.sequence, n.pages, n.outcome, n.channel, n.path.name) for n in r.notices]

    assert essence(two) == essence(one)
    assert calls[-1] == (7, 7)

"""``tsuchi prepare`` through the command line entry point: exit codes, files, messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.core.documents.conftest import draw_pdf
from tests.core.test_prepare import PROFILE, csv_bytes, make_batch, number, page

from tsuchi.cli.main import main


@pytest.fixture
def profile_path(tmp_path: Path) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def run(pdf: Path, records: Path, profile: Path, out: Path) -> int:
    return main(
        [
            "prepare",
            "--batch",
            str(pdf),
            "--records",
            str(records),
            "--profile",
            str(profile),
            "--out",
            str(out),
            "--workers",
            "1",
        ]
    )


def test_everything_matched_exits_0(
    tmp_path: Path, profile_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = draw_pdf(tmp_path / "batch.pdf", [page(1, "山田　太郎", "100-0005")])
    records = tmp_path / "r.csv"
    records.write_bytes(
        csv_bytes([(number(1), "山田 太郎", "1000005", "t@example.jp", "", "電子", "同意する")])
    )
    out = tmp_path / "out"
    assert run(pdf, records, profile_path, out) == 0
    assert (out / "electronic" / "保第07-00001号.pdf").is_file()
    assert (out / "report.csv").is_file()
    printed = capsys.readouterr().out
    assert "1 notices, 1 records" in printed
    assert "electronic: 1  paper: 0" in printed
    assert "山田" not in printed  # no personal data in the summary


def test_something_to_review_exits_1_and_prints_the_summary(
    tmp_path: Path, profile_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf, records = make_batch(tmp_path)
    out = tmp_path / "out"
    assert run(pdf, records, profile_path, out) == 1
    printed = capsys.readouterr().out
    assert "differ from their record: 1" in printed
    assert "- 1 record has no notice" in printed
    assert (out / "paper" / "print.pdf").is_file()
    assert str(out / "report.csv") in printed


def test_unusable_input_exits_2_naming_the_file_and_writes_nothing(
    tmp_path: Path, profile_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, records = make_batch(tmp_path)
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.7\nnot really")
    out = tmp_path / "out"
    assert run(damaged, records, profile_path, out) == 2
    assert "damaged.pdf" in capsys.readouterr().err
    assert not out.exists()


def test_missing_column_exits_2_naming_the_column(
    tmp_path: Path, profile_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf, _ = make_batch(tmp_path)
    records = tmp_path / "bad.csv"
    records.write_text("通知番号,郵便番号\n保第07-00001号,1000005\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run(pdf, records, profile_path, out) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err
    assert "申請者氏名" in err
    assert not out.exists()

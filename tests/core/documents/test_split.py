from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest

from tsuchi.core.documents.split import notice_filename, split_batch, split_to_files, write_notice
from tsuchi.core.errors import PdfError

from .conftest import Line, MakePdf, notice_page
from .profiles import make_profile

NAMES = ["山田　太郎", "髙橋　花子", "山﨑　一郎", "渡邉　次郎", "佐藤　三郎"]


def two_page_batch(make_pdf: MakePdf, count: int = 5) -> Path:
    pages: list[list[Line]] = []
    for number in range(1, count + 1):
        pages.append(notice_page(number, NAMES[(number - 1) % len(NAMES)]))
        pages.append(notice_page(number, "", first=False))
    return make_pdf("batch.pdf", pages)


def qpdf_check(path: Path) -> None:
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


@pytest.mark.parametrize("rule", ["pattern", "fixed", "key"])
def test_each_split_rule_cuts_two_page_notices(make_pdf: MakePdf, rule: str) -> None:
    batch = two_page_batch(make_pdf)
    notices = list(split_batch(batch, make_profile(rule)))
    assert [n.page_numbers for n in notices] == [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)]
    assert [n.sequence for n in notices] == [1, 2, 3, 4, 5]
    assert "保第07-00002号" in notices[1].page_texts[0]
    assert "\r" not in notices[1].page_texts[0]


def test_pattern_rule_handles_notices_of_different_lengths(make_pdf: MakePdf) -> None:
    pages = [
        notice_page(1, "山田　太郎"),
        notice_page(2, "髙橋　花子"),
        notice_page(2, "", first=False),
        notice_page(2, "", first=False),
        notice_page(3, "山﨑　一郎"),
    ]
    batch = make_pdf("mixed.pdf", pages)
    notices = list(split_batch(batch, make_profile("pattern")))
    assert [n.page_numbers for n in notices] == [(1,), (2, 3, 4), (5,)]


def test_key_rule_starts_a_notice_when_the_key_changes(make_pdf: MakePdf) -> None:
    pages = [notice_page(1, "a"), notice_page(1, "", first=False), notice_page(2, "b")]
    pages += [notice_page(2, "", first=False), notice_page(2, "", first=False)]
    batch = make_pdf("key.pdf", pages)
    notices = list(split_batch(batch, make_profile("key")))
    assert [n.page_numbers for n in notices] == [(1, 2), (3, 4, 5)]


def test_written_notices_are_standalone_valid_pdfs(make_pdf: MakePdf, tmp_path: Path) -> None:
    batch = two_page_batch(make_pdf, count=2)
    out = tmp_path / "out"
    results = list(split_to_files(batch, make_profile(), out))
    assert [r.path.name for r in results] == ["保第07-00001号.pdf", "保第07-00002号.pdf"]
    for result in results:
        qpdf_check(result.path)
        with pikepdf.open(result.path) as pdf:
            assert len(pdf.pages) == 2
    assert not list(out.glob("*.part"))


def test_names_are_stable_across_runs_and_page_ranges(make_pdf: MakePdf, tmp_path: Path) -> None:
    batch = make_pdf(
        "batch.pdf", [notice_page(1, "山田　太郎"), [(20, 40, "保育所入所内定通知書")]]
    )
    profile = make_profile()
    whole = [r.path.name for r in split_to_files(batch, profile, tmp_path / "a")]
    again = [r.path.name for r in split_to_files(batch, profile, tmp_path / "b")]
    halves = [
        r.path.name
        for page_range in [(1, 1), (2, 2)]
        for r in split_to_files(batch, profile, tmp_path / "c", page_range=page_range)
    ]
    assert whole == again == halves == ["保第07-00001号.pdf", "notice-p00002.pdf"]


def test_duplicate_notice_numbers_get_distinct_names_and_a_problem(
    make_pdf: MakePdf, tmp_path: Path
) -> None:
    batch = make_pdf("dup.pdf", [notice_page(7, "山田　太郎"), notice_page(7, "髙橋　花子")])
    results = list(split_to_files(batch, make_profile(), tmp_path / "out"))
    assert [r.path.name for r in results] == ["保第07-00007号.pdf", "保第07-00007号-p00002.pdf"]
    assert [p.code for p in results[1].extraction.problems] == ["duplicate_name"]


def test_notice_without_number_is_named_by_its_first_page() -> None:
    assert notice_filename(make_profile(), {}, 12) == "notice-p00012.pdf"


def test_unsafe_characters_are_removed_from_names() -> None:
    name = notice_filename(make_profile(), {"notice_number": "../保第 07/1:2"}, 1)
    assert name == "保第_07_1_2.pdf"


@pytest.mark.parametrize("rule", ["pattern", "fixed", "key"])
@pytest.mark.parametrize("boundary", [4, 5, 6])
def test_page_range_halves_give_the_same_notices_as_the_whole(
    make_pdf: MakePdf, rule: str, boundary: int
) -> None:
    batch = two_page_batch(make_pdf)
    profile = make_profile(rule)
    whole = [n.page_numbers for n in split_batch(batch, profile)]
    first = [n.page_numbers for n in split_batch(batch, profile, page_range=(1, boundary))]
    second = [n.page_numbers for n in split_batch(batch, profile, page_range=(boundary + 1, 10))]
    assert first + second == whole


def test_page_range_outside_the_document_is_refused(make_pdf: MakePdf) -> None:
    batch = two_page_batch(make_pdf, count=1)
    with pytest.raises(PdfError, match="outside"):
        list(split_batch(batch, make_profile(), page_range=(2, 3)))


def test_write_notice_can_write_each_notice_while_iterating(
    make_pdf: MakePdf, tmp_path: Path
) -> None:
    batch = two_page_batch(make_pdf, count=3)
    paths = [
        write_notice(notice, tmp_path / f"n{notice.sequence}.pdf")
        for notice in split_batch(batch, make_profile())
    ]
    for path in paths:
        qpdf_check(path)

"""The 個人番号 check digit follows the official algorithm."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tsuchi.core.samples import generate, is_valid_my_number, my_number_check_digit


@pytest.mark.parametrize(
    "number",
    ["123456789018", "111111111118", "000000000000", "987654321093"],
)
def test_known_valid_numbers_validate(number: str) -> None:
    assert is_valid_my_number(number)


@pytest.mark.parametrize(
    "number",
    ["123456789012", "111111111111", "12345678901", "1234567890188", "１２３４５６７８９０１８"],
)
def test_known_invalid_numbers_do_not_validate(number: str) -> None:
    assert not is_valid_my_number(number)


def test_check_digit_is_zero_when_remainder_is_at_most_one() -> None:
    # 00000000001: weight of the rightmost digit is 2 → r = 2 → 9; 00000100000: n=6 → 7 → 4.
    assert my_number_check_digit("00000000001") == 9
    assert my_number_check_digit("00000100000") == 4
    # 00000000050: n=2, weight 3 → 15 mod 11 = 4 → 7; 10000000000: n=11, weight 6 → 5.
    assert my_number_check_digit("00000000050") == 7
    assert my_number_check_digit("10000000000") == 5
    # r = 0 and r = 1 both give 0: 00000000000 → 0; 00000000006 → 12 mod 11 = 1 → 0.
    assert my_number_check_digit("00000000000") == 0
    assert my_number_check_digit("00000000006") == 0


def test_check_digit_refuses_anything_but_eleven_digits() -> None:
    with pytest.raises(ValueError, match="11"):
        my_number_check_digit("1234")


def test_the_printed_my_number_in_a_sample_validates(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    sample = generate(tmp_path, count=30, seed=5)
    truth = json.loads(sample.truth_json.read_text("utf-8"))
    flagged = [n for n in truth["notices"] if n["my_number"]]
    assert flagged
    pdf = pdfium.PdfDocument(sample.batch_pdf)
    for notice in flagged:
        text = pdf[notice["first_page"] - 1].get_textpage().get_text_range()
        numbers = re.findall(r"(?<![0-9])[0-9]{12}(?![0-9])", text)
        assert numbers
        assert all(is_valid_my_number(number) for number in numbers)
    pdf.close()

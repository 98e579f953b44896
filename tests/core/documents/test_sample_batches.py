"""The shipped profiles read every field of the generated sample batches (docs/samples.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tsuchi.core.documents.extract import extract_fields
from tsuchi.core.documents.split import split_batch
from tsuchi.core.profiles import load_profile
from tsuchi.core.samples import generate

PROFILES_DIR = Path(__file__).resolve().parents[3] / "profiles"


def without_whitespace(value: str | None) -> str | None:
    return None if value is None else re.sub(r"\s+", "", value)


@pytest.mark.parametrize("layout", ["nursery", "allowance"])
def test_shipped_profile_finds_every_field_of_every_sample_notice(
    tmp_path: Path, layout: str
) -> None:
    sample = generate(tmp_path, count=40, seed=7, layout=layout)
    truth = json.loads(Path(sample.truth_json).read_text(encoding="utf-8"))["notices"]
    profile = load_profile(PROFILES_DIR / f"{layout}.toml")

    notices = list(split_batch(sample.batch_pdf, profile))
    assert [n.page_numbers for n in notices] == [
        tuple(range(t["first_page"], t["first_page"] + t["page_count"])) for t in truth
    ]
    for notice, expected in zip(notices, truth, strict=True):
        extraction = extract_fields(notice, profile)
        assert extraction.problems == [], expected["sequence"]
        for name in profile.field_names:
            if name in expected:
                assert without_whitespace(extraction.fields.get(name)) == without_whitespace(
                    expected[name]
                ), (expected["sequence"], name)


def test_sample_halves_split_like_the_whole(tmp_path: Path) -> None:
    sample = generate(tmp_path, count=40, seed=3, layout="nursery")
    profile = load_profile(PROFILES_DIR / "nursery.toml")
    whole = [n.page_numbers for n in split_batch(sample.batch_pdf, profile)]
    middle = sample.page_count // 2
    halves = [
        n.page_numbers
        for page_range in [(1, middle), (middle + 1, sample.page_count)]
        for n in split_batch(sample.batch_pdf, profile, page_range=page_range)
    ]
    assert halves == whole

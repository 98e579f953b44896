from __future__ import annotations

from pathlib import Path

import pytest

from tsuchi.core.errors import ProfileError
from tsuchi.core.profiles import dump_profile, load_profile

PROFILES_DIR = Path(__file__).resolve().parents[2] / "profiles"

VALID = """
[profile]
name = "保育所入所通知（テスト）"
notice_type = "nursery"

[split]
rule = "pattern"
start_pattern = "保育所入所(内定|保留)通知書"

[fields.notice_number]
label = "通知番号"
pattern = "保第\\\\d{2}-\\\\d{5}号"

[fields.postal_code]
rect_mm = [20, 20.5, 60, 8]
page = 1

[fields.applicant_name]
label = "申請者氏名"
rect_mm = [20, 60, 80, 8]
strip_suffix = "様"

[fields.remarks]
label = "備考"
required = false

[csv.columns]
notice_number = "通知番号"
applicant_name = "申請者氏名"
postal_code = "郵便番号"
consent = "電子通知への同意"
email = "メールアドレス"

[match]
key = "notice_number"
verify = ["applicant_name", "postal_code"]

[delivery]
consent_column = "consent"
consent_values = ["同意する"]
email_column = "email"
"""


def test_valid_profile_loads_every_setting() -> None:
    profile = load_profile(VALID)
    assert profile.notice_type == "nursery"
    assert profile.split.rule == "pattern"
    assert profile.field_names == ("notice_number", "postal_code", "applicant_name", "remarks")
    assert profile.field("postal_code").rect_mm == (20.0, 20.5, 60.0, 8.0)
    assert profile.field("applicant_name").strip_suffix == "様"
    assert profile.field("remarks").required is False
    assert profile.csv.columns["consent"] == "電子通知への同意"
    assert profile.match.verify == ("applicant_name", "postal_code")
    assert profile.delivery.consent_values == ("同意する",)


def test_dump_then_load_gives_an_equal_profile() -> None:
    profile = load_profile(VALID)
    assert load_profile(dump_profile(profile)) == profile


def test_dump_escapes_quotes_backslashes_and_newlines() -> None:
    tricky = VALID.replace('"保育所入所通知（テスト）"', '"a \\"b\\" \\\\ c\\n"')
    profile = load_profile(tricky)
    assert profile.name == 'a "b" \\ c\n'
    assert load_profile(dump_profile(profile)) == profile


def test_profile_loads_from_a_file_path(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(VALID, encoding="utf-8")
    assert load_profile(path) == load_profile(str(path)) == load_profile(VALID)


@pytest.mark.parametrize(
    ("old", "new", "setting"),
    [
        ('rule = "pattern"', 'rule = "magic"', "split.rule"),
        (
            'start_pattern = "保育所入所(内定|保留)通知書"',
            'start_pattern = "("',
            "split.start_pattern",
        ),
        ('rule = "pattern"', 'rule = "fixed"', "split.pages"),
        ('rule = "pattern"', 'rule = "key"\nfield = "nothing"', "split.field"),
        ("rect_mm = [20, 20.5, 60, 8]", "rect_mm = [20, 20.5, 60]", "fields.postal_code.rect_mm"),
        (
            "rect_mm = [20, 20.5, 60, 8]",
            "rect_mm = [20, 20.5, -1, 8]",
            "fields.postal_code.rect_mm",
        ),
        ("page = 1", "page = 0", "fields.postal_code.page"),
        ('label = "備考"', 'labl = "備考"', "fields.remarks.labl"),
        ('label = "備考"\nrequired = false', "required = false", "fields.remarks"),
        ("required = false", 'required = "no"', "fields.remarks.required"),
        ('key = "notice_number"', 'key = "child_name"', "match.key"),
        ('verify = ["applicant_name", "postal_code"]', 'verify = ["remarks"]', "match.verify"),
        ('consent_column = "consent"', 'consent_column = "agree"', "delivery.consent_column"),
        ('consent_values = ["同意する"]', "consent_values = []", "delivery.consent_values"),
        ('notice_type = "nursery"', 'notice_type = "保育"', "profile.notice_type"),
        ('name = "保育所入所通知（テスト）"\n', "", "profile.name"),
    ],
)
def test_bad_setting_is_named_in_the_error(old: str, new: str, setting: str) -> None:
    assert old in VALID
    with pytest.raises(ProfileError) as raised:
        load_profile(VALID.replace(old, new, 1))
    assert raised.value.location.column == setting
    assert setting in str(raised.value)


def test_invalid_toml_is_a_profile_error() -> None:
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile("[profile\nname = 1\n")


def test_missing_file_is_a_profile_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read") as raised:
        load_profile(tmp_path / "absent.toml")
    assert raised.value.location.file == "absent.toml"


@pytest.mark.parametrize("name", ["nursery.toml", "allowance.toml"])
def test_shipped_profiles_load_and_roundtrip(name: str) -> None:
    profile = load_profile(PROFILES_DIR / name)
    assert load_profile(dump_profile(profile)) == profile


@pytest.mark.parametrize(
    "pattern",
    ["(a+)+$", "([^ ]+ )*$", "(\\\\d{2,})+号", "保第" + "\\\\d" * 120],
)
def test_patterns_that_could_run_for_ages_are_refused(pattern: str) -> None:
    text = VALID.replace('pattern = "保第\\\\d{2}-\\\\d{5}号"', f'pattern = "{pattern}"')
    with pytest.raises(ProfileError) as error:
        load_profile(text)
    assert error.value.location.column == "fields.notice_number.pattern"

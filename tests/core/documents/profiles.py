"""Profiles for the crafted test PDFs of conftest.notice_page."""

from __future__ import annotations

from tsuchi.core.profiles import Profile, load_profile

FIELDS = """
[fields.notice_number]
label = "通知番号"
pattern = "保第\\\\d{2}-\\\\d{5}号"

[fields.postal_code]
rect_mm = [15, 14, 40, 8]
pattern = "\\\\d{3}-\\\\d{4}"

[fields.applicant_name]
label = "申請者氏名"
strip_suffix = "様"

[csv.columns]
notice_number = "通知番号"
applicant_name = "申請者氏名"
postal_code = "郵便番号"

[match]
key = "notice_number"
verify = ["applicant_name", "postal_code"]
"""

SPLITS = {
    "pattern": '[split]\nrule = "pattern"\nstart_pattern = "保育所入所(内定|保留)通知書"\n',
    "fixed": '[split]\nrule = "fixed"\npages = 2\n',
    "key": '[split]\nrule = "key"\nfield = "notice_number"\n',
}


def make_profile(rule: str = "pattern", extra_fields: str = "") -> Profile:
    """A profile for conftest.notice_page notices, split by ``rule``."""
    head = '[profile]\nname = "テスト"\nnotice_type = "nursery"\n'
    return load_profile(head + SPLITS[rule] + extra_fields + FIELDS)

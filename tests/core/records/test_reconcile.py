import pytest

from tsuchi.core.records.csvio import read_records
from tsuchi.core.records.reconcile import (
    FieldDifference,
    NoticeFields,
    Outcome,
    ReconcileSpec,
    default_normalizer,
    reconcile,
)

COLUMNS = {
    "application_number": "申請番号",
    "applicant_name": "申請者氏名",
    "applicant_kana": "申請者氏名カナ",
    "postal_code": "郵便番号",
    "address": "住所",
    "email": "メールアドレス",
    "mobile": "携帯電話番号",
    "birth_date": "生年月日",
}
SPEC = ReconcileSpec(
    key="application_number",
    verify=("applicant_name", "applicant_kana", "postal_code", "address", "birth_date"),
)

PEOPLE = [
    # number, name, kana, postal, address, email, mobile, birth
    (
        "0001",
        "髙橋 一郎",
        "タカハシ イチロウ",
        "060-0001",
        "札幌市中央区北一条西2丁目1番地",
        "a@example.jp",
        "090-1111-1111",
        "2020-04-01",
    ),
    (
        "0002",
        "山﨑 花子",
        "ヤマザキ ハナコ",
        "064-0802",
        "札幌市中央区南二条西3-4-5 サクラハイツ101",
        "b@example.jp",
        "090-2222-2222",
        "2021-05-02",
    ),
    (
        "0003",
        "渡邉 次郎",
        "ワタナベ ジロウ",
        "001-0010",
        "札幌市北区北十条西4丁目",
        "c@example.jp",
        "",
        "2019-06-03",
    ),
    (
        "0004",
        "山埼 三郎",
        "ヤマサキ サブロウ",
        "003-0021",
        "札幌市白石区栄通5-6-7",
        "",
        "080-3333-3333",
        "2022-07-04",
    ),
    (
        "0005",
        "斎藤 桜",
        "サイトウ サクラ",
        "004-0051",
        "札幌市厚別区厚別中央1条2丁目3-4",
        "e@example.jp",
        "",
        "2020-08-05",
    ),
]


def make_table(people=PEOPLE):
    lines = [",".join(COLUMNS.values())]
    lines += [",".join(person) for person in people]
    return read_records(
        ("\r\n".join(lines) + "\r\n").encode("utf-8"),
        filename="applications.csv",
        columns=COLUMNS,
        key="application_number",
        required=("application_number",),
    )


def notice(sequence, person, flags=frozenset(), **overrides):
    names = list(COLUMNS)
    values = dict(zip(names, person, strict=True))
    values.pop("email")
    values.pop("mobile")
    values.update(overrides)
    return NoticeFields(sequence=sequence, fields=values, pages=(sequence,), flags=frozenset(flags))


def notices_for(people=PEOPLE):
    return [notice(i, person) for i, person in enumerate(people, start=1)]


def test_every_notice_matching_its_record_is_matched():
    result = reconcile(notices_for(), make_table(), SPEC)
    assert [p.outcome for p in result.pairs] == [Outcome.MATCHED] * 5
    assert [(p.notice_sequence, p.record_row) for p in result.pairs] == [
        (1, 2),
        (2, 3),
        (3, 4),
        (4, 5),
        (5, 6),
    ]
    assert not result.needs_review
    assert result.counts()[Outcome.MATCHED] == 5
    assert result.counts()[Outcome.AMBIGUOUS] == 0


def test_notice_spellings_that_normalize_equal_still_match():
    spelled = [
        notice(
            1,
            PEOPLE[0],
            applicant_name="高橋　一郎",
            applicant_kana="ﾀｶﾊｼ ｲﾁﾛｳ",
            postal_code="〒０６０－０００１",
            address="札幌市中央区北一条西二丁目一番地",
            birth_date="令和2年4月1日",
        ),
        notice(
            2,
            PEOPLE[1],
            applicant_name="山崎花子",
            applicant_kana="やまざき はなこ",
            address="札幌市中央区南二条西3丁目4番5号サクラハイツ101",
        ),
        notice(3, PEOPLE[2], applicant_name="渡辺 次郎", address="札幌市北区北10条西4"),
        notice(4, PEOPLE[3], application_number=" ０００４ "),
    ]
    result = reconcile(spelled, make_table(PEOPLE[:4]), SPEC)
    assert [p.outcome for p in result.pairs] == [Outcome.MATCHED] * 4


def test_sakaki_and_saki_are_different_names():
    result = reconcile(
        [notice(1, PEOPLE[3], applicant_name="山崎 三郎")], make_table(PEOPLE[3:4]), SPEC
    )
    [pair] = result.pairs
    assert pair.outcome is Outcome.MISMATCHED
    assert pair.differences == (FieldDifference("applicant_name", "山崎 三郎", "山埼 三郎"),)


@pytest.mark.parametrize(
    ("field", "notice_value", "record_value"),
    [
        ("applicant_name", "髙橋 一朗", "髙橋 一郎"),
        ("applicant_kana", "タカハシ イチロー", "タカハシ イチロウ"),
        ("postal_code", "060-0002", "060-0001"),
        ("address", "札幌市中央区北一条西2丁目2番地", "札幌市中央区北一条西2丁目1番地"),
        ("birth_date", "2020-04-02", "2020-04-01"),
    ],
)
def test_each_kind_of_mismatch_reports_both_raw_values(field, notice_value, record_value):
    result = reconcile(
        [notice(1, PEOPLE[0], **{field: notice_value})], make_table(PEOPLE[:1]), SPEC
    )
    [pair] = result.pairs
    assert pair.outcome is Outcome.MISMATCHED
    assert pair.record_row == 2
    assert pair.differences == (FieldDifference(field, notice_value, record_value),)
    assert result.needs_review


def test_a_verified_field_missing_from_the_notice_is_a_mismatch():
    n = notice(1, PEOPLE[0])
    fields = dict(n.fields)
    del fields["address"]
    result = reconcile([NoticeFields(1, fields)], make_table(PEOPLE[:1]), SPEC)
    assert result.pairs[0].outcome is Outcome.MISMATCHED
    assert result.pairs[0].differences[0].notice_value == ""


def test_missing_on_both_sides():
    stranger = (
        "9999",
        "佐藤 誠",
        "サトウ マコト",
        "100-0001",
        "東京都千代田区千代田1-1",
        "",
        "",
        "2020-01-01",
    )
    notices = [notice(1, PEOPLE[0]), notice(2, stranger)]
    result = reconcile(notices, make_table(PEOPLE[:2]), SPEC)
    outcomes = {(p.notice_sequence, p.record_row): p.outcome for p in result.pairs}
    assert outcomes == {
        (1, 2): Outcome.MATCHED,
        (2, None): Outcome.NOTICE_WITHOUT_RECORD,
        (None, 3): Outcome.RECORD_WITHOUT_NOTICE,
    }
    assert result.counts()[Outcome.NOTICE_WITHOUT_RECORD] == 1
    assert result.counts()[Outcome.RECORD_WITHOUT_NOTICE] == 1


def test_a_notice_without_key_is_without_record_and_says_why():
    result = reconcile([notice(1, PEOPLE[0], application_number="")], make_table(PEOPLE[:1]), SPEC)
    notice_pair = result.pair_for_notice(1)
    assert notice_pair.outcome is Outcome.NOTICE_WITHOUT_RECORD
    assert [p.code for p in notice_pair.problems] == ["missing_key"]
    assert result.pair_for_record(2).outcome is Outcome.RECORD_WITHOUT_NOTICE


def test_key_on_two_records_is_ambiguous_for_the_notice_and_both_records():
    twice = [PEOPLE[0], (*PEOPLE[0][:1], "髙橋 一子", *PEOPLE[0][2:])]
    result = reconcile([notice(1, PEOPLE[0])], make_table(twice), SPEC)
    outcomes = sorted(
        ((p.notice_sequence or 0, p.record_row or 0), p.outcome) for p in result.pairs
    )
    assert outcomes == [
        ((0, 2), Outcome.AMBIGUOUS),
        ((0, 3), Outcome.AMBIGUOUS),
        ((1, 0), Outcome.AMBIGUOUS),
    ]
    assert "rows 2, 3" in result.pair_for_notice(1).problems[0].message


def test_key_on_two_notices_is_ambiguous_and_matches_neither():
    result = reconcile([notice(1, PEOPLE[0]), notice(2, PEOPLE[0])], make_table(PEOPLE[:1]), SPEC)
    assert result.pair_for_notice(1).outcome is Outcome.AMBIGUOUS
    assert result.pair_for_notice(2).outcome is Outcome.AMBIGUOUS
    assert result.pair_for_record(2).outcome is Outcome.AMBIGUOUS
    assert "2 notices" in result.pair_for_notice(1).problems[0].message
    assert result.counts()[Outcome.MATCHED] == 0


def test_fuzzy_suggestion_points_at_the_likely_record_but_never_matches():
    # The notice's application number was mistyped; name and address are the same person.
    result = reconcile(
        [notice(1, PEOPLE[1], application_number="0020")], make_table(PEOPLE[:3]), SPEC
    )
    notice_pair = result.pair_for_notice(1)
    assert notice_pair.outcome is Outcome.NOTICE_WITHOUT_RECORD
    assert notice_pair.record_row is None
    assert notice_pair.suggestion.record_row == 3
    assert notice_pair.suggestion.similarity > 0.9
    record_pair = result.pair_for_record(3)
    assert record_pair.outcome is Outcome.RECORD_WITHOUT_NOTICE
    assert record_pair.suggestion.notice_sequence == 1
    assert result.counts()[Outcome.MATCHED] == 0


def test_no_suggestion_when_nothing_is_alike():
    stranger = (
        "9999",
        "佐藤 誠",
        "サトウ マコト",
        "100-0001",
        "東京都千代田区千代田1-1",
        "",
        "",
        "2020-01-01",
    )
    result = reconcile([notice(1, stranger)], make_table(PEOPLE[:1]), SPEC)
    assert result.pair_for_notice(1).suggestion is None


def test_my_number_notice_is_blocked_but_keeps_its_record():
    result = reconcile([notice(1, PEOPLE[0], flags={"my_number"})], make_table(PEOPLE[:1]), SPEC)
    [pair] = result.pairs
    assert pair.outcome is Outcome.BLOCKED
    assert pair.record_row == 2
    assert result.needs_review


def test_my_number_notice_without_record_is_still_blocked():
    result = reconcile(
        [notice(1, PEOPLE[0], flags={"my_number"}, application_number="")],
        make_table(PEOPLE[:1]),
        SPEC,
    )
    assert result.pair_for_notice(1).outcome is Outcome.BLOCKED


def test_contact_shared_between_different_applicants_is_a_warning():
    shared = [PEOPLE[0], (*PEOPLE[1][:5], "A@Example.jp", *PEOPLE[1][6:]), PEOPLE[2]]
    result = reconcile(notices_for(shared), make_table(shared), SPEC)
    assert [p.outcome for p in result.pairs] == [Outcome.MATCHED] * 3
    flagged = {p.record_row: [q.code for q in p.problems] for p in result.pairs}
    assert flagged == {2: ["contact_shared"], 3: ["contact_shared"], 4: []}
    assert result.pair_for_record(2).problems[0].severity == "warning"
    assert result.needs_review


def test_shared_mobile_written_differently_is_found():
    shared = [PEOPLE[0], (*PEOPLE[1][:6], "０９０１１１１１１１１", *PEOPLE[1][7:])]
    result = reconcile(notices_for(shared), make_table(shared), SPEC)
    assert all(p.problems[0].code == "contact_shared" for p in result.pairs)


def test_the_same_applicant_may_use_one_contact_for_two_children():
    sibling = ("0006", *PEOPLE[0][1:])
    result = reconcile(notices_for([PEOPLE[0], sibling]), make_table([PEOPLE[0], sibling]), SPEC)
    assert all(not p.problems for p in result.pairs)


def test_record_problems_are_carried_to_the_pair():
    bad = [(*PEOPLE[0][:5], "not-an-email", *PEOPLE[0][6:])]
    result = reconcile(notices_for(bad), make_table(bad), SPEC)
    assert [p.code for p in result.pairs[0].problems] == ["invalid_email"]


def test_explicit_normalizer_overrides_the_default():
    spec = ReconcileSpec(
        key="application_number", verify=("address",), normalizers={"address": "text"}
    )
    result = reconcile(
        [notice(1, PEOPLE[0], address="札幌市中央区北一条西2-1")], make_table(PEOPLE[:1]), spec
    )
    assert result.pairs[0].outcome is Outcome.MISMATCHED


@pytest.mark.parametrize(
    ("field", "normalizer"),
    [
        ("applicant_name", "name"),
        ("child_name", "name"),
        ("applicant_kana", "kana"),
        ("address", "address"),
        ("postal_code", "postal_code"),
        ("email", "email"),
        ("mobile", "phone"),
        ("birth_date", "date"),
        ("application_number", "text"),
    ],
)
def test_default_normalizer_by_field_name(field, normalizer):
    assert default_normalizer(field) == normalizer


def test_my_number_outranks_an_ambiguous_key():
    notices = [notice(1, PEOPLE[0], flags={"my_number"}), notice(2, PEOPLE[0])]
    result = reconcile(notices, make_table(PEOPLE[:1]), SPEC)
    assert result.pair_for_notice(1).outcome is Outcome.BLOCKED
    assert result.pair_for_notice(2).outcome is Outcome.AMBIGUOUS
    assert result.pair_for_record(2).outcome is Outcome.AMBIGUOUS


def test_contact_shared_names_the_csv_column():
    shared = [PEOPLE[0], (*PEOPLE[1][:5], "a@example.jp", *PEOPLE[1][6:])]
    result = reconcile(notices_for(shared), make_table(shared), SPEC)
    assert result.pair_for_record(2).problems[0].location.column == "メールアドレス"
    assert result.pair_for_record(2).problems[0].location.row == 2

import codecs

import pytest

from tsuchi.core.errors import CsvError
from tsuchi.core.records.csvio import UnencodableCharactersError, read_records, write_csv

HEADER = (
    "申請番号,申請者氏名,申請者氏名カナ,児童氏名,郵便番号,住所,メールアドレス,携帯電話番号,"
    "生年月日,通知方法,電子交付同意"
)
COLUMNS = {
    "application_number": "申請番号",
    "applicant_name": "申請者氏名",
    "applicant_kana": "申請者氏名カナ",
    "child_name": "児童氏名",
    "postal_code": "郵便番号",
    "address": "住所",
    "email": "メールアドレス",
    "mobile": "携帯電話番号",
    "birth_date": "生年月日",
    "delivery_preference": "通知方法",
    "consent": "電子交付同意",
}
REQUIRED = ("application_number", "applicant_name", "address")


def row(
    number="0001",
    name="髙橋 﨑子",
    email="taro@example.jp",
    mobile="090-1234-5678",
    postal="060-0001",
):
    return (
        f"{number},{name},タカハシ サキコ,髙橋 一郎,{postal},札幌市中央区北一条西2丁目1番地①,"
        f"{email},{mobile},2020/4/1,電子,同意する"
    )


def read(text, encoding="utf-8", **kwargs):
    data = text.encode(encoding) if isinstance(text, str) else text
    return read_records(
        data,
        filename="applications.csv",
        columns=kwargs.get("columns", COLUMNS),
        key="application_number",
        required=kwargs.get("required", REQUIRED),
    )


def csv_text(*rows):
    return "\r\n".join([HEADER, *rows]) + "\r\n"


def test_reads_utf8():
    table = read(csv_text(row()))
    assert table.encoding == "utf-8"
    assert table.header[0] == "申請番号"
    [record] = table.records
    assert record.row == 2
    assert record.key == "0001"
    assert record.fields["applicant_name"] == "髙橋 﨑子"
    assert record.values["申請者氏名"] == "髙橋 﨑子"
    assert table.problems == ()


def test_reads_utf8_with_bom_without_the_bom_in_the_first_column():
    table = read(codecs.BOM_UTF8 + csv_text(row()).encode())
    assert table.encoding == "utf-8-sig"
    assert table.header[0] == "申請番号"
    assert table.records[0].key == "0001"


def test_reads_cp932_with_characters_shift_jis_cannot_decode():
    text = csv_text(row(name="髙橋　﨑子～"))
    data = text.encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("shift_jis")
    table = read(data)
    assert table.encoding == "cp932"
    assert table.records[0].fields["applicant_name"] == "髙橋　﨑子～"
    assert table.records[0].fields["address"].endswith("①")


def test_undecodable_file_names_the_first_bad_line():
    data = csv_text(row()).encode("utf-8") + b"0002,\xff\xfe\xfa\n"
    with pytest.raises(CsvError) as info:
        read(data)
    assert info.value.location.row == 3
    assert "line 3" in info.value.message


def test_empty_file_is_refused():
    with pytest.raises(CsvError, match="empty"):
        read("")


def test_missing_required_column_is_named_on_row_one():
    header = HEADER.replace(",住所", "")
    with pytest.raises(CsvError) as info:
        read(header + "\r\n")
    assert info.value.location.row == 1
    assert info.value.location.column == "住所"
    assert info.value.location.file == "applications.csv"


def test_duplicate_column_is_named_on_row_one():
    with pytest.raises(CsvError) as info:
        read(HEADER + ",住所\r\n")
    assert info.value.location.row == 1
    assert info.value.location.column == "住所"


def test_missing_optional_column_is_fine():
    header = HEADER.replace(",携帯電話番号", "")
    line = row().replace(",090-1234-5678", "")
    table = read(header + "\r\n" + line + "\r\n")
    assert "mobile" not in table.records[0].fields


def test_duplicate_application_number_names_both_rows():
    table = read(csv_text(row("0001"), row("0002"), row("0001")))
    duplicates = [p for p in table.problems if p.code == "duplicate_key"]
    assert [p.location.row for p in duplicates] == [2, 4]
    assert all("2, 4" in p.message for p in duplicates)
    assert all(p.location.column == "申請番号" for p in duplicates)


def test_empty_rows_are_skipped_and_counted_and_rows_keep_their_line_numbers():
    table = read(csv_text(row("0001"), "", ",,,,,,,,,,", "  ,　,", row("0002")))
    assert [r.row for r in table.records] == [2, 6]
    assert table.empty_rows == 3
    assert "3 empty rows were skipped" in table.summary()


def test_quoted_cells_with_newlines_keep_the_starting_line_number():
    quoted = row("0001").replace("札幌市", '"札幌市\n').replace("①,", '①",', 1)
    table = read(csv_text(quoted, row("0002")))
    assert [r.row for r in table.records] == [2, 4]


@pytest.mark.parametrize(
    ("kwargs", "code", "column"),
    [
        ({"email": "not-an-address"}, "invalid_email", "メールアドレス"),
        ({"email": "taro..x@example.jp"}, "invalid_email", "メールアドレス"),
        ({"mobile": "090-1234"}, "invalid_phone", "携帯電話番号"),
        ({"postal": "12-345"}, "invalid_postal_code", "郵便番号"),
    ],
)
def test_invalid_values_are_reported_with_row_and_column(kwargs, code, column):
    table = read(csv_text(row("0001"), row("0002", **kwargs)))
    [problem] = table.problems
    assert problem.code == code
    assert problem.location.row == 3
    assert problem.location.column == column
    assert problem.location.file == "applications.csv"
    assert len(table.records) == 2


def test_old_carrier_address_is_a_warning_not_an_error():
    table = read(csv_text(row(email="taro.@docomo.ne.jp")))
    [problem] = table.problems
    assert problem.code == "legacy_email"
    assert problem.severity == "warning"


def test_empty_required_value_is_reported():
    table = read(csv_text(row(name="")))
    [problem] = table.problems
    assert problem.code == "missing_value"
    assert problem.location.column == "申請者氏名"


def test_summary_groups_problems_in_clerk_sentences():
    table = read(
        csv_text(
            row("0001", email="x"),
            row("0002", email="y"),
            row("0003", email="z", mobile="1"),
        )
    )
    summary = table.summary()
    assert "3 rows have an invalid email address" in summary
    assert "1 row has an invalid telephone number" in summary


def test_leading_zeros_and_cell_whitespace():
    table = read(csv_text(" 000123 ,山田　太郎 " + row()[4 + len("髙橋 﨑子") + 1 :]))
    record = table.records[0]
    assert record.key == "000123"
    assert record.fields["applicant_name"] == "山田　太郎"
    assert record.fields["postal_code"] == "060-0001"


def test_short_rows_are_padded_and_long_rows_reported():
    table = read(csv_text("0001,山田太郎,,,,札幌市", row("0002") + ",extra"))
    assert table.records[0].fields["consent"] == ""
    assert [p.code for p in table.problems] == ["too_many_cells"]


def test_record_at_finds_a_record_by_line():
    table = read(csv_text(row("0001"), row("0002")))
    assert table.record_at(3).key == "0002"
    assert table.record_at(9) is None


def test_reads_from_a_path(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_text(row()).encode("cp932"))
    table = read_records(
        path, filename="a.csv", columns=COLUMNS, key="application_number", required=REQUIRED
    )
    assert table.encoding == "cp932"


def test_unreadable_path_raises_csv_error(tmp_path):
    with pytest.raises(CsvError):
        read_records(
            tmp_path / "missing.csv",
            filename="missing.csv",
            columns=COLUMNS,
            key="application_number",
            required=REQUIRED,
        )


# --- writing ---------------------------------------------------------------------------------


def test_writes_utf8_with_bom_by_default(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(path, ["番号", "氏名"], [["0001", "髙橋"], ["0002", "〜"]])
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8-sig") == "番号,氏名\r\n0001,髙橋\r\n0002,〜\r\n"


def test_writes_cp932_on_request_and_reads_back(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(path, ["番号", "氏名"], [["0001", "髙橋﨑①～"]], encoding="cp932")
    assert path.read_bytes().decode("cp932") == "番号,氏名\r\n0001,髙橋﨑①～\r\n"


def test_cp932_names_each_unencodable_character_and_writes_nothing(tmp_path):
    path = tmp_path / "out.csv"
    with pytest.raises(UnencodableCharactersError) as info:
        write_csv(
            path,
            ["番号", "氏名"],
            [["0001", "髙橋"], ["0002", "𠮷田"], ["0003", "José😀"]],
            encoding="cp932",
        )
    problems = info.value.problems
    assert [(p.location.row, p.location.column) for p in problems] == [
        (3, "氏名"),
        (4, "氏名"),
        (4, "氏名"),
    ]
    assert "U+20BB7" in problems[0].message
    assert "U+00E9" in problems[1].message
    assert "U+1F600" in problems[2].message
    assert "row 3" in str(info.value)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(path, ["a"], [["1"]])
    with pytest.raises(CsvError):
        write_csv(path, ["a"], [["𠮷"]], encoding="cp932")
    assert path.read_bytes().decode("utf-8-sig") == "a\r\n1\r\n"


def test_unknown_encoding_is_refused(tmp_path):
    with pytest.raises(CsvError):
        write_csv(tmp_path / "x.csv", ["a"], [], encoding="shift_jis")


def test_cp932_writes_the_wave_dash_as_the_byte_excel_reads_as_a_full_width_tilde(tmp_path):
    # U+301C and U+FF5E share one CP932 byte pair; reading back gives U+FF5E. Not an error.
    path = tmp_path / "out.csv"
    write_csv(path, ["a"], [["〜"]], encoding="cp932")
    assert path.read_bytes().decode("cp932") == "a\r\n～\r\n"


def test_table_knows_which_logical_fields_it_holds():
    header = HEADER.replace(",携帯電話番号", "")
    table = read(header + "\r\n" + row().replace(",090-1234-5678", "") + "\r\n")
    assert table.columns["email"] == "メールアドレス"
    assert "mobile" not in table.columns

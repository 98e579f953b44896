import pytest

from tsuchi.core.errors import InputError
from tsuchi.core.records.normalize import (
    NORMALIZERS,
    contains_my_number,
    find_my_numbers,
    is_valid_my_number,
    my_number_check_digit,
    normalize_address,
    normalize_date,
    normalize_email,
    normalize_kana,
    normalize_name,
    normalize_phone,
    normalize_postal_code,
    normalize_text,
    variant_kanji_table,
)

# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("髙橋", "高橋"),
        ("山﨑", "山崎"),
        ("宮嵜", "宮崎"),
        ("渡邉", "渡辺"),
        ("渡邊", "渡辺"),
        ("濵田", "浜田"),
        ("濱田", "浜田"),
        ("齋藤", "斎藤"),
        ("德永", "徳永"),
        ("櫻井", "桜井"),
        ("國分", "国分"),
        ("中嶋", "中島"),
        ("冨田", "富田"),
        ("槇原", "槙原"),
        ("澤田", "沢田"),
        ("廣瀬", "広瀬"),
        ("𠮷田", "吉田"),
    ],
)
def test_variant_kanji_in_names_unify_with_their_canonical_form(variant, canonical):
    assert normalize_name(variant) == normalize_name(canonical) == canonical


@pytest.mark.parametrize(
    ("one", "other"),
    [("山埼", "山崎"), ("川碕", "川崎"), ("斉藤", "斎藤"), ("齊藤", "斎藤")],
)
def test_different_characters_that_look_alike_stay_different(one, other):
    assert normalize_name(one) != normalize_name(other)


def test_old_form_of_sei_unifies_with_its_own_new_form():
    assert normalize_name("齊藤") == normalize_name("斉藤")


@pytest.mark.parametrize(
    "spelling",
    ["山田 太郎", "山田　太郎", "山田\t太郎", " 山田太郎 ", "山田\u00a0太郎", "山田\r\n太郎"],
)
def test_names_ignore_every_kind_of_whitespace(spelling):
    assert normalize_name(spelling) == "山田太郎"


def test_names_are_nfkc_normalized():
    assert normalize_name("ＴＡＲＯ　ﾔﾏﾀﾞ") == "TAROヤマダ"


def test_variant_table_never_maps_to_sai_or_saki_lookalikes():
    table = variant_kanji_table()
    assert "埼" not in table
    assert "碕" not in table
    assert all(len(k) == 1 and len(v) == 1 for k, v in table.items())


# --- kana ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["ヤマダ タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ　たろう", "ヤマダ　タロウ", "ﾔﾏﾀﾞﾀﾛｳ", "やまだタロウ"],
)
def test_kana_spellings_unify_to_full_width_katakana(spelling):
    assert normalize_kana(spelling) == "ヤマダタロウ"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ﾀﾞｲｽｹ", "ダイスケ"), ("ﾊﾟﾊﾟ", "パパ"), ("ｳﾞｨ", "ヴィ"), ("カ\u3099", "ガ"), ("ゔ", "ヴ")],
)
def test_kana_composes_voiced_marks(raw, expected):
    assert normalize_kana(raw) == expected


@pytest.mark.parametrize("raw", ["サトー", "ｻﾄｰ", "さとー", "サト-", "サト－"])
def test_kana_long_vowel_mark_variants_unify(raw):
    assert normalize_kana(raw) == "サトー"


# --- addresses -------------------------------------------------------------------------------

SAME_ADDRESS = [
    "東京都新宿区西新宿2-8-1",
    "東京都新宿区西新宿２－８－１",
    "東京都新宿区西新宿2丁目8番1号",
    "東京都新宿区西新宿2丁目8番地1号",
    "東京都新宿区西新宿2丁目8番地1",
    "東京都新宿区西新宿二丁目八番一号",
    "東京都新宿区西新宿二丁目八番地の一",
    "東京都 新宿区 西新宿 2-8-1",
    "東京都新宿区西新宿2‐8‐1",
    "東京都新宿区西新宿2‑8‑1",
    "東京都新宿区西新宿2‒8‒1",
    "東京都新宿区西新宿2–8–1",
    "東京都新宿区西新宿2—8—1",
    "東京都新宿区西新宿2―8―1",
    "東京都新宿区西新宿2−8−1",
    "東京都新宿区西新宿2ー8ー1",
    "東京都新宿区西新宿2ｰ8ｰ1",
    "東京都新宿区西新宿2~8~1",
    "東京都新宿区西新宿2〜8〜1",
    "東京都新宿区西新宿2～8～1",
    "東京都新宿区西新宿2の8の1",
]


@pytest.mark.parametrize("spelling", SAME_ADDRESS)
def test_address_spellings_of_one_place_unify(spelling):
    assert normalize_address(spelling) == "東京都新宿区西新宿2-8-1"


@pytest.mark.parametrize(
    "spelling",
    ["桜ケ丘1-2-3", "桜ヶ丘1-2-3", "桜が丘1-2-3", "桜ガ丘1-2-3", "桜ヵ丘1-2-3", "桜ｹ丘1-2-3"],
)
def test_ke_ga_variants_between_kanji_unify(spelling):
    assert normalize_address(spelling) == "桜ケ丘1-2-3"


def test_ga_not_between_kanji_is_kept():
    assert normalize_address("つくばみらい市がんばる1") == "つくばみらい市がんばる1"


def test_oaza_is_dropped_but_aza_is_kept():
    assert normalize_address("大字横浜字中村123番地") == normalize_address("横浜字中村123")
    assert "字" in normalize_address("横浜字中村123")


def test_kanji_numerals_in_place_names_are_kept():
    assert normalize_address("八王子市四谷町三丁目5") == "八王子市四谷町3-5"
    assert normalize_address("三鷹市下連雀三丁目") == "三鷹市下連雀3"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("十二番地", "12"),
        ("二十三番", "23"),
        ("百二番地", "102"),
        ("一〇二番", "102"),
        ("千番地", "1000"),
    ],
)
def test_kanji_numerals_before_block_markers_become_digits(raw, expected):
    assert normalize_address("本町" + raw) == "本町" + expected


def test_building_name_and_room_after_the_number_are_kept():
    assert normalize_address("西新宿2-8-1 サクラハイツ 101号室") == "西新宿2-8-1サクラハイツ101号室"
    assert normalize_address("西新宿二丁目8番1号サクラハイツ101号室") == (
        "西新宿2-8-1サクラハイツ101号室"
    )


def test_room_number_after_a_space_equals_one_after_a_dash():
    assert normalize_address("本町1-2-3 101") == normalize_address("本町1-2-3-101")


def test_different_house_numbers_stay_different():
    assert normalize_address("本町1-2-3") != normalize_address("本町1-2-4")


# --- postal codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "1234567",
        "123-4567",
        "〒123-4567",
        "〒 123-4567",
        "１２３－４５６７",
        "１２３４５６７",
        "123ー4567",
        "123 4567",
        "123−4567",
    ],
)
def test_postal_code_spellings_become_seven_digits(raw):
    assert normalize_postal_code(raw) == "1234567"


def test_postal_code_keeps_leading_zeros():
    assert normalize_postal_code("060-0001") == "0600001"


@pytest.mark.parametrize("raw", ["", "12345", "123-45678", "abc-defg", "12-34567", "〒"])
def test_invalid_postal_codes_are_none(raw):
    assert normalize_postal_code(raw) is None


# --- telephone -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("090-1234-5678", "+819012345678"),
        ("09012345678", "+819012345678"),
        ("０９０－１２３４－５６７８", "+819012345678"),
        ("080 1234 5678", "+818012345678"),
        ("070(1234)5678", "+817012345678"),
        ("+81 90 1234 5678", "+819012345678"),
        ("060-1234-5678", "+816012345678"),
    ],
)
def test_mobile_numbers_give_e164_and_are_mobile(raw, e164):
    result = normalize_phone(raw)
    assert result.valid
    assert result.e164 == e164
    assert result.is_mobile


def test_landline_is_valid_but_not_mobile():
    result = normalize_phone("03-1234-5678")
    assert result.valid
    assert result.e164 == "+81312345678"
    assert not result.is_mobile


@pytest.mark.parametrize("raw", ["", "12345", "090-1234", "abcdefg", "090-1234-56789"])
def test_invalid_phone_numbers_say_why(raw):
    result = normalize_phone(raw)
    assert not result.valid
    assert result.e164 is None
    assert result.reason


# --- email -----------------------------------------------------------------------------------


def test_valid_email_domain_is_lower_cased():
    result = normalize_email(" Taro.Yamada@Example.JP ")
    assert result.valid
    assert result.normalized == "Taro.Yamada@example.jp"
    assert result.warning is None


def test_full_width_email_is_accepted():
    assert normalize_email("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ").normalized == "taro@example.jp"


@pytest.mark.parametrize(
    "raw",
    [
        "taro..yamada@docomo.ne.jp",
        "taro.@docomo.ne.jp",
        "taro.@ezweb.ne.jp",
        "ta..ro@au.com",
        "taro.@softbank.ne.jp",
        "taro..@i.softbank.jp",
    ],
)
def test_old_carrier_addresses_with_odd_dots_are_accepted_with_a_warning(raw):
    result = normalize_email(raw)
    assert result.valid
    assert result.warning == "legacy_carrier_address"
    assert result.normalized == raw


@pytest.mark.parametrize(
    "raw",
    ["taro..yamada@example.jp", "taro.@gmail.com", "no-at-sign", "a@b", "", "ta ro@@docomo.ne.jp"],
)
def test_invalid_emails_are_refused(raw):
    result = normalize_email(raw)
    assert not result.valid
    assert result.reason


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2019-05-01",
        "2019/5/1",
        "2019.5.1",
        "2019年5月1日",
        "令和元年5月1日",
        "令和1年5月1日",
        "R1.5.1",
        "２０１９／０５／０１",
    ],
)
def test_date_spellings_unify_to_iso(raw):
    assert normalize_date(raw) == "2019-05-01"


def test_heisei_and_showa_dates():
    assert normalize_date("平成31年4月30日") == "2019-04-30"
    assert normalize_date("S64.1.7") == "1989-01-07"


def test_unreadable_date_is_returned_as_text():
    assert normalize_date("2019年13月1日") == "2019年13月1日"
    assert normalize_date("不明") == "不明"


# --- My Number -------------------------------------------------------------------------------


def _with_check_digit(first_eleven: str) -> str:
    return first_eleven + str(my_number_check_digit(first_eleven))


def test_check_digit_follows_the_official_weights():
    # Σ P(n)·Q(n) for 12345678901 read from the right: 1·2+0·3+9·4+8·5+7·6+6·7+5·2+4·3+3·4+2·5+1·6
    # = 212; 212 mod 11 = 3; check digit 11 − 3 = 8.
    assert my_number_check_digit("12345678901") == 8
    # All zeros: remainder 0 → check digit 0.
    assert my_number_check_digit("00000000000") == 0
    # 00000000001: P(1)=1·Q(1)=2 → r=2 → 9.
    assert my_number_check_digit("00000000001") == 9
    # 00000000005: 5·2 = 10 → r=10 → 1.
    assert my_number_check_digit("00000000005") == 1
    # 00000100000: P(6)=1·Q(6)=7 → 4; 10000000000: P(11)=1·Q(11)=6 → 5.
    assert my_number_check_digit("00000100000") == 4
    assert my_number_check_digit("10000000000") == 5
    # 00000000010: P(2)=1·3=3 → 8; 00000000006: 12 mod 11 = 1 → 0.
    assert my_number_check_digit("00000000010") == 8
    assert my_number_check_digit("00000000006") == 0


def test_valid_and_invalid_check_digits():
    assert is_valid_my_number("123456789018")
    assert not is_valid_my_number("123456789013")
    assert not is_valid_my_number("12345678901")


@pytest.mark.parametrize(
    "text",
    [
        "個人番号 123456789018 を記載",
        "個人番号：1234 5678 9018",
        "1234-5678-9018",
        "１２３４　５６７８　９０１８",
        "１２３４５６７８９０１８",
        "番号1234－5678－9018です",
    ],
)
def test_my_number_is_found_in_every_spelling(text):
    assert contains_my_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "123456789013",  # wrong check digit
        "1123456789018",  # inside a longer run
        "1234567890181",
        "9999-1234-5678-9018",  # the tail of a 16-digit card number
        "1234-5678-9018-3456",
        "12345678901",
        "申請番号 20240001",
    ],
)
def test_other_numbers_are_not_my_numbers(text):
    assert not contains_my_number(text)


def test_find_my_numbers_gives_spans_in_the_given_text():
    text = "A: １２３４ ５６７８ ９０１８, B: 000000000000"
    spans = find_my_numbers(text)
    assert [(text[s.start : s.end]) for s in spans] == [
        "１２３４ ５６７８ ９０１８",
        "000000000000",
    ]


# --- registry --------------------------------------------------------------------------------


def test_registry_normalizers_fall_back_to_text_for_unreadable_values():
    assert NORMALIZERS["postal_code"]("〒123-4567") == "1234567"
    assert NORMALIZERS["postal_code"]("不明") == "不明"
    assert NORMALIZERS["phone"]("090-1234-5678") == "+819012345678"
    assert NORMALIZERS["email"]("a@Example.jp") == "a@example.jp"
    assert NORMALIZERS["text"](" A　B ") == normalize_text("AB") == "AB"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("札幌市北区北十条西四丁目", "札幌市北区北10条西4丁目"),
        ("旭川市東一線", "旭川市東1線"),
        ("盛岡市玉山区三地割", "盛岡市玉山区3地割"),
    ],
)
def test_kanji_numerals_before_jo_sen_and_chiwari_become_digits(one, other):
    assert normalize_address(one) == normalize_address(other)


@pytest.mark.parametrize(
    "bad", ["1234567890", "123456789012", "１２３４５６７８９０１", "1234567890a"]
)
def test_check_digit_needs_eleven_ascii_digits(bad):
    with pytest.raises(InputError):
        my_number_check_digit(bad)


@pytest.mark.parametrize(
    "spelling", ["つつじヶ丘3-14-9", "つつじケ丘3丁目14番9号", "つつじヵ丘3-14-9"]
)
def test_ke_after_hiragana_before_kanji_unifies(spelling):
    assert normalize_address(spelling) == "つつじケ丘3-14-9"


def test_ga_after_hiragana_is_ordinary_kana():
    assert normalize_address("すずが丘1") == "すずが丘1"

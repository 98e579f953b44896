"""Normalization of the values a clerk compares: names, kana, addresses, codes, contacts.

Each function takes one raw value (as printed on a notice or typed into an e-application) and
returns a canonical form, so that two spellings of the same thing compare equal. The rules
are documented in ``docs/normalization.md``; every rule here has a test.

None of these functions raises on odd input: a value that cannot be normalized yields ``None``
or a result object that says why, so that a whole batch can be checked at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from tsuchi.core.errors import InputError

__all__ = [
    "NORMALIZERS",
    "EmailResult",
    "MyNumberSpan",
    "PhoneResult",
    "contains_my_number",
    "find_my_numbers",
    "is_valid_my_number",
    "my_number_check_digit",
    "normalize_address",
    "normalize_date",
    "normalize_email",
    "normalize_kana",
    "normalize_name",
    "normalize_phone",
    "normalize_postal_code",
    "normalize_text",
    "variant_kanji_table",
]

# Whitespace of every kind that appears in extracted PDF text and typed forms: ASCII, tabs,
# CR/LF, U+3000 (ideographic space), NBSP and the thin spaces. NFKC turns most into ' ' but
# not tabs or newlines, so remove them explicitly.
_WHITESPACE = re.compile(r"\s+")

# Dash-like characters that people (and IMEs) type between house numbers. After NFKC the
# full-width hyphen-minus (U+FF0D) is '-', the half-width katakana prolonged sound mark is
# 'ー' and the full-width tilde is '~', so those forms are covered by their NFKC results.
_DASHES = "\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u30fc\ufe63\u301c\u007e\u2053"
_DASH_CLASS = "[" + re.escape(_DASHES) + "]"

_KANJI = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆\U00020000-\U0003134f]"
_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "壱": 1,
    "二": 2,
    "弐": 2,
    "三": 3,
    "参": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000}
_KANJI_NUMERAL = "[〇零一壱二弐三参四五六七八九十拾百千]+"


@cache
def variant_kanji_table() -> Mapping[str, str]:
    """Return the narrow variant → canonical kanji table from ``data/variant_kanji.tsv``.

    Only forms that write the same name are listed (髙→高, 﨑→崎, …); see the attribution
    file next to the table for its source and licence.
    """
    text = resources.files(__package__).joinpath("data/variant_kanji.tsv").read_text("utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        variant, canonical, *_ = line.split("\t")
        table[variant] = canonical
    return MappingProxyType(table)


@cache
def _variant_translation() -> dict[int, str]:
    return {ord(variant): canonical for variant, canonical in variant_kanji_table().items()}


def normalize_text(value: str) -> str:
    """NFKC, then every run of whitespace removed. The default for codes and free text."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", value))


def normalize_name(value: str) -> str:
    """Normalize a person's name for comparison.

    NFKC (full-width letters, compatibility ideographs such as 﨑 stay as they are because
    NFKC does not unify them), every whitespace removed (family/given separators differ
    between sources), then variant kanji mapped to their canonical form with the narrow
    table :func:`variant_kanji_table` (髙→高, 﨑→崎, 邉→辺, 濵→浜, 齋→斎 …). 埼 and 碕 are
    different characters from 崎 and are left alone.
    """
    return normalize_text(value).translate(_variant_translation())


def _hiragana_to_katakana(value: str) -> str:
    # The hiragana block U+3041–U+3096 and the iteration marks ゝゞ sit exactly 0x60 below
    # their katakana counterparts.
    return "".join(
        chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" or ch in "ゝゞ" else ch for ch in value
    )


def normalize_kana(value: str) -> str:
    """Normalize a kana reading (フリガナ) for comparison.

    NFKC turns half-width katakana into full-width and composes a separate (han)dakuten with
    its base (ﾀﾞ → ダ, ﾊﾟ → パ); hiragana becomes katakana; whitespace is removed; a dash
    typed for the long-vowel mark after a kana (ｻﾄｰ, サト-) becomes ー.
    """
    text = normalize_text(value)
    # A combining mark left over (e.g. カ + U+3099 from decomposed input) composes under NFC,
    # which NFKC already applied; standalone ゛ ゜ (U+309B/C) after NFKC become a space plus a
    # combining mark, which the whitespace removal above re-joins, so compose once more.
    text = unicodedata.normalize("NFC", text)
    text = _hiragana_to_katakana(text)
    return re.sub(r"(?<=[\u30a1-\u30fa])" + _DASH_CLASS, "ー", text)


def _kanji_numeral_to_int(numeral: str) -> int:
    """Read 二十三, 百二, 千, or positional 一〇二 as an integer."""
    if not any(ch in _KANJI_UNITS for ch in numeral):
        return int("".join(str(_KANJI_DIGITS[ch]) for ch in numeral))
    total = 0
    current = 0
    for ch in numeral:
        if ch in _KANJI_DIGITS:
            current = current * 10 + _KANJI_DIGITS[ch]
        else:
            total += (current or 1) * _KANJI_UNITS[ch]
            current = 0
    return total + current


def _replace_kanji_numerals(text: str) -> str:
    def to_digits(match: re.Match[str]) -> str:
        return str(_kanji_numeral_to_int(match.group(0)))

    # Only numerals that are clearly block or house numbers: followed by 丁目/番地/番/号 (or
    # the 条/線/地割 of Hokkaido and Iwate addresses), or following one of those markers
    # (三番地の五). Kanji numerals inside place names (四谷,
    # 八王子, 三鷹) are left alone.
    text = re.sub(_KANJI_NUMERAL + r"(?=丁目|番地|番|号|条|線|地割)", to_digits, text)
    return re.sub(r"(?<=丁目|番地|[0-9]番|番の|地の|[0-9]-)" + _KANJI_NUMERAL, to_digits, text)


def normalize_address(value: str) -> str:
    """Normalize a Japanese address for comparison.

    In order: NFKC; 大字 removed (people often omit it; a lone 字 is kept because it can be
    part of a place name); whitespace between two digits becomes '-' (so ``1-2-3 101`` equals
    ``1-2-3-101``), all other whitespace removed; kanji numerals before 丁目/番地/番/号/条/線/
    地割 (and right after 丁目/番地/番) become digits; every dash variant between two digits
    becomes '-' (‐ ‑ ‒ – — ― − ー ｰ － ~ 〜 ～); ``1丁目2番3号``, ``1丁目2番地3``,
    ``1番地の2`` and ``1-2-3`` all read ``1-2-3`` (a 丁目/番地/番/号 after the last number is
    dropped, 号室/号棟/号館 are kept); ``digit の digit`` becomes ``digit-digit``;
    ケ/ヶ/ヵ/が/ガ/ｹ between two kanji become ケ (桜ケ丘 = 桜ヶ丘 = 桜が丘), and ケ/ヶ/ヵ between a
    hiragana and a kanji too (つつじヶ丘 = つつじケ丘). A building name
    after the house number is kept as typed (without spaces).
    """
    text = unicodedata.normalize("NFKC", value)
    text = text.replace("大字", "")
    text = re.sub(r"(?<=[0-9])\s+(?=[0-9])", "-", text.strip())
    text = _WHITESPACE.sub("", text)
    text = _replace_kanji_numerals(text)
    text = re.sub(r"(?<=[0-9])" + _DASH_CLASS + r"(?=[0-9])", "-", text)
    # The structured forms. Order matters: 番地 before 番 so that 番地 is consumed whole.
    text = re.sub(r"(?<=[0-9])丁目(?=[0-9])", "-", text)
    text = re.sub(r"(?<=[0-9])(?:番地|番)の?(?=[0-9])", "-", text)
    text = re.sub(r"(?<=[0-9])の(?=[0-9])", "-", text)
    text = re.sub(r"(?<=[0-9])(?:丁目|番地|番)", "", text)
    text = re.sub(r"(?<=[0-9])号(?!室|棟|館)", "", text)
    # The small ヶ/ヵ and ケ only ever stand for the place-name particle, so they may follow kana
    # too (つつじヶ丘); が/ガ are ordinary kana and are unified only between two kanji.
    text = re.sub(r"(?<=" + _KANJI + r"|[ぁ-ゖ])[ケヶヵ](?=" + _KANJI + r")", "ケ", text)
    return re.sub(r"(?<=" + _KANJI + r")[がガ](?=" + _KANJI + r")", "ケ", text)


def normalize_postal_code(value: str) -> str | None:
    """Return a postal code as 7 digits (``1234567``), or ``None`` if it is not one.

    Accepts 〒123-4567, １２３－４５６７, 123 4567, 1234567 and any dash variant between the
    two parts.
    """
    text = normalize_text(value).removeprefix("〒")
    text = re.sub(_DASH_CLASS, "-", text)
    match = re.fullmatch(r"([0-9]{3})-?([0-9]{4})", text)
    return match.group(1) + match.group(2) if match else None


@dataclass(frozen=True, slots=True)
class PhoneResult:
    """A telephone number checked against the Japanese numbering plan."""

    valid: bool
    """Whether the number is a valid Japanese (or international) number."""
    e164: str | None = None
    """The number in E.164 form (``+819012345678``) when valid."""
    is_mobile: bool = False
    """Whether it is a mobile number (060/070/080/090), i.e. can receive SMS."""
    reason: str | None = None
    """Why it is not valid, in the clerk's words (``None`` when valid)."""


_MOBILE_PREFIXES = ("60", "70", "80", "90")


def normalize_phone(value: str) -> PhoneResult:
    """Check a telephone number with ``phonenumbers`` (region JP) and give its E.164 form.

    ``is_mobile`` is true for numbers starting 060/070/080/090 (10 significant digits).
    """
    text = re.sub(_DASH_CLASS, "-", normalize_text(value))
    if not text:
        return PhoneResult(valid=False, reason="no telephone number")
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException:
        return PhoneResult(valid=False, reason="not a telephone number")
    if not phonenumbers.is_valid_number(number):
        return PhoneResult(valid=False, reason="not a valid telephone number")
    national = phonenumbers.national_significant_number(number)
    is_mobile = (
        number.country_code == 81 and len(national) == 10 and national.startswith(_MOBILE_PREFIXES)
    )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneResult(valid=True, e164=e164, is_mobile=is_mobile)


@dataclass(frozen=True, slots=True)
class EmailResult:
    """An email address checked for syntax (not deliverability)."""

    valid: bool
    """Whether mail can be addressed to it."""
    normalized: str | None = None
    """The address with its domain lower-cased (the local part is kept as typed)."""
    warning: str | None = None
    """A reason to look at an accepted address (``legacy_carrier_address``), else ``None``."""
    reason: str | None = None
    """Why it is not valid, in the clerk's words (``None`` when valid)."""


# Japanese mobile carriers used to hand out addresses that break RFC 5322 (``taro..x@``,
# ``taro.@``). They still exist and receive mail, so they are accepted for these domains only.
LEGACY_CARRIER_DOMAINS = frozenset(
    {
        "docomo.ne.jp",
        "ezweb.ne.jp",
        "au.com",
        "softbank.ne.jp",
        "i.softbank.jp",
        "disney.ne.jp",
        "d.vodafone.ne.jp",
        "h.vodafone.ne.jp",
        "t.vodafone.ne.jp",
        "c.vodafone.ne.jp",
        "k.vodafone.ne.jp",
        "r.vodafone.ne.jp",
        "n.vodafone.ne.jp",
        "s.vodafone.ne.jp",
        "q.vodafone.ne.jp",
        "pdx.ne.jp",
        "willcom.com",
        "ymobile.ne.jp",
        "y-mobile.ne.jp",
        "emnet.ne.jp",
    }
)


def normalize_email(value: str) -> EmailResult:
    """Check an email address with ``email-validator`` (no DNS lookups).

    NFKC first (full-width ＠ and letters typed on a phone), whitespace removed. Addresses at
    the old carrier domains in :data:`LEGACY_CARRIER_DOMAINS` whose only fault is a doubled
    dot or a dot next to the ``@`` are accepted with ``warning="legacy_carrier_address"``.
    """
    text = normalize_text(value)
    if not text:
        return EmailResult(valid=False, reason="no email address")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        local, at, domain = text.rpartition("@")
        if at and domain.lower() in LEGACY_CARRIER_DOMAINS and "." in local:
            # Re-check with the dots tidied: if that passes, the dots were the only fault.
            tidied = re.sub(r"\.+", ".", local).strip(".")
            try:
                validate_email(f"{tidied}@{domain}", check_deliverability=False)
            except EmailNotValidError:
                pass
            else:
                return EmailResult(
                    valid=True,
                    normalized=f"{local}@{domain.lower()}",
                    warning="legacy_carrier_address",
                )
        return EmailResult(valid=False, reason=str(exc))
    return EmailResult(valid=True, normalized=result.normalized)


_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "大正": 1911, "明治": 1867}
_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和", "T": "大正", "M": "明治"}


def normalize_date(value: str) -> str:
    """Return a date as ``YYYY-MM-DD`` when it can be read, else the NFKC text unchanged.

    Reads 2019-04-01, 2019/4/1, 2019.4.1, 2019年4月1日, 令和元年4月1日, 平成31年4月1日, R1.4.1.
    """
    text = normalize_text(value)
    match = re.fullmatch(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?", text)
    if match:
        return _iso_or_text(int(match.group(1)), int(match.group(2)), int(match.group(3)), text)
    match = re.fullmatch(
        r"(令和|平成|昭和|大正|明治|[RHSTMrhstm])([0-9]{1,2}|元)[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?",
        text,
    )
    if not match:
        return text
    era = _ERA_LETTERS.get(match.group(1).upper(), match.group(1))
    year = _ERAS[era] + (1 if match.group(2) == "元" else int(match.group(2)))
    return _iso_or_text(year, int(match.group(3)), int(match.group(4)), text)


def _iso_or_text(year: int, month: int, day: int, text: str) -> str:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return text


# The 個人番号 (My Number): 12 digits, optionally grouped 4-4-4 with spaces or hyphens,
# full-width digits too; never part of a longer run of digits.
_DIGIT = "[0-9０-９]"
_SEP = "[ \u3000\\-‐－−]"
_MY_NUMBER = re.compile(
    rf"(?<!{_DIGIT})(?<!{_DIGIT}{_SEP})"
    rf"({_DIGIT}{{4}}){_SEP}?({_DIGIT}{{4}}){_SEP}?({_DIGIT}{{4}})"
    rf"(?!{_SEP}?{_DIGIT})"
)


@dataclass(frozen=True, slots=True)
class MyNumberSpan:
    """Where a 個人番号 appears in a text (offsets into the text as given)."""

    start: int
    """Offset of the first digit."""
    end: int
    """Offset just after the last digit."""


def my_number_check_digit(first_eleven: str) -> int:
    """Compute the check digit of a 個人番号 from its first 11 digits.

    The formula of Article 5 of 平成26年総務省令第85号 (Article 8 of the 行政手続における特定の
    個人を識別するための番号の利用等に関する法律施行令 delegates it there): with P(n) the n-th
    digit counted from the right of the 11 digits (n = 1..11) and Q(n) = n + 1 for n ≤ 6,
    n − 5 for n ≥ 7, let r = Σ P(n)·Q(n) mod 11; the check digit is 0 when r ≤ 1, else 11 − r.
    Raises :class:`InputError` unless given 11 ASCII digits.
    """
    if len(first_eleven) != 11 or not (first_eleven.isascii() and first_eleven.isdigit()):
        raise InputError("a My Number check digit needs exactly 11 ASCII digits")
    total = 0
    for n, digit in enumerate(reversed(first_eleven), start=1):
        weight = n + 1 if n <= 6 else n - 5
        total += int(digit) * weight
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_my_number(digits: str) -> bool:
    """Whether 12 ASCII digits form a 個人番号 with a correct check digit."""
    if len(digits) != 12 or not digits.isascii() or not digits.isdigit():
        return False
    return my_number_check_digit(digits[:11]) == int(digits[11])


def find_my_numbers(text: str) -> list[MyNumberSpan]:
    """Find every 個人番号 in a text: 12 digits (4-4-4 groups allowed) with a valid check digit.

    A 12-digit run whose check digit is wrong is not reported (it is most likely another
    number), nor is any 12 digits inside a longer run of digits.
    """
    spans = []
    for match in _MY_NUMBER.finditer(text):
        digits = unicodedata.normalize("NFKC", "".join(match.groups()))
        if is_valid_my_number(digits):
            spans.append(MyNumberSpan(match.start(), match.end()))
    return spans


def contains_my_number(text: str) -> bool:
    """Whether the text contains a 個人番号 (see :func:`find_my_numbers`)."""
    return bool(find_my_numbers(text))


NORMALIZERS: Mapping[str, Callable[[str], str]] = MappingProxyType(
    {
        "name": normalize_name,
        "kana": normalize_kana,
        "address": normalize_address,
        "postal_code": lambda value: normalize_postal_code(value) or normalize_text(value),
        "phone": lambda value: normalize_phone(value).e164 or normalize_text(value),
        "email": lambda value: normalize_email(value).normalized or normalize_text(value),
        "date": normalize_date,
        "text": normalize_text,
    }
)
"""Normalizers by name, as a profile names them. Each returns a comparable string; a value
that cannot be normalized compares as its NFKC text without whitespace."""

"""Fictional residents and their application records, with the deliberate problem cases.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, so the same seed gives
the same people, the same CSV spellings and the same deliberate cases.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import unicodedata
from dataclasses import dataclass, field

from tsuchi.core.samples import data

_HYPHENS = ("-", "‐", "―", "−", "ー", "－")
"""Dash variants clerks and residents type between numbers."""

_FULLWIDTH_DIGITS = str.maketrans("0123456789-", "０１２３４５６７８９－")


def my_number_check_digit(first_eleven: str) -> int:
    """Return the check digit of a 個人番号 (My Number) from its first 11 digits.

    The algorithm of 行政手続における特定の個人を識別するための番号の利用等に関する法律施行令
    第8条: with P(n) the n-th digit counted from the right of the 11 digits (n = 1..11) and
    Q(n) = n + 1 for 1 ≤ n ≤ 6, n − 5 for 7 ≤ n ≤ 11, let r = (Σ P(n)·Q(n)) mod 11; the check
    digit is 0 when r ≤ 1, else 11 − r. Raises ``ValueError`` unless given 11 ASCII digits.
    """
    if len(first_eleven) != 11 or not (first_eleven.isascii() and first_eleven.isdigit()):
        raise ValueError("a My Number check digit needs exactly 11 ASCII digits")
    total = sum(
        int(digit) * (n + 1 if n <= 6 else n - 5)
        for n, digit in enumerate(reversed(first_eleven), start=1)
    )
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_my_number(digits: str) -> bool:
    """Whether ``digits`` is 12 ASCII digits whose last one is the correct check digit."""
    if len(digits) != 12 or not (digits.isascii() and digits.isdigit()):
        return False
    return my_number_check_digit(digits[:11]) == int(digits[11])


def _halfwidth_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in range(0xFF61, 0xFFA0):
        half = chr(code)
        full = unicodedata.normalize("NFKC", half)
        if len(full) == 1:
            table.setdefault(full, half)
    return table


_HALFWIDTH = _halfwidth_table()


def to_halfwidth_kana(text: str) -> str:
    """Write full-width katakana as half-width (ヤマダ　タロウ → ﾔﾏﾀﾞ ﾀﾛｳ), as old systems do."""
    out = []
    for ch in text:
        if ch == "\u3000":
            out.append(" ")
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        out.append(_HALFWIDTH.get(base, base))
        for mark in marks:
            out.append({"\u3099": "ﾞ", "\u309a": "ﾟ"}.get(mark, mark))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Address:
    """A fictional address in 土見市, as printed on the notice."""

    postal_code: str
    """Seven digits without hyphen."""
    town: str
    """Town name (桜ケ丘)."""
    chome: int
    """丁目."""
    banchi: int
    """番 (番地)."""
    go: int
    """号."""
    building: str | None
    """Building name and room (``サンハイツ土見　203号室``), printed on a second line."""

    @property
    def postal_display(self) -> str:
        """``123-4567``."""
        return f"{self.postal_code[:3]}-{self.postal_code[3:]}"

    @property
    def line1(self) -> str:
        """First address line as printed: ``東京都土見市桜ケ丘2丁目5番8号``."""
        return f"{data.CITY}{self.town}{self.chome}丁目{self.banchi}番{self.go}号"

    @property
    def printed(self) -> str:
        """The whole address as printed, lines joined by U+3000."""
        return f"{self.line1}\u3000{self.building}" if self.building else self.line1


@dataclass(slots=True)
class Person:
    """One notice's addressee and child, and the resident's contact details."""

    sequence: int
    application_number: str
    family: str
    family_kana: str
    family_variant: str | None
    given: str
    given_kana: str
    child_given: str
    address: Address
    birth_date: dt.date
    email: str | None
    mobile: str | None
    kind: str
    facility: str
    second_page: bool
    pdf_uses_variant: bool
    my_number: str | None = None
    cases: set[str] = field(default_factory=set)

    @property
    def pdf_family(self) -> str:
        """Family name as the core system prints it."""
        if self.family_variant and self.pdf_uses_variant:
            return self.family_variant
        return self.family

    @property
    def applicant_name(self) -> str:
        """Applicant name as printed (family U+3000 given)."""
        return f"{self.pdf_family}\u3000{self.given}"

    @property
    def child_name(self) -> str:
        """Child name as printed."""
        return f"{self.pdf_family}\u3000{self.child_given}"


def _email_local(rng: random.Random) -> str:
    letters = string.ascii_lowercase
    head = "".join(rng.choice(letters) for _ in range(rng.randint(4, 8)))
    tail = "".join(rng.choice(letters + string.digits) for _ in range(rng.randint(2, 5)))
    return f"{head}{rng.choice(['.', '_', '-', ''])}{tail}"


def _mobile(rng: random.Random) -> str:
    prefix = rng.choice(("090", "090", "080", "080", "070", "060"))
    return f"{prefix}-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}"


def make_people(rng: random.Random, count: int, *, nursery: bool) -> list[Person]:
    """Draw ``count`` fictional addressees with unique 7-digit application numbers."""
    numbers = rng.sample(range(1, 200_000), count)
    people = []
    for sequence, number in enumerate(numbers, start=1):
        family, family_kana, variant = rng.choice(data.FAMILY_NAMES)
        given, given_kana = rng.choice(data.ADULT_GIVEN_NAMES)
        child_given, _ = rng.choice(data.CHILD_GIVEN_NAMES)
        town, postal = rng.choice(data.TOWNS)
        building = None
        if rng.random() < 0.3:
            building = (
                f"{rng.choice(data.BUILDINGS)}\u3000{rng.randint(1, 12)}0{rng.randint(1, 9)}号室"
            )
        address = Address(
            postal, town, rng.randint(1, 5), rng.randint(1, 30), rng.randint(1, 20), building
        )
        birth = dt.date(2020, 4, 2) + dt.timedelta(days=rng.randint(0, 5 * 365))
        domain = rng.choice(data.EMAIL_DOMAINS)
        has_email = rng.random() < 0.85
        has_mobile = rng.random() < 0.8 or not has_email
        people.append(
            Person(
                sequence=sequence,
                application_number=f"{number:07d}",
                family=family,
                family_kana=family_kana,
                family_variant=variant,
                given=given,
                given_kana=given_kana,
                child_given=child_given,
                address=address,
                birth_date=birth,
                email=f"{_email_local(rng)}@{domain}" if has_email else None,
                mobile=_mobile(rng) if has_mobile else None,
                kind=("内定" if rng.random() < 0.8 else "保留") if nursery else "額改定",
                facility=rng.choice(data.FACILITIES),
                second_page=rng.random() < 0.1 if nursery else True,
                pdf_uses_variant=rng.random() < 0.5,
            )
        )
    return people


CASES = (
    "wrong_address",
    "wrong_name",
    "shared_email",
    "no_record",
    "my_number",
    "no_consent",
    "no_contact",
    "prefers_paper",
)
"""Deliberate cases assigned to distinct notices (``record_without_notice`` is an extra row)."""


def assign_cases(rng: random.Random, people: list[Person]) -> None:
    """Mark the deliberate cases on disjoint sets of people (none below 20 notices)."""
    count = len(people)
    if count < 20:
        return
    each = max(1, round(count * 0.015))
    sizes = dict.fromkeys(CASES, each)
    sizes["shared_email"] = 2 * each  # pairs: the owner and the one who copied the address
    sizes["prefers_paper"] = max(1, round(count * 0.08))
    order = list(range(count))
    rng.shuffle(order)
    position = 0
    for case in CASES:
        for index in order[position : position + sizes[case]]:
            people[index].cases.add(case)
        position += sizes[case]
    shared = [p for p in people if "shared_email" in p.cases]
    for owner, copier in zip(shared[::2], shared[1::2], strict=True):
        if owner.email is None:
            owner.email = f"{_email_local(rng)}@{rng.choice(data.EMAIL_DOMAINS)}"
        copier.email = owner.email
    for person in people:
        if "no_contact" in person.cases:
            person.email = None
            person.mobile = None
        elif person.email is None and person.mobile is None:
            person.mobile = _mobile(rng)
        if "my_number" in person.cases:
            first = "".join(str(rng.randint(0, 9)) for _ in range(11))
            person.my_number = first + str(my_number_check_digit(first))


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One application record as written, and the truth about it."""

    values: tuple[str, ...]
    """Column values in :data:`CSV_HEADER` order."""
    person: Person | None
    """The notice's person, or None for a record without a notice."""
    differing_fields: tuple[str, ...]
    channel: str
    channel_reason: str
    variants: tuple[str, ...]


CSV_HEADER = (
    "申請番号",
    "申請者氏名",
    "申請者氏名カナ",
    "児童氏名",
    "郵便番号",
    "住所",
    "メールアドレス",
    "携帯電話番号",
    "生年月日",
    "通知方法",
    "電子交付同意",
)
"""The e-application system's header row, in order."""


def _wareki(date: dt.date) -> str:
    return f"令和{date.year - 2018}年{date.month}月{date.day}日"


def _spell_name(rng: random.Random, family: str, given: str, variants: list[str]) -> str:
    style = rng.random()
    if style < 0.5:
        return f"{family}\u3000{given}"
    if style < 0.8:
        variants.append("ascii_space")
        return f"{family} {given}"
    variants.append("no_space")
    return f"{family}{given}"


def _spell_address(rng: random.Random, address: Address, banchi: int, variants: list[str]) -> str:
    head = f"{data.CITY}{address.town}"
    if "ケ" in address.town and rng.random() < 0.3:
        head = head.replace("ケ", "ヶ")
        variants.append("ke_variant")
    elif "ヶ" in address.town and rng.random() < 0.3:
        head = head.replace("ヶ", "ケ")
        variants.append("ke_variant")
    style = rng.random()
    if style < 0.4:
        number = f"{address.chome}丁目{banchi}番{address.go}号"
    elif style < 0.55:
        number = f"{address.chome}丁目{banchi}番地{address.go}"
        variants.append("banchi_form")
    else:
        dash = rng.choice(_HYPHENS)
        number = f"{address.chome}{dash}{banchi}{dash}{address.go}"
        variants.append("hyphen_address" if dash == "-" else "hyphen_variant_address")
    if rng.random() < 0.15:
        number = number.translate(_FULLWIDTH_DIGITS)
        variants.append("fullwidth_digits_address")
    text = head + number
    if address.building:
        building = address.building
        if rng.random() < 0.5:
            building = building.replace("\u3000", " ")
        text += rng.choice((" ", "\u3000", "")) + building
    return text


def _spell_postal(rng: random.Random, postal: str, variants: list[str]) -> str:
    style = rng.random()
    if style < 0.5:
        return f"{postal[:3]}-{postal[3:]}"
    if style < 0.7:
        variants.append("postal_no_hyphen")
        return postal
    if style < 0.85:
        variants.append("postal_hyphen_variant")
        return f"{postal[:3]}{rng.choice(_HYPHENS[1:])}{postal[3:]}"
    variants.append("postal_fullwidth")
    return f"{postal[:3]}-{postal[3:]}".translate(_FULLWIDTH_DIGITS)


def _spell_mobile(rng: random.Random, mobile: str, variants: list[str]) -> str:
    style = rng.random()
    if style < 0.6:
        return mobile
    if style < 0.85:
        variants.append("phone_no_hyphen")
        return mobile.replace("-", "")
    variants.append("phone_fullwidth")
    return mobile.translate(_FULLWIDTH_DIGITS)


def _legacy_email(rng: random.Random, email: str) -> str:
    local, domain = email.split("@")
    return f"{local}..{local[:2]}@{domain}" if rng.random() < 0.5 else f"{local}.@{domain}"


def make_rows(rng: random.Random, people: list[Person]) -> list[CsvRow]:
    """Write each person's application record (except ``no_record``) with realistic variation,
    plus the records without a notice; return them in the order the CSV holds them."""
    rows = []
    for person in people:
        if "no_record" in person.cases:
            continue
        variants: list[str] = []
        family = person.family
        if person.family_variant:
            # The e-application system has the other form from the core system.
            family = person.family if person.pdf_uses_variant else person.family_variant
            variants.append("variant_kanji")
        given = person.given
        applicant_family = family
        differing: list[str] = []
        if "wrong_name" in person.cases:
            if person.family in data.LOOKALIKE_FAMILY:
                applicant_family = data.LOOKALIKE_FAMILY[person.family]
            else:
                given = rng.choice([g for g, _ in data.ADULT_GIVEN_NAMES if g != person.given])
            differing.append("applicant_name")
        name = _spell_name(rng, applicant_family, given, variants)
        kana = f"{person.family_kana}\u3000{person.given_kana}"
        if rng.random() < 0.35:
            kana = to_halfwidth_kana(kana)
            variants.append("halfwidth_kana")
        child = _spell_name(rng, family, person.child_given, [])
        banchi = person.address.banchi
        if "wrong_address" in person.cases:
            banchi = banchi + rng.randint(1, 9)
            differing.append("address")
        address = _spell_address(rng, person.address, banchi, variants)
        postal = _spell_postal(rng, person.address.postal_code, variants)
        email = person.email or ""
        # Only the carriers once allowed ".." or ".@"; such an address elsewhere is invalid.
        carrier = email.rsplit("@", 1)[-1] in data.EMAIL_DOMAINS[:5]
        if email and carrier and "shared_email" not in person.cases and rng.random() < 0.02:
            email = _legacy_email(rng, email)
            variants.append("legacy_email")
        mobile = _spell_mobile(rng, person.mobile, variants) if person.mobile else ""
        if rng.random() < 0.3:
            birth = _wareki(person.birth_date)
            variants.append("wareki_date")
        else:
            birth = person.birth_date.strftime("%Y/%m/%d")
        method, consent = "電子", "同意する"
        if "prefers_paper" in person.cases:
            method, consent = "紙", rng.choice(("", "同意しない"))
        elif "no_consent" in person.cases:
            consent = rng.choice(("", "同意しない"))
        if "my_number" in person.cases:
            reason = "my_number"
        elif differing:
            reason = "mismatch"
        elif method == "紙":
            reason = "prefers_paper"
        elif consent != "同意する":
            reason = "no_consent"
        elif not email and not mobile:
            reason = "no_contact"
        else:
            reason = "consent_and_contact"
        rows.append(
            CsvRow(
                values=(
                    person.application_number,
                    name,
                    kana,
                    child,
                    postal,
                    address,
                    email,
                    mobile,
                    birth,
                    method,
                    consent,
                ),
                person=person,
                differing_fields=tuple(differing),
                channel="electronic" if reason == "consent_and_contact" else "paper",
                channel_reason=reason,
                variants=tuple(variants),
            )
        )
    if len(people) >= 20:
        used = {p.application_number for p in people}
        extra = max(1, round(len(people) * 0.015))
        for orphan in make_people(rng, extra, nursery=True):
            number = orphan.application_number
            while number in used:
                number = f"{int(number) % 199_999 + 1:07d}"
            used.add(number)
            rows.append(
                CsvRow(
                    values=(
                        number,
                        f"{orphan.family}\u3000{orphan.given}",
                        f"{orphan.family_kana}\u3000{orphan.given_kana}",
                        f"{orphan.family}\u3000{orphan.child_given}",
                        orphan.address.postal_display,
                        orphan.address.printed,
                        orphan.email or "",
                        orphan.mobile or "",
                        orphan.birth_date.strftime("%Y/%m/%d"),
                        "電子",
                        "同意する",
                    ),
                    person=None,
                    differing_fields=(),
                    channel="paper",
                    channel_reason="no_notice",
                    variants=(),
                )
            )
    # The e-application system exports in its own order, not the core system's.
    rng.shuffle(rows)
    return rows

"""Deterministic sample batches: the core system's PDF, the e-application CSV and the truth.

:func:`generate` writes three files that together look like one real sending of notices
(see ``docs/samples.md`` for the exact layouts and the truth schema). The same seed always
gives byte-identical files, so tests and benchmarks can rely on them without committing
binaries.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from tsuchi.core.errors import TsuchiError
from tsuchi.core.samples import data
from tsuchi.core.samples.people import (
    CSV_HEADER,
    CsvRow,
    Person,
    assign_cases,
    make_people,
    make_rows,
)

MINCHO_PATH = Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf")
"""IPAex Mincho (Debian package fonts-ipaexfont), embedded for body text."""
GOTHIC_PATH = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
"""IPAex Gothic, embedded for titles."""
MINCHO = "IPAexMincho"
GOTHIC = "IPAexGothic"

LAYOUTS = ("nursery", "allowance")
"""Layouts :func:`generate` knows."""

NOTICE_DATE = "令和8年2月10日"
"""Date printed on every sample notice (fixed so that output never depends on the clock)."""

PAGE_HEIGHT = A4[1]
RIGHT_EDGE_MM = 190.0
BODY_LINE_MM = 6.0
BODY_WRAP = 42


class SampleError(TsuchiError):
    """Sample data cannot be generated (missing font, bad arguments, unwritable folder)."""


@dataclass(frozen=True, slots=True)
class SampleSet:
    """The three files of one generated sample batch and what they hold."""

    batch_pdf: Path
    """The core system's PDF (``batch.pdf``) with every notice."""
    applications_csv: Path
    """The e-application system's CSV (``applications.csv``, CP932, CRLF)."""
    truth_json: Path
    """What a correct cross-check must find (``truth.json``, UTF-8)."""
    layout: str
    """``nursery`` or ``allowance``."""
    seed: int
    """The seed the data was drawn with."""
    notice_count: int
    """Notices in the PDF."""
    page_count: int
    """Pages in the PDF."""
    record_count: int
    """Data rows in the CSV (without the header)."""


def _register_fonts() -> None:
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, path in ((MINCHO, MINCHO_PATH), (GOTHIC, GOTHIC_PATH)):
        if name in registered:
            continue
        if not path.is_file():
            raise SampleError(
                f"Japanese font {path} is missing; install the Debian package fonts-ipaexfont"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))


def _y(top_mm: float) -> float:
    """Convert a baseline given in mm from the top of the page to PDF points from the bottom."""
    return float(PAGE_HEIGHT - top_mm * mm)


def _text(
    c: Canvas, x_mm: float, y_mm: float, text: str, *, size: float = 10.5, font: str = MINCHO
) -> None:
    c.setFont(font, size)
    c.drawString(x_mm * mm, _y(y_mm), text)


def _right(c: Canvas, y_mm: float, text: str, *, size: float = 10.5, font: str = MINCHO) -> None:
    c.setFont(font, size)
    c.drawRightString(RIGHT_EDGE_MM * mm, _y(y_mm), text)


def _centre(c: Canvas, y_mm: float, text: str, *, size: float = 18, font: str = GOTHIC) -> None:
    c.setFont(font, size)
    c.drawCentredString(105 * mm, _y(y_mm), text)


def _wrap(paragraphs: Iterable[str], width: int = BODY_WRAP) -> list[str]:
    lines = []
    for paragraph in paragraphs:
        text = "　" + paragraph
        while text:
            lines.append(text[:width])
            text = text[width:]
    return lines


def _body(c: Canvas, x_mm: float, y_mm: float, paragraphs: Iterable[str]) -> float:
    c.setFont(MINCHO, 10)
    for line in _wrap(paragraphs):
        c.drawString(x_mm * mm, _y(y_mm), line)
        y_mm += BODY_LINE_MM
    return y_mm


KYOJI = (
    "この処分に不服がある場合は、この処分があったことを知った日の翌日から起算して3か月以内に、"
    "土見市長に対して審査請求をすることができます（行政不服審査法第2条、第18条）。",
    "この処分の取消しの訴えは、この処分があったことを知った日の翌日から起算して6か月以内に、"
    "土見市を被告として（訴訟において土見市を代表する者は土見市長となります。）提起する"
    "ことができます（行政事件訴訟法第8条、第14条）。",
)
"""The 教示 (notice of the right to appeal) every decision notice carries."""


def notice_number(person: Person, layout: str) -> str:
    """The notice number printed on a person's notice (``保第08-00001号``)."""
    prefix = "保" if layout == "nursery" else "土子"
    return f"{prefix}第08-{person.sequence:05d}号"


def _my_number_sentence(person: Person) -> list[str]:
    if person.my_number is None:
        return []
    # The accident the sample reproduces: a core system printing the guardian's 個人番号.
    return [f"（保護者個人番号　{person.my_number}）"]


def _draw_nursery(c: Canvas, person: Person) -> int:
    address = person.address
    _text(c, 20, 28, f"〒{address.postal_display}", size=11)
    _text(c, 20, 34, address.line1, size=11)
    if address.building:
        _text(c, 20, 40, address.building, size=11)
    _text(c, 24, 50, f"{person.applicant_name}　様", size=14)
    _right(c, 28, NOTICE_DATE)
    _right(c, 34, f"通知番号　{notice_number(person, 'nursery')}")
    _right(c, 40, f"受付番号　{person.application_number}")
    accepted = person.kind == "内定"
    _centre(c, 75, "保育所入所内定通知書" if accepted else "保育所入所保留通知書")
    intro = (
        "令和8年度の保育所等の利用について、次のとおり入所を内定しましたので通知します。"
        if accepted
        else "令和8年度の保育所等の利用について、希望された施設に空きがないため、"
        "入所を保留としましたので通知します。"
    )
    _body(c, 25, 90, [intro])
    _text(c, 30, 108, f"児童氏名　{person.child_name}", size=11)
    label = "入所施設" if accepted else "希望施設"
    _text(c, 30, 116, f"{label}　{person.facility}", size=11)
    date_label = "入所予定日" if accepted else "入所希望日"
    _text(c, 30, 124, f"{date_label}　令和8年4月1日", size=11)
    body = [
        "入所に当たっては、入所前に施設との面談と健康診断を受けてください。日程は施設から"
        "連絡します。"
        if accepted
        else "保留となった方は、引き続き次回の利用調整の対象となります。辞退される場合は"
        "保育課へ届け出てください。",
        "就労状況等に変更があった場合は、速やかに保育課へ届け出てください。",
        *_my_number_sentence(person),
    ]
    y = _body(c, 25, 140, body)
    _text(c, 25, max(y + 4, 190), "（教示）", size=10)
    _body(c, 25, max(y + 10, 196), KYOJI)
    _right(c, 268, f"土見市長　{data.MAYOR_NAME}", size=12)
    _text(c, 25, 284, "問い合わせ先　土見市子ども家庭部保育課　電話　0400-00-0000", size=8)
    c.showPage()
    if not person.second_page:
        return 1
    _text(c, 20, 20, f"通知番号　{notice_number(person, 'nursery')}（2／2）", size=10)
    _centre(c, 40, "保育料について", size=14)
    _body(
        c,
        25,
        55,
        [
            "保育料は、保護者の市町村民税所得割額により決定し、毎年9月に切り替わります。",
            "3歳児クラス以上の児童の保育料は無償です。給食費（副食費）は施設が徴収します。",
            "保育料の納付は口座振替をお勧めしています。申込書を入所までに提出してください。",
        ],
    )
    c.showPage()
    return 2


def _draw_allowance(c: Canvas, person: Person) -> int:
    address = person.address
    _text(c, 20, 20, f"管理番号：{person.application_number}", size=10)
    _text(c, 20, 26, f"文書番号：{notice_number(person, 'allowance')}", size=10)
    _right(c, 20, NOTICE_DATE, size=10)
    _text(c, 110, 52, f"郵便番号：{address.postal_display}", size=10.5)
    _text(c, 110, 59, f"住所：{address.line1}", size=10.5)
    if address.building:
        _text(c, 121, 65, address.building, size=10.5)
    _text(c, 110, 75, f"受給者氏名：{person.applicant_name}　様", size=12)
    _centre(c, 100, "児童手当額改定通知書")
    _body(c, 25, 115, ["児童手当の額を次のとおり改定しましたので通知します。"])
    _text(c, 25, 128, f"対象児童：{person.child_name}", size=11)
    before = 10_000 + 5_000 * (person.sequence % 3)
    after = before + 5_000
    rows = (
        ("区分", "改定前", "改定後"),
        ("支給月額", f"{before:,}円", f"{after:,}円"),
        ("支給対象児童数", "1人", "1人"),
        ("改定年月", "令和8年1月", "令和8年2月"),
    )
    top, row_h, cols = 138.0, 8.0, (25.0, 85.0, 135.0, 185.0)
    c.setLineWidth(0.5)
    for index, row in enumerate(rows):
        y0 = top + index * row_h
        c.rect(cols[0] * mm, _y(y0 + row_h), (cols[3] - cols[0]) * mm, row_h * mm)
        for column, cell in enumerate(row):
            _text(c, cols[column] + 2, y0 + 5.5, cell, size=10)
    for x in cols[1:3]:
        c.line(x * mm, _y(top), x * mm, _y(top + row_h * len(rows)))
    _body(
        c,
        25,
        182,
        [
            "改定後の額は令和8年2月分から適用し、6月の定期支払日に指定の口座へ振り込みます。",
            *_my_number_sentence(person),
        ],
    )
    _right(c, 268, f"土見市長　{data.MAYOR_NAME}", size=12)
    c.showPage()
    _text(c, 20, 20, f"管理番号：{person.application_number}（2／2）", size=10)
    _centre(c, 40, "児童手当制度について", size=14)
    y = _body(
        c,
        25,
        55,
        [
            "児童手当は、高校生年代までの児童を養育している方に支給します。",
            "住所、氏名、振込口座、児童の人数に変更があった場合は、こども家庭課へ届け出てください。",
        ],
    )
    _text(c, 25, y + 4, "（教示）", size=10)
    _body(c, 25, y + 10, KYOJI)
    c.showPage()
    return 2


def _write_csv(path: Path, rows: list[CsvRow]) -> None:
    with path.open("w", encoding="cp932", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for row in rows:
            writer.writerow(row.values)


def _truth(
    *,
    seed: int,
    layout: str,
    people: list[Person],
    pages: list[tuple[int, int]],
    rows: list[CsvRow],
) -> dict[str, Any]:
    notices = [
        {
            "sequence": p.sequence,
            "notice_number": notice_number(p, layout),
            "application_number": p.application_number,
            "first_page": first,
            "page_count": count,
            "kind": p.kind,
            "applicant_name": p.applicant_name,
            "postal_code": p.address.postal_display,
            "address": p.address.printed,
            "child_name": p.child_name,
            "facility": p.facility if layout == "nursery" else None,
            "my_number": p.my_number is not None,
        }
        for p, (first, count) in zip(people, pages, strict=True)
    ]
    records = []
    orphans = []
    for line, row in enumerate(rows, start=2):
        if row.person is None:
            orphans.append({"csv_row": line, "application_number": row.values[0]})
            continue
        records.append(
            {
                "csv_row": line,
                "application_number": row.values[0],
                "notice_sequence": row.person.sequence,
                "outcome": "mismatched" if row.differing_fields else "matched",
                "differing_fields": list(row.differing_fields),
                "channel": row.channel,
                "channel_reason": row.channel_reason,
                "variants": list(row.variants),
                "shared_email": "shared_email" in row.person.cases,
            }
        )
    return {
        "seed": seed,
        "count": len(people),
        "layout": layout,
        "notices": notices,
        "records": records,
        "notices_without_record": [p.sequence for p in people if "no_record" in p.cases],
        "records_without_notice": orphans,
    }


def generate(out_dir: Path, *, count: int, seed: int = 1, layout: str = "nursery") -> SampleSet:
    """Write ``batch.pdf``, ``applications.csv`` and ``truth.json`` for ``count`` notices.

    Deterministic: the same ``count``, ``seed`` and ``layout`` give byte-identical files. With
    ``count >= 20`` every deliberate problem case (wrong address, wrong name, shared email,
    notice without record, record without notice, paper preference, missing consent, no
    contact, a printed 個人番号) appears at least once. Raises :class:`SampleError` for a bad
    count or layout, a missing font or an unwritable folder.
    """
    if count < 1:
        raise SampleError("count must be at least 1")
    if layout not in LAYOUTS:
        raise SampleError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    _register_fonts()
    rng = random.Random(seed)  # noqa: S311 - sample data, reproducible on purpose
    people = make_people(rng, count, nursery=layout == "nursery")
    assign_cases(rng, people)
    rows = make_rows(rng, people)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        pdf_path = out_dir / "batch.pdf"
        csv_path = out_dir / "applications.csv"
        truth_path = out_dir / "truth.json"
        canvas = Canvas(str(pdf_path), pagesize=A4, invariant=1, pageCompression=1)
        canvas.setTitle("土見市 通知一括出力")
        canvas.setAuthor("土見市 基幹システム（サンプル）")
        draw = _draw_nursery if layout == "nursery" else _draw_allowance
        pages: list[tuple[int, int]] = []
        next_page = 1
        for person in people:
            used = draw(canvas, person)
            pages.append((next_page, used))
            next_page += used
        canvas.save()
        _write_csv(csv_path, rows)
        truth = _truth(seed=seed, layout=layout, people=people, pages=pages, rows=rows)
        truth_path.write_text(
            json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    except OSError as exc:
        raise SampleError(f"cannot write samples to {out_dir.name}: {exc.strerror}") from exc
    return SampleSet(
        batch_pdf=pdf_path,
        applications_csv=csv_path,
        truth_json=truth_path,
        layout=layout,
        seed=seed,
        notice_count=count,
        page_count=next_page - 1,
        record_count=len(rows),
    )

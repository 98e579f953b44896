from __future__ import annotations

import re
from pathlib import Path

import pikepdf
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from tsuchi.core.documents.extract import PageContent, extract_fields
from tsuchi.core.documents.split import split_batch

from .conftest import MakePdf, notice_page
from .profiles import make_profile

BOTH_NAME = """
[fields.applicant_name_box]
label = "申請者氏名"
rect_mm = [40, 64, 60, 8]
strip_suffix = "様"
"""


def only_notice(path: Path, extra_fields: str = ""):
    profile = make_profile("fixed", extra_fields)
    [notice] = list(split_batch(path, profile))
    return notice, extract_fields(notice, profile)


def test_fields_are_read_by_label_and_by_rectangle(make_pdf: MakePdf) -> None:
    _notice, extraction = only_notice(make_pdf("a.pdf", [notice_page(3, "髙橋　花子")]))
    assert extraction.fields == {
        "notice_number": "保第07-00003号",
        "postal_code": "100-0001",
        "applicant_name": "髙橋 花子",
    }
    assert extraction.problems == []
    assert extraction.ok


def test_label_and_rectangle_that_agree_give_the_value(make_pdf: MakePdf) -> None:
    _, extraction = only_notice(make_pdf("a.pdf", [notice_page(3, "髙橋　花子")]), BOTH_NAME)
    assert extraction.fields["applicant_name_box"] == "髙橋 花子"


def test_label_and_rectangle_that_disagree_are_a_problem_and_no_value(make_pdf: MakePdf) -> None:
    page = notice_page(3, "髙橋　花子")
    page.append((45, 90, "渡邉　次郎"))  # what the rectangle would read instead
    moved = BOTH_NAME.replace("[40, 64, 60, 8]", "[40, 84, 60, 8]")
    _, extraction = only_notice(make_pdf("a.pdf", [page]), moved)
    assert "applicant_name_box" not in extraction.fields
    [problem] = extraction.problems
    assert problem.code == "field_disagrees"
    assert problem.location.page == 1
    assert problem.location.column == "applicant_name_box"
    assert "髙橋" not in problem.message  # no personal data in messages


def test_ascii_and_ideographic_spaces_read_the_same(make_pdf: MakePdf) -> None:
    _, wide = only_notice(make_pdf("w.pdf", [notice_page(1, "山田　太郎")]))
    _, narrow = only_notice(make_pdf("n.pdf", [notice_page(1, "山田 太郎")]))
    assert wide.fields["applicant_name"] == narrow.fields["applicant_name"] == "山田 太郎"


def test_value_not_matching_its_pattern_is_a_missing_field(make_pdf: MakePdf) -> None:
    page = notice_page(1, "山田　太郎")
    page[2] = (20, 60, "通知番号　未採番")
    _, extraction = only_notice(make_pdf("a.pdf", [page]))
    assert "notice_number" not in extraction.fields
    assert [(p.code, p.location.column) for p in extraction.problems] == [
        ("field_missing", "notice_number")
    ]


def test_blank_page_is_reported_as_having_no_text(make_pdf: MakePdf) -> None:
    _, extraction = only_notice(make_pdf("a.pdf", [[]]))
    codes = [p.code for p in extraction.problems]
    assert codes[0] == "no_text"
    assert "blank" in extraction.problems[0].message
    assert extraction.fields == {}


def test_image_only_page_is_reported_as_scanned(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.drawImage(ImageReader(Image.new("L", (200, 280), 200)), 0, 0, 210 * mm, 297 * mm)
    pdf.showPage()
    pdf.save()
    _, extraction = only_notice(path)
    problem = extraction.problems[0]
    assert problem.code == "no_text"
    assert "scanned" in problem.message
    assert problem.location.file == "scan.pdf"
    assert problem.location.page == 1


def _edit_to_unicode(path: Path, out: Path, edit) -> Path:
    """Rewrite the ToUnicode map of the page's embedded Japanese font subset."""
    with pikepdf.open(path) as pdf:
        for font in pdf.pages[0].Resources.Font.values():
            if "/ToUnicode" in font and "+" in str(font.BaseFont):
                edit(font)
        pdf.save(out)
    return out


def test_private_use_character_is_reported_as_gaiji(make_pdf: MakePdf, tmp_path: Path) -> None:
    source = make_pdf("a.pdf", [notice_page(1, "山田　太郎")])

    def to_private_use(font: pikepdf.Dictionary) -> None:
        cmap = font.ToUnicode.read_bytes().decode()
        code = re.search(r"<(..)> <5C71>", cmap).group(1)  # 山
        font.ToUnicode.write(cmap.replace(f"<{code}> <5C71>", f"<{code}> <E000>").encode())

    _, extraction = only_notice(_edit_to_unicode(source, tmp_path / "gaiji.pdf", to_private_use))
    [problem] = extraction.problems
    assert problem.code == "gaiji"
    assert "U+E000" in problem.message


def test_font_without_to_unicode_map_is_reported(make_pdf: MakePdf, tmp_path: Path) -> None:
    source = make_pdf("a.pdf", [notice_page(1, "山田　太郎")])

    def drop_map(font: pikepdf.Dictionary) -> None:
        del font["/ToUnicode"]

    _, extraction = only_notice(_edit_to_unicode(source, tmp_path / "nomap.pdf", drop_map))
    assert "unmapped_font" in [p.code for p in extraction.problems]


def test_glyphs_without_any_text_are_reported_as_unmapped_font() -> None:
    # pdfium returns no characters at all for some fonts without a text mapping; crafting such
    # a font is out of reach here, so the page as the splitter describes it is given directly.
    page = PageContent(number=4, text="", text_objects=12)
    extraction = extract_fields([page], make_profile())
    assert extraction.problems[0].code == "unmapped_font"
    assert extraction.problems[0].location.page == 4


def test_field_on_a_later_page_of_the_notice(make_pdf: MakePdf) -> None:
    extra = '[fields.back_number]\nlabel = "通知番号"\npage = 2\nrequired = false\n'
    pages = [notice_page(1, "山田　太郎"), notice_page(9, "", first=False)]
    profile = make_profile("pattern", extra)
    [notice] = list(split_batch(make_pdf("a.pdf", pages), profile))
    extraction = extract_fields(notice, profile)
    assert extraction.fields["back_number"] == "保第07-00009号"


def test_plain_page_texts_are_read_by_label() -> None:
    texts = ["通知番号 保第07-00001号\r\n申請者氏名\u3000山田\u3000太郎\u3000様\r\n", "裏面"]
    extraction = extract_fields(texts, make_profile())
    assert extraction.fields == {"notice_number": "保第07-00001号", "applicant_name": "山田 太郎"}
    assert [p.code for p in extraction.problems] == ["rect_not_read"]


def test_type3_font_without_text_mapping_is_reported(tmp_path: Path) -> None:
    # A Type 3 font whose glyph names mean nothing: pdfium returns control characters.
    path = tmp_path / "type3.pdf"
    with pikepdf.new() as pdf:
        glyph = pdf.make_stream(b"1000 0 0 0 1000 1000 d1 0 0 800 800 re f")
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type3,
            FontBBox=[0, 0, 1000, 1000],
            FontMatrix=[0.001, 0, 0, 0.001, 0, 0],
            CharProcs=pikepdf.Dictionary(g1=glyph),
            Encoding=pikepdf.Dictionary(Differences=[1, pikepdf.Name("/g1")]),
            FirstChar=1,
            LastChar=1,
            Widths=[1000],
        )
        page = pdf.add_blank_page(page_size=(595, 842))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(T1=pdf.make_indirect(font)))
        page.Contents = pdf.make_stream(b"BT /T1 24 Tf 72 700 Td <01010101> Tj ET")
        pdf.save(path)
    _, extraction = only_notice(path)
    assert extraction.problems[0].code == "unmapped_font"

"""The optional visible signature stamp on page 1: office name, date, and a QR code.

The QR code carries the public verification URL with this notice's verification code, so a
third party holding a printout can reach the verification page. The stamp is the signature
field's appearance, drawn by pyHanko with an embedded Japanese font (IPAex Gothic subset).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

IPAEX_GOTHIC = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
"""Default font of the stamp (Debian package fonts-ipaexfont)."""
TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True, slots=True)
class StampSettings:
    """What the visible stamp shows and where."""

    office_name: str
    """The signing office, e.g. ``土見市 子ども家庭課``."""
    box: tuple[float, float, float, float] = (340.0, 40.0, 560.0, 110.0)
    """Rectangle on page 1 in points (x1, y1, x2, y2), origin bottom left (A4: 595×842)."""
    font_path: Path = IPAEX_GOTHIC
    """OpenType/TrueType font embedded for the text; must cover the office name."""
    caption: str = "電子署名済み"
    """First line of the stamp."""


def stamp_text_params(
    settings: StampSettings, moment: dt.datetime, verification_url: str | None
) -> dict[str, str]:
    """Text parameters for the stamp (pyHanko ``appearance_text_params``)."""
    params = {
        "office": settings.office_name,
        "date": moment.astimezone(TOKYO).strftime("%Y年%m月%d日"),
    }
    if verification_url is not None:
        params["url"] = verification_url
    return params


def stamp_style(settings: StampSettings, *, with_qr: bool) -> Any:
    """The pyHanko stamp style: a QR stamp when there is a verification URL, else text only."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import QRStampStyle, TextStampStyle

    text_box = TextBoxStyle(font=GlyphAccumulatorFactory(str(settings.font_path)), font_size=9)
    text = f"{settings.caption}\n%(office)s\n%(date)s"
    if with_qr:
        return QRStampStyle(stamp_text=text, text_box_style=text_box, border_width=1)
    return TextStampStyle(stamp_text=text, text_box_style=text_box, border_width=1)


def stamp_field_spec(settings: StampSettings, field_name: str) -> Any:
    """The signature field spec placing the stamp on page 1."""
    from pyhanko.sign.fields import SigFieldSpec

    x1, y1, x2, y2 = settings.box
    return SigFieldSpec(
        sig_field_name=field_name, on_page=0, box=(int(x1), int(y1), int(x2), int(y2))
    )

"""The optional visible signature stamp on page 1: office name, date, and a QR code.

The QR code carries the public verification URL with this notice's verification code, so a
third party holding a printout can reach the verification page. The stamp is the signature
field's appearance, drawn by pyHanko with an embedded Japanese font (IPAex Gothic subset).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import tempfile
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

    font = _stamp_font(settings.font_path, settings.caption + settings.office_name + _DATE_CHARS)
    text_box = TextBoxStyle(font=GlyphAccumulatorFactory(str(font)), font_size=9)
    text = f"{settings.caption}\n%(office)s\n%(date)s"
    if with_qr:
        return QRStampStyle(stamp_text=text, text_box_style=text_box, border_width=1)
    return TextStampStyle(stamp_text=text, text_box_style=text_box, border_width=1)


_DATE_CHARS = "0123456789年月日"


@functools.lru_cache(maxsize=8)
def _stamp_font(font_path: Path, characters: str) -> Path:
    """A copy of the font reduced to ``characters``, made once and kept for later runs.

    pyHanko subsets the font it embeds for every document; fontTools reading the whole 6 MB
    IPAex font each time cost about 100 ms per stamped notice. Reducing it once to the few
    characters a stamp can show (its caption, the office name, the date) makes that per-
    document subsetting cheap; the embedded subset is the same.
    """
    from fontTools import subset

    # One file per (font, characters), shared by worker processes and later runs, in a
    # directory only this user can write: a font planted by someone else would end up in
    # signed notices.
    stat = font_path.stat()  # a changed font (package update) gets a new reduced copy
    origin = f"{font_path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{characters}"
    key = hashlib.sha256(origin.encode()).hexdigest()[:16]
    directory = Path(tempfile.gettempdir()) / f"tsuchi-stamp-fonts-{os.getuid()}"
    directory.mkdir(mode=0o700, exist_ok=True)
    info = directory.lstat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077 or directory.is_symlink():
        directory = Path(tempfile.mkdtemp(prefix="tsuchi-stamp-fonts-"))
    target = directory / f"{key}{font_path.suffix}"
    if target.is_file() and not target.is_symlink():
        return target
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(font_path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(characters))))
    subsetter.subset(font)
    part = target.with_name(f"{target.name}.{os.getpid()}.part")
    subset.save_font(font, str(part), options)
    os.replace(part, target)
    return target


def stamp_field_spec(settings: StampSettings, field_name: str) -> Any:
    """The signature field spec placing the stamp on page 1."""
    from pyhanko.sign.fields import SigFieldSpec

    x1, y1, x2, y2 = settings.box
    return SigFieldSpec(
        sig_field_name=field_name, on_page=0, box=(int(x1), int(y1), int(x2), int(y2))
    )

"""Assemble the paper notices into one print-ready PDF behind a cover page."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from collections.abc import Sequence
from pathlib import Path

import pikepdf
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from tsuchi.core.errors import Location, PdfError

COVER_FONT_PATH = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
_COVER_FONT = "IPAexGothic"
_FONT_FILE_KEYS = ("/FontFile", "/FontFile2", "/FontFile3")


def assemble_print(
    parts: Sequence[Path], out_path: str | Path, *, cover_lines: Sequence[str]
) -> Path:
    """Write one PDF: a cover page listing ``cover_lines``, then every page of ``parts`` in order.

    The caller sorts ``parts`` (by postal code, for the post office discount) and writes the
    cover lines (count, postal-code ranges). Streams are copied without recompression; embedded
    font files that are byte-identical across parts (split notices all carry the batch's font
    subsets) are stored once, so the print file does not grow by the fonts once per notice.
    Each part is read and closed in turn, so any number of parts can be assembled. The file is
    written under a temporary name and renamed. Raises :class:`PdfError` naming a bad part.
    """
    out_path = Path(out_path)
    partial = out_path.with_name(out_path.name + ".part")
    fonts: dict[bytes, pikepdf.Object] = {}
    try:
        with pikepdf.new() as out, pikepdf.open(io.BytesIO(_cover(cover_lines))) as cover:
            out.pages.append(cover.pages[0])
            _own_streams(out.pages[-1].obj, out, fonts)
            version = cover.pdf_version
            for part in parts:
                part = Path(part)
                try:
                    source = pikepdf.open(part)
                except (pikepdf.PdfError, OSError, ValueError) as exc:
                    raise PdfError(
                        "cannot read this notice PDF", location=Location(file=part.name)
                    ) from exc
                with source:
                    version = max(version, source.pdf_version)
                    for page in source.pages:
                        out.pages.append(page)
                        # Take the data over now so the part can be closed before saving.
                        _own_streams(out.pages[-1].obj, out, fonts)
            out.save(
                partial,
                min_version=version,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                compress_streams=False,
            )
        os.replace(partial, out_path)
    except (OSError, pikepdf.PdfError) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise PdfError(
            f"cannot write the print file: {exc}", location=Location(file=out_path.name)
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return out_path


def _cover(lines: Sequence[str]) -> bytes:
    if _COVER_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_COVER_FONT, COVER_FONT_PATH))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    height = A4[1]
    y = height - 30 * mm
    for index, line in enumerate(lines):
        pdf.setFont(_COVER_FONT, 16 if index == 0 else 11)
        pdf.drawString(25 * mm, y, line)
        y -= (12 if index == 0 else 7) * mm
        if y < 20 * mm:
            pdf.showPage()
            y = height - 30 * mm
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _own_streams(
    root: pikepdf.Object, out: pikepdf.Pdf, fonts: dict[bytes, pikepdf.Object]
) -> None:
    """Copy the raw data of every stream under ``root`` into ``out``; share identical fonts."""
    seen: set[tuple[int, int]] = set()
    stack: list[pikepdf.Object] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Dictionary | pikepdf.Stream):
            if node.is_indirect:
                if node.objgen in seen:
                    continue
                seen.add(node.objgen)
            items = [(key, node[key]) for key in node.keys() if key != "/Parent"]  # noqa: SIM118
            for key, child in items:
                if key in _FONT_FILE_KEYS and isinstance(child, pikepdf.Stream):
                    raw = child.read_raw_bytes()
                    digest = hashlib.sha256(raw + repr(child.stream_dict).encode()).digest()
                    shared = fonts.get(digest)
                    if shared is not None:
                        node[key] = shared
                        continue
                    fonts[digest] = child
                stack.append(child)
            if isinstance(node, pikepdf.Stream):
                # Rewriting the still-encoded bytes with the same filter keeps them as they
                # were, but stores them in ``out`` so the source file may be closed.
                node.write(
                    node.read_raw_bytes(),
                    filter=node.get("/Filter"),  # type: ignore[arg-type]
                    decode_parms=node.get("/DecodeParms"),  # type: ignore[arg-type]
                    type_check=False,
                )
        elif isinstance(node, pikepdf.Array):
            if node.is_indirect:
                if node.objgen in seen:
                    continue
                seen.add(node.objgen)
            stack.extend(node)

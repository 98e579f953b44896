"""Assemble the paper notices into one print-ready PDF behind a cover page."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
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
GROUP_SIZE = 64
"""Parts merged into one intermediate file. A copied page keeps its source file's data in
memory until the output is saved, so merging in groups bounds memory."""


def assemble_print(
    parts: Sequence[Path], out_path: str | Path, *, cover_lines: Sequence[str]
) -> Path:
    """Write one PDF: a cover page listing ``cover_lines``, then every page of ``parts`` in order.

    The caller sorts ``parts`` (by postal code, for the post office discount) and writes the
    cover lines (count, postal-code ranges). Streams are copied without recompression; fonts
    that are identical across parts (split notices all carry the batch's font subsets) are
    stored once, so 1,000 sample notices (152 MB as parts) print as a 2 MB file.
    Parts are merged in groups of :data:`GROUP_SIZE` into intermediate files, then the groups
    are merged, so memory stays bounded however many parts there are (a copied page keeps its
    source file's data in memory until the output is saved). The file is written under a
    temporary name and renamed. Raises :class:`PdfError` naming a bad part.
    """
    out_path = Path(out_path)
    partial = out_path.with_name(out_path.name + ".part")
    try:
        with tempfile.TemporaryDirectory(prefix=".assemble-", dir=out_path.parent) as work:
            sources = [Path(part) for part in parts]
            level = 0
            while len(sources) > GROUP_SIZE:
                level += 1
                groups = [
                    sources[start : start + GROUP_SIZE]
                    for start in range(0, len(sources), GROUP_SIZE)
                ]
                sources = [
                    _merge(group, Path(work) / f"{level}-{index:05d}.pdf", cover=None)
                    for index, group in enumerate(groups)
                ]
            _merge(sources, partial, cover=_cover(cover_lines))
        os.replace(partial, out_path)
    except (OSError, pikepdf.PdfError) as exc:
        raise PdfError(
            f"cannot write the print file: {exc}", location=Location(file=out_path.name)
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return out_path


def _merge(sources: Sequence[Path], out_path: Path, *, cover: bytes | None) -> Path:
    with pikepdf.new() as out:
        fonts = _SharedFonts(out)
        version = "1.3"
        if cover is not None:
            with pikepdf.open(io.BytesIO(cover)) as cover_pdf:
                version = fonts.append_pages(cover_pdf)
        for path in sources:
            try:
                source = pikepdf.open(path)
            except (pikepdf.PdfError, OSError, ValueError) as exc:
                raise PdfError(
                    "cannot read this notice PDF", location=Location(file=path.name)
                ) from exc
            with source:
                version = max(version, fonts.append_pages(source))
        out.save(
            out_path,
            min_version=version,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            compress_streams=False,
        )
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


def _walk(
    root: pikepdf.Object, skip: set[tuple[int, int]]
) -> Iterator[pikepdf.Dictionary | pikepdf.Stream]:
    """Every dictionary and stream reachable from a page (not via ``/Parent`` or ``skip``)."""
    seen = set(skip)
    stack: list[pikepdf.Object] = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary | pikepdf.Stream | pikepdf.Array):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
            continue
        yield node
        stack.extend(node[key] for key in node.keys() if key != "/Parent")  # noqa: SIM118


def _digest(obj: object, memo: dict[tuple[int, int], bytes]) -> bytes:
    """A hash of an object's content, following references (the same font gives the same hash
    whichever file it is in)."""
    if not isinstance(obj, pikepdf.Object):
        # pikepdf hands numbers and booleans over as Python values.
        return hashlib.sha256(f"{type(obj).__name__}:{obj}".encode()).digest()
    if obj.is_indirect and obj.objgen in memo:
        return memo[obj.objgen]
    hasher = hashlib.sha256()
    if isinstance(obj, pikepdf.Stream):
        hasher.update(b"S")
        hasher.update(obj.read_raw_bytes())
        for key in sorted(obj.stream_dict.keys()):
            if key != "/Length":
                hasher.update(key.encode() + _digest(obj.stream_dict[key], memo))
    elif isinstance(obj, pikepdf.Dictionary):
        hasher.update(b"D")
        for key in sorted(obj.keys()):
            hasher.update(key.encode() + _digest(obj[key], memo))
    elif isinstance(obj, pikepdf.Array):
        hasher.update(b"A")
        for item in obj:
            hasher.update(_digest(item, memo))
    else:
        hasher.update(b"V" + obj.unparse())
    digest = hasher.digest()
    if obj.is_indirect:
        memo[obj.objgen] = digest
    return digest


class _SharedFonts:
    """Appends pages to ``out``, storing each distinct font only once.

    Split notices all carry the same batch-wide font subsets. Copied with every notice they
    would add ~130 KB of font files to the print file per notice, and their dictionaries
    (hundreds of /Widths numbers, each a separate object in qpdf) ~150 KB of memory per page.
    """

    def __init__(self, out: pikepdf.Pdf) -> None:
        self.out = out
        self.by_digest: dict[bytes, pikepdf.Name] = {}
        self.objects: dict[pikepdf.Name, pikepdf.Object] = {}
        self.object_ids: set[tuple[int, int]] = set()

    def append_pages(self, source: pikepdf.Pdf) -> str:
        """Append every page of ``source``; return its PDF version."""
        memo: dict[tuple[int, int], bytes] = {}
        for page in source.pages:
            self._to_placeholders(page.obj, memo)
            self.out.pages.append(page)
            self._from_placeholders(self.out.pages[-1].obj)
        return str(source.pdf_version)

    @staticmethod
    def _fonts(page: pikepdf.Object) -> pikepdf.Dictionary | None:
        resources = page.get("/Resources")
        if not isinstance(resources, pikepdf.Dictionary):
            return None
        fonts = resources.get("/Font")
        return fonts if isinstance(fonts, pikepdf.Dictionary) else None

    def _to_placeholders(self, page: pikepdf.Object, memo: dict[tuple[int, int], bytes]) -> None:
        # Changes the source in memory only (it is never saved): the page is then copied to
        # ``out`` without its fonts, each of which is copied once, here.
        fonts = self._fonts(page)
        if fonts is None:
            return
        for name in list(fonts.keys()):
            font = fonts[name]
            if not isinstance(font, pikepdf.Dictionary):
                continue
            digest = _digest(font, memo)
            placeholder = self.by_digest.get(digest)
            if placeholder is None:
                copied = self.out.copy_foreign(font)
                if not copied.is_indirect:
                    copied = self.out.make_indirect(copied)
                for node in _walk(copied, self.object_ids):
                    if isinstance(node, pikepdf.Stream):
                        _own(node)
                placeholder = pikepdf.Name(f"/TsuchiShared{len(self.by_digest)}")
                self.by_digest[digest] = placeholder
                self.objects[placeholder] = copied
                self.object_ids.add(copied.objgen)
            fonts[name] = placeholder

    def _from_placeholders(self, page: pikepdf.Object) -> None:
        fonts = self._fonts(page)
        if fonts is not None:
            for name in list(fonts.keys()):
                value = fonts[name]
                if isinstance(value, pikepdf.Name) and value in self.objects:
                    fonts[name] = self.objects[value]
        for node in _walk(page, self.object_ids):
            if isinstance(node, pikepdf.Stream):
                # Take the data over now so the part can be closed before saving.
                _own(node)


def _own(stream: pikepdf.Object) -> None:
    # Rewriting the still-encoded bytes with the same filter keeps them exactly as they were
    # but stores them in the output, so the source file may be closed before saving.
    stream.write(
        stream.read_raw_bytes(),
        filter=stream.get("/Filter"),  # type: ignore[arg-type]
        decode_parms=stream.get("/DecodeParms"),  # type: ignore[arg-type]
        type_check=False,
    )

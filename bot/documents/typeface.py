"""The PDFs' one font, made small for each document from Noto Sans CJK SC parsed once.

Given the whole 16 MB font, fpdf2 takes about 0.3 s a document: 0.15 s parsing it in add_font
and 0.15 s cutting it down on output, which changes the parsed font in place, so neither parse
can serve the next document. fontTools' subsetter, run ahead, changes the font in place too
and still parses it each time (0.13 s). So the font is parsed here once, only read after, and
each document gets a new font holding just its characters' glyphs: a few milliseconds.

The glyphs are redrawn as TrueType outlines, each once and then kept. fpdf2 embeds a CFF font
like this one with an encoding of its own that some readers (pypdf among them) cannot turn
back into text; a TrueType font it embeds with Identity-H, which every reader can.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import cache
from io import BytesIO
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._g_l_y_f import Glyph

from bot.fonts import cjk_font_path

# How far a quadratic curve may stray from the cubic it replaces, in font units (1000 an em).
MAX_ERROR = 1.0
# Redrawn glyphs kept, at most: a few kilobytes each.
MAX_KEPT = 8000
NOTDEF = ".notdef"
_parsing = threading.Lock()
# The name records the new fonts copy: names, version, copyright and licence.
_NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)
_OS2_FIELDS = (
    "usWeightClass",
    "usWidthClass",
    "fsType",
    "fsSelection",
    "achVendID",
    "sTypoAscender",
    "sTypoDescender",
    "sTypoLineGap",
    "usWinAscent",
    "usWinDescent",
    "sxHeight",
    "sCapHeight",
    "yStrikeoutSize",
    "yStrikeoutPosition",
)


def write_font(characters: Iterable[str], target: Path) -> None:
    """Write to `target` a TrueType font with the CJK font's glyphs for `characters`."""
    # Locked: two documents made at once would otherwise both parse the font the first time.
    with _parsing:
        master = _master()
    master.write(characters, target)


def load_font() -> None:
    """Parse the font now (half a second, once), so that the first document does not wait."""
    with _parsing:
        _master()


@cache
def _master() -> _Master:
    return _Master(cjk_font_path())


class _Master:
    """The whole font, parsed once and then only read; its glyphs redrawn as they are asked."""

    def __init__(self, path: Path) -> None:
        # In memory: a font parsed lazily reads its file for as long as it is used.
        self._font = TTFont(BytesIO(path.read_bytes()), lazy=True)
        self._cmap = self._font.getBestCmap()
        self._outlines = self._font.getGlyphSet()
        self._metrics = self._font["hmtx"].metrics
        self._names = {
            name_id: self._font["name"].getDebugName(name_id) or "" for name_id in _NAME_IDS
        }
        self._redrawn: dict[str, Glyph] = {}
        # Reading the font on demand and building a font share state: one document at a time.
        self._lock = threading.Lock()

    def write(self, characters: Iterable[str], target: Path) -> None:
        """Build the font for `characters` and save it to `target`."""
        mapping = {
            code: self._cmap[code]
            for code in {ord(char) for char in characters}
            if code in self._cmap
        }
        order = [NOTDEF, *sorted(set(mapping.values()) - {NOTDEF})]
        with self._lock:
            if len(self._redrawn) > MAX_KEPT:
                self._redrawn.clear()
            glyphs = {name: self._glyph(name) for name in order}
            self._build(order, mapping, glyphs).save(target)

    def _glyph(self, name: str) -> Glyph:
        glyph = self._redrawn.get(name)
        if glyph is None:
            pen = TTGlyphPen(None)
            # CFF contours turn the other way from TrueType's.
            self._outlines[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
            glyph = self._redrawn[name] = pen.glyph()
        return glyph

    def _build(self, order: list[str], mapping: dict[int, str], glyphs: dict[str, Glyph]) -> TTFont:
        master = self._font
        builder = FontBuilder(master["head"].unitsPerEm, isTTF=True)
        builder.setupGlyphOrder(order)
        builder.setupCharacterMap(mapping)
        builder.setupGlyf(glyphs)
        builder.setupHorizontalMetrics(
            {name: (self._metrics[name][0], getattr(glyphs[name], "xMin", 0)) for name in order}
        )
        hhea = master["hhea"]
        builder.setupHorizontalHeader(
            ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap
        )
        builder.setupNameTable(self._names)
        builder.setupOS2(**{field: getattr(master["OS/2"], field) for field in _OS2_FIELDS})
        post = master["post"]
        builder.setupPost(
            keepGlyphNames=False,
            italicAngle=post.italicAngle,
            underlinePosition=post.underlinePosition,
            underlineThickness=post.underlineThickness,
            isFixedPitch=post.isFixedPitch,
        )
        return builder.font

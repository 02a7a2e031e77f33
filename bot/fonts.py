"""Fonts that draw Chinese as well as Latin, in charts and PDFs, and the text they can draw.

Noto Sans CJK SC (SIL Open Font License) comes from the mplfonts package, found on disk
without importing it: importing mplfonts pulls in far more than a font file.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import threading
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from matplotlib import font_manager

CJK_FAMILY = "Noto Sans CJK SC"
CJK_FILE = "NotoSansCJKsc-Regular.otf"
# Latin stays in DejaVu Sans, as it always was; what DejaVu lacks (Chinese) comes from the next.
CHART_FAMILIES = ("DejaVu Sans", CJK_FAMILY)
_SPACES = re.compile(r" {2,}")
_registering = threading.Lock()


@cache
def cjk_font_path() -> Path:
    """Return the path of Noto Sans CJK SC inside the installed mplfonts package."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the mplfonts package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / CJK_FILE
    if not path.is_file():
        raise FileNotFoundError(path)
    return path


@cache
def glyphs(path: Path) -> frozenset[int]:
    """Return the code points a font file has glyphs for, read once per file."""
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def pdf_glyphs() -> frozenset[int]:
    """Return the code points the PDFs' one font can draw."""
    return glyphs(cjk_font_path())


def chart_glyphs() -> frozenset[int]:
    """Register the CJK font with matplotlib once; return what the charts' families draw."""
    # Locked: charts are drawn in worker threads, and the font manager is shared.
    with _registering:
        return _chart_glyphs()


@cache
def _chart_glyphs() -> frozenset[int]:
    manager, path = font_manager.fontManager, cjk_font_path()
    manager.addfont(path)
    # There is no bold face: a bold title's Chinese is drawn regular. Listing the regular face
    # as the bold one says so, where matplotlib would log a warning on each new bold size.
    regular = next(
        entry for entry in manager.ttflist if Path(entry.fname) == path and entry.name == CJK_FAMILY
    )
    manager.ttflist.append(dataclasses.replace(regular, weight="bold"))
    # The files matplotlib itself resolves the families to: a machine's own DejaVu Sans may
    # differ from the one matplotlib ships.
    paths = [
        font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        for family in CHART_FAMILIES
    ]
    return frozenset[int]().union(*(glyphs(Path(path)) for path in paths))


def keep_drawable(text: str, drawable: frozenset[int]) -> str:
    """Drop the characters no glyph draws (emoji, say), keeping line breaks; tidy the spaces."""
    kept = "".join(char for char in text if char == "\n" or ord(char) in drawable)
    return _SPACES.sub(" ", kept).strip()

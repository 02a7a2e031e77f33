"""A document laid out on A4 pages with fpdf2, in the one font that draws Latin and Chinese.

Rendering is CPU work: call render_pdf through asyncio.to_thread. Texts arrive final; any
character the font has no glyph for (an emoji in a name) is left out rather than drawn as a box.
The font has no bold face, so emphasis is size, colour, rules and fills.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import CellBordersLayout
from fpdf.fonts import FontFace, TTFFont

from bot.documents.model import (
    Block,
    Boxes,
    Details,
    Document,
    Highlight,
    Note,
    Signatures,
    Table,
    texts,
)
from bot.documents.typeface import write_font
from bot.fonts import keep_drawable, pdf_glyphs

FAMILY = "noto"
# Millimetres, from the page's edges.
MARGIN, TOP, BOTTOM, FOOTER_Y = 18.0, 16.0, 20.0, -13.0
ISSUER_PT, TITLE_PT, SECTION_PT, BODY_PT, HIGHLIGHT_PT, FOOTER_PT = 16, 12.5, 11, 10, 11.5, 7.5
MM_PER_PT = 25.4 / 72
LINE = 1.25  # a line's height, in font sizes
# A table row's height in millimetres, and the least a one-page document's rows shrink to.
ROW_MM, MIN_ROW_MM, ROW_STEP_MM = 6.5, 4.0, 0.3
# A table's type size, and a dense table's with its row height.
TABLE_PT, DENSE_PT, DENSE_ROW_MM = 9.5, 8.0, 4.6
A4_HEIGHT = 297.0
# Where a document is measured: a page as tall as a PDF page may be (200 inches).
TALL_HEIGHT = 5080.0
INK, MUTED, RULE, STRIPE, ACCENT = "#1f2328", "#59636e", "#d0d7de", "#f3f5f7", "#7a3e12"
# A Details line's padding above and below, in millimetres.
DETAILS_PAD = 0.6
# Boxes side by side: the gap between them and their padding, in millimetres.
BOX_GAP, BOX_PAD = 6.0, 3.0
# Characters every document may need besides its texts: the page numbers.
_ALWAYS = "0123456789"
_CONTROLS = {code: " " for code in (*range(0x20), *range(0x7F, 0xA0)) if code != ord("\n")}


def render_pdf(document: Document) -> bytes:
    """Lay the document out on A4 pages and return the PDF file's bytes."""
    characters = {*_ALWAYS, *"".join(_clean(text) for text in texts(document))}
    with tempfile.TemporaryDirectory(prefix="kendang-pdf-") as folder:
        font = Path(folder) / "font.ttf"
        write_font(characters, font)
        return bytes(_laid_out(document, font).output())


def _laid_out(document: Document, font: Path) -> _Pages:
    """Draw the document; one to fit on one page with its table rows as tall as they can be."""
    if not document.one_page:
        return _Pages(document, font, ROW_MM)
    # Measured on one tall page, the height past an A4 page shared among the table rows.
    tall = _Pages(document, font, ROW_MM, TALL_HEIGHT)
    excess = tall.get_y() - (A4_HEIGHT - BOTTOM)
    tall.close_fonts()
    row = ROW_MM - max(0.0, excess) / max(1, _table_rows(document))
    if tall.pages_count > 1:
        row = 0.0
    while row >= MIN_ROW_MM:
        pages = _Pages(document, font, row)
        if pages.pages_count == 1:
            return pages
        pages.close_fonts()
        # A title kept with its table's first rows can leave room unused at a page's foot.
        row -= ROW_STEP_MM
    # Too long to fit legibly: its rows at their usual height, on as many pages as it takes.
    return _Pages(document, font, ROW_MM)


def _table_rows(document: Document) -> int:
    """Count the rows of the document's tables: headings, rows (or the empty text), totals."""
    tables = [block for block in document.blocks if isinstance(block, Table)]
    return sum(1 + max(1, len(table.rows)) + (table.total is not None) for table in tables)


def _clean(text: str) -> str:
    # Tabs, carriage returns and other control characters typed in a name are spaces here.
    return keep_drawable(text.replace("\r\n", "\n").translate(_CONTROLS), pdf_glyphs())


class _Pages(FPDF):
    """One drawing of a document, with its footer on every page."""

    def __init__(
        self, document: Document, font: Path, row: float, height: float = A4_HEIGHT
    ) -> None:
        super().__init__(orientation="portrait", unit="mm", format=(210.0, height))
        self._document = document
        self._row = row
        self.set_title(_clean(document.reader_title or document.title))
        self.set_creator("kendang-bot")
        self.set_margins(MARGIN, TOP, MARGIN)
        # Text starts at the margin, where the rules do; table cells have padding of their own.
        self.c_margin = 0
        self.set_auto_page_break(True, margin=BOTTOM)
        self.add_font(FAMILY, "", font)
        self.set_font(FAMILY, size=BODY_PT)
        self.add_page()
        self._title_block()
        for block in document.blocks:
            self._block(block)

    def close_fonts(self) -> None:
        """Close the font files of a drawing that will not be output."""
        for font in self.fonts.values():
            if isinstance(font, TTFFont):
                font.close()

    def footer(self) -> None:
        """Write the document's footer and the page's number at the foot of the page."""
        self.set_y(FOOTER_Y)
        self._style(FOOTER_PT, MUTED)
        label = self._document.page_label.format(page=self.page_no(), pages="{nb}")
        line = FOOTER_PT * MM_PER_PT * LINE
        self.multi_cell(self.epw - 32, line, _clean(self._document.footer), align="L")
        self.set_xy(self.l_margin + self.epw - 30, FOOTER_Y)
        self.cell(30, line, _clean(label), align="R")

    def _style(self, size: float, color: str) -> None:
        self.set_font(size=size)
        self.set_text_color(color)

    def _text(self, text: str, size: float, color: str, align: str = "L") -> None:
        """Write a paragraph across the page and move below it."""
        self._style(size, color)
        self.multi_cell(
            0, size * MM_PER_PT * LINE, _clean(text), align=align, new_x="LMARGIN", new_y="NEXT"
        )

    def _rule(self, color: str, width: float) -> None:
        self.set_draw_color(color)
        self.set_line_width(width)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())

    def _title_block(self) -> None:
        self._text(self._document.issuer, ISSUER_PT, ACCENT)
        self.ln(1.5)
        self._text(self._document.title, TITLE_PT, INK)
        self.ln(2)
        self._rule(ACCENT, 0.4)
        self.ln(6)

    def _block(self, block: Block) -> None:
        match block:
            case Details():
                self._details(block)
            case Boxes():
                self._boxes(block)
            case Table():
                self._table(block)
            case Highlight():
                self._highlight(block)
            case Note():
                self._text(block.text, BODY_PT, INK)
                self.ln(4)
            case Signatures():
                self._signatures(block)

    def _section(self, title: str, keep: float) -> None:
        """Write a block's title, on a new page unless `keep` millimetres follow it here."""
        if not _clean(title):
            return
        if self.will_page_break(SECTION_PT * MM_PER_PT * LINE + 1.5 + keep):
            self.add_page()
        self._text(title, SECTION_PT, ACCENT)
        self.ln(1.5)

    def _details(self, block: Details) -> None:
        line = BODY_PT * MM_PER_PT * LINE
        self._style(BODY_PT, INK)
        across = max(1, block.columns)
        keys = [_clean(key) for key, _ in block.lines]
        share = self.epw / across
        widths: list[float] = []
        for column in range(across):
            column_keys = [key for key in keys[column::across] if key]
            widest = max((self.get_string_width(key) for key in column_keys), default=0.0)
            # Keys take at most 40% of the width, half a column's when lines sit side by side;
            # lines without keys span both columns: then any widths will do.
            cap = share * (0.4 if across == 1 else 0.5)
            key_width = min(widest + 4, cap) if widest else share / 2
            widths += [key_width, share - key_width]
        # Room between one column's values and the next column's keys.
        gap = 3.0 if across > 1 else 0.0
        rows = [
            list(
                zip(keys[first : first + across], block.lines[first : first + across], strict=True)
            )
            for first in range(0, len(block.lines), across)
        ]
        # A short block is kept whole on one page; a long one may break after its first lines.
        height = sum(self._details_row_height(row, widths, gap, line) for row in rows)
        keep = height if height < self.eph / 2 else line * 2
        if _clean(block.title):
            self._section(block.title, keep)
        elif self.will_page_break(keep):
            self.add_page()
        self._style(BODY_PT, INK)
        with self.table(
            width=self.epw,
            col_widths=tuple(widths),
            text_align="LEFT",
            borders_layout="NONE",
            first_row_as_headings=False,
            line_height=line,
            padding=(DETAILS_PAD, gap, DETAILS_PAD, 0),
        ) as table:
            for cells in rows:
                row = table.row()
                for key, (_, value) in cells:
                    if key:
                        row.cell(key, style=FontFace(color=MUTED))
                        row.cell(_clean(value))
                    else:
                        # A line without a key spans its key's column too.
                        row.cell(_clean(value), colspan=2)
                for _ in range(across - len(cells)):
                    row.cell("", colspan=2)
        self.ln(4)

    def _details_row_height(
        self, cells: list[tuple[str, tuple[str, str]]], widths: list[float], gap: float, line: float
    ) -> float:
        """Measure a row of a Details block as its table will draw it."""
        tallest = line
        for index, (key, (_, value)) in enumerate(cells):
            key_width, value_width = widths[2 * index], widths[2 * index + 1]
            texts = (
                [(key, key_width), (value, value_width)]
                if key
                else [(value, key_width + value_width)]
            )
            for text, width in texts:
                height = self.multi_cell(
                    width - gap, line, _clean(text), dry_run=True, output="HEIGHT"
                )
                assert isinstance(height, float | int)
                tallest = max(tallest, float(height))
        return tallest + 2 * DETAILS_PAD

    def _boxes(self, block: Boxes) -> None:
        count = max(1, len(block.boxes))
        width = (self.epw - BOX_GAP * (count - 1)) / count
        heights = [self._box(box, self.l_margin, 0.0, width, draw=False) for box in block.boxes]
        height = max(heights, default=0.0)
        if height > self.eph:
            # Taller than a page: one under the other, free to run across pages.
            for box in block.boxes:
                self._details(box)
            return
        if self.will_page_break(height):
            self.add_page()
        top = self.get_y()
        self.set_draw_color(RULE)
        self.set_line_width(0.3)
        for index, box in enumerate(block.boxes):
            left = self.l_margin + index * (width + BOX_GAP)
            self.rect(left, top, width, height)
            self._box(box, left, top, width, draw=True)
        self.set_y(top + height + 5)

    def _box(self, box: Details, left: float, top: float, width: float, *, draw: bool) -> float:
        """Write (or only measure) a box's title and lines; return its height, padding included."""
        inner, x = width - 2 * BOX_PAD, left + BOX_PAD
        y = top + BOX_PAD
        if _clean(box.title):
            self._style(BODY_PT, ACCENT)
            y += self._paragraph(x, y, inner, _clean(box.title), draw) + 1.0
        keys = [_clean(key) for key, _ in box.lines]
        self._style(BODY_PT - 1, MUTED)
        widest = max((self.get_string_width(key) for key in keys if key), default=0.0)
        key_width = min(widest + 3, inner * 0.4)
        for key, (_, value) in zip(keys, box.lines, strict=True):
            height = 0.0
            if key:
                self._style(BODY_PT - 1, MUTED)
                height = self._paragraph(x, y, key_width, key, draw)
            self._style(BODY_PT, INK)
            indent = key_width if key else 0.0
            written = self._paragraph(x + indent, y, inner - indent, _clean(value), draw)
            height = max(height, written)
            y += height + 0.6
        return y - top + BOX_PAD

    def _paragraph(self, x: float, y: float, width: float, text: str, draw: bool) -> float:
        """Write (or only measure) text wrapped to `width` from (x, y); return its height."""
        line = self.font_size * LINE
        height = self.multi_cell(width, line, text, align="L", dry_run=True, output="HEIGHT")
        assert isinstance(height, float | int)
        if draw:
            self.set_xy(x, y)
            self.multi_cell(width, line, text, align="L")
        return float(height)

    def _table(self, block: Table) -> None:
        row = min(self._row, DENSE_ROW_MM) if block.dense else self._row
        size = min(DENSE_PT if block.dense else TABLE_PT, row * 1.7)
        line = size * MM_PER_PT * LINE
        padding = max(0.0, (row - line) / 2)
        self._section(block.title, row * 3)
        self._style(size, INK)
        self.set_draw_color(RULE)
        self.set_line_width(0.25)
        with self.table(
            width=self.epw,
            col_widths=tuple(column.width for column in block.columns),
            text_align=tuple("RIGHT" if column.numeric else "LEFT" for column in block.columns),
            borders_layout="SINGLE_TOP_LINE",
            cell_fill_color=STRIPE,
            cell_fill_mode="EVEN_ROWS",
            headings_style=FontFace(color=MUTED),
            line_height=line,
            padding=(padding, 1.5, padding, 1.5),
        ) as table:
            table.row([_clean(column.heading) for column in block.columns])
            for cells in block.rows:
                table.row([_clean(cell) for cell in cells])
            if not block.rows and block.empty:
                empty = table.row(style=FontFace(color=MUTED))
                empty.cell(_clean(block.empty), align="LEFT", colspan=len(block.columns))
            if block.total is not None:
                total = table.row(style=FontFace(color=ACCENT))
                for cell in block.total:
                    total.cell(_clean(cell), border=CellBordersLayout.TOP)
        self.ln(5)

    def _highlight(self, block: Highlight) -> None:
        self._style(HIGHLIGHT_PT, INK)
        label, value = _clean(block.label), _clean(block.value)
        line = HIGHLIGHT_PT * MM_PER_PT * LINE
        value_width = self.get_string_width(value) + 4
        label_width = self.epw - value_width - 8
        lines = self.multi_cell(label_width, line, label, dry_run=True, output="LINES")
        assert isinstance(lines, list)
        height = max(12.0, len(lines) * line + 6)
        if self.will_page_break(height + 2):
            self.add_page()
        self.ln(1)
        top = self.get_y()
        # Filled in a context of its own: a fill colour left set would fill the tables after.
        with self.local_context(fill_color=STRIPE, draw_color=ACCENT, line_width=0.35):
            self.rect(self.l_margin, top, self.epw, height, style="DF")
        self.set_xy(self.l_margin + 4, top + (height - len(lines) * line) / 2)
        self.multi_cell(label_width, line, label, align="L")
        self.set_xy(self.l_margin + self.epw - 4 - value_width, top)
        self.cell(value_width, height, value, align="R")
        self.set_y(top + height + 5)

    def _signatures(self, block: Signatures) -> None:
        count = max(1, len(block.signers))
        gap = 12.0
        width = (self.epw - gap * (count - 1)) / count
        start = self.l_margin
        if count == 1:
            # One signer signs at the right, on a line half the page wide.
            width = (self.epw - gap) / 2
            start = self.l_margin + self.epw - width
        line = BODY_PT * MM_PER_PT * LINE
        # Room to sign above each line.
        if self.will_page_break(18 + line * 3):
            self.add_page()
        self.ln(16)
        top = self.get_y()
        self._style(BODY_PT - 1, MUTED)
        self.set_draw_color(INK)
        self.set_line_width(0.3)
        bottom = top
        for index, signer in enumerate(block.signers):
            left = start + index * (width + gap)
            self.line(left, top, left + width, top)
            self.set_xy(left, top + 1.5)
            self.multi_cell(width, line, _clean(signer), align="C")
            bottom = max(bottom, self.get_y())
        self.set_y(bottom + 4)

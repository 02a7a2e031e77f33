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
A4_HEIGHT = 297.0
# Where a document is measured: a page as tall as a PDF page may be (200 inches).
TALL_HEIGHT = 5080.0
INK, MUTED, RULE, STRIPE, ACCENT = "#1f2328", "#59636e", "#d0d7de", "#f3f5f7", "#7a3e12"
# Characters every document may need besides its texts: the page numbers.
_ALWAYS = "0123456789"


def render_pdf(document: Document) -> bytes:
    """Lay the document out on A4 pages and return the PDF file's bytes."""
    drawable = pdf_glyphs()
    characters = {*_ALWAYS, *"".join(keep_drawable(text, drawable) for text in texts(document))}
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
    return keep_drawable(text, pdf_glyphs())


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
        self._section(block.title, line * 2)
        self._style(BODY_PT, INK)
        keys = [_clean(key) for key, _ in block.lines]
        widest = max((self.get_string_width(key) for key in keys if key), default=0.0)
        key_width = min(widest + 4, self.epw * 0.4)
        with self.table(
            width=self.epw,
            # Lines without keys span both columns: then any widths will do.
            col_widths=(key_width, self.epw - key_width) if widest else (1, 1),
            text_align="LEFT",
            borders_layout="NONE",
            first_row_as_headings=False,
            line_height=line,
            padding=(0.6, 0, 0.6, 0),
        ) as table:
            for key, (_, value) in zip(keys, block.lines, strict=True):
                row = table.row()
                if key:
                    row.cell(key, style=FontFace(color=MUTED))
                    row.cell(_clean(value))
                else:
                    row.cell(_clean(value), colspan=2)
        self.ln(4)

    def _table(self, block: Table) -> None:
        size = min(9.5, self._row * 1.7)
        line = size * MM_PER_PT * LINE
        padding = max(0.0, (self._row - line) / 2)
        self._section(block.title, self._row * 3)
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
        self.set_fill_color(STRIPE)
        self.set_draw_color(ACCENT)
        self.set_line_width(0.35)
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
            left = self.l_margin + index * (width + gap)
            self.line(left, top, left + width, top)
            self.set_xy(left, top + 1.5)
            self.multi_cell(width, line, _clean(signer), align="C")
            bottom = max(bottom, self.get_y())
        self.set_y(bottom + 4)

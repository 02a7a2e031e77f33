"""An artisan's statement as a one-page A4 PDF, drawn with matplotlib's object API.

Everything shown comes in already written in the reader's language; this module only lays
it out. Rendering is CPU work: call it through asyncio.to_thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

# A4 in inches and millimetres; the page is laid out in millimetres from the top left.
PAGE_INCHES = (8.27, 11.69)
PAGE_MM = (210.0, 297.0)
LEFT, RIGHT, TOP, BOTTOM = 18.0, 192.0, 18.0, 16.0
ROW_MM = 7.0
# Points per millimetre; text is sized from the row height so that every row fits the page.
PT_PER_MM = 72 / 25.4
INK, MUTED, RULE, STRIPE, ACCENT = "#1f2328", "#59636e", "#d0d7de", "#f3f5f7", "#7a3e12"


@dataclass(frozen=True)
class SheetTable:
    """A titled table: right-aligned columns after the first, and an optional total row."""

    title: str
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...] | None
    empty: str


@dataclass(frozen=True)
class StatementSheet:
    """What the page shows, every text final: header, who and when, tables, the balance."""

    cooperative: str
    title: str
    details: tuple[str, ...]
    tables: tuple[SheetTable, ...]
    balance: tuple[str, str]
    footer: str
    document_title: str


def render_statement_pdf(sheet: StatementSheet) -> bytes:
    """Draw the sheet on one A4 page and return the PDF file's bytes."""
    figure = Figure(figsize=PAGE_INCHES)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.set_axis_off()
    axes.set_xlim(0, PAGE_MM[0])
    axes.set_ylim(PAGE_MM[1], 0)
    page = _Page(axes, _row_height(sheet))
    page.header(sheet)
    for table in sheet.tables:
        page.table(table)
    page.balance(*sheet.balance)
    page.text(LEFT, PAGE_MM[1] - BOTTOM + 6, sheet.footer, size=7.5, color=MUTED)
    buffer = BytesIO()
    metadata = {"Title": sheet.document_title, "Creator": "kendang-bot"}
    figure.savefig(buffer, format="pdf", metadata=metadata)
    return buffer.getvalue()


def _row_height(sheet: StatementSheet) -> float:
    # Header, details and the balance take fixed room; the table rows share what is left,
    # at most ROW_MM each, so a long month shrinks instead of spilling onto a second page.
    fixed = 30.0 + 6.0 * len(sheet.details) + 22.0
    rows = sum(2 + max(1, len(table.rows)) + (table.total is not None) for table in sheet.tables)
    room = PAGE_MM[1] - TOP - BOTTOM - fixed - 8.0 * len(sheet.tables) - 6.0
    return min(ROW_MM, room / max(1, rows))


class _Page:
    """A cursor down the page that draws rows of text."""

    def __init__(self, axes: Axes, row: float) -> None:
        self._axes = axes
        self._row = row
        self._size = min(9.5, row * PT_PER_MM * 0.6)
        self._y = TOP

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float,
        bold: bool = False,
        color: str = INK,
        align: str = "left",
    ) -> None:
        """Write one line of text at (x, y) in millimetres from the top left."""
        # parse_math off: a "$" typed in a name must stay a dollar sign.
        self._axes.text(
            x,
            y,
            text,
            fontsize=size,
            fontweight="bold" if bold else "normal",
            color=color,
            ha=align,
            va="center",
            parse_math=False,
        )

    def rule(self, y: float, color: str = RULE, width: float = 0.6) -> None:
        """Draw a horizontal line across the page at `y`."""
        self._axes.plot([LEFT, RIGHT], [y, y], color=color, linewidth=width)

    def header(self, sheet: StatementSheet) -> None:
        """Draw the cooperative, the title and the details, and move below them."""
        self.text(LEFT, self._y + 2, sheet.cooperative, size=16, bold=True, color=ACCENT)
        self.text(LEFT, self._y + 11, sheet.title, size=12.5)
        self.rule(self._y + 17, color=ACCENT, width=1.2)
        self._y += 25
        for line in sheet.details:
            self.text(LEFT, self._y, line, size=10)
            self._y += 6
        self._y += 5

    def table(self, table: SheetTable) -> None:
        """Draw a table: its title, headings, striped rows or its empty text, and its total."""
        self.text(LEFT, self._y, table.title, size=11, bold=True, color=ACCENT)
        self._y += self._row * 1.1
        columns = _columns(len(table.headings))
        self._row_of(table.headings, columns, color=MUTED)
        self.rule(self._y - self._row / 2)
        for index, cells in enumerate(table.rows):
            if index % 2 == 1:
                self._axes.add_patch(
                    Rectangle(
                        (LEFT, self._y - self._row / 2),
                        RIGHT - LEFT,
                        self._row,
                        facecolor=STRIPE,
                        edgecolor="none",
                        zorder=0,
                    )
                )
            self._row_of(cells, columns)
        if not table.rows:
            self.text(LEFT, self._y, table.empty, size=self._size, color=MUTED)
            self._y += self._row
        if table.total is not None:
            self.rule(self._y - self._row / 2, color=INK)
            self._row_of(table.total, columns, bold=True)
        self._y += 6

    def balance(self, label: str, amount: str) -> None:
        """Draw the balance in a framed box."""
        self._y += 2
        self._axes.add_patch(
            Rectangle(
                (LEFT, self._y), RIGHT - LEFT, 12, facecolor=STRIPE, edgecolor=ACCENT, linewidth=1
            )
        )
        self.text(LEFT + 4, self._y + 6, label, size=11.5, bold=True)
        self.text(RIGHT - 4, self._y + 6, amount, size=11.5, bold=True, align="right")
        self._y += 16

    def _row_of(
        self,
        cells: tuple[str, ...],
        columns: tuple[float, ...],
        *,
        bold: bool = False,
        color: str = INK,
    ) -> None:
        for index, (cell, x) in enumerate(zip(cells, columns, strict=False)):
            self.text(
                x + (1.5 if index == 0 else -1.5),
                self._y,
                cell,
                size=self._size,
                bold=bold,
                color=color,
                align="left" if index == 0 else "right",
            )
        self._y += self._row


def _columns(count: int) -> tuple[float, ...]:
    # The first column is text from the left margin; the others are numbers, right-aligned
    # at these x positions, the last one at the right margin.
    if count <= 1:
        return (LEFT,)
    numbers = {2: (RIGHT,), 3: (150.0, RIGHT), 4: (124.0, 158.0, RIGHT)}
    return (LEFT, *numbers.get(count, tuple(RIGHT - 30.0 * i for i in range(count - 2, -1, -1))))

"""Tables in, files out: an Excel workbook (one sheet per table) or one CSV file per table.

Building is CPU work (a year is a few hundred thousand rows): call it through
asyncio.to_thread. Times come in as naive datetimes already in the cooperative's time zone.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import partial

from bot.xlsx_package import (
    DATE_FORMAT,
    DATE_STYLE,
    DATETIME_FORMAT,
    DATETIME_STYLE,
    DECIMAL_STYLE,
    DECLARATION,
    HEADER_STYLE,
    MAIN,
    PACKAGE_RELATIONSHIPS,
    RUPIAH_STYLE,
    STYLES,
    content_types,
    workbook,
    workbook_relationships,
    xml,
)

# Excel's own limits: rows a sheet holds (the header included) and a sheet name's length.
MAX_EXCEL_ROWS = 1_048_576
MAX_SHEET_TITLE = 31
# Column widths in characters: room for the longest value, but no column wider than this.
MAX_WIDTH = 50
MIN_WIDTH = 6
# How many rows, spread over the table, decide the column widths.
WIDTH_SAMPLE = 5000
_NOT_IN_SHEET_TITLES = re.compile(r"[\[\]:*?/\\]")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_DAY = timedelta(days=1)
# Text beginning so is taken for a formula by spreadsheet programs when typed, imported from
# CSV, or edited and saved again: a buyer's name could then run a command or leak data.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Value = str | int | Decimal | datetime | date | None


class Kind(StrEnum):
    """What a column holds, which decides how it is written."""

    TEXT = "text"
    INTEGER = "integer"
    RUPIAH = "rupiah"
    DECIMAL = "decimal"
    DATETIME = "datetime"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    """A column's header, in the reader's language, and what it holds."""

    header: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Table:
    """One table: `name` (ASCII) goes into file names, `title` names the sheet."""

    name: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Value]]


class TooManyRowsError(Exception):
    """A table has more rows than an Excel sheet holds."""

    def __init__(self, table: Table) -> None:
        super().__init__(f"{table.name} has {len(table.rows):,} rows, more than a sheet holds")
        self.table = table


def build_workbook(tables: Sequence[Table]) -> bytes:
    """Write the tables as an .xlsx workbook: one sheet each, bold frozen header, typed cells."""
    # The SpreadsheetML is written directly: openpyxl, even write-only with lxml, took 23 to 43
    # seconds for a year of a busy cooperative, this takes a few. Only what the sheets need is
    # written: inline strings, numbers, and three number formats.
    for table in tables:
        if len(table.rows) + 1 > MAX_EXCEL_ROWS:
            raise TooManyRowsError(table)
    taken: set[str] = set()
    titles = [sheet_title(table.title, taken) for table in tables]
    output = io.BytesIO()
    # Level 1: sheets are large and repetitive, and compress well even at the fastest level.
    # zlib lets go of the GIL, so one sheet is compressed while the next one is written.
    with (
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package,
        ThreadPoolExecutor(max_workers=1) as packer,
    ):
        parts = {
            "[Content_Types].xml": content_types(len(tables)),
            "_rels/.rels": PACKAGE_RELATIONSHIPS,
            "xl/workbook.xml": workbook(titles),
            "xl/_rels/workbook.xml.rels": workbook_relationships(len(tables)),
            "xl/styles.xml": STYLES,
        }
        packed = [packer.submit(package.writestr, name, text) for name, text in parts.items()]
        for number, table in enumerate(tables, start=1):
            name = f"xl/worksheets/sheet{number}.xml"
            packed.append(packer.submit(package.writestr, name, _sheet(table)))
        for part in packed:
            part.result()
    return output.getvalue()


def sheet_title(title: str, taken: set[str]) -> str:
    """Make a title Excel accepts as a sheet name, unique among `taken` (which it joins)."""
    base = " ".join(_NOT_IN_SHEET_TITLES.sub(" ", title).split()).strip("'") or "Sheet"
    candidate = base[:MAX_SHEET_TITLE]
    number = 1
    while candidate.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: MAX_SHEET_TITLE - len(suffix)] + suffix
    taken.add(candidate.casefold())
    return candidate


def _sheet(table: Table) -> str:
    columns = "".join(
        f'<col min="{number}" max="{number}" width="{width}" customWidth="1"/>'
        for number, width in enumerate(column_widths(table), start=1)
    )
    header = "".join(
        f'<c r="{_column_letter(number)}1" s="{HEADER_STYLE}" t="inlineStr">'
        f"<is><t>{xml(column.header)}</t></is></c>"
        for number, column in enumerate(table.columns, start=1)
    )
    # Built a column at a time: one specialised loop per column beats a call per cell, and
    # the whole sheet of a year is a few million cells. Empty cells are left out; each cell
    # written names its place, as Excel writes them.
    cells = [
        _COLUMN_WRITERS[column.kind](
            _column_letter(number), [row[number - 1] for row in table.rows]
        )
        for number, column in enumerate(table.columns, start=1)
    ]
    rows = [f'<row r="1">{header}</row>']
    rows += [
        f'<row r="{number}">{"".join(line)}</row>'
        for number, line in enumerate(zip(*cells, strict=True), start=2)
    ]
    frozen = (
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2"'
        ' activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
    )
    return (
        f'{DECLARATION}<worksheet xmlns="{MAIN}">{frozen}<cols>{columns}</cols>'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_text(value: Value) -> str:
    """A text cell's content: with a leading quote if it would otherwise start a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _text_column(letter: str, values: list[Value]) -> list[str]:
    # Names, villages, models and statuses repeat: each distinct text is escaped once.
    escaped = {value: _inline(cell_text(value)) for value in set(values) if value is not None}
    return [
        "" if value is None else f'<c r="{letter}{number}" t="inlineStr">{escaped[value]}</c>'
        for number, value in enumerate(values, start=2)
    ]


def _inline(text: str) -> str:
    # Spaces at either end are kept only when the text says so.
    keep = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<is><t{keep}>{xml(text)}</t></is>"


def _number_column(letter: str, values: list[Value], style: str = "") -> list[str]:
    return [
        "" if value is None else f'<c r="{letter}{number}"{style}><v>{value}</v></c>'
        for number, value in enumerate(values, start=2)
    ]


def _day_column(letter: str, values: list[Value], style: str, spec: str) -> list[str]:
    return [
        ""
        if value is None
        else f'<c r="{letter}{number}"{style}><v>{_serial(value):{spec}}</v></c>'
        for number, value in enumerate(values, start=2)
    ]


def _serial(value: Value) -> float:
    """Excel's day number: days since 30 December 1899, the time of day as its fraction."""
    if isinstance(value, datetime):
        return (value - _EXCEL_EPOCH) / _DAY
    assert isinstance(value, date)
    return float((value - _EXCEL_EPOCH.date()).days)


# A time keeps its fraction of the day (eight places hold the seconds); a date is whole days.
_COLUMN_WRITERS: dict[Kind, Callable[[str, list[Value]], list[str]]] = {
    Kind.TEXT: _text_column,
    Kind.INTEGER: _number_column,
    Kind.RUPIAH: partial(_number_column, style=f' s="{RUPIAH_STYLE}"'),
    Kind.DECIMAL: partial(_number_column, style=f' s="{DECIMAL_STYLE}"'),
    Kind.DATETIME: partial(_day_column, style=f' s="{DATETIME_STYLE}"', spec=".8f"),
    Kind.DATE: partial(_day_column, style=f' s="{DATE_STYLE}"', spec=".0f"),
}


def column_widths(table: Table) -> list[float]:
    """Widths that fit each column's header and longest value, capped at MAX_WIDTH."""
    # A large table is measured on rows spread evenly through it: the widths only need to fit.
    step = max(1, len(table.rows) // WIDTH_SAMPLE)
    sample = table.rows[::step]
    widths = []
    for index, column in enumerate(table.columns):
        values = [row[index] for row in sample if row[index] is not None]
        if column.kind is Kind.DATETIME:
            longest = len(DATETIME_FORMAT) if values else 0
        elif column.kind is Kind.DATE:
            longest = len(DATE_FORMAT) if values else 0
        elif column.kind is Kind.RUPIAH:
            longest = max((len(f"{value:,}") for value in values), default=0)
        else:
            longest = max((len(str(value)) for value in values), default=0)
        # Header text is bold, hence a little wider; two characters of margin.
        fitting = max(len(column.header) * 1.1, longest) + 2
        widths.append(min(MAX_WIDTH, max(MIN_WIDTH, round(fitting, 1))))
    return widths


def build_csv(table: Table) -> bytes:
    """Write one table as CSV: UTF-8 with a BOM so that Excel reads it, ISO dates and times."""
    output = io.StringIO(newline="")
    writer = csv.writer(output)
    writer.writerow([column.header for column in table.columns])
    kinds = [column.kind for column in table.columns]
    for row in table.rows:
        writer.writerow([_csv_value(value, kind) for value, kind in zip(row, kinds, strict=True)])
    return output.getvalue().encode("utf-8-sig")


def _csv_value(value: Value, kind: Kind) -> str | int | Decimal:
    if value is None:
        return ""
    if kind is Kind.DATETIME and isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if kind is Kind.TEXT or isinstance(value, str):
        return cell_text(value)
    return value

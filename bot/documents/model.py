"""What a PDF document says, every text final: a title block, then blocks down the page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Details:
    """Lines of a key and its value (who, when, where); a line with no key is written whole."""

    lines: tuple[tuple[str, str], ...]
    title: str = ""
    # Lines side by side, filling each row from the left: short lines take less height.
    columns: int = 1


@dataclass(frozen=True)
class Column:
    """A table's column: its heading, its share of the width, numbers aligned right."""

    heading: str
    width: float = 1.0
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    """A titled table: long cells wrap, and the headings repeat on each page it reaches."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...] | None = None
    # Written under the headings when there are no rows.
    empty: str = ""
    # Smaller type and rows: a wide table of many lines (an invoice's goods) on fewer pages.
    dense: bool = False


@dataclass(frozen=True)
class Highlight:
    """A framed line that stands out: a label and, at the right, its value (a balance due)."""

    label: str
    value: str


@dataclass(frozen=True)
class Note:
    """A paragraph, wrapped to the page's width."""

    text: str


@dataclass(frozen=True)
class Signatures:
    """Lines to sign on, side by side, with who signs written under each."""

    signers: tuple[str, ...]


@dataclass(frozen=True)
class Boxes:
    """Details framed side by side, as tall as the tallest (a seller's and a buyer's)."""

    boxes: tuple[Details, ...]


Block = Details | Boxes | Table | Highlight | Note | Signatures


@dataclass(frozen=True)
class Document:
    """A document: who issues it, its title, its blocks, and a footer on every page."""

    issuer: str
    title: str
    blocks: tuple[Block, ...]
    footer: str = ""
    # Beside the footer; {page} and {pages} are numbers.
    page_label: str = "{page} / {pages}"
    # The title PDF readers show for the file; the title when empty.
    reader_title: str = ""
    # Tables' rows shrink (to a legible floor) so that the whole document fits on one page.
    one_page: bool = False


def texts(document: Document) -> Iterator[str]:
    """Yield every text the document's pages show."""
    yield from (document.issuer, document.title, document.footer, document.page_label)
    for block in document.blocks:
        match block:
            case Details():
                yield from _details_texts(block)
            case Boxes(boxes):
                for box in boxes:
                    yield from _details_texts(box)
            case Table(title, columns, rows, total, empty, _):
                yield from (title, empty)
                yield from (column.heading for column in columns)
                for row in (*rows, total or ()):
                    yield from row
            case Highlight(label, value):
                yield from (label, value)
            case Note(text):
                yield text
            case Signatures(signers):
                yield from signers


def _details_texts(details: Details) -> Iterator[str]:
    yield details.title
    for key, value in details.lines:
        yield from (key, value)

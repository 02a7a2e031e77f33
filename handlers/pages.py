"""Lists cut into pages by length: each page fits one Telegram message and one keyboard."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from telegram import Update

from bot.i18n import Translator
from handlers.common import Button, esc

# Telegram refuses a text over 4096 UTF-16 units once its HTML is parsed. Parsing only drops
# tags and turns each entity (4 characters or more) into one character (2 units at most), so
# the HTML source, counted in UTF-16 units, is never shorter than what Telegram counts.
MAX_TEXT = 4096
# Telegram takes 100 buttons a keyboard; the rest are left for the page's own (Next, Menu).
MAX_ENTRY_BUTTONS = 90
# Far above any real list; keeps what one tap reads from the database bounded.
MAX_LISTED = 5000
ELLIPSIS = "…"
_TAG = re.compile(r"<[^>]*>")

# A header or footer: fixed, or written for a page from its number and the number of pages.
Frame = str | Callable[[int, int], str]


@dataclass(frozen=True)
class Entry:
    """One item of a list: its HTML, its button, and the heading of the group it is in."""

    text: str
    button: Button | None = None
    heading: str = ""


@dataclass(frozen=True)
class Page:
    """One page of a list: its entries and its whole text, and where it is among the pages."""

    number: int
    count: int
    first: int
    entries: tuple[Entry, ...]
    text: str

    @property
    def more(self) -> bool:
        """Whether a page follows this one."""
        return self.number + 1 < self.count

    @property
    def rows(self) -> list[list[Button]]:
        """The entries' buttons, one a row."""
        return [[entry.button] for entry in self.entries if entry.button is not None]


def utf16_length(text: str) -> int:
    """Count text as Telegram does, in UTF-16 code units (an emoji may count two)."""
    return len(text.encode("utf-16-le")) // 2


def paginate(
    entries: Sequence[Entry],
    *,
    header: Frame = "",
    footer: Frame = "",
    separator: str = "\n",
    per_page: int | None = None,
) -> list[Page]:
    """Cut the entries into pages of at most `per_page`, each under Telegram's limits.

    A page's text is the header, the entries (each group's heading before its first entry
    on the page) and the footer, joined by `separator`; an entry too long for a page of its
    own is cut short with an ellipsis.
    """
    room = _room(len(entries), header, footer, separator)
    groups: list[list[Entry]] = [[]]
    used = buttons = 0
    for entry in entries:
        cost = _cost(entry, groups[-1], separator)
        full = per_page is not None and len(groups[-1]) >= per_page
        crowded = entry.button is not None and buttons >= MAX_ENTRY_BUTTONS
        if groups[-1] and (used + cost > room or full or crowded):
            groups.append([])
            used = buttons = 0
            cost = _cost(entry, groups[-1], separator)
        if cost > room:
            entry = replace(entry, text=cut(entry.text, room - cost + utf16_length(entry.text)))
            cost = _cost(entry, groups[-1], separator)
        groups[-1].append(entry)
        used += cost
        buttons += entry.button is not None
    count, first = len(groups), 0
    pages = []
    for number, group in enumerate(groups):
        top, bottom = _frame(header, number, count), _frame(footer, number, count)
        text = render(group, top, bottom, separator)
        pages.append(Page(number, count, first, tuple(group), text))
        first += len(group)
    return pages


def first_page(
    t: Translator,
    entries: Sequence[Entry],
    *,
    header: str = "",
    footer: str = "",
    separator: str = "\n",
    per_page: int | None = None,
) -> Page:
    """A list capped at one page, saying how many entries are left out."""

    def more(count: int) -> str:
        return t._("… and {count} more").format(count=t.number(count)) if count else ""

    # Room is kept for that line as long as it can get: every entry left out.
    reserved = _joined(more(len(entries)), footer, separator)
    pages = paginate(
        entries, header=header, footer=reserved, separator=separator, per_page=per_page
    )
    shown = pages[0].entries
    bottom = _joined(more(len(entries) - len(shown)), footer, separator)
    return Page(0, 1, 0, shown, render(shown, header, bottom, separator))


def tapped_page(update: Update, pattern: re.Pattern[str]) -> int:
    """The page number in the tapped button's data (`pattern`'s first group); else the first."""
    query = update.callback_query
    match = pattern.match(query.data or "") if query is not None else None
    return int(match[1]) if match is not None and match[1] else 0


def pick(pages: list[Page], number: int) -> Page:
    """The page with this number; the nearest one when the list has shrunk since."""
    return pages[min(max(number, 0), len(pages) - 1)]


def page_holding(pages: list[Page], index: int) -> Page:
    """The page that holds the entry at this index (the last page past the end)."""
    return next((page for page in reversed(pages) if page.first <= index), pages[0])


def newer_older(t: Translator, prefix: str, pages: list[Page], page: Page) -> list[list[Button]]:
    """The Newer and Older buttons of a list paged by where each page starts; none if one page."""
    row: list[Button] = []
    if page.number > 0:
        row.append((t._("◀️ Newer"), f"{prefix}{pages[page.number - 1].first}"))
    if page.more:
        row.append((t._("Older ▶️"), f"{prefix}{pages[page.number + 1].first}"))
    return [row] if row else []


def render(entries: Sequence[Entry], header: str, footer: str, separator: str = "\n") -> str:
    """The text of a page: the header, the entries under their headings, the footer."""
    parts = [header]
    previous: Entry | None = None
    for entry in entries:
        if entry.heading and (previous is None or previous.heading != entry.heading):
            parts.append(entry.heading)
        parts.append(entry.text)
        previous = entry
    parts.append(footer)
    return separator.join(part for part in parts if part)


def cut(text: str, room: int) -> str:
    """HTML text kept within `room` UTF-16 units: as is if it fits, else plain and cut short."""
    if utf16_length(text) <= room:
        return text
    kept: list[str] = []
    used = utf16_length(ELLIPSIS)
    for char in html.unescape(_TAG.sub("", text)):
        size = utf16_length(esc(char))
        if used + size > room:
            break
        kept.append(char)
        used += size
    return esc("".join(kept)) + ELLIPSIS


def _frame(frame: Frame, number: int, count: int) -> str:
    return frame if isinstance(frame, str) else frame(number, count)


def _room(entries: int, header: Frame, footer: Frame, separator: str) -> int:
    """The room a page has for its entries: a header or footer numbered as long as it can be."""
    pages = max(entries, 1)
    fixed = _frame(header, pages - 1, pages) + _frame(footer, pages - 1, pages)
    return MAX_TEXT - utf16_length(fixed) - utf16_length(separator)


def _cost(entry: Entry, page: list[Entry], separator: str) -> int:
    """The room an entry takes after the page's entries: itself, its heading if new there."""
    cost = utf16_length(separator) + utf16_length(entry.text)
    if entry.heading and (not page or page[-1].heading != entry.heading):
        cost += utf16_length(separator) + utf16_length(entry.heading)
    return cost


def _joined(first: str, second: str, separator: str) -> str:
    return separator.join(part for part in (first, second) if part)

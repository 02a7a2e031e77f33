"""Dates people type, read in every form the bot writes them, and the example prompts show."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from babel import Locale

from bot.i18n import LOCALES, Translator, half_width

# Month names and abbreviations as Babel writes them, in every language the bot speaks:
# "Januari", "Agu", "January", "Aug". No two languages give one name to different months.
MONTHS = {
    name.casefold(): number
    for locale in LOCALES
    for context in ("format", "stand-alone")
    for width in ("wide", "abbreviated")
    for number, name in Locale.parse(locale).months[context][width].items()
}
# Digits are [0-9], not \d, which also takes other scripts' digits that int() would read.
_DAY_FIRST = re.compile(r"^([0-9]{1,2})([-/.])([0-9]{1,2})(?:\2([0-9]{4}))?$")
_YEAR_FIRST = re.compile(r"^([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})$")
_DAY_NAME = re.compile(r"^([0-9]{1,2})\.? ([^\W\d_]+)\.?(?:,? ([0-9]{4}))?$")
_NAME_DAY = re.compile(r"^([^\W\d_]+)\.? ([0-9]{1,2})(?:,? ([0-9]{4}))?$")
# How Chinese writes a date, and how the bot writes one for Chinese readers: 2027年1月15日.
_CHINESE = re.compile(r"^(?:([0-9]{4}) ?年 ?)?([0-9]{1,2}) ?月 ?([0-9]{1,2}) ?[日号]?$")
# Without a year, a date more than this far before `near` means the same date a year later.
_HALF_YEAR = timedelta(days=183)


def read_date(raw: str | None, *, near: date | None = None) -> date | None:
    """Read a typed date; None if it is not one.

    Numbers day first (15/01/2027, 15-01-2027, 15.01.2027) or year first (2027-01-15), and
    the forms the bot writes, in Indonesian, English or Chinese, month names full or short
    (15 Januari 2027, 15 Jan 2027, January 15, 2027, Jan 15 2027, 2027年1月15日). A date without
    its year (15/01, 15 Jan, 1月15日) only with `near`: the one within half a year after it, or
    just before.
    """
    text = " ".join(half_width(raw or "").split())
    parts = _parts(text)
    if parts is None:
        return None
    year, month, day = parts
    try:
        if year is not None:
            return date(year, month, day)
        if near is None:
            return None
        found = date(near.year, month, day)
        return found.replace(year=near.year + 1) if found < near - _HALF_YEAR else found
    except ValueError:
        return None


def _parts(text: str) -> tuple[int | None, int, int] | None:
    """The year (None when left out), month and day written in the text."""
    if match := _YEAR_FIRST.match(text):
        return int(match[1]), int(match[3]), int(match[4])
    if match := _DAY_FIRST.match(text):
        return _year(match[4]), int(match[3]), int(match[1])
    if match := _CHINESE.match(text):
        return _year(match[1]), int(match[2]), int(match[3])
    if (match := _DAY_NAME.match(text)) and match[2].casefold() in MONTHS:
        return _year(match[3]), MONTHS[match[2].casefold()], int(match[1])
    if (match := _NAME_DAY.match(text)) and match[1].casefold() in MONTHS:
        return _year(match[3]), MONTHS[match[1].casefold()], int(match[2])
    return None


def _year(text: str | None) -> int | None:
    return None if text is None else int(text)


def date_example(t: Translator, day: date, at: time | None = None) -> str:
    """How every prompt shows a date to type: "07/03/2027 or 7 Maret 2027", with a time if asked."""
    clock = "" if at is None else f" {at:%H:%M}"
    return t._("{numeric} or {written}").format(
        numeric=f"{day:%d/%m/%Y}{clock}", written=f"{t.date(day)}{clock}"
    )

"""Translations (gettext catalogs compiled at start) and locale-aware formatting (Babel)."""

from __future__ import annotations

import gettext
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (
    format_decimal,
    get_currency_symbol,
    get_group_symbol,
)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
LOCALES = ("id", "en", "zh")
INDONESIAN_LANGUAGE_CODES = frozenset({"id", "jv", "su", "ms"})
# Telegram gives zh, zh-hans, zh-cn, zh-sg and, for Traditional, zh-hant, zh-tw, zh-hk: all read
# the Simplified catalog, which Traditional readers can follow.
CHINESE_LANGUAGE_CODES = frozenset({"zh"})


# Chinese keyboards type digits and number punctuation full width (the ASCII characters moved
# up by 0xFEE0): read them as ASCII. Only these: NFKC would also turn "²" into a 2.
_FULL_WIDTH = {ord(character) + 0xFEE0: ord(character) for character in "0123456789,./-:"}


def half_width(text: str) -> str:
    """Turn full-width digits and number punctuation into their ASCII forms."""
    return text.translate(_FULL_WIDTH)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction without translating it yet."""
    return message


def locale_from_language_code(language_code: str | None) -> str:
    """Map a Telegram language_code to the bot's locale: Indonesian for the region's languages,
    Chinese for Chinese, English for every other."""
    if not language_code:
        return "id"
    primary = language_code.replace("_", "-").split("-")[0].lower()
    if primary in INDONESIAN_LANGUAGE_CODES:
        return "id"
    return "zh" if primary in CHINESE_LANGUAGE_CODES else "en"


def resolve_locale(stored: str | None, language_code: str | None, *, has_user: bool) -> str | None:
    """Pick a person's locale: their stored choice, else Telegram's code; None means the default."""
    if stored in LOCALES:
        return stored
    if not has_user:
        return None
    return locale_from_language_code(language_code)


@cache
def _translations(locale: str, locales_dir: Path = LOCALES_DIR) -> gettext.NullTranslations:
    po_path = locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """Translate and format for one locale."""

    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in LOCALES else "id"
        self._catalog = _translations(self.locale)
        # Parsed once: Babel parses a locale given by name again on every call.
        self._babel = Locale.parse(self.locale)
        # Whole numbers are most of what the bot writes: grouped here directly, the way
        # Babel's pattern (#,##0) would, at a tenth of its cost.
        self._group = get_group_symbol(self._babel)
        self._rupiah_sign = get_currency_symbol("IDR", self._babel)

    def _(self, message: str) -> str:
        """Translate a message."""
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """Translate a message whose form depends on a count."""
        return self._catalog.ngettext(singular, plural, count)

    def number(self, value: int | float) -> str:
        """Write a number the way the reader's locale does (3.500 or 3,500)."""
        if isinstance(value, int):
            return f"{value:,}".replace(",", self._group)
        return format_decimal(value, locale=self._babel)

    def rupiah(self, amount: int) -> str:
        """Write Rupiah without cents: Rp17.600.000 or IDR17,600,000."""
        sign = "-" if amount < 0 else ""
        return f"{sign}{self._rupiah_sign}{abs(amount):,}".replace(",", self._group)

    def date(self, value: date) -> str:
        """Write a date in the locale's long form (5 November 2024)."""
        return format_date(value, format="long", locale=self._babel)

    def datetime(self, value: datetime) -> str:
        """Write a date and time in the locale's medium form."""
        return format_datetime(value, format="medium", locale=self._babel)


@cache
def translator(locale: str) -> Translator:
    """Return the shared translator for a locale."""
    return Translator(locale)

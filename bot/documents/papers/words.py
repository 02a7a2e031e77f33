"""The papers' words and figures: English, with Chinese beside each label for a Chinese reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from bot.i18n import N_, translator
from storage.models.papers import InvoiceCurrency

ENGLISH = Locale.parse("en")
# One date form on every paper, read the same way in Blitar and in Ningbo: 7 December 2026.
DATE_FORMAT = "d MMMM y"
CENTS, TENTHS, LITRES = Decimal("0.01"), Decimal("0.1"), Decimal("0.001")
# Countries a buyer picks from when registering, named on the papers in Chinese too.
COUNTRIES = frozenset({N_("China"), N_("Indonesia"), N_("Japan"), N_("Malaysia")})


@dataclass(frozen=True)
class Words:
    """Write labels in English, followed by their Chinese when the paper is bilingual."""

    chinese: bool

    def label(self, message: str, separator: str = " ", **values: str) -> str:
        """A label: "Quantity", or "Quantity 数量" on a Chinese paper."""
        english = _filled(translator("en")._(message), message, values)
        if not self.chinese:
            return english
        chinese = _filled(translator("zh")._(message), message, values)
        # An entry not translated yet reads as the English: then the English alone.
        return english if chinese == english else f"{english}{separator}{chinese}"

    def ngettext(
        self, singular: str, plural: str, count: int, separator: str = " / ", **values: str
    ) -> str:
        """A counted phrase: "60 days", or "60 days / 60 天" on a Chinese paper."""
        values = {"count": whole(count), **values}
        english_form = singular if count == 1 else plural
        english = _filled(translator("en").ngettext(singular, plural, count), english_form, values)
        if not self.chinese:
            return english
        chinese = _filled(translator("zh").ngettext(singular, plural, count), english_form, values)
        return english if chinese == english else f"{english}{separator}{chinese}"

    def country(self, name: str) -> str:
        """A country as typed, in Chinese too when it is one of the registration's choices."""
        return self.label(name) if name in COUNTRIES else name


def _filled(text: str, message: str, values: dict[str, str]) -> str:
    """Fill a translation's placeholders, or the English message's if the translation names
    placeholders the message does not give."""
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return message.format(**values)


def whole(value: int) -> str:
    """A count with thousands commas: 5,000."""
    return format_decimal(value, format="#,##0", locale=ENGLISH)


def amount(value: Decimal, currency: InvoiceCurrency) -> str:
    """A sum in a currency's units, without its code: 1,600.00 (Rupiah without decimals)."""
    if currency is InvoiceCurrency.IDR:
        return format_decimal(_rounded(value, Decimal(1)), format="#,##0", locale=ENGLISH)
    return format_decimal(_rounded(value, CENTS), format="#,##0.00", locale=ENGLISH)


def money(value: Decimal, currency: InvoiceCurrency) -> str:
    """A sum with its currency's code: USD 1,600.00, IDR 25,600,000."""
    return f"{currency.value} {amount(value, currency)}"


def kilograms(value: Decimal) -> str:
    """A weight to a tenth of a kilogram: 1,234.5."""
    return format_decimal(_rounded(value, TENTHS), format="#,##0.0", locale=ENGLISH)


def cubic_metres(value: Decimal) -> str:
    """A volume to a litre: 12.345."""
    return format_decimal(_rounded(value, LITRES), format="#,##0.000", locale=ENGLISH)


def day(value: date) -> str:
    """A date the one way the papers write it: 7 December 2026."""
    return format_date(value, format=DATE_FORMAT, locale=ENGLISH)


def _rounded(value: Decimal, step: Decimal) -> Decimal:
    return value.quantize(step, rounding=ROUND_HALF_UP)

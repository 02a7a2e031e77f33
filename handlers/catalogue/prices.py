"""Buyer prices: Rupiah, plus USD and CNY when an admin has set exchange rates.

Chinese readers see yuan first, then dollars, then Rupiah: they price in yuan.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency

from bot.i18n import Translator
from storage.models.exchange_rates import Currency, ExchangeRate

# The order foreign prices are shown in, after Rupiah (before it, for Chinese readers).
CURRENCIES = (Currency.USD, Currency.CNY)
CHINESE_ORDER = (Currency.CNY, Currency.USD)
CENT = Decimal("0.01")
# Unambiguous symbols whatever the locale: English Babel writes USD as a bare "$", which
# buyers elsewhere (China first) could misread.
PATTERNS = {Currency.USD: "US$#,##0.00", Currency.CNY: "CN¥#,##0.00"}
SEPARATOR = " · "


def foreign_amount(rupiah: int, rate: ExchangeRate) -> Decimal:
    """Convert Rupiah into a currency at a rate, rounded to cents."""
    return (Decimal(rupiah) / Decimal(rate.rupiah_per_unit)).quantize(CENT, rounding=ROUND_HALF_UP)


def foreign_money(t: Translator, amount: Decimal, currency: Currency) -> str:
    """Write an amount of a foreign currency the way the reader's locale does: CN¥88.89."""
    return format_currency(
        amount, currency.value, format=PATTERNS[currency], currency_digits=False, locale=t.locale
    )


def foreign_price(t: Translator, rupiah: int, rate: ExchangeRate) -> str:
    """Write a Rupiah amount in a rate's currency, the way the reader's locale does."""
    return foreign_money(t, foreign_amount(rupiah, rate), rate.currency)


def price_lines(t: Translator, rupiah: int, rates: dict[Currency, ExchangeRate]) -> str:
    """Write a price in Rupiah and every currency with a rate: Rp200.000 · US$12,31 · CN¥88,89."""
    if t.locale == "zh":
        foreign = [foreign_price(t, rupiah, rates[c]) for c in CHINESE_ORDER if c in rates]
        return SEPARATOR.join([*foreign, t.rupiah(rupiah)])
    parts = [t.rupiah(rupiah)]
    parts.extend(foreign_price(t, rupiah, rates[c]) for c in CURRENCIES if c in rates)
    return SEPARATOR.join(parts)

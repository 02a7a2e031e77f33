"""Exchange rates an admin sets so buyers see prices in their own currency too."""

from __future__ import annotations

from storage.clock import now_text
from storage.db import Database
from storage.models.exchange_rates import Currency, ExchangeRate


class ExchangeRates:
    """Reads and writes the Rupiah value of USD and CNY."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def all(self) -> dict[Currency, ExchangeRate]:
        """Return the rates that are set, by currency."""
        rows = await self._db.fetch_all(
            "SELECT currency, rupiah_per_unit, set_by, set_at FROM exchange_rates ORDER BY currency"
        )
        rates = [ExchangeRate.model_validate(dict(row)) for row in rows]
        return {rate.currency: rate for rate in rates}

    async def set(self, currency: Currency, rupiah_per_unit: int, *, by: int) -> ExchangeRate:
        """Set how many Rupiah one unit of a currency is worth."""
        if rupiah_per_unit < 1:
            raise ValueError("an exchange rate is at least one Rupiah")
        now = now_text()
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT INTO exchange_rates (currency, rupiah_per_unit, set_by, set_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (currency) DO UPDATE SET"
                " rupiah_per_unit = excluded.rupiah_per_unit, set_by = excluded.set_by,"
                " set_at = excluded.set_at",
                (currency, rupiah_per_unit, by, now),
            )
        return ExchangeRate.model_validate(
            {"currency": currency, "rupiah_per_unit": rupiah_per_unit, "set_by": by, "set_at": now}
        )

    async def clear(self, currency: Currency) -> bool:
        """Stop showing prices in a currency; False when no rate was set."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "DELETE FROM exchange_rates WHERE currency = ?", (currency,)
            )
            return cursor.rowcount == 1

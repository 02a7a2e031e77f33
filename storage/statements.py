"""Artisans' statements: drums credited by model and rate, payments, and what is owed now."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from storage.catalogue import ORDER, drum_model, model_columns
from storage.db import Database
from storage.figures import utc_text
from storage.models.catalogue import DrumModel

# Credits by when they were recorded (the decision), as in Figures, so a past month never
# changes and the lines add up to the month's earned. The range scan reads the
# earnings_entries_by_artisan index; each credit finds its report by primary key.
_LINES = (
    f"SELECT {model_columns('d', 'm_')}, c.rate, c.drums, c.amount FROM ("
    " SELECT r.model_id, r.rate, SUM(r.accepted_quantity) AS drums, SUM(e.amount) AS amount"
    " FROM earnings_entries e JOIN reports r ON r.id = e.report_id"
    " WHERE e.artisan_id = :artisan AND e.created_at >= :start AND e.created_at < :end"
    " AND e.kind = 'credit'"
    " GROUP BY r.model_id, r.rate) AS c"
    f" JOIN drum_models d ON d.id = c.model_id ORDER BY {ORDER}, c.rate"
)
_PAYMENTS = (
    "SELECT id, amount, paid_on, reverses FROM earnings_entries"
    " WHERE artisan_id = :artisan AND created_at >= :start AND created_at < :end"
    " AND kind = 'payment' ORDER BY created_at, id"
)
_REST = (
    "SELECT COALESCE(SUM(amount), 0) AS corrections,"
    " COALESCE((SELECT earned - paid FROM artisan_balances WHERE artisan_id = :artisan), 0)"
    " AS owed FROM earnings_entries"
    " WHERE artisan_id = :artisan AND created_at >= :start AND created_at < :end"
    " AND kind = 'correction'"
)


class StatementLine(BaseModel):
    """Drums of one model accepted at one rate in the period, and what they earned."""

    model_config = ConfigDict(frozen=True)

    model: DrumModel
    rate: int
    drums: int
    amount: int


class StatementPayment(BaseModel):
    """A payment recorded in the period, or (a negative amount) the undoing of one."""

    model_config = ConfigDict(frozen=True)

    entry_id: int
    paid_on: date
    amount: int
    reverses: int | None = None

    @property
    def is_reversal(self) -> bool:
        """Tell whether this entry cancels an earlier payment."""
        return self.reverses is not None


class Statement(BaseModel):
    """An artisan's money in a period [start, end) from the ledger, and what is owed now.

    earned = sum of the lines + corrections, and paid = sum of the payments (undone ones
    netted), exactly as Figures.production counts them for the same period.
    """

    model_config = ConfigDict(frozen=True)

    artisan_id: int
    start: datetime
    end: datetime
    lines: tuple[StatementLine, ...]
    corrections: int
    payments: tuple[StatementPayment, ...]
    owed: int

    @property
    def drums(self) -> int:
        """Drums accepted in the period."""
        return sum(line.drums for line in self.lines)

    @property
    def earned(self) -> int:
        """Rupiah earned in the period: accepted drums and corrections."""
        return sum(line.amount for line in self.lines) + self.corrections

    @property
    def paid(self) -> int:
        """Rupiah paid in the period, payments undone in it taken off."""
        return sum(payment.amount for payment in self.payments)


class Statements:
    """Reads an artisan's statement for a period from the earnings ledger."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def for_period(self, artisan_id: int, start: datetime, end: datetime) -> Statement:
        """Return an artisan's accepted drums, earnings and payments in [start, end)."""
        params = {"artisan": artisan_id, "start": utc_text(start), "end": utc_text(end)}
        lines = await self._db.fetch_all(_LINES, params)
        payments = await self._db.fetch_all(_PAYMENTS, params)
        rest = await self._db.fetch_one(_REST, params)
        assert rest is not None
        return Statement(
            artisan_id=artisan_id,
            start=start,
            end=end,
            lines=tuple(
                StatementLine(
                    model=drum_model(row, "m_"),
                    rate=int(row["rate"]),
                    drums=int(row["drums"]),
                    amount=int(row["amount"]),
                )
                for row in lines
            ),
            corrections=int(rest["corrections"]),
            payments=tuple(
                StatementPayment(
                    entry_id=int(row["id"]),
                    paid_on=date.fromisoformat(row["paid_on"]),
                    amount=-int(row["amount"]),
                    reverses=row["reverses"],
                )
                for row in payments
            ),
            owed=int(rest["owed"]),
        )

"""Artisans' earnings: an append-only ledger of credits and payments, and its balances."""

from __future__ import annotations

from datetime import date

import aiosqlite
from pydantic import BaseModel, ConfigDict

from storage.clock import now_text
from storage.db import Database
from storage.models.earnings import ArtisanBalance, EarningsEntry, EarningsKind

_ENTRY_COLUMNS = (
    "id, artisan_id, kind, amount, report_id, note, paid_on, created_by, created_at, reverses"
)


def reversal_note(payment_id: int) -> str:
    """Return the note that marks the correction reversing a payment (one per payment)."""
    return f"reversal of payment #{payment_id}"


class PaymentReversal(BaseModel):
    """The outcome of undoing a payment; `reversed` is False if it had been undone before.

    When False, `reversal` is the earlier reversing entry and `balance` is as it stands now.
    """

    model_config = ConfigDict(frozen=True)

    reversed: bool
    payment: EarningsEntry
    reversal: EarningsEntry
    balance: ArtisanBalance


class OverpaymentError(Exception):
    """A payment larger than what the artisan is owed: the cooperative does not pay ahead."""

    def __init__(self, artisan_id: int, owed: int, amount: int) -> None:
        super().__init__(f"artisan {artisan_id} is owed Rp {owed}, not Rp {amount}")
        self.artisan_id = artisan_id
        self.owed = owed
        self.amount = amount


async def post_earnings(
    connection: aiosqlite.Connection,
    artisan_id: int,
    kind: EarningsKind,
    amount: int,
    *,
    report_id: int | None = None,
    note: str | None = None,
    paid_on: date | None = None,
    by: int | None = None,
    reverses: int | None = None,
    update_id: int | None = None,
) -> EarningsEntry:
    """Append an entry inside the caller's open transaction; its trigger updates the balance."""
    cursor = await connection.execute(
        "INSERT INTO earnings_entries (artisan_id, kind, amount, report_id, note, paid_on,"
        " created_by, created_at, reverses, update_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            artisan_id,
            kind,
            amount,
            report_id,
            note,
            None if paid_on is None else paid_on.isoformat(),
            by,
            now_text(),
            reverses,
            update_id,
        ),
    )
    async with connection.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM earnings_entries WHERE id = ?", (cursor.lastrowid,)
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return EarningsEntry.model_validate(dict(row))


class Earnings:
    """Records payments to artisans and reads what they earned, were paid and are owed."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record_payment(
        self,
        artisan_id: int,
        amount: int,
        paid_on: date,
        note: str | None = None,
        *,
        by: int,
        update_id: int | None = None,
    ) -> EarningsEntry:
        """Record money paid to an artisan on a day.

        Raises OverpaymentError (and records nothing) when the amount exceeds what is owed.
        The payment remembers `update_id`, the Telegram update that recorded it: that update
        delivered again after a crash gets the same payment back and nothing is written.
        """
        if amount <= 0:
            raise ValueError("a payment is a positive number of Rupiah")
        note = (note or "").strip() or None
        async with self._db.transaction() as connection:
            if update_id is not None:
                earlier = await _entry(connection, "update_id = ?", (update_id,))
                if earlier is not None:
                    return earlier
            balance = await _balance(connection, artisan_id)
            if amount > balance.owed:
                raise OverpaymentError(artisan_id, balance.owed, amount)
            return await post_earnings(
                connection,
                artisan_id,
                EarningsKind.PAYMENT,
                -amount,
                note=note,
                paid_on=paid_on,
                by=by,
                update_id=update_id,
            )

    async def reverse_payment(
        self, payment_id: int, *, by: int, update_id: int | None = None
    ) -> PaymentReversal | None:
        """Undo a recorded payment by appending a reversing payment that makes it owed again.

        History is never changed: the payment stays and a payment entry of the opposite
        amount, naming it in `reverses`, cancels it in one transaction with the balance, so
        "paid" goes back down and "earned" is untouched. A payment is reversed once; asked
        again, nothing is written and the earlier reversal is returned with reversed False,
        except to the update that reversed it (`update_id`), delivered again after a crash:
        it gets reversed True, so that its caller finishes telling the artisan.
        Returns None when the entry is not a payment (or is itself a reversal).
        """
        async with self._db.transaction() as connection:
            payment = await _entry(
                connection, "id = ? AND kind = ? AND amount < 0", (payment_id, EarningsKind.PAYMENT)
            )
            if payment is None:
                return None
            earlier = await _entry(connection, "reverses = ?", (payment_id,))
            if earlier is not None:
                by_this_update = "reverses = ? AND update_id = ?", (payment_id, update_id)
                again = (
                    update_id is not None and await _entry(connection, *by_this_update) is not None
                )
                balance = await _balance(connection, payment.artisan_id)
                return PaymentReversal(
                    reversed=again, payment=payment, reversal=earlier, balance=balance
                )
            reversal = await post_earnings(
                connection,
                payment.artisan_id,
                EarningsKind.PAYMENT,
                -payment.amount,
                note=reversal_note(payment_id),
                paid_on=payment.paid_on,
                by=by,
                reverses=payment_id,
                update_id=update_id,
            )
            balance = await _balance(connection, payment.artisan_id)
        return PaymentReversal(reversed=True, payment=payment, reversal=reversal, balance=balance)

    async def balance(self, artisan_id: int) -> ArtisanBalance:
        """Return what an artisan has earned and been paid overall (zeros if nothing yet)."""
        row = await self._db.fetch_one(
            "SELECT earned, paid FROM artisan_balances WHERE artisan_id = ?", (artisan_id,)
        )
        if row is None:
            return ArtisanBalance(artisan_id=artisan_id, earned=0, paid=0)
        return ArtisanBalance(artisan_id=artisan_id, earned=int(row[0]), paid=int(row[1]))

    async def entries(self, artisan_id: int, limit: int = 20) -> list[EarningsEntry]:
        """Return an artisan's latest earnings entries, newest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_ENTRY_COLUMNS} FROM earnings_entries WHERE artisan_id = ?"
            " ORDER BY id DESC LIMIT ?",
            (artisan_id, limit),
        )
        return [EarningsEntry.model_validate(dict(row)) for row in rows]


async def _balance(connection: aiosqlite.Connection, artisan_id: int) -> ArtisanBalance:
    async with connection.execute(
        "SELECT earned, paid FROM artisan_balances WHERE artisan_id = ?", (artisan_id,)
    ) as cursor:
        row = await cursor.fetchone()
    earned, paid = (0, 0) if row is None else (int(row[0]), int(row[1]))
    return ArtisanBalance(artisan_id=artisan_id, earned=earned, paid=paid)


async def _entry(
    connection: aiosqlite.Connection, where: str, params: tuple[object, ...]
) -> EarningsEntry | None:
    async with connection.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM earnings_entries WHERE {where} ORDER BY id LIMIT 1", params
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else EarningsEntry.model_validate(dict(row))

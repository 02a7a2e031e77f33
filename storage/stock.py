"""The stock ledger: append-only movements per model and the balances they add up to."""

from __future__ import annotations

import re
import sqlite3

import aiosqlite
from pydantic import BaseModel, ConfigDict

from storage.catalogue import ORDER, drum_model, model_columns
from storage.clock import now_text
from storage.db import Database
from storage.models.stock import StockBalance, StockMovement, StockMovementKind

_MOVEMENT_COLUMNS = (
    "id, model_id, kind, on_hand_delta, reserved_delta, report_id, order_id, reason,"
    " created_by, created_at"
)
_BALANCES = (
    f"SELECT {model_columns('d', 'm_')}, COALESCE(b.on_hand, 0) AS on_hand,"
    " COALESCE(b.reserved, 0) AS reserved"
    " FROM drum_models d LEFT JOIN stock_balances b ON b.model_id = d.id"
)


_UNDO_REASON = re.compile(r"^undo of correction #\d+$")


def undo_reason(correction_id: int) -> str:
    """Return the reason that marks the movement undoing a correction (one per correction)."""
    return f"undo of correction #{correction_id}"


class CorrectionUndo(BaseModel):
    """The outcome of undoing a correction; `undone` is False if it had been undone before.

    When False, `undo` is the earlier undoing movement.
    """

    model_config = ConfigDict(frozen=True)

    undone: bool
    correction: StockMovement
    undo: StockMovement


class InsufficientStockError(Exception):
    """A movement would take stock below zero, or reserve more than is on hand."""

    def __init__(
        self, model_id: int, on_hand: int, reserved: int, on_hand_delta: int, reserved_delta: int
    ) -> None:
        super().__init__(
            f"model {model_id} has {on_hand} on hand and {reserved} reserved: cannot apply"
            f" on hand {on_hand_delta:+d}, reserved {reserved_delta:+d}"
        )
        self.model_id = model_id
        self.on_hand = on_hand
        self.reserved = reserved
        self.on_hand_delta = on_hand_delta
        self.reserved_delta = reserved_delta

    @property
    def available(self) -> int:
        """Drums that were on hand and not reserved."""
        return self.on_hand - self.reserved


async def move_stock(
    connection: aiosqlite.Connection,
    model_id: int,
    kind: StockMovementKind,
    *,
    on_hand_delta: int = 0,
    reserved_delta: int = 0,
    report_id: int | None = None,
    order_id: int | None = None,
    reason: str | None = None,
    by: int | None = None,
    update_id: int | None = None,
) -> StockMovement:
    """Append a movement inside the caller's open transaction; its trigger updates the balance.

    Raises InsufficientStockError (the caller's transaction then rolls back) when on hand or
    reserved would go negative or reserved would exceed on hand; the table's CHECKs refuse
    the same, this says it clearly.
    """
    async with connection.execute(
        "SELECT on_hand, reserved FROM stock_balances WHERE model_id = ?", (model_id,)
    ) as cursor:
        row = await cursor.fetchone()
    on_hand, reserved = (0, 0) if row is None else (int(row[0]), int(row[1]))
    new_on_hand, new_reserved = on_hand + on_hand_delta, reserved + reserved_delta
    if new_on_hand < 0 or new_reserved < 0 or new_reserved > new_on_hand:
        raise InsufficientStockError(model_id, on_hand, reserved, on_hand_delta, reserved_delta)
    cursor = await connection.execute(
        "INSERT INTO stock_movements (model_id, kind, on_hand_delta, reserved_delta, report_id,"
        " order_id, reason, created_by, created_at, update_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            model_id,
            kind,
            on_hand_delta,
            reserved_delta,
            report_id,
            order_id,
            reason,
            by,
            now_text(),
            update_id,
        ),
    )
    async with connection.execute(
        f"SELECT {_MOVEMENT_COLUMNS} FROM stock_movements WHERE id = ?", (cursor.lastrowid,)
    ) as cursor:
        inserted = await cursor.fetchone()
    assert inserted is not None
    return StockMovement.model_validate(dict(inserted))


class Stock:
    """Reads the stock balances and ledger; corrects counts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def balances(self) -> list[StockBalance]:
        """Return the stock of every active model, and of retired ones still on hand."""
        rows = await self._db.fetch_all(
            f"{_BALANCES} WHERE d.active = 1 OR b.on_hand > 0 ORDER BY {ORDER}"
        )
        return [_balance(row) for row in rows]

    async def balance(self, model_id: int) -> StockBalance | None:
        """Return one model's stock (None when the model does not exist)."""
        row = await self._db.fetch_one(f"{_BALANCES} WHERE d.id = ?", (model_id,))
        return None if row is None else _balance(row)

    async def correct(
        self, model_id: int, delta: int, reason: str, *, by: int, update_id: int | None = None
    ) -> StockMovement | None:
        """Correct the count on hand by a signed number of drums, saying why.

        A correction is a new entry; history is never changed. Raises InsufficientStockError
        (and changes nothing) when it would leave fewer drums than zero or than are reserved.
        Returns None when the model does not exist. The correction remembers `update_id`, the
        Telegram update that made it: that update delivered again after a crash gets the same
        correction back and nothing is written.
        """
        reason = reason.strip()
        if not reason:
            raise ValueError("a stock correction needs a reason")
        if delta == 0:
            raise ValueError("a stock correction changes the count")
        async with self._db.transaction() as connection:
            async with connection.execute(
                "SELECT 1 FROM drum_models WHERE id = ?", (model_id,)
            ) as cursor:
                if await cursor.fetchone() is None:
                    return None
            if update_id is not None:
                earlier = await _movement(connection, "update_id = ?", (update_id,))
                if earlier is not None:
                    return earlier
            return await move_stock(
                connection,
                model_id,
                StockMovementKind.CORRECTION,
                on_hand_delta=delta,
                reason=reason,
                by=by,
                update_id=update_id,
            )

    async def undo_correction(
        self, correction_id: int, *, by: int, update_id: int | None = None
    ) -> CorrectionUndo | None:
        """Undo a correction by appending the opposite correction, noted with undo_reason.

        A correction is undone once; asked again, nothing is written and the earlier undo is
        returned with undone False, except to the update that undid it (`update_id`),
        delivered again after a crash: it gets undone True. Raises InsufficientStockError
        (and changes nothing) when the drums it added have meanwhile left. Returns None when
        the movement is not a correction, or is itself an undo.
        """
        async with self._db.transaction() as connection:
            correction = await _movement(
                connection, "id = ? AND kind = ?", (correction_id, StockMovementKind.CORRECTION)
            )
            if correction is None or _UNDO_REASON.match(correction.reason or ""):
                return None
            earlier = await _movement(
                connection,
                "model_id = ? AND kind = ? AND reason = ? AND on_hand_delta = ?",
                (
                    correction.model_id,
                    StockMovementKind.CORRECTION,
                    undo_reason(correction_id),
                    -correction.on_hand_delta,
                ),
            )
            if earlier is not None:
                by_this_update = "id = ? AND update_id = ?", (earlier.id, update_id)
                again = (
                    update_id is not None
                    and await _movement(connection, *by_this_update) is not None
                )
                return CorrectionUndo(undone=again, correction=correction, undo=earlier)
            undo = await move_stock(
                connection,
                correction.model_id,
                StockMovementKind.CORRECTION,
                on_hand_delta=-correction.on_hand_delta,
                reason=undo_reason(correction_id),
                by=by,
                update_id=update_id,
            )
        return CorrectionUndo(undone=True, correction=correction, undo=undo)

    async def movements(self, model_id: int, limit: int = 20) -> list[StockMovement]:
        """Return a model's latest stock movements, newest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_MOVEMENT_COLUMNS} FROM stock_movements WHERE model_id = ?"
            " ORDER BY id DESC LIMIT ?",
            (model_id, limit),
        )
        return [StockMovement.model_validate(dict(row)) for row in rows]


def _balance(row: sqlite3.Row) -> StockBalance:
    return StockBalance(
        model=drum_model(row, "m_"), on_hand=int(row["on_hand"]), reserved=int(row["reserved"])
    )


async def _movement(
    connection: aiosqlite.Connection, where: str, params: tuple[object, ...]
) -> StockMovement | None:
    async with connection.execute(
        f"SELECT {_MOVEMENT_COLUMNS} FROM stock_movements WHERE {where} ORDER BY id LIMIT 1",
        params,
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else StockMovement.model_validate(dict(row))

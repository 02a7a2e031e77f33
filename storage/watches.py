"""Models buyers watch, to be told once when enough drums are available."""

from __future__ import annotations

from storage.catalogue import drum_model, model_columns
from storage.clock import now_text
from storage.db import Database
from storage.models.watches import Watch, WatchAlert

_FIELDS = ("id", "buyer_id", "model_id", "quantity", "created_at", "notified_at", "stopped_at")
_COLUMNS = ", ".join(_FIELDS)
_OPEN = "notified_at IS NULL AND stopped_at IS NULL"


class Watches:
    """Reads and writes buyers' watches of models."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def watch(self, buyer_id: int, model_id: int, quantity: int) -> Watch:
        """Watch a model for a quantity, replacing the buyer's open watch of it."""
        if quantity < 1:
            raise ValueError("watch for at least one drum")
        async with self._db.transaction() as connection:
            now = now_text()
            await connection.execute(
                "UPDATE watches SET stopped_at = ?"
                f" WHERE buyer_id = ? AND model_id = ? AND {_OPEN}",
                (now, buyer_id, model_id),
            )
            cursor = await connection.execute(
                "INSERT INTO watches (buyer_id, model_id, quantity, created_at)"
                " VALUES (?, ?, ?, ?)",
                (buyer_id, model_id, quantity, now),
            )
            async with connection.execute(
                f"SELECT {_COLUMNS} FROM watches WHERE id = ?", (cursor.lastrowid,)
            ) as cursor:
                row = await cursor.fetchone()
        assert row is not None
        return Watch.model_validate(dict(row))

    async def stop(self, watch_id: int, buyer_id: int) -> bool:
        """Stop one of the buyer's open watches; False when there is no such open watch."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                f"UPDATE watches SET stopped_at = ? WHERE id = ? AND buyer_id = ? AND {_OPEN}",
                (now_text(), watch_id, buyer_id),
            )
            return cursor.rowcount == 1

    async def open_for_buyer(self, buyer_id: int) -> list[Watch]:
        """Return a buyer's open watches, oldest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM watches WHERE buyer_id = ? AND {_OPEN} ORDER BY id",
            (buyer_id,),
        )
        return [Watch.model_validate(dict(row)) for row in rows]

    async def due(self, model_id: int, update_id: int | None = None) -> list[WatchAlert]:
        """Close and return the open watches of a model whose quantity is available now.

        Each watch is returned once: it is marked told in the same transaction, with the
        Telegram update `update_id` that told it. That update delivered again after a crash
        gets the watches it told before back too, since their buyers may not have been told.
        """
        async with self._db.transaction() as connection:
            async with connection.execute(
                f"SELECT {', '.join(f'w.{name} AS w_{name}' for name in _FIELDS)},"
                f" {model_columns('d', 'm_')}, b.telegram_id AS buyer_telegram_id,"
                " COALESCE(s.on_hand - s.reserved, 0) AS available"
                " FROM watches w JOIN drum_models d ON d.id = w.model_id"
                " JOIN members b ON b.id = w.buyer_id"
                " LEFT JOIN stock_balances s ON s.model_id = w.model_id"
                " WHERE w.model_id = :model AND ("
                "  (w.notified_at IS NULL AND w.stopped_at IS NULL"
                "   AND w.quantity <= COALESCE(s.on_hand - s.reserved, 0))"
                "  OR w.notified_update_id = :update)"
                " ORDER BY w.id",
                {"model": model_id, "update": update_id},
            ) as cursor:
                rows = list(await cursor.fetchall())
            now = now_text()
            alerts: list[WatchAlert] = []
            for row in rows:
                watch = {name: row[f"w_{name}"] for name in _FIELDS}
                if watch["notified_at"] is None:
                    await connection.execute(
                        "UPDATE watches SET notified_at = ?, notified_update_id = ? WHERE id = ?",
                        (now, update_id, row["w_id"]),
                    )
                    watch["notified_at"] = now
                alerts.append(
                    WatchAlert(
                        watch=Watch.model_validate(watch),
                        model=drum_model(row, "m_"),
                        buyer_telegram_id=row["buyer_telegram_id"],
                        available=row["available"],
                    )
                )
        return alerts

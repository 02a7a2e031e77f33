"""Production demand: the drums buyers were promised and still wait for."""

from __future__ import annotations

from datetime import date, timedelta

from storage.catalogue import ORDER, drum_model, model_columns
from storage.db import Database
from storage.models.orders import Backorder, Demand
from storage.order_queries import WAITING


class OrderDemand:
    """The part of Orders that lists backorders and the drums still to make."""

    _db: Database

    async def backorders(self) -> list[Backorder]:
        """Return every backorder still waiting for drums, oldest first."""
        rows = await self._db.fetch_all(
            f"SELECT o.id, o.confirmed - o.reserved - o.shipped AS outstanding,"
            f" o.decided_at, c.target_date, {model_columns('d', 'm_')}"
            " FROM orders o JOIN drum_models d ON d.id = o.model_id"
            " LEFT JOIN containers c ON c.id = o.container_id"
            f" WHERE {WAITING} ORDER BY o.id"
        )
        return [
            Backorder(
                order_id=row["id"],
                model=drum_model(row, "m_"),
                outstanding=row["outstanding"],
                confirmed_at=row["decided_at"],
                needed_by=None
                if row["target_date"] is None
                else date.fromisoformat(row["target_date"]),
            )
            for row in rows
        ]

    async def demand(self, utc_offset: timedelta) -> list[Demand]:
        """Return the drums still to make for backorders, per model and month needed.

        `utc_offset` places the confirmation time in the cooperative's calendar.
        """
        shift = f"{utc_offset.total_seconds():+.0f} seconds"
        rows = await self._db.fetch_all(
            f"SELECT {model_columns('d', 'm_')}, w.month, w.outstanding, w.orders FROM"
            " (SELECT o.model_id,"
            "  COALESCE(substr(c.target_date, 1, 7), strftime('%Y-%m', o.decided_at, ?))"
            "  || '-01' AS month,"
            "  SUM(o.confirmed - o.reserved - o.shipped) AS outstanding, COUNT(*) AS orders"
            "  FROM orders o LEFT JOIN containers c ON c.id = o.container_id"
            f"  WHERE {WAITING} GROUP BY o.model_id, month) w"
            f" JOIN drum_models d ON d.id = w.model_id ORDER BY w.month, {ORDER}",
            (shift,),
        )
        return [
            Demand(
                model=drum_model(row, "m_"),
                month=date.fromisoformat(row["month"]),
                outstanding=row["outstanding"],
                orders=row["orders"],
            )
            for row in rows
        ]

"""Announcements' deliveries: the messages still to send and what became of each."""

from __future__ import annotations

from storage.clock import now_text
from storage.db import Database
from storage.models.broadcasts import Delivery, DeliveryStatus, Recipient


class BroadcastDeliveries:
    """The part of Broadcasts that hands out pending deliveries and records their fate."""

    _db: Database

    async def pending(self, broadcast_id: int, limit: int = 50) -> list[Delivery]:
        """Return deliveries still to send, in a steady order."""
        rows = await self._db.fetch_all(
            "SELECT d.broadcast_id, d.telegram_id, d.attempts, u.chosen_locale, u.language_code"
            " FROM deliveries d JOIN telegram_users u ON u.telegram_id = d.telegram_id"
            " WHERE d.broadcast_id = ? AND d.status = 'pending' ORDER BY d.telegram_id LIMIT ?",
            (broadcast_id, limit),
        )
        return [
            Delivery(
                broadcast_id=row["broadcast_id"],
                attempts=row["attempts"],
                recipient=Recipient(
                    telegram_id=row["telegram_id"],
                    chosen_locale=row["chosen_locale"],
                    language_code=row["language_code"],
                ),
            )
            for row in rows
        ]

    async def mark(
        self,
        broadcast_id: int,
        telegram_id: int,
        status: DeliveryStatus,
        error: str | None = None,
    ) -> None:
        """Record what became of one message; an unreachable person is skipped from now on."""
        if status is DeliveryStatus.PENDING:
            raise ValueError("a delivery is marked once it is answered")
        now = now_text()
        async with self._db.transaction() as connection:
            await connection.execute(
                # A message in flight when the announcement was cancelled still counts as sent.
                "UPDATE deliveries SET status = ?, error = ?, done_at = ? WHERE broadcast_id = ?"
                " AND telegram_id = ? AND status IN ('pending', 'cancelled')",
                (status, error, now, broadcast_id, telegram_id),
            )
            if status is DeliveryStatus.UNREACHABLE:
                await connection.execute(
                    "UPDATE telegram_users SET blocked_at = ? WHERE telegram_id = ?",
                    (now, telegram_id),
                )

    async def record_attempt(self, broadcast_id: int, telegram_id: int, error: str) -> int:
        """Count a failed try that may be retried; return how many tries there have been."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE deliveries SET attempts = attempts + 1, error = ?"
                " WHERE broadcast_id = ? AND telegram_id = ?",
                (error, broadcast_id, telegram_id),
            )
            async with connection.execute(
                "SELECT attempts FROM deliveries WHERE broadcast_id = ? AND telegram_id = ?",
                (broadcast_id, telegram_id),
            ) as cursor:
                row = await cursor.fetchone()
        return 0 if row is None else int(row[0])

"""Admins' announcements: saving, starting, and pausing, resuming or cancelling them."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import aiosqlite

from storage.broadcast_audience import AUDIENCE_FILTER, BroadcastAudience, recipients_sql
from storage.broadcast_deliveries import BroadcastDeliveries
from storage.clock import now_text
from storage.db import Database
from storage.models.broadcasts import (
    Audience,
    Broadcast,
    BroadcastDraft,
    BroadcastFigures,
    BroadcastStatus,
    BroadcastSummary,
)

_FIELDS = (
    "id",
    "audience",
    "village",
    "locale",
    "text",
    "photo_file_id",
    "status",
    "send_at",
    "created_by",
    "created_at",
    "started_at",
    "finished_at",
    "progress_chat_id",
    "progress_message_id",
)
# The added versions come in the announcement's own row, as a JSON object of locale to text:
# one trip to the database, and no read of an announcement without them.
_COLUMNS = ", ".join(_FIELDS) + (
    ", (SELECT json_group_object(v.locale, v.text) FROM broadcast_versions v"
    " WHERE v.broadcast_id = broadcasts.id) AS versions"
)
# Deliveries already answered are never retried; 'cancelled' ones were never tried.
_FIGURE_STATUSES = ("pending", "sent", "failed", "unreachable", "cancelled")


class Broadcasts(BroadcastAudience, BroadcastDeliveries):
    """Reads and writes the broadcasts and deliveries tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        draft: BroadcastDraft,
        *,
        by: int,
        send_at: datetime | None = None,
        client_key: str | None = None,
    ) -> BroadcastSummary:
        """Save an announcement: sent now (deliveries written at once) or scheduled for later.

        With a client_key already used, the announcement made then is returned and nothing is
        written, so a Send delivered twice never sends it twice.
        """
        now = now_text()
        async with self._db.transaction() as connection:
            if client_key is not None:
                async with connection.execute(
                    "SELECT id FROM broadcasts WHERE client_key = ?", (client_key,)
                ) as cursor:
                    existing = await cursor.fetchone()
                if existing is not None:
                    return await _summary(connection, int(existing[0]))
            cursor = await connection.execute(
                "INSERT INTO broadcasts (audience, village, locale, text, photo_file_id,"
                " status, send_at, created_by, created_at, client_key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    draft.audience,
                    draft.village if draft.audience is Audience.VILLAGE else None,
                    draft.locale,
                    draft.text,
                    draft.photo_file_id,
                    BroadcastStatus.SCHEDULED,
                    _stored(send_at) if send_at is not None else now,
                    by,
                    now,
                    client_key,
                ),
            )
            broadcast_id = cursor.lastrowid
            assert broadcast_id is not None
            await connection.executemany(
                "INSERT INTO broadcast_versions (broadcast_id, locale, text) VALUES (?, ?, ?)",
                [(broadcast_id, locale, text) for locale, text in draft.versions.items()],
            )
            if send_at is None:
                await _start(connection, broadcast_id)
            return await _summary(connection, broadcast_id)

    async def start_due(self, now: datetime) -> list[BroadcastSummary]:
        """Start every scheduled announcement whose time has come, oldest first."""
        started = []
        async with self._db.transaction() as connection:
            async with connection.execute(
                "SELECT id FROM broadcasts WHERE status = 'scheduled' AND send_at <= ?"
                " ORDER BY send_at, id",
                (_stored(now),),
            ) as cursor:
                due = [int(row[0]) for row in await cursor.fetchall()]
            for broadcast_id in due:
                await _start(connection, broadcast_id)
                started.append(await _summary(connection, broadcast_id))
        return started

    async def next_due_at(self) -> datetime | None:
        """Return when the next scheduled announcement is due."""
        value = await self._db.fetch_value(
            "SELECT MIN(send_at) FROM broadcasts WHERE status = 'scheduled'"
        )
        return None if value is None else datetime.fromisoformat(value)

    async def sending(self) -> Broadcast | None:
        """Return the oldest announcement being sent (one goes out at a time)."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE status = 'sending' ORDER BY id LIMIT 1"
        )
        return None if row is None else _broadcast(row)

    async def finished_since(self, moment: datetime) -> list[int]:
        """Return the announcements that finished or were cancelled since a moment, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT id FROM broadcasts WHERE finished_at >= ? ORDER BY id",
            (moment.astimezone(UTC).isoformat(timespec="seconds"),),
        )
        return [int(row[0]) for row in rows]

    async def status(self, broadcast_id: int) -> BroadcastStatus | None:
        """Return where an announcement stands (cheap: for checking between messages)."""
        value = await self._db.fetch_value(
            "SELECT status FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        return None if value is None else BroadcastStatus(value)

    async def get(self, broadcast_id: int) -> BroadcastSummary | None:
        """Return an announcement with its figures."""
        async with self._db.transaction() as connection:
            if not await _exists(connection, broadcast_id):
                return None
            return await _summary(connection, broadcast_id)

    async def recent(self, limit: int = 10) -> list[BroadcastSummary]:
        """Return the newest announcements with their figures."""
        async with self._db.transaction() as connection:
            async with connection.execute(
                "SELECT id FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,)
            ) as cursor:
                ids = [int(row[0]) for row in await cursor.fetchall()]
            return [await _summary(connection, broadcast_id) for broadcast_id in ids]

    async def finish(self, broadcast_id: int) -> BroadcastSummary | None:
        """Mark a sending announcement done once nothing is pending; return it if it was."""
        async with self._db.transaction() as connection:
            cursor = await connection.execute(
                "UPDATE broadcasts SET status = 'done', finished_at = ? WHERE id = ?"
                " AND status = 'sending' AND NOT EXISTS (SELECT 1 FROM deliveries"
                " WHERE broadcast_id = ? AND status = 'pending')",
                (now_text(), broadcast_id, broadcast_id),
            )
            if cursor.rowcount == 0:
                return None
            return await _summary(connection, broadcast_id)

    async def pause(self, broadcast_id: int) -> tuple[bool, BroadcastSummary | None]:
        """Pause a sending announcement; True if it was sending."""
        return await self._move(broadcast_id, ("sending",), BroadcastStatus.PAUSED)

    async def resume(self, broadcast_id: int) -> tuple[bool, BroadcastSummary | None]:
        """Resume a paused announcement; True if it was paused."""
        return await self._move(broadcast_id, ("paused",), BroadcastStatus.SENDING)

    async def cancel(self, broadcast_id: int) -> tuple[bool, BroadcastSummary | None]:
        """Cancel a scheduled, sending or paused announcement: what is not sent stays unsent."""
        return await self._move(
            broadcast_id, ("scheduled", "sending", "paused"), BroadcastStatus.CANCELLED
        )

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        """Remember the message that shows an announcement's progress."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
                (chat_id, message_id, broadcast_id),
            )

    async def _move(
        self, broadcast_id: int, sources: tuple[str, ...], target: BroadcastStatus
    ) -> tuple[bool, BroadcastSummary | None]:
        now = now_text()
        marks = ", ".join("?" for _ in sources)
        async with self._db.transaction() as connection:
            if not await _exists(connection, broadcast_id):
                return False, None
            cursor = await connection.execute(
                "UPDATE broadcasts SET status = ?,"
                " finished_at = CASE WHEN ? = 'cancelled' THEN ? ELSE finished_at END"
                f" WHERE id = ? AND status IN ({marks})",
                (target, target, now, broadcast_id, *sources),
            )
            moved = cursor.rowcount > 0
            if moved and target is BroadcastStatus.CANCELLED:
                await connection.execute(
                    "UPDATE deliveries SET status = 'cancelled', done_at = ?"
                    " WHERE broadcast_id = ? AND status = 'pending'",
                    (now, broadcast_id),
                )
            return moved, await _summary(connection, broadcast_id)


def _stored(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("times are stored with their time zone")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


async def _start(connection: aiosqlite.Connection, broadcast_id: int) -> None:
    # The recipients are taken when the sending starts, so a scheduled announcement reaches
    # the people who are members at that moment.
    async with connection.execute(
        "SELECT audience, village FROM broadcasts WHERE id = ?", (broadcast_id,)
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    audience = Audience(row["audience"])
    await connection.execute(
        "INSERT INTO deliveries (broadcast_id, telegram_id) "
        + recipients_sql(":broadcast_id, m.telegram_id").format(filter=AUDIENCE_FILTER[audience]),
        {"broadcast_id": broadcast_id, "village": row["village"]},
    )
    await connection.execute(
        "UPDATE broadcasts SET status = 'sending', started_at = ? WHERE id = ?",
        (now_text(), broadcast_id),
    )


async def _exists(connection: aiosqlite.Connection, broadcast_id: int) -> bool:
    async with connection.execute(
        "SELECT 1 FROM broadcasts WHERE id = ?", (broadcast_id,)
    ) as cursor:
        return await cursor.fetchone() is not None


async def _summary(connection: aiosqlite.Connection, broadcast_id: int) -> BroadcastSummary:
    async with connection.execute(
        f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,)
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    async with connection.execute(
        "SELECT status, COUNT(*) FROM deliveries WHERE broadcast_id = ? GROUP BY status",
        (broadcast_id,),
    ) as cursor:
        counts = {status: int(count) for status, count in await cursor.fetchall()}
    figures = BroadcastFigures(**{name: counts.get(name, 0) for name in _FIGURE_STATUSES})
    return BroadcastSummary(broadcast=_broadcast(row), figures=figures)


def _broadcast(row: sqlite3.Row) -> Broadcast:
    return Broadcast.model_validate({**dict(row), "versions": json.loads(row["versions"])})

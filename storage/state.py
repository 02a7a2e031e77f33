"""Conversation states, per-user drafts and processed update ids, saved together."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from storage.clock import now_text
from storage.db import Database

# How many processed update ids to remember; Telegram redelivers only recent ones.
KEEP_PROCESSED_UPDATES = 10_000
_MARK_PROCESSED = "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)"
_FORGET_PROCESSED = "DELETE FROM processed_updates WHERE update_id < ?"


@dataclass
class PendingState:
    """Changes to conversation state and user data not yet written."""

    conversations: dict[tuple[str, str], str | None] = field(default_factory=dict)
    user_data: dict[int, str | None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.conversations or self.user_data)


class StateStore:
    """Reads and writes the conversation_states, user_data and processed_updates tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def conversations(self, name: str) -> dict[tuple[int | str, ...], object]:
        """Return every stored state of one conversation, keyed as python-telegram-bot keys it."""
        rows = await self._db.fetch_all(
            "SELECT key, state FROM conversation_states WHERE name = ?", (name,)
        )
        return {tuple(json.loads(row["key"])): json.loads(row["state"]) for row in rows}

    async def user_data(self) -> dict[int, dict[Any, Any]]:
        """Return every person's stored drafts."""
        rows = await self._db.fetch_all("SELECT user_id, data FROM user_data")
        return {int(row["user_id"]): json.loads(row["data"]) for row in rows}

    async def is_processed(self, update_id: int) -> bool:
        """Tell whether this update's effects were already committed."""
        value = await self._db.fetch_value(
            "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)
        )
        return value is not None

    async def newest_processed(self) -> int:
        """Return the highest update id whose effects were committed (0 when none)."""
        return int(
            await self._db.fetch_value("SELECT COALESCE(MAX(update_id), 0) FROM processed_updates")
        )

    async def spool(self, updates: list[tuple[int, str]]) -> None:
        """Keep updates (id, JSON) to process after a restart; processing them removes them."""
        stamp = now_text()
        async with self._db.transaction() as connection:
            await connection.executemany(
                "INSERT OR IGNORE INTO spooled_updates (update_id, payload, spooled_at)"
                " SELECT ?, ?, ? WHERE NOT EXISTS"
                " (SELECT 1 FROM processed_updates WHERE update_id = ?)",
                [(update_id, payload, stamp, update_id) for update_id, payload in updates],
            )

    async def spooled(self) -> list[tuple[int, str]]:
        """Return the spooled updates not processed yet (id, JSON), oldest first."""
        rows = await self._db.fetch_all(
            "SELECT update_id, payload FROM spooled_updates ORDER BY update_id"
        )
        return [(int(row["update_id"]), str(row["payload"])) for row in rows]

    async def save(self, pending: PendingState, processed_update_id: int | None) -> None:
        """Write pending state and mark the update processed, all in one transaction."""
        if not pending and processed_update_id is not None and processed_update_id % 1000:
            # Most updates change no conversation: one statement is then the whole transaction.
            await self._db.write_one(_MARK_PROCESSED, (processed_update_id, now_text()))
            return
        async with self._db.transaction() as connection:
            for (name, key), state in pending.conversations.items():
                if state is None:
                    await connection.execute(
                        "DELETE FROM conversation_states WHERE name = ? AND key = ?", (name, key)
                    )
                else:
                    await connection.execute(
                        "INSERT INTO conversation_states (name, key, state) VALUES (?, ?, ?)"
                        " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
                        (name, key, state),
                    )
            for user_id, data in pending.user_data.items():
                if data is None:
                    await connection.execute("DELETE FROM user_data WHERE user_id = ?", (user_id,))
                else:
                    await connection.execute(
                        "INSERT INTO user_data (user_id, data) VALUES (?, ?)"
                        " ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
                        (user_id, data),
                    )
            if processed_update_id is not None:
                await connection.execute(_MARK_PROCESSED, (processed_update_id, now_text()))
                if processed_update_id % 1000 == 0:
                    await connection.execute(
                        _FORGET_PROCESSED, (processed_update_id - KEEP_PROCESSED_UPDATES,)
                    )

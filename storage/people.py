"""Everyone who has talked to the bot: names, language choice, reachability."""

from __future__ import annotations

from storage.clock import now_text
from storage.db import Database
from storage.models import TelegramUser

_COLUMNS = "telegram_id, first_name, username, language_code, chosen_locale, blocked_at"


class People:
    """Reads and writes the telegram_users table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(
        self, telegram_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> TelegramUser:
        """Record that this person wrote to the bot (which also means they can be reached)."""
        now = now_text()
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT INTO telegram_users (telegram_id, first_name, username, language_code,"
                " first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (telegram_id) DO UPDATE SET first_name = excluded.first_name,"
                " username = excluded.username, language_code = excluded.language_code,"
                " last_seen_at = excluded.last_seen_at, blocked_at = NULL",
                (telegram_id, first_name, username, language_code, now, now),
            )
            async with connection.execute(
                f"SELECT {_COLUMNS} FROM telegram_users WHERE telegram_id = ?", (telegram_id,)
            ) as cursor:
                row = await cursor.fetchone()
        assert row is not None
        return TelegramUser.model_validate(dict(row))

    async def get(self, telegram_id: int) -> TelegramUser | None:
        """Return what is known of a person."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM telegram_users WHERE telegram_id = ?", (telegram_id,)
        )
        return None if row is None else TelegramUser.model_validate(dict(row))

    async def choose_locale(self, telegram_id: int, locale: str) -> None:
        """Store the language a person chose with /language."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE telegram_users SET chosen_locale = ? WHERE telegram_id = ?",
                (locale, telegram_id),
            )

    async def set_blocked(self, telegram_id: int, blocked: bool) -> None:
        """Record that a person blocked (or unblocked) the bot."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE telegram_users SET blocked_at = ? WHERE telegram_id = ?",
                (now_text() if blocked else None, telegram_id),
            )

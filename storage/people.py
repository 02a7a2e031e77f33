"""Everyone who has talked to the bot: names, language choice, reachability."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.clock import now_text
from storage.db import Database
from storage.members import member_columns, member_from
from storage.models.members import Member, TelegramUser

_PERSON_FIELDS = (
    "telegram_id", "first_name", "username", "language_code", "chosen_locale", "blocked_at",
)  # fmt: skip
_COLUMNS = ", ".join(_PERSON_FIELDS)
# Nothing needs a person's last visit to the minute: it is rewritten when this much older.
LAST_SEEN_PRECISION = timedelta(minutes=10)
_SENDER = (
    f"SELECT {', '.join(f't.{name}' for name in _PERSON_FIELDS)}, t.last_seen_at,"
    f" {member_columns('m', 'm_')}"
    " FROM telegram_users t LEFT JOIN members m ON m.telegram_id = t.telegram_id"
    " WHERE t.telegram_id = ?"
)


class People:
    """Reads and writes the telegram_users table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(
        self, telegram_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> TelegramUser:
        """Record that this person wrote to the bot (which also means they can be reached)."""
        now = now_text()
        [row] = await self._db.write_one(
            "INSERT INTO telegram_users (telegram_id, first_name, username, language_code,"
            " first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (telegram_id) DO UPDATE SET first_name = excluded.first_name,"
            " username = excluded.username, language_code = excluded.language_code,"
            " last_seen_at = excluded.last_seen_at, blocked_at = NULL"
            f" RETURNING {_COLUMNS}",
            (telegram_id, first_name, username, language_code, now, now),
        )
        return TelegramUser.model_validate(dict(row))

    async def arrived(
        self, telegram_id: int, first_name: str, username: str | None, language_code: str | None
    ) -> tuple[TelegramUser, Member | None]:
        """Note that this person wrote, and return them with their membership, if any.

        Usually a single read: the person's record is written only when they are new, their
        name or language changed, they had blocked the bot, or their last visit is old.
        """
        now = now_text()
        row = await self._db.fetch_one(_SENDER, (telegram_id,))
        if row is None:
            return await self.seen(telegram_id, first_name, username, language_code), None
        member = member_from(row, "m_")
        recent = (datetime.fromisoformat(now) - LAST_SEEN_PRECISION).isoformat()
        unchanged = (row["first_name"], row["username"], row["language_code"]) == (
            first_name,
            username,
            language_code,
        )
        if unchanged and row["blocked_at"] is None and row["last_seen_at"] > recent:
            person = TelegramUser.model_validate({name: row[name] for name in _PERSON_FIELDS})
            return person, member
        return await self.seen(telegram_id, first_name, username, language_code), member

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

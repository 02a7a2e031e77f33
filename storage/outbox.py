"""The outbox: messages to third parties, queued durably and marked as Telegram answers them."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from storage.clock import now_text
from storage.db import Database

# What a message is: written when it is queued (a revision rewrites the text and markup).
_CONTENT = (
    "chat_id",
    "action",
    "text",
    "parse_mode",
    "reply_markup",
    "photo_file_id",
    "document",
    "file_name",
    "message_id",
    "copy_of",
)
_COLUMNS = ", ".join(
    (
        "id",
        *_CONTENT,
        "revision",
        "update_id",
        "sequence",
        "status",
        "attempts",
        "error",
        "sent_message_id",
        "queued_at",
        "done_at",
    )
)
_INSERT = (
    f"INSERT OR IGNORE INTO outbox ({', '.join(_CONTENT)}, update_id, sequence, queued_at)"
    f" VALUES ({', '.join('?' for _ in _CONTENT)}, ?, ?, ?) RETURNING id"
)


class OutboxAction(StrEnum):
    """What to do with a queued message."""

    SEND_TEXT = "send_text"
    SEND_PHOTO = "send_photo"
    SEND_DOCUMENT = "send_document"
    EDIT_TEXT = "edit_text"
    EDIT_CAPTION = "edit_caption"

    @property
    def edits(self) -> bool:
        """Whether this changes a message already sent."""
        return self in (OutboxAction.EDIT_TEXT, OutboxAction.EDIT_CAPTION)


class OutboxStatus(StrEnum):
    """Where a queued message stands."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutgoingMessage(BaseModel):
    """A message to queue: its chat, what to do, and its content."""

    model_config = ConfigDict(frozen=True)

    chat_id: int
    action: OutboxAction
    text: str | None = None
    parse_mode: str | None = None
    # The inline keyboard as Telegram's JSON.
    reply_markup: str | None = None
    photo_file_id: str | None = None
    document: bytes | None = None
    file_name: str | None = None
    message_id: int | None = None
    copy_of: str | None = None


class QueuedMessage(OutgoingMessage):
    """A message in the outbox, with where it stands."""

    id: int
    revision: int
    update_id: int | None
    sequence: int | None
    status: OutboxStatus
    attempts: int
    error: str | None
    sent_message_id: int | None
    queued_at: datetime
    done_at: datetime | None


class QueuedRef(BaseModel):
    """Which chat a queued message is for, and which update queued it."""

    model_config = ConfigDict(frozen=True)

    id: int
    chat_id: int
    update_id: int | None


class Enqueued(BaseModel):
    """The row a message was queued as, and whether it was there already."""

    model_config = ConfigDict(frozen=True)

    id: int
    status: OutboxStatus
    existed: bool


class Outbox:
    """Reads and writes the outbox table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(
        self, message: OutgoingMessage, update_id: int | None, sequence: int | None
    ) -> Enqueued:
        """Queue a message; the same update's same message to a chat is queued once."""
        if (update_id is None) != (sequence is None):
            raise ValueError("an update's message needs its sequence number, and only then")
        values = [getattr(message, name) for name in _CONTENT]
        rows = await self._db.write_one(_INSERT, (*values, update_id, sequence, now_text()))
        if rows:
            return Enqueued(id=int(rows[0]["id"]), status=OutboxStatus.QUEUED, existed=False)
        row = await self._db.fetch_one(
            "SELECT id, status FROM outbox WHERE update_id = ? AND chat_id = ? AND sequence = ?",
            (update_id, message.chat_id, sequence),
        )
        assert row is not None, "INSERT OR IGNORE ignored a row that is not there"
        return Enqueued(id=int(row["id"]), status=OutboxStatus(row["status"]), existed=True)

    async def get(self, row_id: int) -> QueuedMessage | None:
        """Return one row of the outbox."""
        row = await self._db.fetch_one(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (row_id,))
        return None if row is None else _queued(row)

    async def next_for_chat(self, chat_id: int) -> QueuedMessage | None:
        """Return the oldest message still queued for a chat."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM outbox WHERE chat_id = ? AND status = 'queued'"
            " ORDER BY id LIMIT 1",
            (chat_id,),
        )
        return None if row is None else _queued(row)

    async def queued(self) -> list[QueuedRef]:
        """Return every message still queued, oldest first: its row, chat and update."""
        rows = await self._db.fetch_all(
            "SELECT id, chat_id, update_id FROM outbox WHERE status = 'queued' ORDER BY id"
        )
        return [QueuedRef.model_validate(dict(row)) for row in rows]

    async def mark_sent(self, row_id: int, revision: int, sent_message_id: int | None) -> bool:
        """Mark a message sent; False when it was revised meanwhile and is now to be edited.

        A copy revised while in flight went out with its old content: it stays queued, as an
        edit of the message just sent, carrying the new content.
        """
        async with self._db.transaction() as connection:
            # Without the message's id there is nothing to edit: it counts as sent regardless.
            cursor = await connection.execute(
                "UPDATE outbox SET status = 'sent', sent_message_id = ?, done_at = ?"
                " WHERE id = ? AND status = 'queued' AND (revision = ? OR ? IS NULL)",
                (sent_message_id, now_text(), row_id, revision, sent_message_id),
            )
            if cursor.rowcount:
                return True
            cursor = await connection.execute(
                "UPDATE outbox SET message_id = ?, sent_message_id = ?, action = CASE action"
                " WHEN 'send_text' THEN 'edit_text' WHEN 'send_photo' THEN 'edit_caption'"
                " ELSE action END WHERE id = ? AND status = 'queued'",
                (sent_message_id, sent_message_id, row_id),
            )
            return cursor.rowcount == 0

    async def mark_failed(self, row_id: int, error: str, *, unreachable: bool = False) -> None:
        """Give a message up; an unreachable chat's person is marked as having blocked the bot."""
        now = now_text()
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE outbox SET status = 'failed', error = ?, done_at = ?"
                " WHERE id = ? AND status = 'queued'",
                (error, now, row_id),
            )
            if unreachable:
                # Announcements leave them out too, until they write to the bot again.
                await connection.execute(
                    "UPDATE telegram_users SET blocked_at = ? WHERE telegram_id ="
                    " (SELECT chat_id FROM outbox WHERE id = ?)",
                    (now, row_id),
                )

    async def record_attempt(self, row_id: int, error: str) -> int:
        """Count a failed try that may be retried; return how many tries there have been."""
        rows = await self._db.write_one(
            "UPDATE outbox SET attempts = attempts + 1, error = ? WHERE id = ? RETURNING attempts",
            (error, row_id),
        )
        return int(rows[0]["attempts"]) if rows else 0

    async def queued_copies(self, copy_of: str) -> list[int]:
        """Return the chats where a copy of this card is still queued."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT chat_id FROM outbox"
            " WHERE copy_of = ? AND status = 'queued' ORDER BY chat_id",
            (copy_of,),
        )
        return [int(row[0]) for row in rows]

    async def revise(
        self, copy_of: str, chat_id: int, text: str, reply_markup: str | None
    ) -> list[int]:
        """Bring the queued copies of a card in a chat up to date; return their row ids."""
        rows = await self._db.write_one(
            "UPDATE outbox SET text = ?, reply_markup = ?, revision = revision + 1"
            " WHERE copy_of = ? AND chat_id = ? AND status = 'queued' RETURNING id",
            (text, reply_markup, copy_of, chat_id),
        )
        return [int(row["id"]) for row in rows]

    async def revise_edits(
        self, chat_id: int, message_id: int, text: str, reply_markup: str | None
    ) -> list[int]:
        """Give the queued edits of a message new content; return their row ids."""
        rows = await self._db.write_one(
            "UPDATE outbox SET text = ?, reply_markup = ?, revision = revision + 1"
            " WHERE chat_id = ? AND message_id = ? AND status = 'queued'"
            " AND action IN ('edit_text', 'edit_caption') RETURNING id",
            (text, reply_markup, chat_id, message_id),
        )
        return [int(row["id"]) for row in rows]

    async def prune(self, before: datetime) -> int:
        """Forget sent and failed messages answered before `before`; return how many."""
        rows = await self._db.write_one(
            "DELETE FROM outbox WHERE status <> 'queued' AND done_at < ? RETURNING id",
            (before.astimezone(UTC).isoformat(timespec="seconds"),),
        )
        return len(rows)


def _queued(row: sqlite3.Row) -> QueuedMessage:
    return QueuedMessage.model_validate(dict(row))

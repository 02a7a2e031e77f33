"""Members' messages to the cooperative and the admins' answers, one thread per member."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import aiosqlite

from storage.clock import now_text
from storage.db import Database
from storage.members import member_columns, member_from
from storage.models.inbox import Answer, Thread, ThreadMessage

# How far back a member's messages count against the daily limit.
DAY = timedelta(hours=24)
_FIELDS = (
    "id", "thread_id", "from_member", "author", "text", "photo_file_id", "sent_at",
    "answered_at", "answered_by", "answer_id",
)  # fmt: skip
_COLUMNS = ", ".join(_FIELDS)
_WAITING = "from_member = 1 AND answered_at IS NULL"
_THREADS = (
    "SELECT t.id AS t_id, t.started_at AS t_started_at, "
    + member_columns("m", "m_")
    + ", "
    + ", ".join(f"l.{name} AS l_{name}" for name in _FIELDS)
    + f", (SELECT COUNT(*) FROM thread_messages w WHERE w.thread_id = t.id AND w.{_WAITING})"
    " AS waiting,"
    " a.answered_by AS a_answered_by, a.answered_at AS a_answered_at"
    " FROM threads t JOIN members m ON m.id = t.member_id"
    " JOIN thread_messages l ON l.id = t.last_message_id"
    " LEFT JOIN thread_messages a ON a.id = (SELECT MAX(id) FROM thread_messages n"
    " WHERE n.thread_id = t.id AND n.from_member = 1)"
)


class NotAllowedToWriteError(Exception):
    """Only an active or pending member may write to the cooperative."""

    def __init__(self, member_id: int) -> None:
        super().__init__(f"member {member_id} may not write to the cooperative")
        self.member_id = member_id


class TooManyWaitingMessagesError(Exception):
    """The member already has as many unanswered messages as one may have."""

    def __init__(self, member_id: int, limit: int) -> None:
        super().__init__(f"member {member_id} already has {limit} unanswered messages")
        self.member_id = member_id
        self.limit = limit


class TooManyMessagesTodayError(Exception):
    """The member wrote as often as one may in 24 hours; they may again from `again_at`."""

    def __init__(self, member_id: int, limit: int, again_at: datetime) -> None:
        super().__init__(f"member {member_id} wrote {limit} messages in {DAY}")
        self.member_id = member_id
        self.limit = limit
        self.again_at = again_at


class NoSuchThreadError(Exception):
    """There is no conversation with this id."""


class Inbox:
    """Reads and writes the members' conversations with the cooperative."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def write(
        self,
        member_id: int,
        text: str | None,
        photo_file_id: str | None = None,
        *,
        update_id: int | None = None,
        max_waiting: int | None = None,
        max_per_day: int | None = None,
    ) -> tuple[ThreadMessage, bool]:
        """Store a member's message in their thread; True if newly stored.

        The message an update already stored is returned with False and nothing is written.
        Raises NotAllowedToWriteError, TooManyWaitingMessagesError (`max_waiting` unanswered)
        or TooManyMessagesTodayError (`max_per_day` in 24 hours), checked as it stores.
        """
        if not text and not photo_file_id:
            raise ValueError("a message has a text or a photo")
        async with self._db.transaction() as connection:
            stored = await _by_update(connection, update_id)
            if stored is not None:
                if not stored.from_member or await _member_of(connection, stored) != member_id:
                    raise ValueError("this update stored another person's message")
                return stored, False
            async with connection.execute(
                "SELECT telegram_id FROM members WHERE id = ? AND status IN ('active', 'pending')",
                (member_id,),
            ) as cursor:
                member = await cursor.fetchone()
            if member is None:
                raise NotAllowedToWriteError(member_id)
            now = now_text()
            await _check_limits(connection, member_id, now, max_waiting, max_per_day)
            await connection.execute(
                "INSERT OR IGNORE INTO threads (member_id, started_at) VALUES (?, ?)",
                (member_id, now),
            )
            thread_id = await _thread_id(connection, member_id)
            assert thread_id is not None
            message = await _insert(
                connection, thread_id, True, int(member[0]), text, photo_file_id, now, update_id
            )
        return message, True

    async def check_limits(
        self, member_id: int, *, max_waiting: int | None, max_per_day: int | None
    ) -> None:
        """Raise the limit error a message from this member would meet now, if any."""
        async with self._db.transaction() as connection:
            await _check_limits(connection, member_id, now_text(), max_waiting, max_per_day)

    async def reply(
        self,
        thread_id: int,
        admin_id: int,
        text: str | None,
        photo_file_id: str | None = None,
        *,
        update_id: int | None = None,
    ) -> Answer:
        """Store an admin's reply; it answers every message of the member still waiting.

        The reply an update already stored is returned (created False) with what it answered.
        Raises NoSuchThreadError.
        """
        if not text and not photo_file_id:
            raise ValueError("a reply has a text or a photo")
        async with self._db.transaction() as connection:
            stored = await _by_update(connection, update_id)
            if stored is not None:
                if stored.from_member or stored.thread_id != thread_id:
                    raise ValueError("this update stored another message")
                answered = await _select(connection, "answer_id = ? ORDER BY id", stored.id)
                return Answer(message=stored, answered=tuple(answered), created=False)
            async with connection.execute("SELECT 1 FROM threads WHERE id = ?", (thread_id,)) as c:
                if await c.fetchone() is None:
                    raise NoSuchThreadError(thread_id)
            now = now_text()
            message = await _insert(
                connection, thread_id, False, admin_id, text, photo_file_id, now, update_id
            )
            await connection.execute(
                "UPDATE thread_messages SET answered_at = ?, answered_by = ?, answer_id = ?,"
                f" answered_update_id = ? WHERE thread_id = ? AND {_WAITING}",
                (now, admin_id, message.id, update_id, thread_id),
            )
            answered = await _select(connection, "answer_id = ? ORDER BY id", message.id)
        return Answer(message=message, answered=tuple(answered), created=True)

    async def mark_answered(
        self, thread_id: int, admin_id: int, *, update_id: int | None = None
    ) -> list[ThreadMessage]:
        """Mark the member's waiting messages answered without a reply; return them.

        Empty when nothing waited. The same update delivered again gets what it marked before.
        """
        async with self._db.transaction() as connection:
            if update_id is not None:
                done = await _select(connection, "answered_update_id = ? ORDER BY id", update_id)
                if done:
                    return done
            waiting = await _select(connection, f"thread_id = ? AND {_WAITING}", thread_id)
            now = now_text()
            for message in waiting:
                await connection.execute(
                    "UPDATE thread_messages SET answered_at = ?, answered_by = ?,"
                    " answered_update_id = ? WHERE id = ?",
                    (now, admin_id, update_id, message.id),
                )
            ids = [message.id for message in waiting]
            marks = ", ".join("?" * len(ids))
            return await _select(connection, f"id IN ({marks}) ORDER BY id", *ids) if ids else []

    async def thread(self, thread_id: int) -> Thread | None:
        """Return a conversation with its member, how many messages wait, and the newest."""
        rows = await self._db.fetch_all(f"{_THREADS} WHERE t.id = ?", (thread_id,))
        return _thread(rows[0]) if rows else None

    async def threads(self, *, limit: int = 1000) -> list[Thread]:
        """Return the conversations: open ones first, then answered, each newest first."""
        rows = await self._db.fetch_all(
            f"{_THREADS} ORDER BY waiting > 0 DESC, t.last_message_id DESC LIMIT ?", (limit,)
        )
        return [_thread(row) for row in rows]

    async def messages(self, thread_id: int, *, limit: int = 1000) -> list[ThreadMessage]:
        """Return a conversation's messages, newest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM thread_messages WHERE thread_id = ? ORDER BY id DESC LIMIT ?",
            (thread_id, limit),
        )
        return [_message(row) for row in rows]

    async def message(self, message_id: int) -> ThreadMessage | None:
        """Return one message by id."""
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS} FROM thread_messages WHERE id = ?", (message_id,)
        )
        return None if row is None else _message(row)

    async def waiting_count(self, member_id: int) -> int:
        """Count the member's messages waiting for an answer."""
        return int(
            await self._db.fetch_value(
                "SELECT COUNT(*) FROM thread_messages m JOIN threads t ON t.id = m.thread_id"
                f" WHERE t.member_id = ? AND m.{_WAITING}",
                (member_id,),
            )
        )

    async def add_copy(self, message_id: int, chat_id: int, telegram_message_id: int) -> None:
        """Remember an admin's copy of a member message's card, to update it once answered."""
        await self._db.write_one(
            "INSERT OR IGNORE INTO thread_message_copies (thread_message_id, chat_id, message_id)"
            " VALUES (?, ?, ?)",
            (message_id, chat_id, telegram_message_id),
        )

    async def copies(self, message_id: int) -> list[tuple[int, int]]:
        """Return (chat_id, message_id) of every admin's copy of a member message's card."""
        rows = await self._db.fetch_all(
            "SELECT chat_id, message_id FROM thread_message_copies WHERE thread_message_id = ?",
            (message_id,),
        )
        return [(int(row[0]), int(row[1])) for row in rows]


async def _check_limits(
    connection: aiosqlite.Connection,
    member_id: int,
    now: str,
    max_waiting: int | None,
    max_per_day: int | None,
) -> None:
    thread_id = await _thread_id(connection, member_id)
    if thread_id is None:
        return
    if max_waiting is not None:
        query = f"SELECT COUNT(*) FROM thread_messages WHERE thread_id = ? AND {_WAITING}"
        async with connection.execute(query, (thread_id,)) as cursor:
            row = await cursor.fetchone()
        if row is not None and int(row[0]) >= max_waiting:
            raise TooManyWaitingMessagesError(member_id, max_waiting)
    if max_per_day is not None:
        since = (datetime.fromisoformat(now) - DAY).isoformat(timespec="seconds")
        async with connection.execute(
            "SELECT sent_at FROM thread_messages WHERE thread_id = ? AND from_member = 1"
            " AND sent_at > ? ORDER BY sent_at",
            (thread_id, since),
        ) as cursor:
            recent = [datetime.fromisoformat(row[0]) for row in await cursor.fetchall()]
        if len(recent) >= max_per_day:
            again_at = recent[len(recent) - max_per_day] + DAY
            raise TooManyMessagesTodayError(member_id, max_per_day, again_at)


async def _thread_id(connection: aiosqlite.Connection, member_id: int) -> int | None:
    async with connection.execute("SELECT id FROM threads WHERE member_id = ?", (member_id,)) as c:
        row = await c.fetchone()
    return None if row is None else int(row[0])


async def _member_of(connection: aiosqlite.Connection, message: ThreadMessage) -> int | None:
    query = "SELECT member_id FROM threads WHERE id = ?"
    async with connection.execute(query, (message.thread_id,)) as cursor:
        row = await cursor.fetchone()
    return None if row is None else int(row[0])


async def _insert(
    connection: aiosqlite.Connection,
    thread_id: int,
    from_member: bool,
    author: int,
    text: str | None,
    photo_file_id: str | None,
    now: str,
    update_id: int | None,
) -> ThreadMessage:
    cursor = await connection.execute(
        "INSERT INTO thread_messages (thread_id, from_member, author, text, photo_file_id,"
        " sent_at, update_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (thread_id, int(from_member), author, text, photo_file_id, now, update_id),
    )
    message_id = cursor.lastrowid
    await connection.execute(
        "UPDATE threads SET last_message_id = ? WHERE id = ?", (message_id, thread_id)
    )
    [message] = await _select(connection, "id = ?", message_id)
    return message


async def _by_update(
    connection: aiosqlite.Connection, update_id: int | None
) -> ThreadMessage | None:
    if update_id is None:
        return None
    found = await _select(connection, "update_id = ?", update_id)
    return found[0] if found else None


async def _select(
    connection: aiosqlite.Connection, where: str, *params: object
) -> list[ThreadMessage]:
    query = f"SELECT {_COLUMNS} FROM thread_messages WHERE {where}"
    async with connection.execute(query, params) as cursor:
        return [_message(row) for row in await cursor.fetchall()]


def _message(row: sqlite3.Row, prefix: str = "") -> ThreadMessage:
    return ThreadMessage.model_validate({name: row[prefix + name] for name in _FIELDS})


def _thread(row: sqlite3.Row) -> Thread:
    member = member_from(row, "m_")
    assert member is not None
    return Thread(
        id=row["t_id"],
        member=member,
        started_at=row["t_started_at"],
        waiting=row["waiting"],
        last=_message(row, "l_"),
        answered_by=row["a_answered_by"],
        answered_at=row["a_answered_at"],
    )

"""One aiosqlite connection with serialized, explicit transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")

# Switching a file to WAL is tried this often, a little longer apart each time.
WAL_TRIES = 20
WAL_RETRY_SECONDS = 0.05


class Database:
    """The bot's SQLite database: WAL, foreign keys, and one operation at a time.

    A single connection interleaves the statements of different coroutines, so every
    transaction and every read holds the same lock; writes begin with BEGIN IMMEDIATE so
    that a read-then-write never fails with "database is locked" halfway.
    """

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating if needed) the database file with the bot's pragmas."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = sqlite3.Row
        await connection.execute("PRAGMA busy_timeout=5000")
        await _use_wal(connection)
        for pragma in ("PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"):
            await connection.execute(pragma)
        return cls(connection, path)

    async def close(self) -> None:
        """Close the connection (its worker thread would otherwise keep the process alive)."""
        async with self._lock:
            await _to_the_end(self._connection.close())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block as one write transaction; roll back on any error or cancellation."""
        # aiosqlite runs each statement on the connection's own thread, and a cancelled await
        # does not stop it there: a BEGIN IMMEDIATE waiting out the busy timeout can still
        # open a transaction after its caller was cancelled. So every statement here is seen
        # through to its end (`_to_the_end`), then the transaction is settled (`rollback()`
        # checks on that thread whether one is open, so it also fits a BEGIN that failed or a
        # COMMIT that went through), and only then are the lock and the cancellation let go.
        # Releasing the lock sooner would gain nothing: the thread runs one statement at a
        # time, so everyone else's would queue behind the blocked BEGIN anyway.
        async with self._lock:
            try:
                await _to_the_end(self._connection.execute("BEGIN IMMEDIATE"))
                yield self._connection
                await _to_the_end(self._connection.execute("COMMIT"))
            except BaseException:
                # Queued behind any statement of the block still running on the thread.
                await _to_the_end(self._connection.rollback())
                raise

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """Read in one transaction on a connection of its own: long reads see one moment.

        In WAL mode such a reader neither waits for the bot's writes nor holds them up, so an
        export of a year does not keep everyone else waiting.
        """
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        # aiosqlite stops its thread itself when opening is cancelled.
        connection = await aiosqlite.connect(uri, uri=True, isolation_level=None)
        try:
            connection.row_factory = sqlite3.Row
            await connection.execute("PRAGMA busy_timeout=5000")
            await connection.execute("BEGIN")
            yield connection
        finally:
            # Closed even when cancelled meanwhile: its thread would keep the process alive.
            await _to_the_end(connection.close())

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Run a query of at most a few rows (by key, an aggregate, LIMIT) and return the first."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run a query and return all its rows."""
        # One trip to the connection's thread instead of three (execute, fetch, close): each
        # trip is a thread hand-over, and they add up to much of an update's time.
        async with self._lock:
            return list(await self._connection.execute_fetchall(sql, params))

    async def write_one(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run a single writing statement as its own transaction; return its RETURNING rows."""
        # Outside BEGIN ... COMMIT, SQLite makes one statement one transaction by itself.
        return await self.fetch_all(sql, params)

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """Run a query and return the first column of its first row (None when no row)."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def execute_script(self, statements: Iterable[str]) -> None:
        """Run statements one by one inside one transaction (DDL is transactional in SQLite)."""
        async with self.transaction() as connection:
            for statement in statements:
                await connection.execute(statement)


async def _to_the_end(statement: Awaitable[T]) -> T:
    """Await a statement until it has ended, even if cancelled meanwhile; then raise that."""
    task = asyncio.ensure_future(statement)
    cancelled: asyncio.CancelledError | None = None
    while not task.done():
        try:
            await asyncio.wait((task,))
        except asyncio.CancelledError as error:
            cancelled = error
    if cancelled is not None:
        if not task.cancelled():
            task.exception()  # retrieved: the caller is told of the cancellation instead
        raise cancelled
    return task.result()


async def _use_wal(connection: aiosqlite.Connection) -> None:
    # Turning a new file to WAL needs it alone for a moment, and SQLite answers "database is
    # locked" at once, without waiting out busy_timeout, when another process opens the same
    # file just then (two services started together, a backup while starting).
    for attempt in range(1, WAL_TRIES + 1):
        try:
            await connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == WAL_TRIES:
                raise
            await asyncio.sleep(WAL_RETRY_SECONDS * attempt)

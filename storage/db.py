"""One aiosqlite connection with serialized, explicit transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

Params = Sequence[Any] | dict[str, Any]


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
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=5000",
        ):
            await connection.execute(pragma)
        return cls(connection, path)

    async def close(self) -> None:
        """Close the connection (its worker thread would otherwise keep the process alive)."""
        async with self._lock:
            await self._connection.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block as one write transaction; roll back on any error or cancellation."""
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                await asyncio.shield(self._connection.execute("ROLLBACK"))
                raise
            await asyncio.shield(self._connection.execute("COMMIT"))

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[aiosqlite.Connection]:
        """Read in one transaction on a connection of its own: long reads see one moment.

        In WAL mode such a reader neither waits for the bot's writes nor holds them up, so an
        export of a year does not keep everyone else waiting.
        """
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        connection = await aiosqlite.connect(uri, uri=True, isolation_level=None)
        try:
            connection.row_factory = sqlite3.Row
            await connection.execute("PRAGMA busy_timeout=5000")
            await connection.execute("BEGIN")
            yield connection
        finally:
            await connection.close()

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

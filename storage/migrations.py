"""Numbered SQL migrations, tracked in PRAGMA user_version, each applied atomically."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

from storage.db import Database

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseTooNewError(Exception):
    """The database was migrated by a newer version of the bot."""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """Split the file into complete SQL statements."""
        statements: list[str] = []
        pending = ""
        for line in self.sql.splitlines(keepends=True):
            pending += line
            if sqlite3.complete_statement(pending):
                if pending.strip():
                    statements.append(pending.strip())
                pending = ""
        if pending.strip() and not all(
            part.strip().startswith("--") or not part.strip() for part in pending.splitlines()
        ):
            raise ValueError(f"migration {self.name} ends with an incomplete statement")
        return statements


def available_migrations() -> list[Migration]:
    """Return the migrations shipped with the code, in order."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda migration: migration.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise ValueError(f"migration numbers must run 1, 2, 3…; found {migration.name}")
    return found


async def schema_version(db: Database) -> int:
    """Return the database's PRAGMA user_version."""
    return int(await db.fetch_value("PRAGMA user_version"))


async def migrate(db: Database) -> tuple[int, int]:
    """Apply every pending migration; return the versions before and after."""
    migrations = available_migrations()
    latest = migrations[-1].version if migrations else 0
    before = await schema_version(db)
    if before > latest:
        raise DatabaseTooNewError(
            f"the database {db.path} is at schema version {before}, but this version of "
            f"kendang-bot knows only up to {latest}: upgrade kendang-bot"
        )
    for migration in migrations[before:]:
        # The version is read again under the write lock: another process opening the same new
        # file may have applied this migration since. user_version is set in the same
        # transaction, so a migration applies whole or not at all.
        async with db.transaction() as connection:
            async with connection.execute("PRAGMA user_version") as cursor:
                row = await cursor.fetchone()
            if row is not None and int(row[0]) >= migration.version:
                continue
            for statement in migration.statements():
                await connection.execute(statement)
            await connection.execute(f"PRAGMA user_version = {migration.version}")
    return before, latest

"""A consistent copy of the live database, made with SQLite's online backup."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path


class BackupError(Exception):
    """The copy could not be made; the message says why, and no file was left behind."""


@dataclass(frozen=True)
class BackupResult:
    """What was copied."""

    target: Path
    size: int
    schema_version: int
    members: int
    reports: int


def backup(source: Path, target: Path) -> BackupResult:
    """Copy the database to `target` while the bot may be writing to it; check the copy.

    The copy is written beside the target under another name and renamed into place only once
    it is complete and passes SQLite's integrity check, so a failed backup never leaves a
    half-written file where a good one is expected.
    """
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("the backup must go to another file than the database itself")
    if target.is_dir():
        raise BackupError(f"{target} is a folder: give the backup's file name")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        # Read-only, and in one step: in WAL mode that reads one moment of the database
        # without holding up the bot's writes.
        with (
            closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as reader,
            closing(sqlite3.connect(partial)) as copy,
        ):
            reader.backup(copy)
            # A backup is one file: no -wal beside it to forget when it is copied elsewhere.
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = copy.execute("PRAGMA integrity_check").fetchall()
            if problems != [("ok",)]:
                raise BackupError(f"the copy failed SQLite's integrity check: {problems[:3]}")
            version = int(copy.execute("PRAGMA user_version").fetchone()[0])
            members, reports = _counts(copy)
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise BackupError(f"the database could not be copied: {error}") from error
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, version, members, reports)


def _counts(connection: sqlite3.Connection) -> tuple[int, int]:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    members = reports = 0
    if "members" in tables:
        members = int(connection.execute("SELECT COUNT(*) FROM members").fetchone()[0])
    if "reports" in tables:
        reports = int(connection.execute("SELECT COUNT(*) FROM reports").fetchone()[0])
    return members, reports

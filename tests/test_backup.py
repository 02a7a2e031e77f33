"""`kendang-bot backup PATH`: a consistent, checked copy of the live database, ready to restore."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.emulator import BotApiEmulator, Person
from storage import Storage
from storage.migrations import available_migrations
from tests.test_cli import run_cli
from tests.test_durability import STARTUP_SECONDS, BotProcess


async def test_a_backup_taken_while_the_bot_runs_and_writes_restores_whole(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    process = BotProcess(emulator, tmp_path / "live")
    process.folder.mkdir()
    await process.start()
    try:
        buyer = Person(emulator, 2001, "Li", language_code="en")
        buyer.timeout = STARTUP_SECONDS
        await buyer.send("/start")
        await buyer.tap("I am a buyer")
        await buyer.send("Li Wei")
        await buyer.send("Yiwu Music Trading")
        await buyer.tap("China")
        await buyer.tap("Create my account")

        # Someone keeps writing to the live database while the copy is made.
        live = await Storage.open(process.db_path)
        writing = True

        async def keep_writing() -> int:
            count = 0
            while writing:
                await live.people.seen(50_000 + count, f"Visitor {count}", None, "id")
                count += 1
                await asyncio.sleep(0)
            return count

        writer = asyncio.create_task(keep_writing())
        target = tmp_path / "backups" / "kendang-2026-11-29.db"
        target.parent.mkdir()
        result = await asyncio.to_thread(
            run_cli, tmp_path, "backup", str(target), KENDANG_DB_PATH=str(process.db_path)
        )
        writing = False
        written = await writer
        await live.close()
    finally:
        await process.terminate()

    assert result.returncode == 0, result.stderr
    assert "integrity ok" in result.stdout and "1 members" in result.stdout
    assert written > 0
    assert not (target.parent / f".{target.name}.partial").exists()
    assert not target.with_name(f"{target.name}-wal").exists()
    # Restoring is putting the file in place of the database: the bot's storage opens it.
    restored = await Storage.open(target)
    try:
        member = await restored.members.by_telegram_id(2001)
        assert member is not None and member.company == "Yiwu Music Trading"
        version = await restored.db.fetch_value("PRAGMA user_version")
        assert version == available_migrations()[-1].version
        visitors = await restored.db.fetch_value(
            "SELECT COUNT(*) FROM telegram_users WHERE telegram_id >= 50000"
        )
        assert 0 <= visitors <= written
    finally:
        await restored.close()


def test_a_missing_database_is_said_and_nothing_is_written(tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    result = run_cli(tmp_path, "backup", str(target), KENDANG_DB_PATH=str(tmp_path / "none.db"))
    assert result.returncode == 1
    assert result.stderr.strip().startswith("kendang-bot: backup failed: there is no database")
    assert not target.exists()


def test_the_backup_never_overwrites_the_database_itself(tmp_path: Path) -> None:
    database = tmp_path / "kendang.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE kept (value INTEGER)")
        connection.execute("INSERT INTO kept VALUES (7)")
    result = run_cli(tmp_path, "backup", str(database), KENDANG_DB_PATH=str(database))
    assert result.returncode == 1
    assert "another file than the database itself" in result.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT value FROM kept").fetchall() == [(7,)]

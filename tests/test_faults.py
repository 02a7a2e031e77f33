"""Faults outside the bot: a database that cannot be written, Telegram out of reach."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import Person
from bot.emulator.server import text_content
from bot.i18n import translator
from bot.storage_faults import StorageAlarm, StorageFault, alert_text, storage_fault
from storage import Storage
from storage.broadcasts import BroadcastStatus
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot
from tests.test_broadcast_sending import add_members, announce, copies, until, until_status

APOLOGY_EN = "the cooperative's system cannot save anything right now"
APOLOGY_ID = "sistem koperasi sedang tidak bisa menyimpan apa pun"
OUTAGE_SECONDS = 6.0


@pytest.fixture
def bot_storage(monkeypatch: pytest.MonkeyPatch) -> list[Storage]:
    """Every Storage opened during the test, the running bot's own connection first.

    The bot runs in this process; recording what `Storage.open` returns lets a test set a
    pragma on the very connection the bot writes with, without a hook in the bot's code.
    """
    opened: list[Storage] = []
    original = Storage.open

    async def recording_open(path: Path | str) -> Storage:
        storage = await original(path)
        opened.append(storage)
        return storage

    monkeypatch.setattr(Storage, "open", recording_open)
    return opened


def row_counts(path: Path) -> dict[str, int]:
    """How many rows each table of the database holds, read on a connection of its own."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        tables = [
            str(row[0])
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
            for table in tables
        }


async def test_a_read_only_database_is_explained_to_people_and_to_each_admin_once(
    start_bot: Callable[..., Any], bot_storage: list[Storage]
) -> None:
    bot: RunningBot = await start_bot()
    [storage] = bot_storage
    ani = bot.admin()
    budi = bot.admin(ADMIN_BUDI, "Budi", language_code="en")
    await ani.send("/start")
    await budi.send("/start")
    buyer = bot.person(2001, "Li", "en")
    await buyer.send("/start")
    await buyer.tap("I am a buyer")
    await buyer.send("Li Wei")
    await buyer.send("Yiwu Music Trading")
    await buyer.tap("China")
    before = row_counts(bot.settings.db_path)
    seen_by_ani = len(bot.emulator.messages(ADMIN_ANI))
    seen_by_budi = len(bot.emulator.messages(ADMIN_BUDI))

    # Every write on the bot's own connection now fails as on a read-only file:
    # "attempt to write a readonly database" from SQLite itself.
    await storage.db.fetch_value("PRAGMA query_only = ON")
    try:
        replies = await buyer.tap("Create my account")
        assert len(replies) == 1 and APOLOGY_EN in replies[0].plain
        # A flood of failing updates: each person is answered, the admins are not flooded.
        for user_id in range(3001, 3011):
            replies = await bot.person(user_id, f"P{user_id}", "id").send("/start")
            assert len(replies) == 1 and APOLOGY_ID in replies[0].plain
        assert row_counts(bot.settings.db_path) == before, "nothing half-written"
    finally:
        await storage.db.fetch_value("PRAGMA query_only = OFF")

    [to_ani] = bot.emulator.messages(ADMIN_ANI)[seen_by_ani:]
    [to_budi] = bot.emulator.messages(ADMIN_BUDI)[seen_by_budi:]
    assert "hanya bisa dibaca" in to_ani.plain
    assert "database file is read-only" in to_budi.plain
    assert str(bot.settings.db_path) in to_budi.plain
    # The fault removed, the same tap on the same screen goes through.
    await buyer.tap("Create my account")
    assert "Your buyer account is ready" in buyer.last_text


def test_sqlite_errors_of_a_disk_that_cannot_be_written_are_recognised(tmp_path: Path) -> None:
    path = tmp_path / "kendang.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE drums (photo BLOB)")
        connection.commit()
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(sqlite3.OperationalError) as full:
            connection.execute("INSERT INTO drums VALUES (zeroblob(100000))")
        with pytest.raises(sqlite3.OperationalError) as other:
            connection.execute("SELECT * FROM no_such_table")
    read_only_uri = f"{path.as_uri()}?mode=ro"
    with (
        closing(sqlite3.connect(read_only_uri, uri=True)) as connection,
        pytest.raises(sqlite3.OperationalError) as read_only,
    ):
        connection.execute("INSERT INTO drums VALUES (NULL)")
    with pytest.raises(sqlite3.OperationalError) as cannot_open:
        sqlite3.connect(tmp_path / "missing" / "kendang.db")

    assert storage_fault(full.value) is StorageFault.DISK_FULL
    assert storage_fault(read_only.value) is StorageFault.READ_ONLY
    assert storage_fault(cannot_open.value) is StorageFault.CANNOT_OPEN
    assert storage_fault(sqlite3.DatabaseError("disk I/O error")) is StorageFault.IO_ERROR
    assert storage_fault(other.value) is None
    assert storage_fault(ValueError("read-only")) is None
    wrapped = RuntimeError("while saving")
    wrapped.__cause__ = full.value
    assert storage_fault(wrapped) is StorageFault.DISK_FULL
    text = alert_text(translator("en"), StorageFault.DISK_FULL, "/srv/<kendang>.db")
    assert "the disk is full" in text and "&lt;kendang&gt;" in text


def test_each_admin_is_alerted_at_most_once_in_five_minutes() -> None:
    now = [1000.0]
    alarm = StorageAlarm(clock=lambda: now[0])
    assert alarm.due(ADMIN_ANI) and alarm.due(ADMIN_BUDI)
    now[0] += 299
    assert not alarm.due(ADMIN_ANI) and not alarm.due(ADMIN_BUDI)
    now[0] += 1
    assert alarm.due(ADMIN_ANI)
    assert not alarm.due(ADMIN_ANI)


async def test_after_telegram_is_unreachable_everything_goes_through_once_in_order(
    start_bot: Callable[..., Any],
) -> None:
    bot: RunningBot = await start_bot(broadcast_rate=10)
    emulator = bot.emulator
    storage = await Storage.open(bot.settings.db_path)
    try:
        members = await add_members(emulator, storage, range(3001, 3041))
        chatters = [Person(emulator, user_id, f"C{user_id}") for user_id in (5001, 5002, 5003)]
        summary = await announce(storage)
        await until(lambda: copies(emulator, 3001) == 1)

        emulator.inject("*", "drop", count=None)
        outage_began = time.monotonic()
        sent_before = sum(copies(emulator, member.user_id) for member in members)
        updates = []
        for chatter in chatters:
            for text in ("/start", "/help"):
                updates.append(emulator.user_message(chatter.user_id, text_content(text)))
        await asyncio.sleep(OUTAGE_SECONDS)
        during = [r for r in emulator.requests if r.at >= outage_began]
        emulator.clear_faults()

        assert not any(emulator.is_confirmed(update_id) for update_id in updates)
        assert sum(copies(emulator, member.user_id) for member in members) == sent_before
        # Backing off: a handful of tries in the outage, not a busy loop.
        assert len([r for r in during if r.method == "getUpdates"]) <= 6
        assert len([r for r in during if r.method == "sendMessage"]) <= 10

        await emulator.wait_until(
            lambda: all(emulator.is_confirmed(update_id) for update_id in updates), within=20
        )
        done = await until_status(storage, summary.broadcast.id, BroadcastStatus.DONE)
    finally:
        await storage.close()

    assert (done.figures.sent, done.figures.failed) == (40, 0)
    assert [copies(emulator, member.user_id) for member in members] == [1] * 40
    for chatter in chatters:
        # One answer to each message, in the order they were sent: the menu, then the help.
        answers = emulator.messages(chatter.user_id)
        assert len(answers) == 2
        assert answers[0].plain.startswith(f"Halo C{chatter.user_id}")
        assert "/help" in answers[1].plain

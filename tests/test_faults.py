"""Faults outside the bot: a database that cannot be written, Telegram out of reach."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import BotApiEmulator, Person
from bot.emulator.server import text_content
from bot.emulator.world import ChatMessage
from bot.i18n import translator
from bot.storage_faults import StorageAlarm, StorageFault, alert_text, storage_fault
from storage import Storage
from storage.models.broadcasts import BroadcastStatus
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, RunningBot
from tests.test_broadcast_sending import add_members, announce, copies, until, until_status
from tests.test_durability import STARTUP_SECONDS, BotProcess

APOLOGY_EN = "the cooperative's system cannot save anything right now"
APOLOGY_ID = "sistem koperasi sedang tidak bisa menyimpan apa pun"
OUTAGE_SECONDS = 60.0
SLOW_SECONDS = 0.4  # each answer from Telegram, while it is slow
SMALL_DISK_SIZE = "8m"
FILE_SIZE_LIMIT = 128 * 1024  # above the 32 KiB -shm file, which SQLite needs even to read
ADMINS = {"KENDANG_ADMIN_IDS": f"{ADMIN_ANI},{ADMIN_BUDI}"}
PEOPLE = "SELECT telegram_id, first_name, first_seen_at FROM telegram_users"


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


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A small tmpfs of its own, so that filling it up fills no one else's disk."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK_SIZE}", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        # Lazily: the bot is gone by now, but a connection not yet collected would keep it busy.
        subprocess.run(["umount", "--lazy", str(disk)], check=True)


@pytest.fixture
async def bot_processes(
    emulator: BotApiEmulator, tmp_path: Path
) -> AsyncIterator[Callable[[Path], BotProcess]]:
    """Make the bot as a process of its own with both admins; each is killed at the end."""
    made: list[BotProcess] = []

    def make(folder: Path) -> BotProcess:
        running = BotProcess(emulator, folder, {**ADMINS, "KENDANG_LOG_LEVEL": "WARNING"})
        # A real deployment logs to the journal, not beside the database: the log must not
        # take the space, nor be lost with it.
        running.log_path = tmp_path / "bot.log"
        made.append(running)
        return running

    yield make
    for running in made:
        if running.process is not None and running.process.returncode is None:
            await running.kill()
    assert emulator.violations == []


def fill(disk: Path) -> int:
    """Fill the disk to the last byte; return the filler's descriptor, to close and unlink."""
    filler = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    block = bytes(64 * 1024)
    while True:
        try:
            os.write(filler, block)
        except OSError:
            if len(block) == 1:
                break
            block = block[: len(block) // 2]
    assert os.statvfs(disk).f_bavail == 0
    return filler


def read(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read the database on a connection of its own, closed at once."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        return list(connection.execute(sql))


async def test_a_full_disk_is_explained_to_people_and_to_each_admin_once_and_nothing_is_lost(
    small_disk: Path, bot_processes: Callable[[Path], BotProcess], emulator: BotApiEmulator
) -> None:
    bot = bot_processes(small_disk)
    await bot.start()
    buyer = await buyer_before_the_last_tap(emulator)
    before = row_counts(bot.db_path)
    people_before = read(bot.db_path, PEOPLE)
    seen = alerts_seen(emulator)

    # The disk fills up under the running bot: SQLite's own writes to the -wal file now
    # fail with ENOSPC, which SQLite reports as "database or disk is full".
    filler = fill(small_disk)
    try:
        replies = await buyer.tap("Create my account")
        assert len(replies) == 1 and APOLOGY_EN in replies[0].plain
        # A flood of failing updates: each person is answered, the admins are not flooded.
        for user_id in range(3001, 3011):
            replies = await newcomer(emulator, user_id).send("/start")
            assert len(replies) == 1 and APOLOGY_ID in replies[0].plain
        assert bot.process is not None and bot.process.returncode is None, "the bot died"
        assert row_counts(bot.db_path) == before, "nothing half-written"
        assert read(bot.db_path, "PRAGMA integrity_check") == [("ok",)]
    finally:
        os.close(filler)
        (small_disk / "filler").unlink()

    to_ani, to_budi = new_alerts(emulator, seen)
    assert "disk penuh" in to_ani.plain
    assert "the disk is full" in to_budi.plain
    assert str(bot.db_path) in to_budi.plain
    assert "database or disk is full" in bot.log_path.read_text()
    # Space freed, without a restart the same tap on the same screen goes through.
    await buyer.tap("Create my account")
    the_buyer_account_is_made_and_nothing_was_lost(bot, buyer, people_before)
    assert await bot.terminate() == 0


async def test_a_file_size_limit_is_told_as_a_disk_fault_and_a_restart_without_it_goes_on(
    bot_processes: Callable[[Path], BotProcess], emulator: BotApiEmulator, tmp_path: Path
) -> None:
    bot = bot_processes(tmp_path)
    await bot.start()
    buyer = await buyer_before_the_last_tap(emulator)
    people_before = read(bot.db_path, PEOPLE)
    assert await bot.terminate() == 0

    # Now no file of the bot's may grow past the limit: Linux fails such writes with EFBIG,
    # which SQLite reports as "disk I/O error" (SQLITE_IOERR_WRITE), unlike ENOSPC. The log
    # is under the limit too: a fresh one, written only at WARNING, stays below it.
    bot.file_size_limit = FILE_SIZE_LIMIT
    bot.log_path = tmp_path / "limited.log"
    await bot.start()
    try:
        seen = alerts_seen(emulator)
        # Newcomers' first words fill the -wal file (empty after the clean stop) to the limit.
        for user_id in range(3001, 3201):
            replies = await newcomer(emulator, user_id).send("/start")
            if APOLOGY_ID in replies[-1].plain:
                break
        else:
            pytest.fail("the -wal file never reached the file size limit")
        before = row_counts(bot.db_path)
        replies = await buyer.tap("Create my account")
        assert len(replies) == 1 and APOLOGY_EN in replies[0].plain
        for user_id in range(4001, 4011):
            replies = await newcomer(emulator, user_id).send("/start")
            assert len(replies) == 1 and APOLOGY_ID in replies[0].plain
        assert bot.process is not None and bot.process.returncode is None, "the bot died"
        assert row_counts(bot.db_path) == before, "nothing half-written"
        assert read(bot.db_path, "PRAGMA integrity_check") == [("ok",)]
        to_ani, to_budi = new_alerts(emulator, seen)
        assert "Disk bermasalah" in to_ani.plain
        assert "The disk fails when the bot reads or writes its database" in to_budi.plain
        assert str(bot.db_path) in to_budi.plain
        assert "disk I/O error" in bot.log_path.read_text()
    finally:
        stopped = await bot.terminate()
    assert stopped == 0, "the bot did not stop cleanly under the limit"

    bot.file_size_limit = None
    await bot.start()
    await buyer.tap("Create my account")
    the_buyer_account_is_made_and_nothing_was_lost(bot, buyer, people_before)
    assert await bot.terminate() == 0


async def buyer_before_the_last_tap(emulator: BotApiEmulator) -> Person:
    """Both admins have started the bot; a buyer has only "Create my account" left to tap."""
    ani = Person(emulator, ADMIN_ANI, "Ani", language_code="id")
    budi = Person(emulator, ADMIN_BUDI, "Budi", language_code="en")
    buyer = Person(emulator, 2001, "Li", language_code="en")
    for person in (ani, budi, buyer):
        person.timeout = STARTUP_SECONDS
    await ani.send("/start")
    await budi.send("/start")
    await buyer.send("/start")
    await buyer.tap("I am a buyer")
    await buyer.send("Li Wei")
    await buyer.send("Yiwu Music Trading")
    await buyer.tap("China")
    return buyer


def newcomer(emulator: BotApiEmulator, user_id: int) -> Person:
    """Someone new who writes in Indonesian, patient with a busy machine."""
    person = Person(emulator, user_id, f"P{user_id}", language_code="id")
    person.timeout = STARTUP_SECONDS
    return person


def alerts_seen(emulator: BotApiEmulator) -> tuple[int, int]:
    """How many messages each admin has had so far."""
    return len(emulator.messages(ADMIN_ANI)), len(emulator.messages(ADMIN_BUDI))


def new_alerts(emulator: BotApiEmulator, seen: tuple[int, int]) -> tuple[ChatMessage, ChatMessage]:
    """The one message each admin had since `seen`: there must be exactly one each."""
    [to_ani] = emulator.messages(ADMIN_ANI)[seen[0] :]
    [to_budi] = emulator.messages(ADMIN_BUDI)[seen[1] :]
    return to_ani, to_budi


def the_buyer_account_is_made_and_nothing_was_lost(
    bot: BotProcess, buyer: Person, people_before: list[tuple[Any, ...]]
) -> None:
    """The buyer's account is ready, everyone known before still is, the file is sound."""
    assert "Your buyer account is ready" in buyer.last_text
    members = read(bot.db_path, "SELECT name, company, status FROM members")
    assert members == [("Li Wei", "Yiwu Music Trading", "active")]
    assert set(people_before) <= set(read(bot.db_path, PEOPLE)), "earlier data is intact"
    assert read(bot.db_path, "PRAGMA integrity_check") == [("ok",)]


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
        # Backing off, not a busy loop: in a minute, a reply is tried about 8 times (waits
        # growing to 15 s), the sender tries about 6 times and polling 7 (waits up to 30 s).
        # The three chatters are served side by side, each first reply waiting on its own.
        assert len([r for r in during if r.method == "getUpdates"]) <= 8
        assert len([r for r in during if r.method == "sendMessage"]) <= 8 * len(chatters) + 8

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


async def test_slow_answers_from_telegram_slow_the_replies_and_lose_none(bot: RunningBot) -> None:
    emulator = bot.emulator
    chatters = [Person(emulator, user_id, f"C{user_id}") for user_id in (5001, 5002, 5003)]
    emulator.inject("*", "delay", delay=SLOW_SECONDS, count=None)
    try:
        updates = [
            emulator.user_message(chatter.user_id, text_content(text))
            for chatter in chatters
            for text in ("/start", "/help")
        ]
        await emulator.wait_until(
            lambda: all(emulator.is_confirmed(update_id) for update_id in updates), within=60
        )
    finally:
        emulator.clear_faults()
    for chatter in chatters:
        answers = emulator.messages(chatter.user_id)
        assert [answer.plain.split("\n")[0] for answer in answers] == [
            f"Halo C{chatter.user_id}! 👋",
            "Yang bisa saya bantu",
        ]


async def test_a_reply_telegram_never_answers_in_time_gets_an_apology_and_the_next_goes_on(
    bot: RunningBot,
) -> None:
    emulator = bot.emulator
    Person(emulator, 5001, "Sri", language_code="id")
    # Longer than the bot's read timeout (its poll timeout, 1 s here, plus 10 s): the reply is
    # given up, not sent again, since Telegram may have taken it.
    emulator.inject("sendMessage", "delay", delay=bot.settings.poll_timeout + 12, count=1)
    first = emulator.user_message(5001, text_content("/start"))
    second = emulator.user_message(5001, text_content("/help"))
    await emulator.wait_until(lambda: emulator.is_confirmed(second), within=60)

    assert emulator.is_confirmed(first)
    answers = [message.plain for message in emulator.messages(5001)]
    assert len(answers) == 2
    assert answers[0].startswith("Maaf, ada yang salah")
    assert answers[1].startswith("Yang bisa saya bantu")

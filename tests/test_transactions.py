"""Transactions cut off by cancellation, and a save kept out by another program's lock."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.emulator import BotApiEmulator, Person
from bot.emulator.server import text_content
from bot.serve import serve
from storage import Storage
from storage.db import Database
from storage.state import StateStore
from tests.conftest import ADMIN_ANI, ADMIN_BUDI, TOKEN, make_settings

WAIT = 20.0  # seconds for anything the bot does; generous for a loaded machine
LOCKED_EN = "another program keeps its database locked"
LOCKED_ID = "program lain sedang mengunci basis datanya"
COUNTRY_QUESTION = "Which country do you buy for?"


class OutsideWriter:
    """Another program's connection to the same file, holding its write lock when told."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def hold(self) -> None:
        """Take the write lock, as a program in the middle of a write would."""
        self._connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        """Let the lock go, writing nothing."""
        self._connection.execute("ROLLBACK")

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()


def read(path: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows as another reader sees them, committed ones only."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        return connection.execute(sql, params).fetchall()


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """A database of one table, on a real file."""
    opened = await Database.open(tmp_path / "drums.db")
    await opened.execute_script(["CREATE TABLE drums (n INTEGER NOT NULL)"])
    yield opened
    await opened.close()


@pytest.fixture
def writer(database: Database) -> Iterator[OutsideWriter]:
    """A second connection to the database's file; never left holding the lock."""
    outside = OutsideWriter(database.path)
    yield outside
    outside.close()


async def connection_of(database: Database) -> aiosqlite.Connection:
    """The one connection every transaction of the database runs on."""
    async with database.transaction() as connection:
        return connection


async def add(database: Database, *numbers: int) -> None:
    """Insert numbers in one transaction."""
    async with database.transaction() as connection:
        for number in numbers:
            await connection.execute("INSERT INTO drums (n) VALUES (?)", (number,))


async def cancelled_when_started(
    connection: aiosqlite.Connection, statement: str, work: Coroutine[Any, Any, None]
) -> asyncio.Task[None]:
    """Run `work`, cancelling it the moment the connection's thread starts `statement`."""
    loop = asyncio.get_running_loop()

    def trace(sql: str) -> None:
        # Scheduled from the connection's thread before the statement runs, so the
        # cancellation reaches the task while it awaits that very statement.
        if sql.startswith(statement):
            loop.call_soon_threadsafe(task.cancel)

    await connection.set_trace_callback(trace)
    task = asyncio.create_task(work)
    return task


async def ended(task: asyncio.Task[None]) -> None:
    """Wait for the task to end, and check that it ended cancelled."""
    done, _ = await asyncio.wait({task}, timeout=WAIT)
    assert task in done, "the cancelled transaction never ended"
    assert task.cancelled(), task.exception()


async def still_works(database: Database, connection: aiosqlite.Connection) -> None:
    """A new transaction takes the lock, commits, and leaves no transaction open."""
    await connection.set_trace_callback(None)  # type: ignore[arg-type]  # sqlite3 takes None
    assert not connection.in_transaction
    await asyncio.wait_for(add(database, 7), WAIT)
    assert not connection.in_transaction


@pytest.mark.parametrize("writer_lets_go", [True, False], ids=["lock-freed", "busy-timeout"])
async def test_a_transaction_cancelled_while_waiting_to_begin_opens_none(
    database: Database, writer: OutsideWriter, writer_lets_go: bool
) -> None:
    connection = await connection_of(database)
    if not writer_lets_go:
        # Long enough to outlast the check below that the task waits for the BEGIN.
        await database.fetch_value("PRAGMA busy_timeout = 2000")
    writer.hold()
    try:
        task = await cancelled_when_started(connection, "BEGIN IMMEDIATE", add(database, 1))
        # BEGIN IMMEDIATE goes on waiting for the lock on the connection's thread, whatever
        # the task: the task ends only once it has, and nothing it began is left open.
        done, _ = await asyncio.wait({task}, timeout=0.2)
        assert not done
        if writer_lets_go:
            writer.release()  # the BEGIN now succeeds, after its caller was cancelled
        await ended(task)
    finally:
        if not writer_lets_go:
            writer.release()
    await still_works(database, connection)
    assert read(database.path, "SELECT n FROM drums") == [(7,)]


async def test_a_transaction_cancelled_in_its_block_rolls_back_what_it_wrote(
    database: Database,
) -> None:
    connection = await connection_of(database)
    inside = asyncio.Event()

    async def work() -> None:
        async with database.transaction() as transaction:
            await transaction.execute("INSERT INTO drums (n) VALUES (1)")
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(work())
    await asyncio.wait_for(inside.wait(), WAIT)
    task.cancel()
    await ended(task)
    await still_works(database, connection)
    assert read(database.path, "SELECT n FROM drums") == [(7,)]


async def test_a_transaction_cancelled_during_a_statement_of_its_block_rolls_it_back(
    database: Database,
) -> None:
    connection = await connection_of(database)
    many = (
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 200000)"
        " INSERT INTO drums (n) SELECT n FROM c"
    )

    async def work() -> None:
        async with database.transaction() as transaction:
            await transaction.execute("INSERT INTO drums (n) VALUES (1)")
            await transaction.execute(many)

    # The statement still runs on the connection's thread after the cancellation.
    task = await cancelled_when_started(connection, "WITH RECURSIVE", work())
    await ended(task)
    await still_works(database, connection)
    assert read(database.path, "SELECT n FROM drums") == [(7,)]


async def test_a_transaction_cancelled_during_commit_is_committed_and_closed(
    database: Database,
) -> None:
    connection = await connection_of(database)
    task = await cancelled_when_started(connection, "COMMIT", add(database, 1, 2))
    await ended(task)
    assert not connection.in_transaction
    assert read(database.path, "SELECT n FROM drums ORDER BY n") == [(1,), (2,)]
    await still_works(database, connection)


async def test_a_snapshot_cancelled_while_reading_closes_its_connection(
    database: Database,
) -> None:
    await add(database, 1)
    opened: list[aiosqlite.Connection] = []
    reading = asyncio.Event()

    async def work() -> None:
        async with database.snapshot() as snapshot:
            opened.append(snapshot)
            reading.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(work())
    await asyncio.wait_for(reading.wait(), WAIT)
    task.cancel()
    await ended(task)
    with pytest.raises(ValueError, match="connection"):
        await opened[0].execute("SELECT 1")
    assert await database.fetch_value("SELECT count(*) FROM drums") == 1


# -- the final save of an update, against another program's lock -------------------------------


@pytest.fixture
def bot_storage(monkeypatch: pytest.MonkeyPatch) -> list[Storage]:
    """Every Storage the bot opens in this process, to set a pragma on its own connection."""
    opened: list[Storage] = []
    original = Storage.open

    async def recording_open(path: Path | str) -> Storage:
        storage = await original(path)
        opened.append(storage)
        return storage

    monkeypatch.setattr(Storage, "open", recording_open)
    return opened


class LockBeforeSave:
    """Has the outside writer take the lock just before the bot saves one chosen update."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, writer: OutsideWriter) -> None:
        self.update_id: int | None = None
        self.tries = 0
        self.locked = False
        original = StateStore.save

        async def save(store: StateStore, pending: Any, processed_update_id: int | None) -> None:
            if processed_update_id is not None and processed_update_id == self.update_id:
                self.tries += 1
                if not self.locked:
                    await asyncio.to_thread(writer.hold)
                    self.locked = True
            await original(store, pending, processed_update_id)

        monkeypatch.setattr(StateStore, "save", save)


class Bot:
    """The bot serving the emulator in this process, started and stopped by the test."""

    def __init__(self, emulator: BotApiEmulator, db_path: Path) -> None:
        self.emulator = emulator
        self.settings = make_settings(emulator, db_path)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, bot_storage: list[Storage]) -> Storage:
        """Start serving; return the bot's storage once it polls, its busy timeout made short."""
        polls = self._polls()
        opened = len(bot_storage)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(serve(self.settings, TOKEN, self._stop))
        await self.emulator.wait_until(lambda: self._polls() > polls or self._task_done(), WAIT)
        assert not self._task_done(), "the bot stopped at once"
        storage = bot_storage[opened]
        # Each save's wait for the lock is SQLite's busy timeout (5 s): kept short, the bot
        # reaches its retries and its alert within a test's patience.
        await storage.db.fetch_value("PRAGMA busy_timeout = 300")
        return storage

    async def stop(self) -> None:
        """Stop serving; the bot must end cleanly."""
        assert self._task is not None
        self._stop.set()
        await asyncio.wait_for(self._task, WAIT + 15)

    def running(self) -> bool:
        """Tell whether the bot is still serving."""
        return not self._task_done()

    def _task_done(self) -> bool:
        return self._task is not None and self._task.done()

    def _polls(self) -> int:
        return sum(request.method == "getUpdates" for request in self.emulator.requests)


@pytest.fixture
async def bot(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Bot]:
    """The bot, not yet started; stopped at the end if still serving."""
    made = Bot(emulator, tmp_path / "kendang.db")
    yield made
    if made.running():
        await made.stop()
    assert emulator.violations == [], "the bot broke the Bot API spec"


async def buyer_at_company_step(bot: Bot) -> Person:
    """Admins known to the bot; a buyer who has given a name and is asked for a company."""
    for admin_id, name, language in ((ADMIN_ANI, "Ani", "id"), (ADMIN_BUDI, "Budi", "en")):
        await Person(bot.emulator, admin_id, name, language_code=language).send("/start")
    buyer = Person(bot.emulator, 2001, "Li", language_code="en")
    await buyer.send("/start")
    await buyer.tap("I am a buyer")
    await buyer.send("Li Wei")
    return buyer


def send_company(buyer: Person) -> int:
    """The buyer sends their company, without waiting for the bot; return the update's id."""
    return buyer.emulator.user_message(buyer.user_id, text_content("Yiwu Music Trading"))


def alerted(emulator: BotApiEmulator) -> bool:
    """Both admins were told, each in their language, that the database is locked."""
    ani = [message.plain for message in emulator.messages(ADMIN_ANI)]
    budi = [message.plain for message in emulator.messages(ADMIN_BUDI)]
    return any(LOCKED_ID in text for text in ani) and any(LOCKED_EN in text for text in budi)


def asked_for_country(buyer: Person) -> int:
    """How many times the buyer was asked for their country."""
    return sum(COUNTRY_QUESTION in message.plain for message in buyer.inbox)


def processed(path: Path, update_id: int) -> bool:
    """Tell whether the update's state was committed with its id."""
    return bool(read(path, "SELECT 1 FROM processed_updates WHERE update_id = ?", update_id))


async def finish_registration(buyer: Person, path: Path) -> None:
    """The buyer goes on from the country question; the account has the company they gave."""
    await buyer.tap("China")
    await buyer.tap("Create my account")
    assert "Your buyer account is ready" in buyer.last_text
    assert read(path, "SELECT company, country FROM members") == [("Yiwu Music Trading", "China")]


async def test_a_save_kept_out_by_a_lock_is_retried_told_to_admins_and_confirmed_once_saved(
    bot: Bot,
    bot_storage: list[Storage],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    await bot.start(bot_storage)
    writer = OutsideWriter(bot.settings.db_path)
    lock = LockBeforeSave(monkeypatch, writer)
    try:
        buyer = await buyer_at_company_step(bot)
        lock.update_id = send_company(buyer)
        await bot.emulator.wait_until(lambda: alerted(bot.emulator), WAIT)

        # Answered, tried three times, then the admins were told; not saved, not confirmed.
        assert lock.tries >= 3
        assert asked_for_country(buyer) == 1
        assert not bot.emulator.is_confirmed(lock.update_id)
        assert not processed(bot.settings.db_path, lock.update_id)
        # Someone else is still answered meanwhile.
        ani = Person(bot.emulator, ADMIN_ANI, "Ani", language_code="id")
        seen = len(ani.inbox)
        help_id = bot.emulator.user_message(ADMIN_ANI, text_content("/help"))
        await bot.emulator.wait_until(lambda: len(ani.inbox) > seen, WAIT)
    finally:
        await asyncio.to_thread(writer.release)
        writer.close()

    # The lock gone, the next try saves the update, which is then confirmed: once, not redone.
    await bot.emulator.wait_confirmed(lock.update_id, WAIT)
    await bot.emulator.wait_confirmed(help_id, WAIT)
    assert processed(bot.settings.db_path, lock.update_id)
    assert bot.running()
    await finish_registration(buyer, bot.settings.db_path)
    assert asked_for_country(buyer) == 1


async def test_a_save_still_locked_at_stop_leaves_its_update_to_be_processed_again(
    bot: Bot,
    bot_storage: list[Storage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.polling.DRAIN_SECONDS", 1.0)
    await bot.start(bot_storage)
    writer = OutsideWriter(bot.settings.db_path)
    lock = LockBeforeSave(monkeypatch, writer)
    try:
        buyer = await buyer_at_company_step(bot)
        lock.update_id = send_company(buyer)
        await bot.emulator.wait_until(lambda: alerted(bot.emulator), WAIT)
        # Stopped while the save is still kept out: the update is given up unconfirmed, and
        # the bot ends cleanly although it cannot write.
        await bot.stop()
    finally:
        await asyncio.to_thread(writer.release)
        writer.close()
    assert not bot.emulator.is_confirmed(lock.update_id)
    assert not processed(bot.settings.db_path, lock.update_id)
    assert read(bot.settings.db_path, "PRAGMA integrity_check") == [("ok",)]

    # After the restart Telegram delivers it again, and it runs from the step stored before it.
    stuck, lock.update_id = lock.update_id, None
    await bot.start(bot_storage)
    await bot.emulator.wait_confirmed(stuck, WAIT)
    assert processed(bot.settings.db_path, stuck)
    assert asked_for_country(buyer) == 2
    await finish_registration(buyer, bot.settings.db_path)

"""The bot as a separate process: kill -9 and restart lose no step and apply nothing twice."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import BotApiEmulator, Person
from tests.conftest import ADMIN_ANI, TOKEN

STARTUP_SECONDS = 30.0


def bot_environment(emulator: BotApiEmulator, db_path: Path, **settings: str) -> dict[str, str]:
    """The environment of `python -m bot run` serving the emulator on a database file.

    The machine's KENDANG_ settings are left out, so that the bot runs with its defaults and
    the given `settings` only.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("KENDANG_")}
    env.update(
        KENDANG_BOT_TOKEN=TOKEN,
        KENDANG_API_BASE_URL=emulator.base_url,
        KENDANG_DB_PATH=str(db_path),
        KENDANG_POLL_TIMEOUT="1",
        # As in conftest's settings: the emulator keeps no limits unless told.
        KENDANG_CHAT_RATE="1000",
        KENDANG_SEND_RATE="1000",
    )
    env.update(settings)
    return env


class BotProcess:
    """Start, kill and restart `python -m bot run` against the emulator."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        folder: Path,
        settings: dict[str, str] | None = None,
        *,
        file_size_limit: int | None = None,
    ) -> None:
        self.emulator = emulator
        self.settings = settings or {}
        self.file_size_limit = file_size_limit  # bytes no file of the process may grow past
        self.db_path = folder / "kendang.db"
        self.log_path = folder / "bot.log"
        self.folder = folder
        self.process: asyncio.subprocess.Process | None = None

    def environment(self) -> dict[str, str]:
        """The machine's environment without its KENDANG_ settings, plus the test's."""
        settings = {"KENDANG_ADMIN_IDS": str(ADMIN_ANI), "KENDANG_LOG_LEVEL": "DEBUG"}
        return bot_environment(self.emulator, self.db_path, **(settings | self.settings))

    async def start(self) -> None:
        """Start the bot process, logging to a file."""
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run",
                cwd=self.folder, env=self.environment(),
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
                preexec_fn=None if self.file_size_limit is None else self._limit_file_size,
            )  # fmt: skip

    def _limit_file_size(self) -> None:
        """In the child: writes past the limit fail with EFBIG (Python ignores SIGXFSZ)."""
        assert self.file_size_limit is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_size_limit, self.file_size_limit))

    async def kill(self) -> None:
        """kill -9 the bot process."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def terminate(self) -> int:
        """Send SIGTERM and return the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout=20)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Read the database file directly."""
        with closing(sqlite3.connect(self.db_path)) as connection:
            return list(connection.execute(sql))


@pytest.fixture
async def bot_process(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[BotProcess]:
    running = BotProcess(emulator, tmp_path)
    yield running
    if running.process is not None and running.process.returncode is None:
        await running.kill()
    assert emulator.violations == []


async def wait_for(condition: Callable[[], bool], seconds: float = STARTUP_SECONDS) -> None:
    """Wait until the condition holds."""
    for _ in range(int(seconds * 50)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("condition not met in time")


async def test_kill_9_mid_registration_then_the_artisan_carries_on(
    bot_process: BotProcess, emulator: BotApiEmulator
) -> None:
    await bot_process.start()
    Person(emulator, ADMIN_ANI, "Ani", language_code="id")
    person = Person(emulator, 1001, "Sri", language_code="id")
    person.timeout = STARTUP_SECONDS
    await person.send("/start")
    await person.tap("Saya perajin")
    replies = await person.send("Sri Wahyuni")
    assert "desa mana" in replies[-1].plain

    await bot_process.kill()
    await bot_process.start()

    replies = await person.tap("Jiwut")
    assert "nama usaha" in replies[-1].plain
    await person.send("Kendang Jaya")
    await person.tap("Lewati")
    await person.tap("Kirim pendaftaran")
    rows = bot_process.query("SELECT name, village, workshop, status FROM members")
    assert rows == [("Sri Wahyuni", "Jiwut", "Kendang Jaya", "pending")]
    assert sum("Pendaftaran perajin baru" in m.plain for m in emulator.messages(ADMIN_ANI)) == 1
    assert await bot_process.terminate() == 0
    log = bot_process.log_path.read_text()
    assert TOKEN not in log
    assert "Traceback" not in log


async def test_an_update_unfinished_at_kill_9_is_processed_after_restart(
    bot_process: BotProcess, emulator: BotApiEmulator
) -> None:
    await bot_process.start()
    person = Person(emulator, 1001, "Sri", language_code="id")
    person.timeout = STARTUP_SECONDS
    await person.send("/start")
    await person.tap("Saya perajin")

    # Hold the bot's reply so that it dies while processing the name.
    emulator.inject("sendMessage", "delay", delay=60.0, count=1)
    sent_before = len(emulator.requests)
    update_id = emulator.send_text(1001, "Sri Wahyuni")
    await wait_for(lambda: any(r.method == "sendMessage" for r in emulator.requests[sent_before:]))
    await bot_process.kill()
    emulator.clear_faults()

    await bot_process.start()
    await emulator.wait_confirmed(update_id, within=STARTUP_SECONDS)
    assert "desa mana" in emulator.messages(1001)[-1].plain
    states = bot_process.query("SELECT state FROM conversation_states")
    assert states == [('"VILLAGE"',)]
    assert bot_process.query(f"SELECT 1 FROM processed_updates WHERE update_id = {update_id}")


async def test_sigterm_stops_cleanly_and_keeps_the_step(
    bot_process: BotProcess, emulator: BotApiEmulator
) -> None:
    await bot_process.start()
    person = Person(emulator, 1001, "Sri", language_code="id")
    person.timeout = STARTUP_SECONDS
    await person.send("/start")
    await person.tap("Saya perajin")
    assert await bot_process.terminate() == 0
    await bot_process.start()
    replies = await person.send("Sri")
    assert "desa mana" in replies[-1].plain

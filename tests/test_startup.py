"""The bot as a process at start-up: SIGTERM obeyed in every phase; a refused token, one line."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.emulator import BotApiEmulator
from tests.conftest import TOKEN
from tests.test_durability import bot_environment
from tests.test_modes import free_port

# The bot must be gone a second or two after SIGTERM; this leaves room for a loaded machine.
STOP_DEADLINE_SECONDS = 5.0
STARTUP_SECONDS = 30.0


class Bot:
    """`python -m bot run` with its log in a file."""

    def __init__(self, folder: Path, environment: dict[str, str]) -> None:
        self.folder = folder
        self.environment = environment
        self.log_path = folder / "bot.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the process."""
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run",
                cwd=self.folder, env=self.environment,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            )  # fmt: skip

    @property
    def log(self) -> str:
        """What the process wrote so far."""
        return self.log_path.read_text()

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        """Wait until the condition holds, failing at once if the process ends."""
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while not condition():
            assert self.process.returncode is None, f"the bot ended early:\n{self.log}"
            assert time.monotonic() < deadline, f"condition not met in time:\n{self.log}"
            await asyncio.sleep(0.05)

    async def terminate(self) -> tuple[int, float]:
        """Send SIGTERM; return the exit status and how long the process took to end."""
        assert self.process is not None
        sent = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            status = await asyncio.wait_for(self.process.wait(), 3 * STOP_DEADLINE_SECONDS)
        except TimeoutError:
            raise AssertionError(f"SIGTERM did not stop the bot:\n{self.log}") from None
        return status, time.monotonic() - sent


@pytest.fixture
async def started() -> AsyncIterator[list[Bot]]:
    """The bots a test starts; any still running at the end is killed."""
    bots: list[Bot] = []
    yield bots
    for bot in bots:
        if bot.process is not None and bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()


def unreachable_environment(folder: Path, api_base_url: str) -> dict[str, str]:
    """The environment of a bot whose Bot API is at `api_base_url`, logging at INFO."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KENDANG_")}
    env.update(
        KENDANG_BOT_TOKEN=TOKEN,
        KENDANG_API_BASE_URL=api_base_url,
        KENDANG_DB_PATH=str(folder / "kendang.db"),
        KENDANG_LOG_LEVEL="INFO",
    )
    return env


def log_lines(log: str) -> list[str]:
    """The log's messages, without the time stamp."""
    return [line.split(" ", 2)[2] for line in log.splitlines()]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        pytest.param(
            "http://127.0.0.1:{port}/bot",
            "cannot connect to the Bot API at 127.0.0.1:{port} (Connection refused)",
            id="closed port",
        ),
        pytest.param(
            "http://kendang-nowhere.invalid/bot",
            "the Bot API's host kendang-nowhere.invalid cannot be found"
            " (no DNS, or a mistyped KENDANG_API_BASE_URL)",
            id="unresolvable host",
        ),
    ],
)
async def test_sigterm_while_telegram_cannot_be_reached_at_start_ends_the_bot_at_once(
    tmp_path: Path, started: list[Bot], url: str, reason: str
) -> None:
    port = free_port()
    bot = Bot(tmp_path, unreachable_environment(tmp_path, url.format(port=port)))
    started.append(bot)
    await bot.start()
    # Past the first try, into the waits between them.
    await bot.wait_until(lambda: bot.log.count("trying again") >= 2)

    status, seconds = await bot.terminate()

    assert (status, seconds < STOP_DEADLINE_SECONDS) == (0, True), (seconds, bot.log)
    lines = log_lines(bot.log)
    assert lines[-1] == "INFO bot.serve: stopped while starting"
    retries = {line.rsplit(";", 1)[0] for line in lines[:-1]}
    assert retries == {f"WARNING bot.startup: getMe: {reason.format(port=port)}"}


@pytest.mark.parametrize(
    ("method", "fault", "webhook"),
    [
        pytest.param("setMyCommands", "delay", False, id="registering the commands"),
        pytest.param("deleteWebhook", "drop", False, id="leaving webhook mode"),
        pytest.param("setWebhook", "drop", True, id="registering the webhook"),
        pytest.param("getUpdates", "drop", False, id="polling"),
    ],
)
async def test_sigterm_while_telegram_holds_or_drops_a_request_ends_the_bot_at_once(
    tmp_path: Path,
    started: list[Bot],
    emulator: BotApiEmulator,
    method: str,
    fault: str,
    webhook: bool,
) -> None:
    settings = {}
    if webhook:
        port = free_port()
        settings = {
            "KENDANG_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
            "KENDANG_WEBHOOK_SECRET": "s3cret_T0ken",
            "KENDANG_WEBHOOK_PORT": str(port),
        }
    emulator.inject(method, fault, count=None, delay=600.0)
    bot = Bot(tmp_path, bot_environment(emulator, tmp_path / "kendang.db", **settings))
    started.append(bot)
    await bot.start()
    await bot.wait_until(lambda: any(request.method == method for request in emulator.requests))
    await asyncio.sleep(0.5)  # into the request held, or the waits between the tries

    status, seconds = await bot.terminate()

    assert (status, seconds < STOP_DEADLINE_SECONDS) == (0, True), (seconds, bot.log)
    assert "Traceback" not in bot.log
    assert "Unclosed" not in bot.log
    assert emulator.violations == []


async def test_a_token_telegram_refuses_is_one_line_and_nothing_after_it(
    tmp_path: Path, emulator: BotApiEmulator
) -> None:
    env = bot_environment(emulator, tmp_path / "kendang.db", KENDANG_BOT_TOKEN="refused")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run",
        cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 2
    assert stderr.decode() == "kendang-bot: KENDANG_BOT_TOKEN was refused by Telegram\n"
    assert stdout == b""

"""Fixtures: the local Bot API emulator and the real bot serving it over HTTP."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from bot.emulator import BotApiEmulator, ChatMessage, Person
from bot.serve import serve
from bot.settings import Settings
from storage import Storage

TOKEN = "123456:TEST-token"
ADMIN_ANI = 9001
ADMIN_BUDI = 9002


def make_settings(emulator: BotApiEmulator, db_path: Path, **overrides: Any) -> Settings:
    """Settings for a bot serving the emulator, independent of the machine's environment."""
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "db_path": db_path,
        "api_base_url": emulator.base_url,
        "api_file_url": emulator.base_file_url,
        "admin_ids": (ADMIN_ANI, ADMIN_BUDI),
        "default_locale": "id",
        "poll_timeout": 1,
        # The emulator keeps no limits unless a test asks for them (and then sets Telegram's
        # here too): the bot does not pace the tests' quick steps.
        "chat_rate": 1000,
        "send_rate": 1000,
        "webhook_url": None,
        "webhook_secret": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    """A fresh emulator on a free loopback port."""
    running = BotApiEmulator()
    await running.start()
    yield running
    await running.stop()


@dataclass
class RunningBot:
    """The bot serving the emulator, with helpers to make people."""

    emulator: BotApiEmulator
    settings: Settings

    def person(
        self, user_id: int, first_name: str, language_code: str | None = "id", **kwargs: Any
    ) -> Person:
        """A Telegram user who talks to the bot."""
        return Person(self.emulator, user_id, first_name, language_code=language_code, **kwargs)

    def admin(self, user_id: int = ADMIN_ANI, first_name: str = "Ani", **kwargs: Any) -> Person:
        """One of the configured admins."""
        return self.person(user_id, first_name, **kwargs)


@pytest.fixture
async def start_bot(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """Start the bot with setting overrides; every bot started is stopped cleanly at the end."""
    running: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

    async def start(**overrides: Any) -> RunningBot:
        settings = make_settings(emulator, tmp_path / "kendang.db", **overrides)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(settings, TOKEN, stop))
        running.append((stop, task))
        await _wait_until_polling(emulator, task)
        return RunningBot(emulator, settings)

    yield start
    for stop, _ in running:
        stop.set()
    for _, task in running:
        await asyncio.wait_for(task, timeout=15)
    assert emulator.violations == [], "the bot broke the Bot API spec"


async def _wait_until_polling(emulator: BotApiEmulator, task: asyncio.Task[None]) -> None:
    for _ in range(500):
        if task.done():
            task.result()
        if any(request.method == "getUpdates" for request in emulator.requests):
            return
        await asyncio.sleep(0.01)
    raise TimeoutError("the bot did not start polling")


@pytest.fixture
async def bot(start_bot: Callable[..., Any]) -> RunningBot:
    """The bot with default test settings."""
    running: RunningBot = await start_bot()
    return running


async def active_artisan(
    bot: RunningBot, user_id: int = 1001, name: str = "Sri Wahyuni", village: str = "Jiwut"
) -> Person:
    """Register an artisan through the real flow and have admin Ani approve them."""
    ani = bot.admin()
    artisan = bot.person(user_id, name.split()[0], "id")
    await artisan.send("/start")
    await artisan.tap("Saya perajin")
    await artisan.send(name)
    await artisan.tap(village)
    await artisan.send(f"Bengkel {name}")
    await artisan.tap("Lewati")
    await artisan.tap("Kirim pendaftaran")
    await ani.tap("Setujui", ani.last)
    assert "Selamat bergabung" in artisan.last_text
    return artisan


async def active_buyer(bot: RunningBot, user_id: int = 2001, name: str = "Li Wei") -> Person:
    """Open a buyer account through the real flow (English)."""
    buyer = bot.person(user_id, name.split()[0], "en")
    await buyer.send("/start")
    await buyer.tap("I am a buyer")
    await buyer.send(name)
    await buyer.send("Yiwu Music Trading")
    await buyer.tap("China")
    await buyer.tap("Create my account")
    assert "Your buyer account is ready" in buyer.last_text
    return buyer


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    """The bot's storage on a fresh SQLite file."""
    opened = await Storage.open(tmp_path / "kendang.db")
    yield opened
    await opened.close()


# Every storage module that stamps what it writes with the time from storage.clock.
STAMPING_MODULES = [
    module
    for module in (
        importlib.import_module(f"storage.{info.name}")
        for info in pkgutil.iter_modules([str(Path(__file__).parent.parent / "storage")])
    )
    if hasattr(module, "now_text") and module.__name__ != "storage.clock"
]


class Clock:
    """Sets the time the repositories stamp on what they write."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch

    def at(self, moment: datetime) -> None:
        """Make every repository write this moment as now."""
        text = moment.astimezone(UTC).isoformat(timespec="seconds")
        for module in STAMPING_MODULES:
            self._monkeypatch.setattr(module, "now_text", lambda: text)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Set the time storage writes."""
    return Clock(monkeypatch)


def full_width(text: str) -> str:
    """Write ASCII text the way a Chinese keyboard types it, full width."""
    return "".join(
        chr(ord(character) + 0xFEE0) if "!" <= character <= "~" else character for character in text
    )


def documents(person: Person) -> list[ChatMessage]:
    """The files the bot sent a person, oldest first."""
    return [message for message in person.inbox if message.document is not None]


def sent_file(bot: RunningBot, message: ChatMessage) -> bytes:
    """The bytes of a file the bot sent, as the emulator received them."""
    assert message.document is not None
    stored = bot.emulator.find_file(message.document["file_id"])
    assert stored is not None
    return stored.data


def pdf_text(pdf: bytes) -> str:
    """The text a PDF reader finds on every page."""
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)

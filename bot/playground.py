"""The playground: the local Bot API emulator, the bot and a terminal chat, in one process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bot.emulator import BotApiEmulator, Persona, terminal_chat
from bot.emulator.server import FIRST_UPDATE_ID
from bot.serve import serve
from bot.settings import Settings
from storage import Storage

PLAYGROUND_TOKEN = "123456:playground"
PERSONAS = [
    Persona(key="artisan", user_id=1001, first_name="Sri", language_code="id"),
    Persona(key="buyer", user_id=2001, first_name="Li Wei", language_code="en"),
    Persona(key="admin", user_id=9001, first_name="Ani", language_code="id"),
]
FILES_FOLDER = "playground-files"


@dataclass
class Playground:
    """The emulator, the bot serving it, and where the files the bot sends are saved."""

    emulator: BotApiEmulator
    bot: asyncio.Task[None]
    files_dir: Path


async def next_update_id(db_path: Path) -> int:
    """The first update id the database has not seen, processed or spooled."""
    storage = await Storage.open(db_path)
    try:
        seen = [update_id for update_id, _ in await storage.state.spooled()]
        seen.append(await storage.state.newest_processed())
    finally:
        await storage.close()
    return max(FIRST_UPDATE_ID, max(seen) + 1)


@contextlib.asynccontextmanager
async def running_playground(
    settings: Settings, db_path: Path, stop: asyncio.Event
) -> AsyncIterator[Playground]:
    """Start the emulator and the bot on `db_path`; stop both on leaving."""
    # Like Telegram, the emulator goes on numbering after the updates of earlier runs, which
    # the bot would otherwise skip as already processed.
    emulator = BotApiEmulator(first_update_id=await next_update_id(db_path))
    await emulator.start()
    try:
        admin = next(persona for persona in PERSONAS if persona.key == "admin")
        local = settings.model_copy(
            update={
                "api_base_url": emulator.base_url,
                "api_file_url": emulator.base_file_url,
                "admin_ids": (*settings.admin_ids, admin.user_id),
                "db_path": db_path,
                "webhook_url": None,
                "poll_timeout": 5,
            }
        )
        bot = asyncio.create_task(serve(local, PLAYGROUND_TOKEN, stop))
        try:
            yield Playground(emulator, bot, db_path.parent / FILES_FOLDER)
        finally:
            stop.set()
            await bot
    finally:
        await emulator.stop()


async def run_playground(settings: Settings, db_path: Path, stop: asyncio.Event) -> None:
    """Chat with the bot in the terminal as an artisan, a buyer or an admin."""
    async with running_playground(settings, db_path, stop) as playground:
        chat = asyncio.create_task(
            terminal_chat(playground.emulator, PERSONAS, playground.files_dir)
        )
        try:
            print(
                f"kendang-bot playground: the bot runs against a local Telegram emulator "
                f"(database {db_path}; photos and files it sends are saved in "
                f"{playground.files_dir}). Type :help for the commands, /start to begin, "
                ":quit to leave."
            )
            done, _ = await asyncio.wait(
                {playground.bot, chat}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done:
                task.result()
        finally:
            chat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await chat

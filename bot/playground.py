"""The playground: the local Bot API emulator, the bot and a terminal chat, in one process."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from bot.emulator import BotApiEmulator, Persona, terminal_chat
from bot.serve import serve
from bot.settings import Settings

PLAYGROUND_TOKEN = "123456:playground"
PERSONAS = [
    Persona(key="artisan", user_id=1001, first_name="Sri", language_code="id"),
    Persona(key="buyer", user_id=2001, first_name="Li Wei", language_code="en"),
    Persona(key="admin", user_id=9001, first_name="Ani", language_code="id"),
]


async def run_playground(settings: Settings, db_path: Path, stop: asyncio.Event) -> None:
    """Chat with the bot in the terminal as an artisan, a buyer or an admin."""
    emulator = BotApiEmulator()
    await emulator.start()
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
    chat = asyncio.create_task(terminal_chat(emulator, PERSONAS))
    try:
        print(
            f"kendang-bot playground: the bot runs against a local Telegram emulator "
            f"(database {db_path}). Type :help for the commands, /start to begin, :quit to leave."
        )
        done, _ = await asyncio.wait({bot, chat}, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        stop.set()
        chat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await chat
        await bot
        await emulator.stop()

"""Webhook mode and the terminal playground, each run the way a person would run it."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import httpx

from bot.emulator import BotApiEmulator, Person
from bot.serve import serve
from bot.settings import Settings
from tests.conftest import TOKEN, make_settings


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(emulator: BotApiEmulator, tmp_path: Path) -> Settings:
    """Test settings for webhook mode on a free loopback port, with a secret."""
    port = free_port()
    return make_settings(
        emulator,
        tmp_path / "kendang.db",
        webhook_url=f"http://127.0.0.1:{port}/telegram-hook",
        webhook_secret="s3cret_T0ken",
        webhook_port=port,
    )


async def test_webhook_mode_answers_and_refuses_requests_without_the_secret(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    settings = webhook_settings(emulator, tmp_path)
    url = str(settings.webhook_url)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, TOKEN, stop))
    try:
        await emulator.wait_until(lambda: emulator.webhook is not None, 10)
        assert emulator.webhook == {
            "url": url,
            "secret_token": "s3cret_T0ken",
            "allowed_updates": ["message", "edited_message", "callback_query", "my_chat_member"],
        }
        replies = await Person(emulator, 1001, "Sri", language_code="id").send("/start")
        assert "Anda siapa?" in replies[-1].plain

        async with httpx.AsyncClient(trust_env=False) as client:
            forged = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/start",
                      "chat": {"id": 1001, "type": "private"}}}  # fmt: skip
            without = await client.post(url, json=forged)
            wrong = await client.post(
                url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
            )
        assert (without.status_code, wrong.status_code) == (403, 403)
        assert len(emulator.messages(1001)) == 1
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    assert emulator.violations == []


async def test_the_playground_registers_an_artisan_through_approval(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/start",
            ":tap 1",  # I am an artisan
            ":tap 1",  # use the Telegram name
            ":tap Jiwut",
            "Kendang Jaya",
            ":key 2",  # Skip the phone number
            ":tap 1",  # Send registration
            ":as admin",
            ":tap Setujui",
            ":as buyer",
            ":lang en",
            "/start",
            ":lang zh",
            "/start",
            ":quit",
        ]
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("KENDANG_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "playground", "--db", str(tmp_path / "play.db"),
        cwd=tmp_path, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(script.encode() + b"\n"), 60)
    output = stdout.decode()
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert "--- bot → Ani (admin)\n📝 Pendaftaran perajin baru" in output
    assert "Selamat bergabung di koperasi, Sri" in output
    assert "✅ Disetujui oleh Ani" in output
    assert "Who are you?" in output
    assert "--- bot → Li Wei (buyer)\nLi Wei，您好！" in output
    assert (tmp_path / "play.db").exists()

"""The webhook judges a request by its headers: strangers and oversized bodies go unread."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from telegram import Update

from bot.emulator import BotApiEmulator, Person
from bot.serve import serve
from bot.updates import UpdateProcessor
from bot.webhook import MAX_UPDATE_BYTES, SECRET_HEADER
from tests.conftest import TOKEN
from tests.test_modes import webhook_settings

SECRET = "s3cret_T0ken"  # what webhook_settings sets
ANSWER_SECONDS = 10.0
FORGED_UPDATE_ID = 900_001


@dataclass
class Webhook:
    """The bot serving its webhook, and the ids of the updates it went on to process."""

    url: str
    processed: list[int] = field(default_factory=list)


@pytest.fixture
async def webhook(
    emulator: BotApiEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Webhook]:
    """The bot in webhook mode, noting every update its webhook hands on for processing."""
    settings = webhook_settings(emulator, tmp_path)
    served = Webhook(str(settings.webhook_url))
    process = UpdateProcessor.process

    async def noting_process(self: UpdateProcessor, update: Update) -> None:
        served.processed.append(update.update_id)
        await process(self, update)

    monkeypatch.setattr(UpdateProcessor, "process", noting_process)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, TOKEN, stop))
    try:
        await emulator.wait_until(lambda: emulator.webhook is not None, ANSWER_SECONDS)
        yield served
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    assert emulator.violations == []


def forged_update(text: str, padding: int = 0) -> bytes:
    """A text message from person 1001 as Telegram would post it, padded with spaces."""
    update = {"update_id": FORGED_UPDATE_ID, "message": {
        "message_id": 77, "date": 0, "text": text,
        "from": {"id": 1001, "is_bot": False, "first_name": "Sri", "language_code": "id"},
        "chat": {"id": 1001, "type": "private", "first_name": "Sri"},
    }}  # fmt: skip
    return json.dumps(update).encode() + b" " * padding


async def send_headers(
    url: str, headers: dict[str, str]
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open a connection to `url` and send a POST's request line and headers, and no body."""
    parsed = urlparse(url)
    reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
    lines = [f"POST {parsed.path} HTTP/1.1", f"Host: {parsed.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    return reader, writer


async def answer_and_hang_up(reader: asyncio.StreamReader) -> str:
    """The status line of the answer, once the server has also closed the connection."""
    try:
        answer = await asyncio.wait_for(reader.read(), ANSWER_SECONDS)  # up to the close
    except TimeoutError:
        raise AssertionError("the server waits for the body instead of answering") from None
    return answer.split(b"\r\n", 1)[0].decode()


@pytest.mark.parametrize("secret", [None, "guess"])
async def test_a_request_without_the_secret_is_refused_before_its_body_is_sent(
    webhook: Webhook, secret: str | None
) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(50 * 1024 * 1024)}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    reader, writer = await send_headers(webhook.url, headers)
    try:
        # Not a byte of the 50 MiB is sent: the answer, and the hang-up, come from the headers.
        assert await answer_and_hang_up(reader) == "HTTP/1.1 403 Forbidden"
    finally:
        writer.close()
    assert webhook.processed == []


async def test_an_update_over_the_cap_is_refused_with_413_from_its_headers_and_not_processed(
    webhook: Webhook, emulator: BotApiEmulator
) -> None:
    await Person(emulator, 1001, "Sri", language_code="id").send("/start")
    processed_before = list(webhook.processed)
    body = forged_update("/help", padding=MAX_UPDATE_BYTES)
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    reader, writer = await send_headers(webhook.url, {**headers, "Content-Length": str(len(body))})
    try:
        assert await answer_and_hang_up(reader) == "HTTP/1.1 413 Request Entity Too Large"
    finally:
        writer.close()
    assert webhook.processed == processed_before

    # The same update at its own size is taken, so it was the size that was refused.
    unpadded = forged_update("/help")
    reader, writer = await send_headers(
        webhook.url, {**headers, "Content-Length": str(len(unpadded)), "Connection": "close"}
    )
    try:
        writer.write(unpadded)
        assert await answer_and_hang_up(reader) == "HTTP/1.1 200 OK"
    finally:
        writer.close()
    assert webhook.processed == [*processed_before, FORGED_UPDATE_ID]


async def send_chunks_until_cut_off(writer: asyncio.StreamWriter, limit: int) -> int:
    """Send a chunked body of up to `limit` bytes; how many were sent when the server hung up."""
    chunk = b" " * (64 * 1024)
    sent = 0
    try:
        while sent < limit:
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
            sent += len(chunk)
    except ConnectionError:
        pass
    return sent


async def test_a_chunked_body_over_the_cap_is_cut_off_and_not_processed(
    webhook: Webhook,
) -> None:
    # A chunked body announces no length: only reading tells its size.
    headers = {SECRET_HEADER: SECRET, "Transfer-Encoding": "chunked"}
    limit = 64 * MAX_UPDATE_BYTES  # far past what the socket buffers can hold unread
    _, writer = await send_headers(webhook.url, headers)
    try:
        assert await send_chunks_until_cut_off(writer, limit) < limit
    finally:
        writer.close()
    assert webhook.processed == []

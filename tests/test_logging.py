"""The log keeps secrets: never the bot token, in any line or traceback; never a person's data."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError

from bot.emulator.server import text_content
from bot.logs import configure_logging
from bot.telegram_http import AiohttpRequest
from storage import Storage
from tests import test_faults
from tests.conftest import TOKEN, RunningBot

SECRET = TOKEN.partition(":")[2]
PHONE = "+6281299887766"
TYPED = "Bengkel rahasia di Jalan Mawar 17"
bot_storage = test_faults.bot_storage  # the bot's own Storage, to make its writes fail


@contextmanager
def configured_log(token: str) -> Iterator[io.StringIO]:
    """Configure logging as `kendang-bot run` does, into a buffer; put pytest's back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    output = io.StringIO()
    with redirect_stderr(output):  # the handler writes to the stderr of the moment it is made
        configure_logging("INFO", token)
    try:
        yield output
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, was in quiet.items():
            logging.getLogger(name).setLevel(was)


@dataclass
class RedirectingApi:
    """A loopback server in the Bot API's place that redirects every request to itself."""

    status: int
    url: str = ""
    requests: int = 0

    async def answer(self, request: web.Request) -> web.Response:
        """Redirect to the very URL asked for, token included, and say so in the body too."""
        self.requests += 1
        return web.Response(
            status=self.status,
            headers={"Location": str(request.url)},
            text=f"Moved to {request.url}",
        )


@pytest.fixture(params=[302, 307])
async def redirecting_api(request: pytest.FixtureRequest) -> AsyncIterator[RedirectingApi]:
    """A RedirectingApi answering 302 or 307, served on a free loopback port."""
    api = RedirectingApi(request.param)
    app = web.Application()
    app.router.add_route("*", "/{path:.*}", api.answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    api.url = f"http://{host}:{port}"
    yield api
    await runner.cleanup()


async def fail_to_reach(base_url: str) -> NetworkError:
    """Ask the Bot API at `base_url` who the bot is, through the bot's own requests; the error."""
    request = AiohttpRequest()
    await request.initialize()
    try:
        bot = Bot(TOKEN, base_url=f"{base_url}/bot", request=request, get_updates_request=request)
        with pytest.raises(NetworkError) as raised:
            await bot.get_me()
        return raised.value
    finally:
        await request.shutdown()


def log_failure(error: BaseException) -> None:
    """Log `error` with its traceback, and with its text in the message, as the bot would."""
    logging.getLogger("bot.serve").error("Telegram could not be reached: %s", error, exc_info=error)


def assert_token_redacted(output: str) -> None:
    """The log shows where the token was, never the token or its secret half."""
    assert "Traceback" in output
    assert "<token>" in output
    assert TOKEN not in output
    assert SECRET not in output


async def test_a_redirect_from_the_bot_api_is_refused_unfollowed_and_the_log_shows_no_token(
    redirecting_api: RedirectingApi,
) -> None:
    with configured_log(TOKEN) as output:
        error = await fail_to_reach(redirecting_api.url)
        assert redirecting_api.requests == 1, "the redirect was followed"
        assert f"answered {redirecting_api.status}, a redirect" in str(error)
        assert SECRET not in str(error)
        log_failure(error)
        # What a redirect carries could still reach a traceback: a message, a chained cause.
        try:
            try:
                moved = f"{redirecting_api.url}/bot{quote(TOKEN, safe='')}/getMe"  # colon as %3A
                raise ConnectionError(f"{moved} moved")
            except ConnectionError as cause:
                raise RuntimeError(f"gave up on the token {TOKEN}") from cause
        except RuntimeError as chained:
            log_failure(chained)
    assert_token_redacted(output.getvalue())


async def test_a_network_error_names_no_url_and_its_traceback_is_logged_without_the_token() -> None:
    async def answer_garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 abc\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer_garbage, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    try:
        with configured_log(TOKEN) as output:
            error = await fail_to_reach(f"http://{host}:{port}")
            # aiohttp's own error names the request URL; the bot's error does not.
            assert SECRET in str(error.__cause__)
            assert "<url>" in str(error)
            assert SECRET not in str(error) and "http://" not in str(error)
            log_failure(error)
    finally:
        server.close()
        await server.wait_closed()
    assert_token_redacted(output.getvalue())


async def test_a_failing_update_is_logged_by_ids_and_kind_without_the_phone_or_the_text(
    start_bot: Callable[..., Any],
    bot_storage: list[Storage],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot: RunningBot = await start_bot()
    [storage] = bot_storage
    emulator = bot.emulator
    bot.person(1077, "Wati")  # known to Telegram, new to the bot
    contact = {"phone_number": PHONE, "first_name": "Wati", "user_id": 1077}
    caplog.set_level(logging.INFO)  # the bot's default; at DEBUG, PTB logs whole updates
    # A newcomer's first update is written down at once: on a read-only database it fails.
    await storage.db.fetch_value("PRAGMA query_only = ON")
    try:
        update_ids = [
            emulator.user_message(1077, {"contact": contact}),
            emulator.user_message(1077, text_content(TYPED)),
        ]
        for update_id in update_ids:
            await emulator.wait_confirmed(update_id)
    finally:
        await storage.db.fetch_value("PRAGMA query_only = OFF")

    logged = caplog.text
    for update_id in update_ids:
        assert f"error while handling update {update_id} (message) from user 1077" in logged
    assert "attempt to write a readonly database" in logged  # the exception, traceback and all
    assert "Traceback" in logged
    assert PHONE not in logged and PHONE.lstrip("+") not in logged
    assert TYPED not in logged

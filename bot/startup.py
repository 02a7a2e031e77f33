"""Start-up: reach Telegram, trying again while it cannot be reached, saying why in one line."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable

import aiohttp
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.application import register_commands
from bot.context import BotApplication
from bot.documents.typeface import load_font
from bot.pacing import retry_seconds
from bot.replies import SENDING_ANNOUNCEMENTS
from bot.settings import Settings

logger = logging.getLogger(__name__)

# Start-up tries again after growing waits, capped at this, for as long as it takes: the
# caller cancels it when the bot is told to stop.
BACKOFF_MAX_SECONDS = 30.0


async def start(application: BotApplication, settings: Settings) -> None:
    """Reach Telegram (getMe), load persistence, register the commands and the way of updates.

    The PDFs' font is read meanwhile, in a thread: the first paper then costs no more than
    the next.
    """
    await asyncio.gather(
        until_answered("getMe", application.initialize), asyncio.to_thread(load_font)
    )
    await register_commands(application, settings)
    if not settings.webhook_url:
        await until_answered("deleteWebhook", application.bot.delete_webhook)


async def until_answered(method: str, call: Callable[[], Awaitable[object]]) -> None:
    """Make the call, trying again while Telegram cannot be reached or asks to wait."""
    backoff = 1.0
    while True:
        # The rate limiter would try again for minutes, saying less; this loop does it.
        leave_alone = SENDING_ANNOUNCEMENTS.set(True)
        try:
            await call()
            return
        except RetryAfter as error:
            wait = retry_seconds(error)
            logger.warning("%s: Telegram asks to wait; trying again in %.0f s", method, wait)
        except NetworkError as error:
            reason = unreachable(error)
            if reason is None:
                raise
            wait = backoff
            backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
            logger.warning("%s: %s; trying again in %.0f s", method, reason, wait)
        finally:
            SENDING_ANNOUNCEMENTS.reset(leave_alone)
        await asyncio.sleep(wait)


def unreachable(error: NetworkError) -> str | None:
    """Why the Bot API gave no usable answer, in a few words; None for a refusal (400)."""
    if isinstance(error, BadRequest):
        return None
    if isinstance(error, TimedOut):
        return "the Bot API did not answer in time"
    cause = error.__cause__
    if isinstance(cause, aiohttp.ClientConnectorDNSError):
        return (
            f"the Bot API's host {cause.host} cannot be found"
            " (no DNS, or a mistyped KENDANG_API_BASE_URL)"
        )
    if isinstance(cause, aiohttp.ClientConnectorError):
        errno, ssl = cause.os_error.errno, isinstance(cause, aiohttp.ClientSSLError)
        # A refused or unreachable connection says only "Connect call failed" by itself.
        why = os.strerror(errno) if errno and not ssl else str(cause.os_error)
        return f"cannot connect to the Bot API at {cause.host}:{cause.port} ({why})"
    # Dropped connections and Telegram's own 5xx answers.
    return f"no usable answer from the Bot API ({error})"

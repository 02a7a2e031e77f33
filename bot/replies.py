"""Retry the bot's own requests after a 429 or while Telegram is out of reach.

Announcements are left to their sender, which counts and paces its own retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any

from telegram.error import NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.pacing import retry_seconds
from bot.telegram_http import no_answer

logger = logging.getLogger(__name__)

# Set in the announcement sender's task: it handles its own 429s, counting and pacing them.
SENDING_ANNOUNCEMENTS: ContextVar[bool] = ContextVar("sending_announcements", default=False)
MAX_RETRIES = 3
# A reply that would have to wait longer than this is given up, as Telegram asks to wait.
MAX_WAIT_SECONDS = 30.0
# While Telegram does not answer at all, a reply is tried again after growing waits capped at
# this, for up to ten minutes; after that it is given up. Waiting loses nothing: while
# Telegram is away, no later update can be fetched either.
UNREACHABLE_BACKOFF_MAX = 15.0
MAX_UNREACHABLE_SECONDS = 600.0


class RetryAfterTooManyRequests(BaseRateLimiter[None]):
    """Wait out a 429 and send again, so that replies are not lost while the bot is busy."""

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Make the request; after a 429 or no answer at all, wait and make it again.

        Waiting for Telegram to come back holds up the update being processed, so it is
        answered, and confirmed, only once Telegram is there again.
        """
        announcing = SENDING_ANNOUNCEMENTS.get()
        retries = 0 if announcing else MAX_RETRIES
        attempt = 0
        unreachable_for = 0.0
        backoff = 1.0
        while True:
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_seconds(error)
                if attempt == retries or wait > MAX_WAIT_SECONDS:
                    raise
                attempt += 1
                logger.info("%s: too many requests, sending again in %.0f s", endpoint, wait)
                await asyncio.sleep(wait)
            except NetworkError as error:
                if announcing or not no_answer(error) or unreachable_for >= MAX_UNREACHABLE_SECONDS:
                    raise
                wait = min(backoff, MAX_UNREACHABLE_SECONDS - unreachable_for)
                logger.warning(
                    "%s: Telegram unreachable (%s); trying again in %.0f s", endpoint, error, wait
                )
                await asyncio.sleep(wait)
                unreachable_for += wait
                backoff = min(backoff * 2, UNREACHABLE_BACKOFF_MAX)

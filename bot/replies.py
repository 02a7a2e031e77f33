"""Retry the bot's own requests after a 429, but leave announcements to their sender."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.updates import retry_seconds

logger = logging.getLogger(__name__)

# Set in the announcement sender's task: it handles its own 429s, counting and pacing them.
SENDING_ANNOUNCEMENTS: ContextVar[bool] = ContextVar("sending_announcements", default=False)
MAX_RETRIES = 3
# A reply that would have to wait longer than this is given up, as Telegram asks to wait.
MAX_WAIT_SECONDS = 30.0


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
        """Make the request; after a 429, wait as Telegram says and make it again."""
        retries = 0 if SENDING_ANNOUNCEMENTS.get() else MAX_RETRIES
        for attempt in range(retries + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_seconds(error)
                if attempt == retries or wait > MAX_WAIT_SECONDS:
                    raise
                logger.info("%s: too many requests, sending again in %.0f s", endpoint, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

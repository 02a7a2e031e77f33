"""Keep Telegram's limits for the bot's replies, and send them again after a 429 or an outage.

A 429 holds the chat it was about, and only that chat: the reply waits it out in the update of
the person it answers, and the outbox waits before writing to that chat too. Announcements and
notices are left to their senders, which pace and count their own retries.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any

from telegram.error import NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.pacing import Pacer, retry_seconds
from bot.telegram_http import no_answer

logger = logging.getLogger(__name__)

# Set in the tasks of the background senders (announcements, the outbox): they pace
# themselves and handle their own 429s, counting and spacing their retries.
SENDING_ANNOUNCEMENTS: ContextVar[bool] = ContextVar("sending_announcements", default=False)
# The requests that put a message in a chat or change one, and so count against its limit;
# edits do not count against the limit of messages sent in all.
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
        "editMessageMedia",
    }
)
EDIT_METHODS = frozenset(method for method in MESSAGE_METHODS if method.startswith("edit"))
MAX_RETRIES = 3
# A reply that would have to wait longer than this is given up, as Telegram asks to wait.
MAX_WAIT_SECONDS = 30.0
# While Telegram does not answer at all, a reply is tried again after growing waits capped at
# this, for up to ten minutes; after that it is given up. Waiting loses nothing: the update
# stays unconfirmed meanwhile, and other people's updates go on.
UNREACHABLE_BACKOFF_MAX = 15.0
MAX_UNREACHABLE_SECONDS = 600.0


class RetryAfterTooManyRequests(BaseRateLimiter[None]):
    """Pace replies within Telegram's limits and wait out a 429 for the chat it concerns."""

    def __init__(self, pacer: Pacer) -> None:
        self._pacer = pacer

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
        """Make the request in its turn; after a 429 or no answer at all, wait and try again.

        Waiting holds up only the update being processed: it is answered, and confirmed,
        once Telegram takes the reply.
        """
        if SENDING_ANNOUNCEMENTS.get():
            return await callback(*args, **kwargs)
        chat_id = _chat_of(data)
        attempt = 0
        unreachable_for = 0.0
        backoff = 1.0
        while True:
            held = self._pacer.held_for(chat_id)
            if held > MAX_WAIT_SECONDS:
                # Telegram asked to wait longer than a reply is worth (an apology, say): give
                # up at once rather than hold the person's next updates that long.
                raise RetryAfter(math.ceil(held))
            if endpoint in MESSAGE_METHODS:
                await self._pacer.reply_turn(chat_id, new_message=endpoint not in EDIT_METHODS)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_seconds(error)
                if chat_id is not None:
                    self._pacer.hold(chat_id, wait)
                if attempt == MAX_RETRIES or wait > MAX_WAIT_SECONDS:
                    raise
                attempt += 1
                logger.info("%s: too many requests, sending again in %.0f s", endpoint, wait)
                if chat_id is None or endpoint not in MESSAGE_METHODS:
                    await asyncio.sleep(wait)
            except NetworkError as error:
                if not no_answer(error) or unreachable_for >= MAX_UNREACHABLE_SECONDS:
                    raise
                wait = min(backoff, MAX_UNREACHABLE_SECONDS - unreachable_for)
                logger.warning(
                    "%s: Telegram unreachable (%s); trying again in %.0f s", endpoint, error, wait
                )
                await asyncio.sleep(wait)
                unreachable_for += wait
                backoff = min(backoff * 2, UNREACHABLE_BACKOFF_MAX)


def _chat_of(data: dict[str, Any]) -> int | None:
    """The chat a request writes to, when it names one by number."""
    chat_id = data.get("chat_id")
    if isinstance(chat_id, int):
        return chat_id
    if isinstance(chat_id, str):
        # ASCII digits only: str.isdigit() takes "²" too, which int() refuses.
        digits = chat_id.removeprefix("-")
        if digits.isascii() and digits.isdigit():
            return int(chat_id)
    return None

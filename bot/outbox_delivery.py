"""What happens to one queued message when the outbox tries it: sent, retried, or failed."""

from __future__ import annotations

import logging
import sqlite3

from telegram import Bot
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.outbox_copies import record_copy
from bot.outbox_requests import make_request
from bot.outbox_tally import UpdateTally
from bot.pacing import Pacer, retry_seconds
from bot.telegram_http import no_answer
from storage import Storage
from storage.outbox import QueuedMessage

logger = logging.getLogger(__name__)

# A 5xx, a timeout or an unexpected error is tried this many times in all before the message is
# failed; while Telegram does not answer at all, tries are not counted.
MAX_ATTEMPTS = 5
# The wait before the first retry, doubled before each next one.
BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0


class Delivery:
    """Tries queued messages and records what became of each."""

    def __init__(self, bot: Bot, storage: Storage, pacer: Pacer, tally: UpdateTally) -> None:
        self._bot = bot
        self._storage = storage
        self._pacer = pacer
        self._tally = tally
        # Tries in a row that Telegram did not answer at all, whatever the chat.
        self._unanswered = 0

    async def attempt(self, row: QueuedMessage) -> float:
        """Try a message once; return how long its chat waits before the next try."""
        try:
            message_id = await make_request(self._bot, row)
        except RetryAfter as error:
            # The pacer holds the chat, and only it, for as long as Telegram asks.
            seconds = retry_seconds(error)
            logger.info("outbox: chat %s asks to wait %.0f s", row.chat_id, seconds)
            self._pacer.hold(row.chat_id, seconds)
            self._tally.release_chat(row.chat_id)
            self._unanswered = 0
            return 0.0
        except Forbidden as error:
            self._unanswered = 0
            await self._fail(row, str(error), unreachable=True)
            return 0.0
        except BadRequest as error:
            self._unanswered = 0
            reason = str(error).lower()
            if row.action.edits and "not modified" in reason:
                await self._sent(row, row.message_id)
            else:
                await self._fail(row, str(error), unreachable="chat not found" in reason)
            return 0.0
        except Exception as error:  # network trouble, 5xx, anything unexpected
            if no_answer(error):
                # Telegram is out of reach for everyone: wait for it without spending the
                # message's tries, so that an outage fails nothing.
                self._unanswered += 1
                wait = backoff(self._unanswered)
                logger.warning("Telegram unreachable (%s); retrying in %.0f s", error, wait)
                return wait
            self._unanswered = 0
            attempts = await self._storage.outbox.record_attempt(row.id, str(error))
            if attempts >= MAX_ATTEMPTS:
                await self._fail(row, str(error))
                return 0.0
            logger.info("outbox: message %s failed (%s); trying again", row.id, error)
            return backoff(attempts)
        self._unanswered = 0
        await self._sent(row, message_id)
        return 0.0

    async def _sent(self, row: QueuedMessage, message_id: int | None) -> None:
        # The copy is recorded before the row is marked: a refresh that finds the row no
        # longer queued then finds the copy, and edits it.
        if row.copy_of is not None and not row.action.edits and message_id is not None:
            try:
                await record_copy(self._storage, row.copy_of, row.chat_id, message_id)
            except (ValueError, sqlite3.IntegrityError) as error:
                logger.warning("outbox: could not record copy %s: %s", row.copy_of, error)
        if await self._storage.outbox.mark_sent(row.id, row.revision, message_id):
            self._tally.finish(row.id)
        # Otherwise it was revised in flight: it stays queued as an edit of what was just sent.

    async def _fail(self, row: QueuedMessage, error: str, *, unreachable: bool = False) -> None:
        logger.warning(
            "outbox: gave up %s to %s%s: %s",
            row.action,
            row.chat_id,
            f" ({row.copy_of})" if row.copy_of else "",
            error,
        )
        await self._storage.outbox.mark_failed(row.id, error, unreachable=unreachable)
        self._tally.finish(row.id)


def backoff(tries: int) -> float:
    """The wait before the next try after `tries` failed ones."""
    return min(BACKOFF_SECONDS * 2.0 ** (tries - 1), MAX_BACKOFF_SECONDS)

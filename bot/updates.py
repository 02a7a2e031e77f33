"""Process each update exactly once and confirm it to Telegram only after its effects are saved."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.context import BotApplication
from bot.pacing import retry_seconds, sleep_unless_stopped
from bot.persistence import SQLitePersistence
from bot.storage_faults import alert_admins, storage_fault
from storage.state import StateStore

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
MAX_BACKOFF_SECONDS = 30.0


class UpdateProcessor:
    """Run one update through the application and commit its state with its id."""

    def __init__(
        self, application: BotApplication, persistence: SQLitePersistence, state: StateStore
    ) -> None:
        self._application = application
        self._persistence = persistence
        self._state = state
        # Webhook requests may arrive together; conversations need one update at a time.
        self._lock = asyncio.Lock()
        # Update ids only grow, so an update newer than every committed one is new: only a
        # redelivery (after a restart, or a webhook retry) needs a look at the database.
        self._newest_committed: int | None = None

    async def process(self, update: Update) -> None:
        """Apply an update once: a redelivered update whose effects were saved is skipped."""
        async with self._lock:
            if self._newest_committed is None:
                self._newest_committed = await self._state.newest_processed()
            if update.update_id <= self._newest_committed and await self._state.is_processed(
                update.update_id
            ):
                logger.info("skipping update %s: already processed", update.update_id)
                return
            await self._application.process_update(update)
            await self._application.update_persistence()
            try:
                await self._persistence.commit(update.update_id)
                self._newest_committed = max(self._newest_committed, update.update_id)
            except sqlite3.DatabaseError as error:
                fault = storage_fault(error)
                if fault is None:
                    raise
                # The handlers have answered (an unsaved action with an apology); stopping
                # here would only repeat that answer. The state stays pending for the next
                # commit, and the update is confirmed like any other.
                logger.error(
                    "update %s answered but not saved: the database's fault is %s",
                    update.update_id,
                    fault.value,
                )
                await alert_admins(self._application.bot, self._application.bot_data, fault)


async def poll(
    application: BotApplication,
    processor: UpdateProcessor,
    stop: asyncio.Event,
    *,
    poll_timeout: int,
) -> None:
    """Long-poll getUpdates until `stop` is set, confirming each update after processing it.

    The next call's offset is what confirms an update to Telegram, so an update still being
    processed when the process dies is delivered again on restart.
    """
    offset: int | None = None
    backoff = 1.0
    stop_waiter = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            fetch = asyncio.ensure_future(
                application.bot.get_updates(
                    offset=offset, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
            )
            await asyncio.wait({fetch, stop_waiter}, return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                fetch.cancel()
                break
            try:
                updates = fetch.result()
            except RetryAfter as error:
                await sleep_unless_stopped(stop, retry_seconds(error))
                continue
            except TimedOut:
                continue
            except InvalidToken:
                raise
            except TelegramError as error:  # Conflict, network trouble, 5xx: try again later
                logger.warning("getUpdates failed (%s); retrying in %.0f s", error, backoff)
                await sleep_unless_stopped(stop, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            backoff = 1.0
            for update in updates:
                await processor.process(update)
                offset = update.update_id + 1
                if stop.is_set():
                    break
    finally:
        stop_waiter.cancel()
    if offset is not None:
        # Confirm the last processed update so that it is not delivered again after restart.
        try:
            await application.bot.get_updates(offset=offset, timeout=0, limit=1)
        except Exception as error:  # the next start skips it anyway, by its stored id
            logger.info("could not confirm the last update at stop: %s", error)

"""Long polling that confirms an update to Telegram only once its effects are saved.

The next getUpdates call's offset is what confirms updates, and it confirms every update below
it. So the offset stays at the oldest update not finished yet: one still in progress when the
process dies is delivered again on restart. Telegram returns at most 100 updates from the
offset, though, so a person whose updates wait (a flood, a chat answering 429 for minutes)
could hold back everyone's. When that many are open, the ones not committed yet are spooled
into the database instead, which confirms them as safely as committing would: the next start
processes them first.
"""

from __future__ import annotations

import asyncio
import json
import logging

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError, TimedOut

from bot.context import BotApplication
from bot.pacing import first_of, retry_seconds, sleep_unless_stopped
from bot.storage_faults import database_locked
from bot.updates import ALLOWED_UPDATES, Tracking, UpdateProcessor
from storage.state import StateStore

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0
# Telegram returns at most this many updates a call.
FETCH_LIMIT = 100
# With this many updates open, those not committed are spooled so that the offset moves on.
SPOOL_WHEN_OPEN = 50
# With updates in progress, getUpdates answers at once (with them), so the next call waits
# for one of them to finish, or this long for new ones.
RECHECK_SECONDS = 0.2
# At stop, updates in progress get this long to finish before they are left for redelivery.
DRAIN_SECONDS = 10.0


class Window:
    """The updates fetched and not yet confirmed, oldest first."""

    def __init__(self) -> None:
        self._open: dict[int, Tracking] = {}
        self._spooled: set[int] = set()
        self._next_offset: int | None = None
        # Updates delivered again below the offset (the emulator can; Telegram after a lost
        # confirmation): the next call would confirm them, so it waits until they are done.
        self.replays: list[Tracking] = []

    def __len__(self) -> int:
        return len(self._open)

    def take(self, updates: list[Update], processor: UpdateProcessor) -> int:
        """Hand the updates not seen yet to the processor; return how many were new."""
        new = 0
        for update in updates:
            update_id = update.update_id
            if update_id in self._open or (
                self._next_offset is not None and update_id < self._next_offset
            ):
                # Still open, or delivered again although confirmed (the processor skips a
                # committed one by its stored id).
                if update_id not in self._open:
                    self.replays.append(processor.submit(update))
                continue
            self._open[update_id] = processor.submit(update)
            new += 1
        return new

    def failure(self) -> BaseException | None:
        """An unexpected error of an update's processing, which stops the bot as before."""
        for tracking in self._open.values():
            if tracking.committed.done() and not tracking.committed.cancelled():
                error = tracking.committed.exception()
                if error is not None:
                    return error
        return None

    def offset(self, *, committed_is_enough: bool = False) -> int | None:
        """The offset that confirms every update up to the oldest one not finished."""
        safe_is_enough = committed_is_enough or len(self._open) >= SPOOL_WHEN_OPEN
        for update_id in list(self._open):
            tracking = self._open[update_id]
            passed = tracking.finished.done() and not tracking.finished.cancelled()
            if safe_is_enough:
                passed = passed or update_id in self._spooled or _committed(tracking)
            if not passed:
                break
            del self._open[update_id]
            self._spooled.discard(update_id)
            self._next_offset = update_id + 1
        return self._next_offset

    def to_spool(self) -> list[Update]:
        """The updates to spool now: when too many are open, those not committed or spooled."""
        if len(self._open) < SPOOL_WHEN_OPEN:
            return []
        return [
            tracking.update
            for update_id, tracking in self._open.items()
            if update_id not in self._spooled and not tracking.committed.done()
        ]

    def spooled(self, updates: list[Update]) -> None:
        """Remember that these updates are safe in the database."""
        self._spooled.update(update.update_id for update in updates)

    async def progress(self, stop: asyncio.Event) -> None:
        """Wait until an open update finishes, or a moment passes, or `stop` is set."""
        waiters = [tracking.finished for tracking in self._open.values()]
        if waiters:
            finished = asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            await first_of(finished, stop.wait(), seconds=RECHECK_SECONDS)


def _committed(tracking: Tracking) -> bool:
    future = tracking.committed
    return future.done() and not future.cancelled() and future.exception() is None


async def poll(
    application: BotApplication,
    processor: UpdateProcessor,
    state: StateStore,
    stop: asyncio.Event,
    *,
    poll_timeout: int,
) -> None:
    """Long-poll getUpdates until `stop` is set, processing updates side by side."""
    for update in await spooled_updates(application, state):
        processor.submit(update)
    window = Window()
    backoff = 1.0
    stop_waiter = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            failure = window.failure()
            if failure is not None:
                raise failure
            spool = window.to_spool()
            if spool:
                try:
                    await state.spool([(update.update_id, update.to_json()) for update in spool])
                except Exception as error:
                    if not database_locked(error):
                        raise
                    # Spooling only lets the offset move on: the updates stay open meanwhile,
                    # and are spooled at the next turn.
                    logger.warning("could not spool %s updates (%s); later", len(spool), error)
                else:
                    window.spooled(spool)
            busy = len(window) > 0
            fetch = asyncio.ensure_future(
                application.bot.get_updates(
                    offset=window.offset(),
                    limit=FETCH_LIMIT,
                    timeout=0 if busy else poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
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
            new = window.take(list(updates), processor)
            if window.replays:
                replays = {tracking.finished for tracking in window.replays}
                window.replays = []
                await first_of(asyncio.wait(replays), stop.wait())
            elif not new and busy:
                await window.progress(stop)
    finally:
        stop_waiter.cancel()
        await processor.drain(DRAIN_SECONDS)
    await _confirm_at_stop(application, window)


async def _confirm_at_stop(application: BotApplication, window: Window) -> None:
    """Confirm what was committed, so that it is not delivered again after the restart."""
    offset = window.offset(committed_is_enough=True)
    if offset is None:
        return
    try:
        await application.bot.get_updates(offset=offset, timeout=0, limit=1)
    except Exception as error:  # the next start skips them anyway, by their stored ids
        logger.info("could not confirm the last updates at stop: %s", error)


async def spooled_updates(application: BotApplication, state: StateStore) -> list[Update]:
    """The updates spooled before a stop and not processed yet, oldest first."""
    updates = []
    for update_id, payload in await state.spooled():
        update = Update.de_json(_loads(payload), application.bot)
        if update is None:
            logger.warning("spooled update %s could not be read; dropped", update_id)
            continue
        updates.append(update)
    if updates:
        logger.info("processing %s spooled updates first", len(updates))
    return updates


def _loads(payload: str) -> dict[str, object]:
    value = json.loads(payload)
    if not isinstance(value, dict):
        raise ValueError("a spooled update is not an object")
    return value

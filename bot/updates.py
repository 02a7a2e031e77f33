"""Process updates side by side, each person's in order, each exactly once.

Updates of different people run concurrently, so a round trip to Telegram or a 429 waited out
for one chat holds up nobody else. One person's updates (by user, else by chat) run strictly
one after the other, in the order they arrived: conversations rely on that. Each update's
conversation state and drafts are committed with its id, in one transaction, once the update
is done; another person's half-done state is never written with it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telegram import Update

from bot.context import BotApplication
from bot.outbox import PROCESSING_UPDATE
from bot.persistence import SQLitePersistence
from bot.storage_faults import StorageFault, alert_admins, database_locked, storage_fault
from storage.state import StateStore

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
# Updates processed at once, whoever they are from (as python-telegram-bot's default for
# concurrent updates); the rest wait their turn.
MAX_CONCURRENT_UPDATES = 256
# An update counts as finished once its notices to third parties went out, or after this long:
# they are in the outbox, which survives a restart, so nothing waits on a slow chat for good.
SETTLE_SECONDS = 10.0
# How many committed update ids are remembered in memory, to recognise a webhook's retry.
REMEMBERED_COMMITS = 10_000
# A final save that finds the database locked by another program (each try has already waited
# out SQLite's busy timeout) is tried again after these pauses; then the admins are told, and
# it is tried again ever less often, up to this many seconds apart, until it goes through.
LOCKED_SAVE_PAUSES = (0.25, 0.75)
LOCKED_SAVE_MAX_PAUSE = 30.0

Settle = Callable[[int], Awaitable[None]]


@dataclass
class Tracking:
    """Where one update stands: its effects committed, then its notices sent too."""

    update: Update
    committed: asyncio.Future[None]
    finished: asyncio.Future[None]


@dataclass
class _Lane:
    """One person's updates, in the order they arrived; the first is being processed."""

    waiting: deque[Tracking] = field(default_factory=deque)
    worker: asyncio.Task[None] | None = None


def person_of(update: Update) -> int:
    """The id whose updates must be processed in order: the sender, else the chat."""
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return 0


class UpdateProcessor:
    """Run updates through the application side by side, one person's at a time."""

    def __init__(
        self,
        application: BotApplication,
        persistence: SQLitePersistence,
        state: StateStore,
        *,
        settle: Settle | None = None,
    ) -> None:
        self._application = application
        self._persistence = persistence
        self._state = state
        # Waits until an update's notices to third parties are out (the outbox's `settled`).
        self._settle = settle
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_UPDATES)
        self._lanes: dict[int, _Lane] = {}
        self._tracked: dict[int, Tracking] = {}
        self._finishing: set[asyncio.Task[None]] = set()
        # Update ids only grow: one newer than every id committed before this start is new,
        # unless it was committed since, which memory tells.
        self._newest_at_start: int | None = None
        self._committed_ids: set[int] = set()
        self._committed_order: deque[int] = deque()

    async def process(self, update: Update) -> None:
        """Apply an update once, after the same person's earlier ones; return once finished."""
        await self.submit(update).finished

    def submit(self, update: Update) -> Tracking:
        """Queue an update behind the same person's earlier ones; the same id is queued once."""
        tracked = self._tracked.get(update.update_id)
        if tracked is not None:
            return tracked
        loop = asyncio.get_running_loop()
        tracked = Tracking(update, loop.create_future(), loop.create_future())
        self._tracked[update.update_id] = tracked
        person = person_of(update)
        lane = self._lanes.get(person)
        if lane is None:
            lane = self._lanes[person] = _Lane()
        _insert_in_order(lane.waiting, tracked)
        if lane.worker is None:
            lane.worker = asyncio.create_task(self._work(person, lane))
        return tracked

    async def drain(self, within: float) -> None:
        """Let the updates in progress finish for up to `within` seconds, then cancel the rest.

        A cancelled update was not committed: Telegram delivers it again after the restart.
        """
        workers = {lane.worker for lane in self._lanes.values() if lane.worker is not None}
        if workers:
            _, late = await asyncio.wait(workers, timeout=within)
            for worker in late:
                worker.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._finishing:
            await asyncio.wait(self._finishing, timeout=within)

    async def _work(self, person: int, lane: _Lane) -> None:
        try:
            while lane.waiting:
                tracked = lane.waiting[0]
                try:
                    async with self._slots:
                        await self._apply(tracked.update)
                except Exception as error:
                    logger.exception("update %s failed", tracked.update.update_id)
                    for future in (tracked.committed, tracked.finished):
                        future.set_exception(error)
                        future.exception()  # those who wait on it get it; nobody must
                else:
                    tracked.committed.set_result(None)
                    self._finish_later(tracked)
                lane.waiting.popleft()
                self._tracked.pop(tracked.update.update_id, None)
        finally:
            # Cancelled while stopping: the update in progress and those queued behind it stay
            # unconfirmed, so Telegram delivers them again.
            if lane.waiting:
                self._persistence.abandon(_owners(lane.waiting[0].update))
            for tracked in lane.waiting:
                self._tracked.pop(tracked.update.update_id, None)
                for future in (tracked.committed, tracked.finished):
                    if not future.done():
                        future.cancel()
            del self._lanes[person]

    async def _apply(self, update: Update) -> None:
        """Process one update and commit its state with its id, unless it was done before."""
        token = PROCESSING_UPDATE.set(update.update_id)
        try:
            if await self._done_before(update.update_id):
                logger.info("skipping update %s: already processed", update.update_id)
                return
            await self._application.process_update(update)
            await self._application.update_persistence()
            await self._commit(update)
        finally:
            PROCESSING_UPDATE.reset(token)

    async def _done_before(self, update_id: int) -> bool:
        if self._newest_at_start is None:
            self._newest_at_start = await self._state.newest_processed()
        if update_id in self._committed_ids:
            return True
        return update_id <= self._newest_at_start and await self._state.is_processed(update_id)

    async def _commit(self, update: Update) -> None:
        # The update stays in progress, unconfirmed, while its save waits for a lock another
        # program holds: saved later, it is confirmed with its changes; cut off by a stop, it
        # is delivered again after the restart and starts over from the state stored before
        # it. Confirming it unsaved would lose its step on a restart, and processing it again
        # now would run it from the step it already took, which the conversation holds in
        # memory. Only this person waits meanwhile: their next update needs this state.
        tries = 0
        while True:
            try:
                # Whoever has a lane has an update in progress; this person's own changes are
                # theirs by `owners` first.
                await self._persistence.commit(
                    update.update_id, owners=_owners(update), busy=self._lanes.keys()
                )
            except sqlite3.DatabaseError as error:
                if database_locked(error):
                    await self._wait_for_lock(update, tries)
                    tries += 1
                    continue
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
                return
            self._remember_commit(update.update_id)
            return

    async def _wait_for_lock(self, update: Update, tries: int) -> None:
        """Pause before saving again; tell the admins once the quick tries are spent."""
        if tries < len(LOCKED_SAVE_PAUSES):
            pause = LOCKED_SAVE_PAUSES[tries]
        else:
            pause = min(LOCKED_SAVE_PAUSES[-1] * 2 ** (tries - 1), LOCKED_SAVE_MAX_PAUSE)
            logger.error(
                "update %s answered but not saved: another program holds the database's lock;"
                " trying again in %.0f s",
                update.update_id,
                pause,
            )
            services = self._application.bot_data
            await alert_admins(self._application.bot, services, StorageFault.LOCKED)
        await asyncio.sleep(pause)

    def _remember_commit(self, update_id: int) -> None:
        self._committed_ids.add(update_id)
        self._committed_order.append(update_id)
        if len(self._committed_order) > REMEMBERED_COMMITS:
            self._committed_ids.discard(self._committed_order.popleft())

    def _finish_later(self, tracked: Tracking) -> None:
        """Mark the update finished once its notices are out, without holding up its person."""
        if self._settle is None:
            tracked.finished.set_result(None)
            return
        task = asyncio.create_task(self._settled(tracked, self._settle))
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)

    async def _settled(self, tracked: Tracking, settle: Settle) -> None:
        try:
            await asyncio.wait_for(settle(tracked.update.update_id), SETTLE_SECONDS)
        except TimeoutError:
            logger.info(
                "update %s: notices still queued after %.0f s; they stay in the outbox",
                tracked.update.update_id,
                SETTLE_SECONDS,
            )
        finally:
            if not tracked.finished.done():
                tracked.finished.set_result(None)


def _owners(update: Update) -> set[int]:
    """The ids whose changes an update commits: its person's and its chat's."""
    owners = {person_of(update)}
    if update.effective_chat is not None:
        owners.add(update.effective_chat.id)
    return owners


def _insert_in_order(waiting: deque[Tracking], tracked: Tracking) -> None:
    """Append, or place before later updates not started yet (a webhook may deliver late)."""
    position = len(waiting)
    while position > 1 and waiting[position - 1].update.update_id > tracked.update.update_id:
        position -= 1
    waiting.insert(position, tracked)

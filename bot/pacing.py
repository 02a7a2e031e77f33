"""Telegram's sending limits, kept by everything that sends: replies, notices, announcements.

Telegram allows about 30 messages a second in all, about one a second to one chat (after a
short burst) and 20 a minute to one group, and answers 429 with `retry_after` past that.
Every message and edit keeps its chat's limit; new messages also the overall one (Telegram's
30 a second are messages sent). Replies to the person being served may use the whole overall
budget; the background senders (notices to third parties and announcements) leave a
reserve for them. A 429 holds the chat it was about, and no other.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from telegram.error import RetryAfter

OVERALL_PER_SECOND = 30.0
CHAT_PER_SECOND = 1.0
# 20 a minute to a group, in any minute: a bucket of one refilled a little slower keeps it.
GROUP_PER_SECOND = 19.0 / 60.0
# Telegram lets a few messages to one chat go at once before it counts them a second apart.
CHAT_BURST = 3.0
# Telegram counts a message when it arrives, and requests given their turns in order can arrive
# closer together than they left: each counts against the overall limit a little longer.
OVERALL_WINDOW_SECONDS = 1.1
# Messages of the overall budget, in any second, that the background senders leave for replies.
REPLY_RESERVE = 5.0
# Buckets of chats not written to for this long are full again and can be forgotten.
FORGET_CHATS_AFTER_SECONDS = 600.0
FORGET_CHECK_EVERY = 1000


@dataclass
class _Bucket:
    """A token bucket: `rate` tokens a second up to `capacity`."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_for(self, need: float) -> float:
        """Seconds until the bucket holds `need` tokens (after `refill`)."""
        return max(0.0, (need - self.tokens) / self.rate)


class _Window:
    """The messages sent lately: no more than `limit` within `OVERALL_WINDOW_SECONDS`."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self._sent: deque[float] = deque()

    def wait_for(self, now: float, leave: float) -> float:
        """Seconds until one more message leaves `leave` of the limit free."""
        while self._sent and self._sent[0] <= now - OVERALL_WINDOW_SECONDS:
            self._sent.popleft()
        room = int(self.limit - leave) - 1  # how many may stand in the window before this one
        if len(self._sent) <= max(room, 0):
            return 0.0
        return self._sent[len(self._sent) - 1 - max(room, 0)] + OVERALL_WINDOW_SECONDS - now

    def take(self, now: float) -> None:
        self._sent.append(now)


class Pacer:
    """Keep Telegram's limits for every chat and overall; one instance per bot.

    Each kind of sender takes its turns first come, first served, so that no reply waits
    while later ones keep taking the free slots.
    """

    def __init__(
        self,
        *,
        overall_per_second: float = OVERALL_PER_SECOND,
        chat_per_second: float = CHAT_PER_SECOND,
        chat_burst: float = CHAT_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._chat_rate = chat_per_second
        self._chat_burst = chat_burst
        self._overall = _Window(max(overall_per_second, 1.0))
        self._chats: dict[int, _Bucket] = {}
        # A small budget still leaves its background senders room to go.
        self._reserve = min(REPLY_RESERVE, overall_per_second / 6)
        self._held_until: dict[int | None, float] = {}
        self._chat_queues: dict[int, tuple[asyncio.Lock, int]] = {}
        self._replies = asyncio.Lock()
        self._background = asyncio.Lock()
        self._takes = 0

    def hold(self, chat_id: int | None, seconds: float) -> None:
        """Send nothing to `chat_id` (None: to anyone) for `seconds`, as a 429 asked."""
        until = self._clock() + seconds
        self._held_until[chat_id] = max(self._held_until.get(chat_id, 0.0), until)

    def held_for(self, chat_id: int | None) -> float:
        """Seconds left before `chat_id` may be written to again after a 429."""
        now = self._clock()
        own = self._held_until.get(chat_id, 0.0) if chat_id is not None else 0.0
        return max(0.0, own - now, self._held_until.get(None, 0.0) - now)

    async def reply_turn(self, chat_id: int | None, *, new_message: bool = True) -> None:
        """Wait for this chat's turn within its limit and, for a new message, the overall one."""
        await self._turn(chat_id, self._replies, leave=0.0 if new_message else None)

    async def background_turn(self, chat_id: int) -> None:
        """Wait for this chat's turn within its limit, leaving the replies' reserve."""
        await self._turn(chat_id, self._background, leave=self._reserve)

    async def background_turn_unless_stopped(self, chat_id: int, stop: asyncio.Event) -> bool:
        """Take a background turn, unless `stop` is set first; True when the turn was taken."""
        turn = asyncio.ensure_future(self.background_turn(chat_id))
        await first_of(turn, stop.wait())
        return turn.done() and not turn.cancelled()

    async def _turn(self, chat_id: int | None, queue: asyncio.Lock, *, leave: float | None) -> None:
        """Wait for the chat's turn, then for room in the overall budget (none: not counted)."""
        async with self._chat_queue(chat_id):
            await self._turn_of_chat(chat_id, queue, leave=leave)

    @asynccontextmanager
    async def _chat_queue(self, chat_id: int | None) -> AsyncIterator[None]:
        """Messages to one chat take their turns in the order they asked."""
        if chat_id is None:
            yield
            return
        lock, waiting = self._chat_queues.get(chat_id, (asyncio.Lock(), 0))
        self._chat_queues[chat_id] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._chat_queues[chat_id]
            if waiting == 1:
                del self._chat_queues[chat_id]
            else:
                self._chat_queues[chat_id] = (lock, waiting - 1)

    async def _turn_of_chat(
        self, chat_id: int | None, queue: asyncio.Lock, *, leave: float | None
    ) -> None:
        while True:
            # The chat's own turn first: waiting for it must not hold up other chats' turns.
            await asyncio.sleep(self._chat_wait(chat_id, self._clock()))
            async with queue:
                while True:
                    now = self._clock()
                    chat_wait = self._chat_wait(chat_id, now)
                    if chat_wait > 0:
                        break  # a 429 came meanwhile: wait it out outside the queue
                    wait = 0.0 if leave is None else self._overall.wait_for(now, leave)
                    if wait <= 0:
                        self._take(chat_id, now, overall=leave is not None)
                        return
                    await asyncio.sleep(wait)

    def _chat_wait(self, chat_id: int | None, now: float) -> float:
        chat = self._chat(chat_id, now)
        wait = self.held_for(chat_id)
        return wait if chat is None else max(wait, chat.wait_for(1.0))

    def _take(self, chat_id: int | None, now: float, *, overall: bool) -> None:
        if overall:
            self._overall.take(now)
        chat = self._chat(chat_id, now)
        if chat is not None:
            chat.tokens -= 1.0
        self._forget_idle_chats(now)

    def _chat(self, chat_id: int | None, now: float) -> _Bucket | None:
        if chat_id is None:
            return None
        bucket = self._chats.get(chat_id)
        if bucket is None:
            # Groups (negative ids) are allowed 20 messages a minute, private chats one a second.
            if chat_id < 0:
                bucket = _Bucket(GROUP_PER_SECOND, 1.0, 1.0, now)
            else:
                bucket = _Bucket(self._chat_rate, self._chat_burst, self._chat_burst, now)
            self._chats[chat_id] = bucket
        bucket.refill(now)
        return bucket

    def _forget_idle_chats(self, now: float) -> None:
        self._takes += 1
        if self._takes % FORGET_CHECK_EVERY:
            return
        idle = [
            chat_id
            for chat_id, bucket in self._chats.items()
            if now - bucket.updated > FORGET_CHATS_AFTER_SECONDS
        ]
        for chat_id in idle:
            del self._chats[chat_id]
        for held, until in list(self._held_until.items()):
            if until < now:
                del self._held_until[held]


def retry_seconds(error: RetryAfter) -> float:
    """Return how many seconds Telegram asks to wait after a 429."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    """Sleep for `seconds`, or less if `stop` is set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return


async def first_of(*waits: Awaitable[object], seconds: float | None = None) -> None:
    """Wait until the first of `waits` is done, or `seconds` pass; cancel the rest."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        timeout = None if seconds is None else max(0.0, seconds)
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()

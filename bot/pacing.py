"""Telegram's sending limits, kept by everything that sends: replies, notices, announcements.

Telegram allows about 30 messages a second in all, about one a second to one chat (after a
short burst) and 20 a minute to one group, and answers 429 with `retry_after` past that.
Every message keeps its chat's limit. Replies to the person being served may use the whole
overall budget; the background senders (notices to third parties and announcements) leave a
reserve for them. A 429 holds the chat it was about, and no other.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram.error import RetryAfter

OVERALL_PER_SECOND = 30.0
CHAT_PER_SECOND = 1.0
# 20 a minute to a group, in any minute: a bucket of one refilled a little slower keeps it.
GROUP_PER_SECOND = 19.0 / 60.0
# Telegram lets a few messages to one chat go at once before it counts them a second apart.
CHAT_BURST = 3.0
# Tokens of the overall budget the background senders leave for replies.
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


class Pacer:
    """Keep Telegram's limits for every chat and overall; one instance per bot."""

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
        now = clock()
        burst = max(overall_per_second, 1.0)
        self._overall = _Bucket(overall_per_second, burst, burst, now)
        self._chats: dict[int, _Bucket] = {}
        # A small budget still leaves its background senders room to go.
        self._reserve = min(REPLY_RESERVE, overall_per_second / 6)
        self._held_until: dict[int | None, float] = {}
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

    async def reply_turn(self, chat_id: int | None) -> None:
        """Wait for this chat's turn within its limit and the whole overall budget."""
        await self._turn(chat_id, need=1.0)

    async def background_turn(self, chat_id: int) -> None:
        """Wait for this chat's turn within its limit, leaving the replies' reserve."""
        await self._turn(chat_id, need=1.0 + self._reserve)

    async def _turn(self, chat_id: int | None, *, need: float) -> None:
        while True:
            now = self._clock()
            self._overall.refill(now)
            chat = self._chat(chat_id, now)
            wait = max(self.held_for(chat_id), self._overall.wait_for(need))
            if chat is not None:
                wait = max(wait, chat.wait_for(1.0))
            if wait <= 0:
                self._overall.tokens -= 1.0
                if chat is not None:
                    chat.tokens -= 1.0
                self._forget_idle_chats(now)
                return
            await asyncio.sleep(wait)

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

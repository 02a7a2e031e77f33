"""Telegram's sending limits as the emulator keeps them: a token bucket and a sliding window.

Both only keep state; the limits themselves are passed in on every check, so that a test can
change the emulator's limits while it runs.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

# setWebhook's max_connections: how many updates Telegram posts to a webhook at once.
DEFAULT_WEBHOOK_CONNECTIONS = 40
MAX_WEBHOOK_CONNECTIONS = 100


@dataclass
class TokenBucket:
    """Tokens refilled at a rate up to a capacity; a request goes while one token is left.

    A request may cost more than the tokens left (a media group costs one per item): the
    bucket then runs into debt, so that the items are paid for by the requests after it.
    """

    tokens: float
    updated: float

    def wait(self, now: float, rate: float, capacity: float) -> float:
        """Seconds until a token is free (0.0: one is free now)."""
        self.tokens = min(capacity, self.tokens + (now - self.updated) * rate)
        self.updated = now
        return max(0.0, (1.0 - self.tokens) / rate)

    def take(self, cost: int) -> None:
        """Spend `cost` tokens (call `wait` first)."""
        self.tokens -= cost


@dataclass
class SlidingWindow:
    """At most a number of requests in any stretch of `seconds`."""

    seconds: float
    _times: deque[float] = field(default_factory=deque, init=False)

    def wait(self, now: float, limit: float) -> float:
        """Seconds until one more request fits in the window (0.0: it fits now)."""
        while self._times and self._times[0] <= now - self.seconds:
            self._times.popleft()
        excess = len(self._times) - math.ceil(limit)
        if excess < 0:
            return 0.0
        return self._times[excess] + self.seconds - now

    def take(self, now: float, cost: int) -> None:
        """Count a request of `cost` messages at `now` (call `wait` first)."""
        self._times.extend([now] * cost)


def seconds_to_retry(wait: float) -> int:
    """The whole seconds a 429 asks to wait: at least 1, rounded up."""
    # A wait a hair over a whole number is float noise, not another second.
    return max(1, math.ceil(wait - 1e-6))

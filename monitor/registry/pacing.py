"""A token bucket: the client's own rate limit, so a large baseline never meets the registry's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """At most ``rate`` requests a second on average, and never more than ``capacity`` at once.

    ``rate`` 0 means no limit. The default capacity of 1 spaces requests evenly, which is what
    the registry's robots.txt (``Crawl-delay: 1``) asks for.
    """

    def __init__(self, rate: float, capacity: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.capacity, self._clock = rate, max(1.0, capacity), clock
        self._tokens, self._updated = self.capacity, clock()

    def delay(self) -> float:
        """Seconds to wait before the next request may start (0 when a token is there)."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    async def take(self) -> None:
        while (wait := self.delay()) > 0:
            await asyncio.sleep(wait)
        if self.rate > 0:
            self._tokens -= 1

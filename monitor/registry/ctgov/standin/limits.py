"""Server-side rate limit for the stand-in: a token bucket per client address.

``per_minute`` tokens refill evenly over a minute; the bucket holds at most ``burst`` (default:
``per_minute``, i.e. "N requests a minute", which allows a burst of N). A request that finds the
bucket empty is answered 429 with no ``Retry-After`` header, like the live API, and counted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    per_minute: int
    burst: int | None = None
    clock: Callable[[], float] = time.monotonic
    throttled: int = 0  # requests answered 429 by this limiter
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # client -> (tokens, at)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.per_minute < 1:
            raise ValueError("per_minute must be >= 1 (use rate_limit(None) to turn the limit off)")
        if self.burst is None:
            self.burst = self.per_minute
        if self.burst < 1:
            raise ValueError("burst must be >= 1")

    @property
    def capacity(self) -> float:
        return float(self.burst or self.per_minute)

    def allow(self, client: str = "") -> bool:
        """Take one token for ``client``; False (and counted) when its bucket is empty."""
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.per_minute / 60.0)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                return True
            self._buckets[client] = (tokens, now)
            self.throttled += 1
            return False

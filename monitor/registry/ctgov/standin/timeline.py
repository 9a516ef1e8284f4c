"""How the stand-in's data moves while it serves, as the real registry's does (no I/O here).

- :class:`Churn`: every refresh also posts updates of other trials, dated the refresh's day (the real
  registry posts a few thousand a refresh day), so a check's "updated since" listing pages through
  them as it would in production;
- :class:`Cues`: an action run just before the n-th matching request is answered, e.g. a refresh that
  lands while a check is paging (``StandInRegistry.at_request``);
- page tokens of a data version: the real registry's may not outlive a refresh (third-party notes say
  "tied to data version; may expire on data refresh"); :func:`token_key` lets the stand-in model both.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

TS_FORMAT = "%Y-%m-%dT%H:%M:%S"


def next_day(timestamp: str) -> str:
    """The data timestamp one day later, at the same time of day."""
    return (dt.datetime.strptime(timestamp, TS_FORMAT) + dt.timedelta(days=1)).strftime(TS_FORMAT)


@dataclass(frozen=True)
class Churn:
    """``count`` trials picked at random from ``among`` (synthetic trial indices or ids; None: every
    synthetic trial) get a new "last update posted" with each refresh, and nothing else changes."""

    count: int
    among: Sequence[int | str] | None = None
    seed: int = 0

    def apply(self, store: Any, day: dt.date) -> list[str]:
        """Touch this refresh's share of ``store`` (a store with ``touch``: the synthetic one); their ids."""
        if self.count <= 0:
            return []
        pool: Sequence[int | str] = self.among if self.among is not None else range(store.n)
        picked = random.Random(f"{self.seed}:{day.isoformat()}").sample(pool, min(self.count, len(pool)))
        return list(store.touch(picked, day))


@dataclass
class Cues:
    """Actions waiting for a request: each runs once, just before the n-th request (counted from when
    it was added) whose path contains its ``path`` is answered. Thread-safe."""

    pending: list[list[Any]] = field(default_factory=list)  # [path, requests still to come, action]
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, nth: int, action: Callable[[], object], path: str) -> None:
        if nth < 1:
            raise ValueError("nth must be >= 1")
        with self._lock:
            self.pending.append([path, nth, action])

    def due(self, path: str) -> list[Callable[[], object]]:
        """The actions this request sets off (removed from the list)."""
        with self._lock:
            ready = []
            for cue in self.pending:
                if cue[0] in path:
                    cue[1] -= 1
                    if cue[1] == 0:
                        ready.append(cue[2])
            self.pending = [cue for cue in self.pending if cue[1] > 0]
            return ready


def token_key(query_hash: str, data_timestamp: str, *, expire_on_refresh: bool) -> str:
    """What a page token is bound to: the query, and the data version when tokens expire on a refresh
    (a token of older data is then refused, HTTP 400, as a changed query's is)."""
    return f"{query_hash}@{data_timestamp}" if expire_on_refresh else query_hash

"""Fault injection bookkeeping for the stand-in registry (no I/O here; the server acts on the plan).

A :class:`Fault` applies to the next ``times`` requests whose path contains ``path``
(``times=None``: until cleared). Faults are consulted in the order they were added; a request
consumes at most one. When no explicit fault matches, the random ``fail_rate`` (if on) may pick
a 503, a 429 or a connection reset.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from monitor.registry.ctgov.standin.answers import ANSWER_KINDS, LISTING_KINDS

KINDS = frozenset({"status", "truncate", "reset", "hang", "garbage", "empty_page", "bad_shape"}) | ANSWER_KINDS
LIST_PATH = "/api/v2/studies"  # the paged search endpoint (empty_page only applies there)


def _bad_status(study: dict[str, Any]) -> None:
    study.setdefault("protocolSection", {}).setdefault("statusModule", {})["overallStatus"] = 42


@dataclass
class Fault:
    kind: str
    path: str = "/studies"
    times: int | None = 1
    status: int = 503
    retry_after: int | float | str | None = None
    delay: float = 3600.0
    mutate: Callable[[dict[str, Any]], None] = _bad_status  # for "bad_shape"
    size: int = 2**30  # "huge", "huge_declared": bytes of the body (see answers.py for these kinds)
    pace: float = 1.0  # "trickle": seconds between bytes
    drift: int = 1  # "total_drift": the later pages' totalCount minus the first's
    total: int | None = None  # "total_drift": the first page's totalCount, once served
    hits: int = 0  # how many requests this fault has been applied to

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {sorted(KINDS)}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be >= 1 (or None for 'until cleared')")

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else self.times - self.hits

    def applies_to(self, path: str) -> bool:
        if self.path not in path:
            return False
        if self.kind == "empty_page" or self.kind in LISTING_KINDS:
            return path.rstrip("/") == LIST_PATH
        if self.kind == "bad_shape":  # only where studies are served
            return "/studies" in path and "/history" not in path
        return True

    def retry_after_header(self) -> str | None:
        if self.retry_after is None:
            return None
        if isinstance(self.retry_after, str):  # an HTTP-date, or any literal the test wants
            return self.retry_after
        return str(int(self.retry_after))


@dataclass
class FaultBook:
    """Thread-safe list of pending faults plus the optional random failure rate."""

    faults: list[Fault] = field(default_factory=list)
    rate: float = 0.0
    rate_path: str = ""
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.rate = 0.0

    def set_rate(self, p: float, seed: int | None, path: str) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError("fail rate must be within [0, 1]")
        with self._lock:
            self.rate, self.rate_path, self._rng = p, path, random.Random(seed)

    def take(self, path: str) -> Fault | None:
        """The fault to apply to this request (consuming one use), or None."""
        with self._lock:
            for f in self.faults:
                if f.applies_to(path):
                    f.hits += 1
                    if f.remaining == 0:
                        self.faults.remove(f)
                    return f
            if self.rate > 0 and self.rate_path in path and self._rng.random() < self.rate:
                pick = self._rng.choice((503, 429, "reset"))
                if pick == "reset":
                    return Fault("reset", path="")
                return Fault("status", path="", status=int(pick))  # like the live API: no Retry-After
        return None

"""A polite JSON-over-HTTP client for a registry: pacing, retries and bounded answers; no decisions.

Polite by construction: at most one request in flight, a token-bucket rate limit (shared by every
client of one registry conversation), retries with exponential backoff and jitter on 429
(honouring ``Retry-After``), 5xx, timeouts, dropped connections and unreadable bodies, through
stamina. A request that still fails raises :class:`~monitor.registry.base.RegistryUnavailable`;
callers then record nothing, so a failed fetch can never look like a change. Every failure names
the registry's URL (``shown``: any user name and password in it masked), so a wrong one is seen.

Bounded answers (:class:`AnswerLimits`): a body larger than ``max_bytes`` is refused, by its
Content-Length before reading or after reading at most ``max_bytes`` of it, and never retried; an
answer must arrive whole within ``deadline`` seconds (httpx's timeout is per read: a body that
trickles a byte a second never trips it); a body that is not valid UTF-8 is unreadable, never
decoded with replacement characters (they would be a false change). docs/operations.md#what-the-
check-does-with-a-misbehaving-registry.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
import stamina
from stamina.instrumentation import RetryDetails, set_on_retry_hooks

from monitor import __version__
from monitor.core.words import shown_url
from monitor.registry.base import RegistryUnavailable
from monitor.registry.pacing import TokenBucket

log = logging.getLogger("monitor.registry")

MAX_ANSWER_MB = 256.0  # MiB; a real page of 500 whole records with results is ~50 MB (MONITOR_MAX_ANSWER_MB)
ANSWER_DEADLINE = 300.0  # seconds for one whole answer, headers to last byte (MONITOR_ANSWER_DEADLINE)
MAX_RETRY_AFTER = 300.0  # seconds; a longer Retry-After is capped (the retry budget still applies)


@dataclass(frozen=True)
class AnswerLimits:
    """How big and how slow one registry answer may be."""

    max_bytes: int = int(MAX_ANSWER_MB * 2**20)
    deadline: float = ANSWER_DEADLINE

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AnswerLimits:
        """``MONITOR_MAX_ANSWER_MB`` and ``MONITOR_ANSWER_DEADLINE`` (checked by :mod:`monitor.settings`,
        which refuses bad values with one line; here a bad value falls back to its default)."""
        size, deadline = _positive(env, "MONITOR_MAX_ANSWER_MB"), _positive(env, "MONITOR_ANSWER_DEADLINE")
        return cls(int((size or MAX_ANSWER_MB) * 2**20), deadline or ANSWER_DEADLINE)

    @property
    def size_words(self) -> str:
        return f"{self.max_bytes / 2**20:g} MiB"


def _positive(env: Mapping[str, str], name: str) -> float | None:
    try:
        value = float(env.get(name) or "nan")
    except ValueError:
        return None
    return value if 0 < value < float("inf") else None  # nan is neither


class _Transient(Exception):
    """A failure worth retrying (``what`` failed, asking ``url``); ``retry_after`` is the server's
    requested wait, if any."""

    def __init__(self, url: str, what: str, retry_after: float | None = None) -> None:
        super().__init__(what)
        self.url, self.what, self.retry_after = url, what, retry_after


class JsonClient:
    """GET requests for JSON under ``base_url`` (use as ``async with``); counts every request sent."""

    def __init__(
        self, base_url: str, *, bucket: TokenBucket, timeout: float = 30.0, attempts: int = 5, budget: float = 90.0,
        lock: asyncio.Lock | None = None, limits: AnswerLimits | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.shown = shown_url(self.base_url)
        self.attempts = max(1, attempts)
        self.budget = budget
        self.requests = 0
        self.limits = limits or AnswerLimits.from_env(os.environ)
        self._bucket = bucket
        self._lock = lock or asyncio.Lock()  # shared: one request in flight per registry conversation
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._http: httpx.AsyncClient | None = None
        set_on_retry_hooks([_log_retry])

    async def __aenter__(self) -> JsonClient:
        self._http = httpx.AsyncClient(
            timeout=self._timeout,
            follow_redirects=False,
            headers={"User-Agent": f"trial-monitor/{__version__}", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def get(self, path: str, params: dict[str, str]) -> Any:
        """The decoded JSON answer of ``GET base_url + path``, retried; RegistryUnavailable when it fails."""
        tries = 0
        try:
            async for attempt in stamina.retry_context(
                on=_should_retry, attempts=self.attempts, timeout=self.budget,
                wait_initial=1.0, wait_max=30.0, wait_jitter=1.0,
            ):
                with attempt:
                    tries = attempt.num
                    return await self._send(path, params)
        except _Transient as exc:
            raise RegistryUnavailable(f"the registry at {self.shown} did not answer {path} "
                                      f"({'1 try' if tries == 1 else f'{tries} tries'}): {exc.what}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(self, path: str, params: dict[str, str]) -> Any:
        assert self._http is not None, "use JsonClient as an async context manager"
        url = f"{self.base_url}{path}"
        async with self._lock:  # at most one request in flight, and no more than the bucket allows
            await self._bucket.take()
            self.requests += 1
            log.debug("GET %s%s?%s", self.shown, path, urlencode(params)[:300])
            try:
                async with asyncio.timeout(self.limits.deadline), self._http.stream("GET", url, params=params) as response:
                    body = await _read_bounded(response, f"{self.shown}{path}", self.limits)
            except httpx.TransportError as exc:
                raise _Transient(f"{self.shown}{path}", _describe(exc)) from None
            except TimeoutError:  # the whole answer's deadline (httpx's own timeouts are TransportErrors)
                raise _Transient(f"{self.shown}{path}", f"the answer took longer than {self.limits.deadline:g} s "
                                 "to arrive whole (MONITOR_ANSWER_DEADLINE)") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise _Transient(f"{self.shown}{path}", f"HTTP {response.status_code}",
                             _retry_after(response.headers.get("Retry-After")))
        if response.status_code != 200:
            detail = " ".join(body[:200].decode("utf-8", "replace").split())
            refused = RegistryUnavailable(f"the registry at {self.shown} refused {path} "
                                          f"(HTTP {response.status_code}{': ' + detail if detail else ''})")
            refused.status = response.status_code
            raise refused
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise _Transient(f"{self.shown}{path}", _unreadable(body)) from None


async def _read_bounded(response: httpx.Response, url: str, limits: AnswerLimits) -> bytearray:
    """The body, refused (not retried: it would only be read again) once it passes ``limits.max_bytes``."""
    too_big = f"the registry's answer to {url} is larger than {limits.size_words} (MONITOR_MAX_ANSWER_MB): refused"
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise RegistryUnavailable(f"{too_big} unread (it announced {int(declared) / 2**20:,.0f} MiB)")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        if len(body) + len(chunk) > limits.max_bytes:
            raise RegistryUnavailable(f"{too_big} after reading {len(body) / 2**20:,.1f} MiB of it")
        body += chunk
    return body


def _unreadable(body: bytes | bytearray) -> str:
    try:
        bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"an answer that is not valid UTF-8 (at byte {exc.start:,})"
    return "an unreadable (truncated or non-JSON) answer"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _should_retry(exc: Exception) -> bool | float:
    """stamina hook: retry transient failures; a float is the wait the server asked for."""
    if isinstance(exc, _Transient):
        return exc.retry_after if exc.retry_after is not None else True
    return False


def _log_retry(details: RetryDetails) -> None:
    """stamina's retry hook: one line per retry that says what failed and how long we wait."""
    exc = details.caused_by
    if isinstance(exc, _Transient):
        log.warning("registry request to %s failed (%s); retry %d in %.1f s", exc.url, exc.what, details.retry_num,
                    details.wait_for)


def _describe(exc: httpx.TransportError) -> str:
    """A transport failure in words (never the request's URL: it may carry a password)."""
    return {
        httpx.ConnectError: "could not connect",
        httpx.ConnectTimeout: "connection timed out",
        httpx.ReadTimeout: "no answer in time",
        httpx.RemoteProtocolError: "the connection dropped mid-answer",
        httpx.ReadError: "the connection was reset",
        httpx.WriteTimeout: "sending the request timed out",
        httpx.PoolTimeout: "no connection free in time",
    }.get(type(exc), type(exc).__name__)

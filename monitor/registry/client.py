"""ClinicalTrials.gov API v2 client: ``/version``, batched ``/studies?filter.ids=…``, paging.

Polite by construction: at most one request in flight, a token-bucket rate limit (one request
per ``request_pause``, one second by default, as the registry's robots.txt asks), retries with exponential backoff and jitter on
429 (honouring ``Retry-After``), 5xx, timeouts, dropped connections and unreadable bodies,
through stamina. A request that still fails raises :class:`RegistryUnavailable`; callers
then record nothing, so a failed fetch can never look like a change.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
import stamina
from stamina.instrumentation import RetryDetails, set_on_retry_hooks

from monitor import __version__
from monitor.registry.pacing import TokenBucket

log = logging.getLogger(__name__)

# What a study fetch asks for: everything we compare, not the (large) results section itself.
STUDY_FIELDS = "ProtocolSection|DerivedSection|HasResults"
# What the cheap "what was updated" listing asks for: identity and the last update date.
STAMP_FIELDS = "NCTId|NCTIdAlias|LastUpdatePostDate"
# What a search listing asks for: enough to say what a newly matching trial is.
SEARCH_FIELDS = "NCTId|NCTIdAlias|BriefTitle|Phase|LeadSponsorName|OverallStatus|LocationCountry"
MAX_IDS_PER_REQUEST = 500  # AACT sends 500 per request in production
MAX_QUERY_CHARS = 7_500  # keep URLs under ~8 KB
PAGE_SIZE = 1000  # the registry's maximum
WHOLE_PAGE_SIZE = 500  # whole records per page of a listing: a 1,000-record page peaks near 400 MiB
MAX_BODY_BYTES = 256 * 1024 * 1024  # registry answers are untrusted: bounded
MAX_RETRY_AFTER = 300.0  # seconds; a longer Retry-After is capped (the retry budget still applies)


class RegistryUnavailable(Exception):
    """The registry could not be reached, or answered garbage, after every retry."""

    status: int | None = None  # the HTTP status when the registry refused the request (e.g. 404)


class _Transient(Exception):
    """A failure worth retrying; ``retry_after`` is the server's requested wait, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class UpdateStamp:
    """A record's identity and "last update posted" date, from the cheap listing."""

    nct_id: str
    aliases: tuple[str, ...]
    last_update_posted: str | None


@dataclass(frozen=True)
class RegistryVersion:
    api_version: str
    data_timestamp: str  # UTC, "yyyy-MM-ddTHH:mm:ss": moves when the registry refreshes


def id_batches(ids: Sequence[str], max_ids: int = MAX_IDS_PER_REQUEST) -> Iterator[list[str]]:
    """Split ids into batches that keep the request URL under ~8 KB."""
    batch: list[str] = []
    length = 0
    for nct_id in ids:
        if batch and (len(batch) >= max_ids or length + len(nct_id) + 3 > MAX_QUERY_CHARS):
            yield batch
            batch, length = [], 0
        batch.append(nct_id)
        length += len(nct_id) + 3  # "%7C" between ids once encoded
    if batch:
        yield batch


def _stamp(study: dict[str, Any]) -> UpdateStamp | None:
    """Read one listing entry defensively; None when it has no usable id."""
    protocol = study.get("protocolSection")
    ident = protocol.get("identificationModule") if isinstance(protocol, dict) else None
    status = protocol.get("statusModule") if isinstance(protocol, dict) else None
    nct_id = ident.get("nctId") if isinstance(ident, dict) else None
    if not isinstance(nct_id, str):
        return None
    aliases = ident.get("nctIdAliases") if isinstance(ident, dict) else None
    posted = status.get("lastUpdatePostDateStruct") if isinstance(status, dict) else None
    date = posted.get("date") if isinstance(posted, dict) else posted
    return UpdateStamp(
        nct_id.upper(),
        tuple(a.upper() for a in aliases if isinstance(a, str)) if isinstance(aliases, list) else (),
        date if isinstance(date, str) else None,
    )


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
    return isinstance(exc, httpx.TransportError)


def _log_retry(details: RetryDetails) -> None:
    """stamina's retry hook: one line per retry that says what failed and how long we wait."""
    exc = details.caused_by
    what = str(exc) if isinstance(exc, _Transient) else _describe(exc, "")
    log.warning("registry request failed (%s); retry %d in %.1f s", what, details.retry_num, details.wait_for)


class RegistryClient:
    """One registry conversation (use as ``async with``); counts every request it sends."""

    def __init__(
        self,
        base_url: str,
        *,
        pause: float = 1.0,
        timeout: float = 30.0,
        attempts: int = 5,
        budget: float = 90.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._bucket = TokenBucket(rate=1 / pause if pause > 0 else 0)
        self.attempts = max(1, attempts)
        self.budget = budget
        self.requests = 0
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._lock = asyncio.Lock()
        self._http: httpx.AsyncClient | None = None
        set_on_retry_hooks([_log_retry])

    async def __aenter__(self) -> RegistryClient:
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

    async def version(self) -> RegistryVersion:
        data = await self._get_json("/version", {})
        if not isinstance(data, dict) or not isinstance(data.get("dataTimestamp"), str):
            raise RegistryUnavailable("the registry's /version answer has no dataTimestamp")
        return RegistryVersion(str(data.get("apiVersion", "")), data["dataTimestamp"])

    async def studies_by_id(self, ids: Sequence[str]) -> AsyncIterator[list[dict[str, Any]]]:
        """Yield the studies for ``ids``, one list per page, following ``nextPageToken``.

        The ids must already be valid (one malformed id makes the registry reject a batch).
        Every page of every batch must arrive, or :class:`RegistryUnavailable` is raised.
        """
        for batch in id_batches(ids):
            params = {"filter.ids": "|".join(batch), "fields": STUDY_FIELDS, "pageSize": str(PAGE_SIZE)}
            async for page in self._pages("/studies", params, max_pages=len(batch) + 5):
                yield page

    async def studies_updated(
        self, since: str, ids: Sequence[str] | None = None
    ) -> AsyncIterator[tuple[list[UpdateStamp], int | None]]:
        """Yield (stamps, totalCount) per page of the records updated on or after ``since``.

        Registry-wide when ``ids`` is None, else only those ids (in URL-sized batches). The
        first page of each listing carries the registry's ``totalCount``; a listing that ends
        with fewer records than it announced is a failure, never a short answer.
        """
        expression = f"AREA[LastUpdatePostDate]RANGE[{since},MAX]"
        listings = [None] if ids is None else list(id_batches(ids))
        for batch in listings:
            params = {"filter.advanced": expression, "fields": STAMP_FIELDS, "pageSize": str(PAGE_SIZE),
                      "countTotal": "true"} | ({"filter.ids": "|".join(batch)} if batch else {})
            async for page, total in self._complete(params, "listing"):
                yield [stamp for stamp in map(_stamp, page) if stamp is not None], total

    async def search(self, criteria: Sequence[tuple[str, str]]) -> AsyncIterator[list[dict[str, Any]]]:
        """Every match of a search (``query.cond`` …, ``filter.overallStatus``), one list per page.

        The listing must be complete: one that ends short of its ``totalCount`` is a failure.
        """
        params = dict(criteria) | {"fields": SEARCH_FIELDS, "pageSize": str(PAGE_SIZE), "countTotal": "true"}
        async for page, _ in self._complete(params, "search"):
            yield page

    async def studies_everything(self, since: str | None) -> AsyncIterator[tuple[list[dict[str, Any]], int | None]]:
        """Whole records of the entire registry (``since`` None), or of those updated on or after
        ``since``: (page, the listing's totalCount)."""
        params = {"fields": STUDY_FIELDS, "pageSize": str(WHOLE_PAGE_SIZE), "countTotal": "true"}
        if since is not None:
            params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{since},MAX]"
        async for page, total in self._complete(params, "listing"):
            yield page, total

    async def _complete(self, params: dict[str, str], what: str) -> AsyncIterator[tuple[list[dict[str, Any]], int | None]]:
        """Page through a listing; (page, the first page's totalCount); short of that count is a failure."""
        announced: int | None = None
        seen = 0
        async for page, total in self._pages("/studies", params, max_pages=100_000, with_total=True):
            announced = total if announced is None else announced
            seen += len(page)
            yield page, total
        if announced is not None and seen < announced:
            raise RegistryUnavailable(f"the registry's {what} ended after {seen} of {announced} records")

    async def studies_by_id_since(self, ids: Sequence[str], since: str) -> AsyncIterator[list[dict[str, Any]]]:
        """Whole records of those ``ids`` updated on or after ``since`` (small watchlists: one step)."""
        for batch in id_batches(ids):
            params = {"filter.ids": "|".join(batch), "filter.advanced": f"AREA[LastUpdatePostDate]RANGE[{since},MAX]",
                      "fields": STUDY_FIELDS, "pageSize": str(PAGE_SIZE)}
            async for page in self._pages("/studies", params, max_pages=len(batch) + 5):
                yield page

    async def _pages(
        self, path: str, params: dict[str, str], *, max_pages: int, with_total: bool = False
    ) -> AsyncIterator[Any]:
        token: str | None = None
        for _ in range(max_pages):
            data = await self._get_json(path, params | ({"pageToken": token} if token else {}))
            studies = data.get("studies") if isinstance(data, dict) else None
            if not isinstance(studies, list) or not all(isinstance(s, dict) for s in studies):
                raise RegistryUnavailable(f"the registry's {path} answer has no list of studies")
            total = data.get("totalCount")
            yield (studies, total if isinstance(total, int) and not isinstance(total, bool) else None) \
                if with_total else studies
            token = data.get("nextPageToken")
            if not token:
                return
            if not isinstance(token, str):
                raise RegistryUnavailable(f"the registry's {path} answer has a malformed page token")
        raise RegistryUnavailable(f"the registry kept paging {path} past {max_pages} pages")

    async def _get_json(self, path: str, params: dict[str, str]) -> Any:
        try:
            async for attempt in stamina.retry_context(
                on=_should_retry,
                attempts=self.attempts,
                timeout=self.budget,
                wait_initial=1.0,
                wait_max=30.0,
                wait_jitter=1.0,
            ):
                with attempt:
                    return await self._send(path, params)
        except (_Transient, httpx.TransportError) as exc:
            raise RegistryUnavailable(_describe(exc, path)) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(self, path: str, params: dict[str, str]) -> Any:
        assert self._http is not None, "use RegistryClient as an async context manager"
        url = f"{self.base_url}{path}"
        async with self._lock:  # at most one request in flight, and no more than the bucket allows
            await self._bucket.take()
            self.requests += 1
            log.debug("GET %s?%s", url, urlencode(params)[:300])
            async with self._http.stream("GET", url, params=params) as response:
                body = await _read_bounded(response)
        if response.status_code == 429 or response.status_code >= 500:
            raise _Transient(
                f"{path}: HTTP {response.status_code}", _retry_after(response.headers.get("Retry-After"))
            )
        if response.status_code != 200:
            detail = body[:200].decode("utf-8", "replace").strip()
            refused = RegistryUnavailable(f"the registry refused {path} (HTTP {response.status_code}: {detail})")
            refused.status = response.status_code
            raise refused
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise _Transient(f"{path}: an unreadable (truncated or non-JSON) body") from None


async def _read_bounded(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise RegistryUnavailable(f"the registry's answer exceeds {MAX_BODY_BYTES // 2**20} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(exc: BaseException, path: str) -> str:
    kind = {
        httpx.ConnectError: "could not connect",
        httpx.ConnectTimeout: "connection timed out",
        httpx.ReadTimeout: "no answer in time",
        httpx.RemoteProtocolError: "the connection dropped mid-answer",
        httpx.ReadError: "the connection was reset",
    }.get(type(exc), str(exc) or type(exc).__name__)
    if not path:
        return kind
    return f"the registry did not answer {path} after retries: {kind}"

"""ClinicalTrials.gov as a :class:`~monitor.registry.base.Registry`: the parts of this folder, together.

One conversation (``async with``) holds one rate limit for every request it sends: the API v2
and, for the history backfill, the website's internal endpoint, paced as one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from monitor.core.model import Record
from monitor.core.searches import SearchHit
from monitor.registry.base import Moved, VersionHistory
from monitor.registry.ctgov import history, sync
from monitor.registry.ctgov.api import StudiesApi
from monitor.registry.ctgov.facts import CTGOV
from monitor.registry.ctgov.record import read_page
from monitor.registry.ctgov.search import query, read_hit
from monitor.registry.http import JsonClient
from monitor.registry.pacing import TokenBucket


class ClinicalTrialsGov:
    """The ClinicalTrials.gov API v2 (``api_url``), polite and counted."""

    about = CTGOV

    def __init__(self, api_url: str, *, pause: float = 1.0, timeout: float = 30.0, attempts: int = 5,
                 budget: float = 90.0) -> None:
        bucket = TokenBucket(rate=1 / pause if pause > 0 else 0)
        lock = asyncio.Lock()
        self._api = JsonClient(api_url, bucket=bucket, lock=lock, timeout=timeout, attempts=attempts, budget=budget)
        self._history = JsonClient(history.history_base(api_url), bucket=bucket, lock=lock, timeout=timeout,
                                   attempts=history.HISTORY_ATTEMPTS, budget=history.HISTORY_BUDGET)
        self.studies = StudiesApi(self._api)

    @property
    def requests(self) -> int:
        return self._api.requests + self._history.requests

    async def __aenter__(self) -> ClinicalTrialsGov:
        await self._api.__aenter__()
        await self._history.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._history.__aexit__(*exc_info)
        await self._api.__aexit__(*exc_info)

    async def version(self) -> str:
        return await self.studies.data_timestamp()

    def since(self, last_good: str | None, seen: Sequence[str] = ()) -> str | None:
        return sync.cursor_date(last_good, seen)

    def changed_since(self, since: str, served: Sequence[str]) -> AsyncIterator[Moved]:
        return sync.changed_since(self.studies, since, served)

    async def fetch(self, ids: Sequence[str]) -> AsyncIterator[list[Record]]:
        async for page in self.studies.by_id(ids):
            yield read_page(page)

    async def everything(self, since: str | None) -> AsyncIterator[tuple[list[Record], int | None]]:
        async for page, total in self.studies.everything(since):
            yield read_page(page), total

    async def search(self, criteria: Sequence[tuple[str, str]]) -> AsyncIterator[list[SearchHit]]:
        async for page in self.studies.search(query(criteria)):
            yield [hit for hit in map(read_hit, page) if hit is not None]

    async def history(self, trial_id: str) -> VersionHistory:
        return await history.versions(self._history, trial_id)

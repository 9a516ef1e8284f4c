"""The registry's version history of a record: the website's internal, undocumented endpoint.

``GET /api/int/studies/{NCT}?history=true`` answers ``{study, history: {changes: [{version, date,
status, moduleLabels}], …}}`` in one request (cthist reads the same). It is undocumented, may 404
for some ids and throttles under concurrency, so it is asked politely (one request at a time,
paced, few retries) and every failure is an answer the caller can carry on from.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.core.events.context import HistoryShapeError, PastVersion, read_versions
from monitor.registry.client import RegistryClient, RegistryUnavailable

# Fewer retries than the documented API gets: a missing history must never hold a check up for long.
HISTORY_ATTEMPTS = 2
HISTORY_BUDGET = 15.0


class HistoryUnavailable(Exception):
    """The history could not be had; ``for_good`` when asking again will not help (HTTP 404, 400)."""

    def __init__(self, message: str, *, for_good: bool) -> None:
        super().__init__(message)
        self.for_good = for_good


@dataclass(frozen=True)
class VersionHistory:
    versions: list[PastVersion]
    modules: dict[int, list[str]]  # version → the registry's labels of the modules it changed


def history_base(api_url: str) -> str:
    """``https://clinicaltrials.gov/api/v2`` → ``https://clinicaltrials.gov/api/int``."""
    base = api_url.rstrip("/")
    return (base[: -len("/v2")] if base.endswith("/v2") else base) + "/int"


class HistoryClient(RegistryClient):
    """A registry client for the internal history endpoint (use as ``async with``)."""

    def __init__(self, api_url: str, *, pause: float = 1.0, timeout: float = 30.0) -> None:
        super().__init__(history_base(api_url), pause=pause, timeout=timeout,
                         attempts=HISTORY_ATTEMPTS, budget=HISTORY_BUDGET)

    async def versions(self, nct_id: str) -> VersionHistory:
        """The record's versions (number, date posted, overall status, modules changed), oldest first."""
        try:
            answer = await self._get_json(f"/studies/{nct_id}", {"history": "true"})
            versions = read_versions(answer)
        except RegistryUnavailable as exc:
            for_good = exc.status is not None and 400 <= exc.status < 500 and exc.status != 429
            raise HistoryUnavailable(str(exc), for_good=for_good) from None
        except HistoryShapeError as exc:
            raise HistoryUnavailable(str(exc), for_good=False) from None
        changes = answer.get("history", answer).get("changes", [])
        modules = {
            change["version"]: [label for label in change.get("moduleLabels") or [] if isinstance(label, str)]
            for change in changes
            if isinstance(change, dict) and isinstance(change.get("version"), int)
            and isinstance(change.get("moduleLabels"), list)
        }
        return VersionHistory(versions, modules)

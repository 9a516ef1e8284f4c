"""A record's version history: the website's internal, undocumented endpoint.

``GET /api/int/studies/{NCT}?history=true`` answers ``{study, history: {changes: [{version, date,
status, moduleLabels}], …}}`` in one request (cthist reads the same). It is undocumented, may 404
for some ids and throttles under concurrency, so it is asked politely (one request at a time,
paced, few retries) and every failure is an answer the caller can carry on from.
"""

from __future__ import annotations

from typing import Any

from monitor.core.events.context import PastVersion
from monitor.core.words import parse_partial_date
from monitor.registry.base import HistoryUnavailable, RegistryUnavailable, VersionHistory
from monitor.registry.ctgov.facts import neutral_status
from monitor.registry.http import JsonClient

# Fewer retries than the documented API gets: a missing history must never hold a check up for long.
HISTORY_ATTEMPTS = 2
HISTORY_BUDGET = 15.0


class HistoryShapeError(ValueError):
    """The registry's version history did not have the shape we know."""


def history_base(api_url: str) -> str:
    """``https://clinicaltrials.gov/api/v2`` → ``https://clinicaltrials.gov/api/int``."""
    base = api_url.rstrip("/")
    return (base[: -len("/v2")] if base.endswith("/v2") else base) + "/int"


def read_versions(answer: Any) -> list[PastVersion]:
    """The versions in an answer of ``/api/int/studies/{id}?history=true`` (or of ``…/history``).

    ``{"history": {"changes": [{"version": 0, "date": "2018-09-27", "status": "RECRUITING", …}]}}``;
    a version without a readable number or date is skipped, an answer without a list is an error.
    """
    history = answer.get("history", answer) if isinstance(answer, dict) else None
    changes = history.get("changes") if isinstance(history, dict) else None
    if not isinstance(changes, list):
        raise HistoryShapeError("the registry's history answer has no list of changes")
    versions = []
    for change in changes:
        if not isinstance(change, dict):
            continue
        number, posted, status = change.get("version"), change.get("date"), change.get("status")
        if isinstance(number, bool) or not isinstance(number, int) or not isinstance(posted, str):
            continue
        if parse_partial_date(posted) is None:
            continue
        versions.append(PastVersion(number, posted, neutral_status(status) if isinstance(status, str) else None))
    return sorted(versions, key=lambda v: v.version)


def read_modules(answer: Any) -> dict[int, list[str]]:
    """Version → the registry's labels of the modules it changed."""
    history = answer.get("history", answer) if isinstance(answer, dict) else {}
    changes = history.get("changes", []) if isinstance(history, dict) else []
    return {
        change["version"]: [label for label in change.get("moduleLabels") or [] if isinstance(label, str)]
        for change in changes
        if isinstance(change, dict) and isinstance(change.get("version"), int)
        and isinstance(change.get("moduleLabels"), list)
    }


async def versions(client: JsonClient, nct_id: str) -> VersionHistory:
    """The record's versions (number, date posted, overall status, modules changed), oldest first."""
    try:
        answer = await client.get(f"/studies/{nct_id}", {"history": "true"})
        found = read_versions(answer)
    except RegistryUnavailable as exc:
        for_good = exc.status is not None and 400 <= exc.status < 500 and exc.status != 429
        raise HistoryUnavailable(str(exc), for_good=for_good) from None
    except HistoryShapeError as exc:
        raise HistoryUnavailable(str(exc), for_good=False) from None
    return VersionHistory(found, read_modules(answer))

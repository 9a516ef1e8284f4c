"""The JSON API under ``/api/v1/`` (its OpenAPI document: ``/api/openapi.json``, in ``openapi.py``).

Errors are ``{"error": "<one line>"}`` with 400, 401, 404 or 409; bad input is never a 500.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from monitor.core.changelog import Entry, plain
from monitor.overview import pages as read
from monitor.overview import state, timeline
from monitor.web import edits
from monitor.web.host import host_of
from monitor.web.openapi import DOCUMENT

LEVELS = ("high", "medium", "low", "info")
DEFAULT_LIMIT, MAX_LIMIT = 1000, 5000


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def event_json(entry: Entry) -> dict[str, Any]:
    """An event: the trial, what kind and level, its sentence, the values before and after, when."""
    return {"trial": entry.trial_id, "kind": entry.kind, "level": entry.level, "field": entry.field or None,
            "text": plain(entry.text), "old": entry.old, "new": entry.new, "detected_at": _iso(entry.when),
            "posted": entry.posted, "source": entry.source}


def trial_json(row: read.Row) -> dict[str, Any]:
    line = row.line
    latest = row.latest
    return {
        "id": line.trial_id, "label": line.label, "title": line.title, "status": line.status,
        "status_words": row.status_words, "awaiting_baseline": line.awaiting,
        "missing_since": _iso(line.missing_since), "served_as": line.served_id, "found_by": line.found_by,
        "last_update_posted": line.last_update_posted, "last_checked_at": _iso(line.last_checked_at),
        "latest_change": None if latest is None else {
            "detected_at": _iso(latest.when), "level": latest.level, "kind": latest.kind, "text": plain(latest.text)},
        "results": row.results or None, "next_expected": row.next_expected or None,
        "expectations": list(line.expectations), "registry_url": line.link,
        "url": f"/trials/{line.trial_id}",
    }


def _int(request: Request, name: str, default: int, most: int | None = None, least: int = 0) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or int(raw) < least or (most is not None and int(raw) > most):
        raise HTTPException(400, f"{name} must be a whole number from {least}" + (f" to {most}" if most else "")
                            + f", not '{raw[:40]}'")
    return int(raw)


def trials(request: Request) -> Response:
    host = host_of(request)
    limit = _int(request, "limit", DEFAULT_LIMIT, MAX_LIMIT, least=1)
    offset = _int(request, "offset", 0)
    rows, total = read.trial_rows(host.engine, host.watchlist(), host.settings.now(), offset=offset, limit=limit)
    following = offset + limit
    return JSONResponse({
        "trials": [trial_json(row) for row in rows], "total": total, "offset": offset, "limit": limit,
        "next": f"/api/v1/trials?limit={limit}&offset={following}" if following < total else None,
    })


async def add_trial(request: Request) -> Response:
    host = host_of(request)
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, "the body is not JSON (send {\"id\": \"NCT…\", \"label\": \"…\"})") from None
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise HTTPException(400, "send {\"id\": \"NCT…\"} (and an optional \"label\")")
    label = body.get("label")
    if label is not None and not isinstance(label, str):
        raise HTTPException(400, "label must be text")
    trial_id = edits.trial_id_of(body["id"])
    if not await edits.add(host, trial_id, edits.label_of(label)):
        raise HTTPException(409, f"{trial_id} is watched already")
    return JSONResponse({"id": trial_id, "added": True, "url": f"/api/v1/trials/{trial_id}"}, status_code=201)


def _page(request: Request) -> read.TrialPage:
    host = host_of(request)
    trial_id = edits.trial_id_of(request.path_params["trial_id"])
    found = read.trial_page(host.engine, host.watchlist(), trial_id, host.settings.now())
    if found is None:
        raise HTTPException(404, f"{trial_id} is not watched, and nothing is recorded of it")
    return found


async def remove_trial(request: Request) -> Response:
    host = host_of(request)
    trial_id = edits.trial_id_of(request.path_params["trial_id"])
    if not await edits.remove(host, trial_id):
        raise HTTPException(404, f"{trial_id} is not in the watchlist")
    return Response(status_code=204)


def trial(request: Request) -> Response:
    found = _page(request)
    card = found.card
    return JSONResponse({
        "id": found.line.trial_id, "label": found.line.label, "title": found.line.title, "status": found.line.status,
        "awaiting_baseline": found.line.awaiting, "last_checked_at": _iso(found.line.last_checked_at),
        "registry_url": found.line.link, "expectations": list(found.expectations),
        "card": None if card is None else {
            "status_words": card.status_words, "phase": card.phase, "enrollment": card.enrollment,
            "milestones": [{"label": m.label, "date": m.date, "type": m.kind} for m in card.milestones],
            "sponsor": card.sponsor, "sites": card.sites, "countries": list(card.countries), "results": card.results,
        },
        "timeline": [event_json(change.entry) for change in found.timeline],
    })


def trial_events(request: Request) -> Response:
    found = _page(request)
    return JSONResponse({"events": [event_json(change.entry) for change in found.timeline]})


def events(request: Request) -> Response:
    host = host_of(request)
    raw = request.query_params.get("since")
    if not raw:
        raise HTTPException(400, "since is required: an ISO 8601 time, e.g. 2026-11-22T00:00:00Z")
    try:
        since = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise HTTPException(400, f"since: '{raw[:40]}' is not an ISO 8601 time (e.g. 2026-11-22T00:00:00Z)") from None
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    level = request.query_params.get("min_level") or "low"
    if level not in LEVELS:
        raise HTTPException(400, f"min_level must be one of {', '.join(LEVELS)}, not '{level[:40]}'")
    limit = _int(request, "limit", DEFAULT_LIMIT, MAX_LIMIT, least=1)
    found = timeline.events_since(host.engine, since, min_level=level, limit=limit)
    return JSONResponse({"events": [event_json(e) for e in found], "since": _iso(since), "min_level": level})


def status(request: Request) -> Response:
    host = host_of(request)
    watchlist = host.watchlist()
    seen = state.monitor_state(host.engine, watchlist)
    last = seen.last_check
    return JSONResponse({
        "last_check": None if last is None else {
            "started_at": _iso(last.started_at), "outcome": last.outcome, "registry_data": last.data_timestamp,
            "requests": last.requests},
        "next_check": _iso(host.next_check()),
        "registry_outage": {"failed_checks_in_a_row": seen.failed_in_a_row, "since": _iso(seen.failing_since)}
        if seen.failed_in_a_row else None,
        "watched": seen.watched,
        "searches": [{"name": s.name, "matching": s.matching, "last_run_at": _iso(s.last_run_at), "adds": s.add}
                     for s in state.search_lines(host.engine, watchlist)],
        "deliveries": [{"target": masked, "state": kind, "count": count, "last_error": error}
                       for masked, kind, count, error in sorted(seen.deliveries)],
    })


def openapi(request: Request) -> Response:
    return JSONResponse(DOCUMENT)

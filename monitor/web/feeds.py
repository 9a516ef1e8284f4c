"""The Atom feeds: every trial's recent events (``/feed.atom``, as ``trial-monitor feed``) and one
trial's (``/trials/{id}/feed.atom``); each entry links to the trial's page here."""

from __future__ import annotations

from dataclasses import replace

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from monitor.core.changelog import Entry, render
from monitor.overview import timeline
from monitor.web import edits
from monitor.web.host import host_of

ATOM = "application/atom+xml; charset=utf-8"
DAYS, LIMIT = 30, 200


def _linked(entries: list[Entry], base: str) -> list[Entry]:
    return [replace(e, link=f"{base}trials/{e.trial_id}") for e in entries]


def feed(request: Request) -> Response:
    host = host_of(request)
    now = host.settings.now()
    entries = timeline.recent(host.engine, now, days=DAYS, limit=LIMIT)
    return Response(render(_linked(entries, str(request.base_url)), "atom", now=now, home=str(request.base_url),
                           title="trial-monitor: changes to watched trials"), media_type=ATOM)


def trial_feed(request: Request) -> Response:
    host = host_of(request)
    trial_id = edits.trial_id_of(request.path_params["trial_id"])
    found = timeline.timeline(host.engine, trial_id)
    if found is None:
        raise HTTPException(404, f"nothing is recorded of {trial_id}")
    entries = [e for e in found.entries if e.level != "info"]
    title = f"trial-monitor: {trial_id}" + (f" · {found.title}" if found.title else "")
    return Response(render(_linked(entries, str(request.base_url)), "atom", now=host.settings.now(),
                           home=f"{request.base_url}trials/{trial_id}", title=title), media_type=ATOM)

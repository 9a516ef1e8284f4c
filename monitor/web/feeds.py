"""The Atom feeds: every trial's recent events (``/feed.atom``, as ``trial-monitor feed``) and one
trial's (``/trials/{id}/feed.atom``); each entry links to the trial's page here. ``?kind=`` keeps one
kind (or a family, repeated or comma-separated): ``/feed.atom?kind=outcome_switch`` is every trial's
outcome switching."""

from __future__ import annotations

from dataclasses import replace

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from monitor.core.changelog import Entry, of_kinds, render
from monitor.core.choices import kinds_from
from monitor.overview import timeline
from monitor.web import edits
from monitor.web.host import host_of

ATOM = "application/atom+xml; charset=utf-8"
DAYS, LIMIT = 30, 200


def _linked(entries: list[Entry], base: str) -> list[Entry]:
    return [replace(e, link=f"{base}trials/{e.trial_id}") for e in entries]


def _kinds(request: Request) -> tuple[str, ...]:
    names = [name[:40] for raw in request.query_params.getlist("kind") for name in raw.split(",") if name.strip()]
    try:
        return kinds_from(names)
    except ValueError as exc:
        raise HTTPException(400, f"kind: {str(exc)[:300]}") from None


def _titled(title: str, kinds: tuple[str, ...]) -> str:
    return title + (f" ({', '.join(kinds)})" if kinds else "")


def feed(request: Request) -> Response:
    host = host_of(request)
    now, kinds = host.settings.now(), _kinds(request)
    entries = timeline.recent(host.engine, now, days=DAYS, limit=LIMIT, kinds=kinds)
    return Response(render(_linked(entries, str(request.base_url)), "atom", now=now, home=str(request.base_url),
                           title=_titled("trial-monitor: changes to watched trials", kinds)), media_type=ATOM)


def trial_feed(request: Request) -> Response:
    host = host_of(request)
    trial_id, kinds = edits.trial_id_of(request.path_params["trial_id"]), _kinds(request)
    found = timeline.timeline(host.engine, trial_id)
    if found is None:
        raise HTTPException(404, f"nothing is recorded of {trial_id}")
    entries = [e for e in of_kinds(found.entries, kinds) if e.level != "info"]
    title = _titled(f"trial-monitor: {trial_id}" + (f" · {found.title}" if found.title else ""), kinds)
    return Response(render(_linked(entries, str(request.base_url)), "atom", now=host.settings.now(),
                           home=f"{request.base_url}trials/{trial_id}", title=title), media_type=ATOM)

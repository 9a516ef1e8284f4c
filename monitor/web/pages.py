"""The pages people read: the dashboard, a trial's page, signing in; and the forms that add or remove a
trial. Each is a plain function over the read model (``monitor.overview``)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from monitor.core.status import STATUSES
from monitor.overview import pages as read
from monitor.overview import state
from monitor.store.browse import AWAITING
from monitor.watchlist import normalise_trial_id
from monitor.web import edits
from monitor.web.access import COOKIE
from monitor.web.host import Host, host_of
from monitor.web.html import Links, page

CHANGED_DAYS = (1, 7, 30, 90, 365)


def _number(request: Request, name: str, allowed: tuple[int, ...] | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit() or int(raw) < 1 or (allowed and int(raw) not in allowed):
        shown = f" (one of {', '.join(map(str, allowed))})" if allowed else ""
        raise HTTPException(400, f"{name} must be a whole number of 1 or more{shown}, not '{raw[:40]}'")
    return int(raw)


def _status(request: Request) -> str | None:
    raw = request.query_params.get("status") or None
    if raw is not None and raw != AWAITING and raw not in STATUSES:
        raise HTTPException(400, f"status: unknown status '{raw[:40]}'")
    return raw


NOTICES = (("added", "is watched from now on; its first check records its baseline"),
           ("removed", "is no longer watched; its history is kept"))


def _notice(request: Request) -> str:
    """What the last edit did (after the redirect that followed it)."""
    for key, words in NOTICES:
        raw = request.query_params.get(key)
        if raw:
            try:
                return f"{normalise_trial_id(raw)} {words}."
            except ValueError:
                return ""
    return ""


def monitor_context(host: Host) -> dict[str, object]:
    """The side panel: the searches, the last check, the next, an outage, deliveries per target."""
    watchlist = host.watchlist()
    return {
        "searches": state.search_lines(host.engine, watchlist),
        "monitor": state.monitor_state(host.engine, watchlist),
        "next_check": host.next_check(),
    }


def dashboard(request: Request) -> Response:
    host = host_of(request)
    watchlist = host.watchlist()
    changed = _number(request, "changed", CHANGED_DAYS)
    board = read.dashboard(host.engine, watchlist, host.settings.now(), status=_status(request), changed_days=changed,
                           page=_number(request, "page") or 1)
    return HTMLResponse(page("dashboard.html", links=Links(), board=board, csrf=request.app.state.keys.csrf,
                             notice=_notice(request), editable=not watchlist.everything, changed_days=CHANGED_DAYS,
                             **monitor_context(host)))


def trial(request: Request) -> Response:
    host = host_of(request)
    trial_id = edits.trial_id_of(request.path_params["trial_id"])
    found = read.trial_page(host.engine, host.watchlist(), trial_id, host.settings.now())
    if found is None:
        raise HTTPException(404, f"{trial_id} is not watched, and nothing is recorded of it")
    return HTMLResponse(page("trial.html", links=Links(), trial=found, csrf=request.app.state.keys.csrf,
                             editable=not host.watchlist().everything, watched=True))


def _next(raw: str | None) -> str:
    """Where to go after signing in: a path of ours, never another site."""
    return raw if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw else "/"


async def login(request: Request) -> Response:
    keys = request.app.state.keys
    given = request.query_params.get("token")
    target = _next(request.query_params.get("next"))
    if request.method == "POST":
        form = await request.form()
        given, target = str(form.get("token") or ""), _next(str(form.get("next") or ""))
    if given is None:
        return HTMLResponse(page("login.html", links=Links(), next=target, wrong=False))
    if not keys.is_token(given):
        return HTMLResponse(page("login.html", links=Links(), next=target, wrong=True), status_code=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, keys.session, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")
    return response


async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def add(request: Request) -> Response:
    host = host_of(request)
    form = await request.form()  # (its CSRF token was checked by the access middleware)
    trial_id = edits.trial_id_of(str(form.get("id") or ""))
    added = await edits.add(host, trial_id, edits.label_of(str(form.get("label") or "")))
    return RedirectResponse(f"/?added={trial_id}" if added else f"/trials/{trial_id}", status_code=303)


async def remove(request: Request) -> Response:
    host = host_of(request)
    trial_id = edits.trial_id_of(request.path_params["trial_id"])
    if not await edits.remove(host, trial_id):
        raise HTTPException(404, f"{trial_id} is not in the watchlist")
    return RedirectResponse(f"/?removed={trial_id}", status_code=303)

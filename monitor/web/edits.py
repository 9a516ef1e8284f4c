"""Adding and removing trials from the web (the dashboard's forms and the API): the watchlist file is
written exactly as ``trial-monitor add`` / ``remove`` write it, and the running daemon takes the
edit as it takes a hand edit. Every refusal is an HTTP error with its reason in one line."""

from __future__ import annotations

import unicodedata

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from monitor.watchlist import WatchlistError, add_trials, normalise_trial_id, remove_trials
from monitor.web.host import Host

MAX_LABEL = 200


def trial_id_of(raw: str | None) -> str:
    """A trial id from a URL or a form; 400 with the reason when it is not one."""
    try:
        return normalise_trial_id(raw or "")
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def label_of(raw: str | None) -> str | None:
    """A label from a form: one line of at most 200 characters (None when empty); 400 otherwise."""
    text = (raw or "").strip()
    if not text:
        return None
    if len(text) > MAX_LABEL:
        raise HTTPException(400, f"a label is at most {MAX_LABEL} characters")
    if any(unicodedata.category(c)[0] == "C" for c in text):
        raise HTTPException(400, "a label is one line of text (no line breaks or control characters)")
    return text


def _editable(host: Host) -> None:
    if host.watchlist().everything:
        raise HTTPException(409, f"{host.settings.watchlist_path} watches every trial in the registry (trials: all); "
                                 "replace 'all' with a list of ids to watch only some")


async def add(host: Host, trial_id: str, label: str | None) -> bool:
    """Add a trial to the watchlist; False when it was watched already."""
    _editable(host)
    try:
        [(_, added)] = await run_in_threadpool(add_trials, host.settings.watchlist_path, [trial_id],
                                               {trial_id: label} if label else None)
    except WatchlistError as exc:
        raise HTTPException(409, str(exc)) from None
    return added


async def remove(host: Host, trial_id: str) -> bool:
    """Remove a trial from the watchlist; False when it was not watched."""
    _editable(host)
    try:
        [(_, removed)] = await run_in_threadpool(remove_trials, host.settings.watchlist_path, [trial_id])
    except WatchlistError as exc:
        raise HTTPException(409, str(exc)) from None
    return removed

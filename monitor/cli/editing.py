"""``init``, ``add`` and ``remove``: make the watchlist, and edit its trials keeping its comments and layout.

``add`` asks the registry (one request) whether each new id is a trial it knows, and says the
trial's title; ``--offline`` adds without asking.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.common import WatchlistOption, fail, load, settings_for, user_errors, valid_id

if TYPE_CHECKING:
    from monitor.core.model import Record
    from monitor.settings import Settings
    from monitor.watchlist import Watchlist

TITLE_WIDTH = 80  # characters of a trial's title when `add` says it


def init(watchlist: WatchlistOption = None) -> None:
    """Write a commented starter watchlist (never over an existing one), to add trials to."""
    from monitor.watchlist import load_watchlist, write_starter

    with user_errors():
        path = settings_for(watchlist).watchlist_path
        write_starter(path)
        load_watchlist(path)  # what was written loads
    typer.echo(f"Wrote {path}: add trials with `trial-monitor add NCT…`, then run `trial-monitor check`.")


def add(
    nct_ids: Annotated[list[str], typer.Argument(help="One or more NCT ids, e.g. NCT06764329.")],
    label: Annotated[str | None, typer.Option(metavar="TEXT", help="A note of your own (one id only).")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Add without asking the registry.")] = False,
    watchlist: WatchlistOption = None,
) -> None:
    """Add trials to the watchlist (keeps its comments and layout), once the registry confirms each id."""
    from monitor.watchlist import add_trials

    ids = [valid_id(raw) for raw in nct_ids]
    if label is not None and (len(set(ids)) != 1 or not label.strip()):
        fail("--label names one trial: give it a single NCT id and some text")
    with user_errors():
        settings, watched = editable(watchlist)
        new = [i for i in dict.fromkeys(ids) if i not in watched.trial_ids]
        titles = {} if offline or not new else confirmed(settings, watched, new)
        labels = {ids[0]: label.strip()} if label is not None else None
        for trial_id, changed in add_trials(settings.watchlist_path, ids, labels):
            if not changed:
                typer.echo(f"{trial_id} is already watched")
            elif offline:
                typer.echo(f"{trial_id} added (not checked with the registry)")
            else:
                typer.echo(f"{trial_id} added: {titles.get(trial_id) or 'a trial with no title given'}")


def remove(
    nct_ids: Annotated[list[str], typer.Argument(help="One or more NCT ids.")],
    watchlist: WatchlistOption = None,
) -> None:
    """Remove trials from the watchlist (its history stays in the database)."""
    from monitor.watchlist import remove_trials

    ids = [valid_id(raw) for raw in nct_ids]
    with user_errors():
        settings, _ = editable(watchlist)
        for trial_id, changed in remove_trials(settings.watchlist_path, ids):
            typer.echo(f"{trial_id} {'removed' if changed else 'was not watched'}")


def editable(watchlist: WatchlistOption) -> tuple[Settings, Watchlist]:
    """The settings and the watchlist, once it is known to load and to list its trials."""
    settings, watched = load(watchlist, warn=False)
    if watched.everything:
        fail(f"{settings.watchlist_path} watches every trial in the registry (trials: all); "
             "replace 'all' with a list of ids to watch only some")
    return settings, watched


def confirmed(settings: Settings, watched: Watchlist, ids: Sequence[str]) -> dict[str, str]:
    """The title of each id, as the registry serves it (one request); exit 2 naming the ids it does
    not know, exit 1 when it cannot be asked."""
    from monitor.core.words import clip
    from monitor.registry.base import RegistryUnavailable

    try:
        found = asyncio.run(_ask(settings, watched, ids))
    except RegistryUnavailable as exc:
        fail(f"cannot check {', '.join(ids)} with the registry: {exc} (--offline adds without asking)", 1)
    unknown = [i for i in ids if i not in found]
    if unknown:
        fail(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not known to the registry at "
             f"{settings.ctgov_shown} (check the id; --offline adds it anyway); nothing was added")
    titles = {}
    for trial_id, record in found.items():
        if record.view is None:
            titles[trial_id] = "a trial whose record could not be read"
            continue
        view = record.view
        served = view.get("id")
        moved = f" (now registered as {served})" if served and served != trial_id else ""
        titles[trial_id] = clip(str(view.get("title") or "a trial with no title given"), TITLE_WIDTH) + moved
    return titles


async def _ask(settings: Settings, watched: Watchlist, ids: Sequence[str]) -> dict[str, Record]:
    """The registry's records of these ids (by the id asked, following a re-registration)."""
    from monitor.core.identity import match
    from monitor.registry.catalogue import DEFAULT, open_registry

    registry = open_registry(DEFAULT, api_url=settings.ctgov_url, pause=watched.request_pause,
                             timeout=settings.http_timeout, attempts=settings.retry_attempts,
                             budget=settings.retry_budget)
    found: dict[str, Record] = {}
    async with registry:
        async for records in registry.fetch(list(ids)):
            found.update(match(records, {i: i for i in ids}))
    return found

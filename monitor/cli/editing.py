"""``add`` and ``remove``: edit the watchlist's trials, keeping its comments and layout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from monitor.cli.common import fail, user_errors, valid_id


def add(nct_ids: Annotated[list[str], typer.Argument(help="One or more NCT ids, e.g. NCT06764329.")]) -> None:
    """Add trials to the watchlist (keeps its comments and layout)."""
    from monitor.watchlist import add_trials

    edit_watchlist(nct_ids, add_trials, done="added", not_done="is already watched")


def remove(nct_ids: Annotated[list[str], typer.Argument(help="One or more NCT ids.")]) -> None:
    """Remove trials from the watchlist (its history stays in the database)."""
    from monitor.watchlist import remove_trials

    edit_watchlist(nct_ids, remove_trials, done="removed", not_done="was not watched")


def edit_watchlist(raw_ids: list[str], edit: Callable[..., list[tuple[str, bool]]], *, done: str, not_done: str) -> None:
    """Validate the ids and the watchlist first, then make the comment-keeping edit."""
    from monitor.settings import Settings
    from monitor.watchlist import load_watchlist

    ids = [valid_id(raw) for raw in raw_ids]
    with user_errors():
        settings = Settings.from_env()
        if load_watchlist(settings.watchlist_path).everything:
            fail(f"{settings.watchlist_path} watches every trial in the registry (trials: all); "
                 "replace 'all' with a list of ids to watch only some")
        for trial_id, changed in edit(settings.watchlist_path, ids):
            typer.echo(f"{trial_id} {done if changed else not_done}")

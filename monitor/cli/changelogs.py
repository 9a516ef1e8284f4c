"""``history`` and ``feed``: changelogs people can publish, from the read model's timelines.

Bad input (an id, a format, a number) is one line and exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.common import fail, user_errors, valid_id
from monitor.core.changelog import FORMATS


def _format(fmt: str) -> str:
    wanted = fmt.strip().lower()
    if wanted not in FORMATS:
        fail(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")
    return wanted


def history(
    nct_id: Annotated[str, typer.Argument(help="The trial's NCT id.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text (default), markdown, json or atom.")] = "text",
) -> None:
    """The dated changes recorded for a trial, newest first (as text, Markdown, JSON or Atom)."""
    from monitor.overview import timeline as overview
    from monitor.core.changelog import render
    from monitor.registry.catalogue import DEFAULT, about
    from monitor.settings import Settings
    from monitor.store.db import open_engine

    trial_id, fmt = valid_id(nct_id), _format(fmt)
    with user_errors():
        settings = Settings.from_env()
        found = overview.timeline(open_engine(settings.database_url), trial_id)
    if found is None:
        fail(f"{trial_id} has no recorded history (is it in the watchlist, and has a check run?)")
    typer.echo(render(found.entries, fmt, title=found.title, now=settings.now(), home=about(DEFAULT).home), nl=False)


def feed(
    days: Annotated[int, typer.Option("--days", help="Events of the last DAYS days.")] = 30,
    limit: Annotated[int, typer.Option("--limit", help="At most LIMIT events, the newest.")] = 200,
    fmt: Annotated[str, typer.Option("--format", "-f", help="atom (default), text, markdown or json.")] = "atom",
) -> None:
    """An Atom feed of the recent events of every trial (one entry per event), for a feed reader."""
    from monitor.overview import timeline as overview
    from monitor.core.changelog import render
    from monitor.registry.catalogue import DEFAULT, about
    from monitor.settings import Settings
    from monitor.store.db import open_engine

    fmt = _format(fmt)
    if days < 1 or limit < 1:
        fail("--days and --limit must be 1 or more")
    with user_errors():
        settings = Settings.from_env()
        now = settings.now()
        entries = overview.recent(open_engine(settings.database_url), now, days=days, limit=limit)
    title = "trial-monitor: changes to watched trials"
    typer.echo(render(entries, fmt, title=title if fmt == "atom" else "", now=now, home=about(DEFAULT).home), nl=False)


def site(
    folder: Annotated[Path, typer.Argument(help="The folder to write the site in (made if missing).")],
) -> None:
    """Write the dashboard and every trial's page as a static site, with the Atom feeds, to publish."""
    from monitor.settings import Settings
    from monitor.store.db import open_engine
    from monitor.watchlist import load_watchlist
    from monitor.web.site import SiteError, write_site

    with user_errors():
        settings = Settings.from_env()
        watchlist = load_watchlist(settings.watchlist_path)
        engine = open_engine(settings.database_url)
        try:
            written = write_site(engine, watchlist, settings.now(), folder)
        except SiteError as exc:
            fail(str(exc))
    typer.echo(f"Wrote {folder}/index.html ({written.pages} page{'s' if written.pages != 1 else ''}), "
               f"{written.trials} trial page{'s' if written.trials != 1 else ''} and their feeds"
               + (f"; removed {written.removed} page(s) no longer current." if written.removed else "."))

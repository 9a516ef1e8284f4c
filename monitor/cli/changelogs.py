"""``history`` and ``feed``: changelogs people can publish, from the read model's timelines.

Bad input (an id, a format, a number) is one line and exit 2. They only read: a database that
does not exist yet is not made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.common import (
    DatabaseOption,
    WatchlistOption,
    fail,
    load,
    read_store,
    settings_for,
    user_errors,
    valid_id,
)
from monitor.core.changelog import FORMATS
from monitor.core.words import count_words


def _format(fmt: str) -> str:
    wanted = fmt.strip().lower()
    if wanted not in FORMATS:
        fail(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")
    return wanted


KindOption = Annotated[list[str] | None, typer.Option(
    "--kind", "-k", metavar="KIND", help="Only events of this kind, e.g. outcome_switch (outcome switching) or "
                                         "document; repeat for several.")]


def _kinds(names: list[str] | None) -> tuple[str, ...]:
    from monitor.core.choices import kinds_from

    try:
        return kinds_from(names or [])
    except ValueError as exc:
        fail(f"--kind: {exc}")


def history(
    nct_id: Annotated[str, typer.Argument(help="The trial's NCT id.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text (default), markdown, json or atom.")] = "text",
    kind: KindOption = None,
    database: DatabaseOption = None,
) -> None:
    """The dated changes recorded for a trial, newest first (as text, Markdown, JSON or Atom)."""
    from monitor.core.changelog import of_kinds, render
    from monitor.overview import timeline as overview
    from monitor.registry.catalogue import DEFAULT, about

    trial_id, fmt, kinds = valid_id(nct_id), _format(fmt), _kinds(kind)
    with user_errors():
        settings = settings_for(database=database)
        found = overview.timeline(read_store(settings), trial_id)
    if found is None:
        fail(f"{trial_id} has no recorded history (is it in the watchlist, and has a check run?)")
    typer.echo(render(of_kinds(found.entries, kinds), fmt, title=found.title, now=settings.now(),
                      home=about(DEFAULT).home), nl=False)


def feed(
    days: Annotated[int, typer.Option("--days", help="Events of the last DAYS days.")] = 30,
    limit: Annotated[int, typer.Option("--limit", help="At most LIMIT events, the newest.")] = 200,
    fmt: Annotated[str, typer.Option("--format", "-f", help="atom (default), text, markdown or json.")] = "atom",
    kind: KindOption = None,
    database: DatabaseOption = None,
) -> None:
    """An Atom feed of the recent events of every trial (one entry per event), for a feed reader;
    ``--kind outcome_switch`` lists every trial's outcome switching."""
    from monitor.core.changelog import render
    from monitor.overview import timeline as overview
    from monitor.registry.catalogue import DEFAULT, about

    fmt, kinds = _format(fmt), _kinds(kind)
    if days < 1 or limit < 1:
        fail("--days and --limit must be 1 or more")
    with user_errors():
        settings = settings_for(database=database)
        now = settings.now()
        entries = overview.recent(read_store(settings), now, days=days, limit=limit, kinds=kinds)
    title = "trial-monitor: changes to watched trials" + (f" ({', '.join(kinds)})" if kinds else "")
    typer.echo(render(entries, fmt, title=title if fmt == "atom" else "", now=now, home=about(DEFAULT).home), nl=False)


def site(
    folder: Annotated[Path, typer.Argument(help="The folder to write the site in (made if missing).")],
    watchlist: WatchlistOption = None,
    database: DatabaseOption = None,
) -> None:
    """Write the dashboard and every trial's page as a static site, with the Atom feeds, to publish."""
    from monitor.web.site import SiteError, write_site

    with user_errors():
        settings, watched = load(watchlist, database)
        engine = read_store(settings)
        try:
            written = write_site(engine, watched, settings.now(), folder)
        except SiteError as exc:
            fail(str(exc))
    typer.echo(f"Wrote {folder}/index.html ({count_words(written.pages, 'page')}), "
               f"{count_words(written.trials, 'trial page')} and their feeds"
               + (f"; removed {count_words(written.removed, 'page')} no longer current." if written.removed else "."))

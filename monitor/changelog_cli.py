"""``trial-monitor history`` and ``trial-monitor feed``: changelogs people can publish.

Thin shells: read events from the store, hand them to the pure renderers in
:mod:`monitor.core.changelog`. Bad input (an id, a format, a number) is one line and exit 2.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from sqlmodel import Session

from monitor.core.changelog import FORMATS, Entry, newest_first, render, version_entries
from monitor.core.events.context import PastVersion
from monitor.core.model import Level
from monitor.store import history as store
from monitor.store import repo
from monitor.store.tables import ChangeRecord

FEED_LEVELS = (Level.HIGH.value, Level.MEDIUM.value, Level.LOW.value)  # the feed leaves out INFO notes


def _entry(row: ChangeRecord) -> Entry:
    return Entry(row.nct_id, row.kind, row.level, row.detected_at, row.text, row.old, row.new, str(row.id or ""))


def _format(fmt: str) -> str:
    from monitor.cli import fail

    wanted = fmt.strip().lower()
    if wanted not in FORMATS:
        fail(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")
    return wanted


def history(
    nct_id: Annotated[str, typer.Argument(help="The trial's NCT id.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text (default), markdown, json or atom.")] = "text",
) -> None:
    """The dated changes recorded for a trial, newest first (as text, Markdown, JSON or Atom)."""
    from monitor.cli import fail, user_errors, valid_id
    from monitor.settings import Settings
    from monitor.store.db import open_engine

    nct_id, fmt = valid_id(nct_id), _format(fmt)
    with user_errors():
        settings = Settings.from_env()
        engine = open_engine(settings.database_url)
        with Session(engine) as session:
            trial = repo.trials_by_id(session, [nct_id]).get(nct_id)
            rows = repo.history(session, nct_id)
            versions = [PastVersion(v.version, v.posted, v.status) for v in store.trial_versions(session, nct_id)]
    if trial is None:
        fail(f"{nct_id} has no recorded history (is it in the watchlist, and has a check run?)")
    entries = [_entry(row) for row in rows]
    if trial.baseline_at:
        entries.append(Entry(nct_id, "baseline", Level.INFO.value, trial.baseline_at,
                             "First checked (baseline recorded)", ref="baseline"))
    entries += version_entries(nct_id, versions)
    typer.echo(render(newest_first(entries), fmt, title=trial.title or ""), nl=False)


def feed(
    days: Annotated[int, typer.Option("--days", help="Events of the last DAYS days.")] = 30,
    limit: Annotated[int, typer.Option("--limit", help="At most LIMIT events, the newest.")] = 200,
    fmt: Annotated[str, typer.Option("--format", "-f", help="atom (default), text, markdown or json.")] = "atom",
) -> None:
    """An Atom feed of the recent events of every trial (one entry per event), for a feed reader."""
    from monitor.cli import fail, user_errors
    from monitor.settings import Settings
    from monitor.store.db import open_engine

    fmt = _format(fmt)
    if days < 1 or limit < 1:
        fail("--days and --limit must be 1 or more")
    with user_errors():
        settings = Settings.from_env()
        engine = open_engine(settings.database_url)
        now = settings.now()
        with Session(engine) as session:
            rows = store.recent_events(session, now - timedelta(days=days), limit, FEED_LEVELS)
    entries = [_entry(row) for row in rows]
    title = "trial-monitor: changes to watched trials"
    typer.echo(render(entries, fmt, title=title if fmt == "atom" else "", now=now), nl=False)


def register(app: typer.Typer) -> None:
    """Add ``history`` and ``feed`` to the ``trial-monitor`` command."""
    app.command("history")(history)
    app.command("feed")(feed)

"""``check`` (one check, then exit) and ``run`` (the daemon)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from monitor.cli.common import DatabaseOption, WatchlistOption, load, open_store, setup_logging, user_errors


def check(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say what happened to every trial.")] = False,
    watchlist: WatchlistOption = None,
    database: DatabaseOption = None,
) -> None:
    """Run one cycle (fetch, snapshot, diff, alert, deliver whatever is pending), then exit."""
    from monitor.check import run_check

    setup_logging()
    with user_errors():
        settings, watched = load(watchlist, database)
        engine = open_store(settings)
        with progress_bar() as progress:
            report = asyncio.run(run_check(settings, watched, engine, ignore_backoff=True, progress=progress))
    for line in report.lines(verbose, watching=watched.trial_ids):
        typer.echo(line)
    raise typer.Exit(report.exit_code)


@contextmanager
def progress_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar for fetching many whole records (a large baseline), in a terminal only."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("Fetching records", total=None, visible=False)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, visible=total >= 500)

        yield update


LISTEN = typer.Option("--listen", metavar="HOST:PORT", help="Serve the web face there (default MONITOR_WEB_LISTEN, "
                                                          "else 127.0.0.1:8321).")


def run(
    listen: Annotated[str | None, LISTEN] = None,
    no_web: Annotated[bool, typer.Option("--no-web", help="Run without the web face.")] = False,
    watchlist: WatchlistOption = None,
    database: DatabaseOption = None,
) -> None:
    """Run the daemon: a check at start, then every `interval`; reloads watchlist edits live; serves the web face."""
    from monitor.daemon import run_daemon
    from monitor.web.launch import prepare

    setup_logging()
    with user_errors():
        settings, watched = load(watchlist, database)
        engine = open_store(settings)
        web = None if no_web else prepare(settings, listen)
    code = asyncio.run(run_daemon(settings, watched, engine, web))
    raise typer.Exit(code)


def serve(
    listen: Annotated[str | None, LISTEN] = None,
    watchlist: WatchlistOption = None,
    database: DatabaseOption = None,
) -> None:
    """Serve the web face alone (no checks) on the same database, e.g. from a second machine."""
    from monitor.watchlist import LiveWatchlist
    from monitor.web.launch import prepare
    from monitor.web.server import serve_alone

    setup_logging()
    with user_errors():
        settings, watched = load(watchlist, database)
        engine = open_store(settings)
        web = prepare(settings, listen)
    live = LiveWatchlist(watched)
    raise typer.Exit(asyncio.run(serve_alone(web.server(settings, engine, live.latest))))

"""The ``trial-monitor`` command: thin shells around the cycle, the store and the watchlist.

Exit codes: 0 done (the registry answered); 1 the registry could not be reached or a test
message failed; 2 bad input (watchlist, id, environment, database location) — always one
clear line, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from monitor import __version__
from monitor.core.model import Message
from monitor.core.render import status_words
from monitor.core.target_render import TemplateProblem
from monitor.changelog_cli import register as register_changelogs
from monitor.cycle import run_cycle, targets_of
from monitor.delivery.describe import target_lines
from monitor.delivery.notify import SendResult, TargetLike, send
from monitor.delivery.outbox import test_message_for
from monitor.settings import Settings, SettingsError
from monitor.store import outbox, repo, searches
from monitor.store.db import StoreError, open_engine
from monitor.store.everything import count as everything_count
from monitor.store.expectations import shown as expectation_words
from monitor.store.words import first_line
from monitor.watchlist import (
    Watchlist,
    WatchlistError,
    add_trials,
    load_watchlist,
    normalise_nct_id,
    remove_trials,
)

app = typer.Typer(
    name="trial-monitor",
    help="Watch ClinicalTrials.gov records and get told when something that matters changes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"trial-monitor: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn every known bad-input error into one line and exit 2."""
    try:
        yield
    except (WatchlistError, StoreError, SettingsError) as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:  # e.g. the disk filled up mid-check: nothing half-written
        fail(f"database error: {first_line(exc)}", 1)


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "apprise", "stamina"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "skipped: maximum number of running instances" is expected when a check outlasts the interval
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def load() -> tuple[Settings, Watchlist]:
    settings = Settings.from_env()
    return settings, load_watchlist(settings.watchlist_path)


def valid_id(raw: str) -> str:
    try:
        return normalise_nct_id(raw)
    except ValueError as exc:
        fail(str(exc))


@app.command()
def check(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say what happened to every trial.")] = False) -> None:
    """Run one cycle (fetch, snapshot, diff, alert, deliver whatever is pending), then exit."""
    setup_logging(verbose)
    with user_errors():
        settings, watchlist = load()
        engine = open_engine(settings.database_url)
        with progress_bar() as progress:
            report = asyncio.run(run_cycle(settings, watchlist, engine, ignore_backoff=True, progress=progress))
    for line in report.lines(verbose):
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


@app.command()
def run() -> None:
    """Run the daemon: a check at start, then every `interval`; reloads watchlist edits live."""
    from monitor.daemon import run_daemon

    setup_logging(False)
    with user_errors():
        settings, watchlist = load()
        engine = open_engine(settings.database_url)
    code = asyncio.run(run_daemon(settings, watchlist, engine))
    raise typer.Exit(code)


@app.command()
def add(nct_ids: Annotated[list[str], typer.Argument(help="One or more NCT ids, e.g. NCT06764329.")]) -> None:
    """Add trials to the watchlist (keeps its comments and layout)."""
    edit_watchlist(nct_ids, add_trials, done="added", not_done="is already watched")


@app.command()
def remove(nct_ids: Annotated[list[str], typer.Argument(help="One or more NCT ids.")]) -> None:
    """Remove trials from the watchlist (its history stays in the database)."""
    edit_watchlist(nct_ids, remove_trials, done="removed", not_done="was not watched")


def edit_watchlist(raw_ids: list[str], edit: Callable[..., list[tuple[str, bool]]], *, done: str, not_done: str) -> None:
    """Validate the ids and the watchlist first, then make the comment-keeping edit."""
    ids = [valid_id(raw) for raw in raw_ids]
    with user_errors():
        settings = Settings.from_env()
        if load_watchlist(settings.watchlist_path).everything:
            fail(f"{settings.watchlist_path} watches every trial in the registry (trials: all); "
                 "replace 'all' with a list of ids to watch only some")
        for nct_id, changed in edit(settings.watchlist_path, ids):
            typer.echo(f"{nct_id} {done if changed else not_done}")


@app.command("list")
def list_trials() -> None:
    """One line per tracked trial: id, status, last update posted, last checked."""
    with user_errors():
        settings, watchlist = load()
        engine = open_engine(settings.database_url)
        with Session(engine) as session:
            ids = [*watchlist.nct_ids, *searches.added_trials(session, watchlist.searches)]
            trials = repo.trials_by_id(session, ids)
            counts = outbox.delivery_counts(session)
            failing = outbox.failing_deliveries(session)
            expecting = expectation_words(session, ids, watchlist.expectations)
            watches = {w.key: w for w in searches.summaries(session)}
            everything = everything_count(session) if watchlist.everything else 0
    if watchlist.everything:
        typer.echo(f"Watching every record in the registry (trials: all): {everything:,} known so far.")
    for search in watchlist.searches:
        typer.echo(searches.describe(search, watches.get(search.key)))
    labels = {t.nct_id: t.label for t in watchlist.trials}
    for nct_id in dict.fromkeys(ids):
        trial = trials.get(nct_id)
        if trial is None or (trial.snapshot_hash is None and trial.missing_since is None):
            typer.echo(f"{nct_id}  (awaiting its first check)")
            continue
        if trial.missing_since is not None:
            status = f"not found in the registry since {trial.missing_since:%Y-%m-%d}"
        else:
            status = status_words(trial.overall_status)
        checked = f"{trial.last_checked_at:%Y-%m-%d %H:%M} UTC" if trial.last_checked_at else "never"
        label = labels.get(nct_id) or trial.title or ""
        if trial.added_by in watches and nct_id not in labels:  # listed in the watchlist too: the user's
            label = f"[found by {watches[trial.added_by].name}] {label}"
        if trial.registry_id and trial.registry_id != nct_id:
            label = f"(now {trial.registry_id}) {label}"
        expected = f"  [{', '.join(expecting[nct_id])}]" if nct_id in expecting else ""
        typer.echo(f"{nct_id}  {status:<24}  updated {trial.last_update_posted or '—':<10}  "
                   f"checked {checked}  {label[:60]}{expected}")
    if counts.get("pending"):
        typer.echo(f"{counts['pending']} deliveries pending" + (f", {len(failing)} failing:" if failing else "."))
        for delivery in failing[:5]:
            typer.echo(f"  {delivery.target_masked}: {delivery.attempts} attempts, last error: {delivery.last_error}")


@app.command()
def status() -> None:
    """The last check, any registry outage, and deliveries still pending or failing."""
    with user_errors():
        settings, watchlist = load()
        engine = open_engine(settings.database_url)
        with Session(engine) as session:
            cycle = repo.last_cycle(session)
            streak, since = repo.failed_streak(session, (cycle.id or 0) + 1) if cycle else (0, None)
            summary = outbox.delivery_summary(session)
            waiting, oldest = outbox.held_counts(session), outbox.oldest_held(session)
            watched = everything_count(session) if watchlist.everything else len(
                set(watchlist.nct_ids) | set(searches.added_trials(session, watchlist.searches)))
    if cycle is None:
        typer.echo("No check has run yet.")
    else:
        when = f"{cycle.started_at:%Y-%m-%d %H:%M} UTC"
        typer.echo(f"Last check: {when}, {cycle.outcome}, registry data of {cycle.data_timestamp or '—'}, "
                   f"{cycle.requests} requests.")
    if streak:
        typer.echo(f"Registry unavailable for the last {streak} checks (since {since:%Y-%m-%d %H:%M} UTC); "
                   f"targets are told after {watchlist.outage_after}.")
    typer.echo(f"{watched} trials watched, alerts to {len(targets_of(watchlist))} target(s):")
    for line in target_lines(targets_of(watchlist), settings.now(), waiting, oldest):
        typer.echo(line)
    if not [row for row in summary if row[1] != "held"]:
        typer.echo("Every alert has been delivered" + (" (or waits for its digest)." if waiting else "."))
    for masked, state, count, error in sorted(summary):
        line = f"  {masked}: {count} {'waiting for the digest' if state == 'held' else state}"
        typer.echo(line + (f" (last error: {error})" if error else ""))


register_changelogs(app)  # history, feed (monitor/changelog_cli.py)


@app.command("notify-test")
def notify_test() -> None:
    """Send a test message to every target and say which failed."""
    setup_logging(False)
    with user_errors():
        settings, watchlist = load()
    targets = targets_of(watchlist)

    async def send_one(target: TargetLike) -> SendResult:
        try:  # laid out as the target's alerts are (its template, or HTML for email)
            message = test_message_for(target)
        except TemplateProblem as exc:
            return SendResult(False, f"{target.masked}: {exc}")
        return await send(target, Message(message.title, message.body), timeout=settings.delivery_timeout,
                          style=message.style)

    async def send_all() -> list[tuple[str, bool, str]]:
        results = await asyncio.gather(*(send_one(t) for t in targets))
        return [(t.masked, r.ok, r.error) for t, r in zip(targets, results, strict=True)]

    failed = 0
    for masked, ok, error in asyncio.run(send_all()):
        typer.echo(f"ok      {masked}" if ok else f"FAILED  {error}")
        failed += not ok
    raise typer.Exit(1 if failed else 0)


@app.command()
def health() -> None:
    """Exit 0 when the daemon is making progress (used by the container's HEALTHCHECK)."""
    from monitor.daemon import health_problem

    with user_errors():
        settings = Settings.from_env()
    problem = health_problem(settings)
    if problem:
        fail(problem, 1)
    typer.echo("healthy")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"trial-monitor {__version__}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)

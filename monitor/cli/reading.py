"""``list`` and ``status``: the read model (``monitor.overview``) in lines for a terminal.

Both only read: a database that does not exist yet is not made (nothing is recorded yet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from monitor.cli.common import DatabaseOption, WatchlistOption, load, read_store, user_errors

if TYPE_CHECKING:
    from monitor.overview.state import TrialLine

TITLE_WIDTH = 60  # characters of a trial's label or title in `list`


def list_trials(watchlist: WatchlistOption = None, database: DatabaseOption = None) -> None:
    """One line per tracked trial: id, status, last update posted, last checked, title."""
    from monitor.overview import state

    with user_errors():
        settings, watched = load(watchlist, database)
        seen = state.watching(read_store(settings), watched)
    if seen.everything:
        typer.echo(f"Watching every record in the registry (trials: all): {seen.known:,} known so far.")
    for search in seen.searches:
        added = "; new matches are watched" if search.add else ""
        if search.baseline_at is None or search.last_run_at is None:
            typer.echo(f"search {search.name}: awaiting its first run{added}")
        else:
            typer.echo(f"search {search.name}: {search.matching} matching as of {search.last_run_at:%Y-%m-%d %H:%M} UTC"
                       f"{added}")
    rows = [_cells(trial) for trial in seen.trials]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(4)]
    for row in rows:
        typer.echo(("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4]).rstrip())
    if seen.pending:
        typer.echo(f"{_count(seen.pending, 'delivery', 'deliveries')} pending"
                   + (f", {len(seen.failing)} failing:" if seen.failing else "."))
        for failing in seen.failing[:5]:
            typer.echo(f"  {failing.target}: {_count(failing.attempts, 'attempt')}, last error: {failing.error}")


def _cells(trial: TrialLine) -> tuple[str, str, str, str, str]:
    """A trial's columns: id, status, last update posted, last checked, then its title and expectations."""
    from monitor.core.status import status_words
    from monitor.core.words import clip

    if trial.awaiting:  # nothing known of it yet but its label
        return trial.trial_id, "awaiting its first check", "", "", clip(trial.label or "", TITLE_WIDTH)
    if trial.missing_since is not None:
        status = f"not found in the registry since {trial.missing_since:%Y-%m-%d}"
    else:
        status = status_words(trial.status)
    checked = f"{trial.last_checked_at:%Y-%m-%d %H:%M} UTC" if trial.last_checked_at else "never"
    label = clip(trial.label or trial.title or "", TITLE_WIDTH)
    if trial.found_by:
        label = f"[found by {trial.found_by}] {label}"
    if trial.served_id:
        label = f"(now {trial.served_id}) {label}"
    expected = f"  [{', '.join(trial.expectations)}]" if trial.expectations else ""
    return (trial.trial_id, status, f"updated {trial.last_update_posted or '—'}", f"checked {checked}",
            label + expected)


def _count(count: int, singular: str, plural: str | None = None) -> str:
    from monitor.core.words import count_words

    return count_words(count, singular, plural)


def status(watchlist: WatchlistOption = None, database: DatabaseOption = None) -> None:
    """The last check, any registry outage, and deliveries still pending or failing."""
    from monitor.check import targets_of
    from monitor.delivery.describe import target_lines
    from monitor.overview import state

    with user_errors():
        settings, watched = load(watchlist, database)
        standing = state.monitor_state(read_store(settings), watched)
    last = standing.last_check
    if last is None:
        typer.echo("No check has run yet.")
    else:
        typer.echo(f"Last check: {last.started_at:%Y-%m-%d %H:%M} UTC, {last.outcome}, registry data of "
                   f"{last.data_timestamp or '—'}, {_count(last.requests, 'request')}.")
    if standing.failed_in_a_row:
        checks = "check" if standing.failed_in_a_row == 1 else f"{standing.failed_in_a_row} checks"
        typer.echo(f"Registry unavailable for the last {checks} (since "
                   f"{standing.failing_since:%Y-%m-%d %H:%M} UTC); targets are told after {standing.outage_after}.")
    targets = targets_of(watched)
    typer.echo(f"{_count(standing.watched, 'trial')} watched, alerts to {_count(len(targets), 'target')}:")
    for line in target_lines(targets, settings.now(), standing.waiting, standing.oldest_waiting):
        typer.echo(line)
    if not [row for row in standing.deliveries if row[1] != "held"]:
        typer.echo("Every alert has been delivered" + (" (or waits for its digest)." if standing.waiting else "."))
    for masked, kind, count, error in sorted(standing.deliveries):
        line = f"  {masked}: {count} {'waiting for the digest' if kind == 'held' else kind}"
        typer.echo(line + (f" (last error: {error})" if error else ""))

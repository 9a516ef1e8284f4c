"""``list`` and ``status``: the read model (``monitor.overview``) in lines for a terminal."""

from __future__ import annotations

import typer

from monitor.cli.common import load, user_errors


def list_trials() -> None:
    """One line per tracked trial: id, status, last update posted, last checked."""
    from monitor.overview import state
    from monitor.core.status import status_words
    from monitor.store.db import open_engine

    with user_errors():
        settings, watchlist = load()
        seen = state.watching(open_engine(settings.database_url), watchlist)
    if seen.everything:
        typer.echo(f"Watching every record in the registry (trials: all): {seen.known:,} known so far.")
    for search in seen.searches:
        added = "; new matches are watched" if search.add else ""
        if search.baseline_at is None or search.last_run_at is None:
            typer.echo(f"search {search.name}: awaiting its first run{added}")
        else:
            typer.echo(f"search {search.name}: {search.matching} matching as of {search.last_run_at:%Y-%m-%d %H:%M} UTC"
                       f"{added}")
    for trial in seen.trials:
        if trial.awaiting:
            typer.echo(f"{trial.trial_id}  (awaiting its first check)")
            continue
        if trial.missing_since is not None:
            status = f"not found in the registry since {trial.missing_since:%Y-%m-%d}"
        else:
            status = status_words(trial.status)
        checked = f"{trial.last_checked_at:%Y-%m-%d %H:%M} UTC" if trial.last_checked_at else "never"
        label = trial.label or trial.title or ""
        if trial.found_by:
            label = f"[found by {trial.found_by}] {label}"
        if trial.served_id:
            label = f"(now {trial.served_id}) {label}"
        expected = f"  [{', '.join(trial.expectations)}]" if trial.expectations else ""
        typer.echo(f"{trial.trial_id}  {status:<24}  updated {trial.last_update_posted or '—':<10}  "
                   f"checked {checked}  {label[:60]}{expected}")
    if seen.pending:
        typer.echo(f"{seen.pending} deliveries pending" + (f", {len(seen.failing)} failing:" if seen.failing else "."))
        for failing in seen.failing[:5]:
            typer.echo(f"  {failing.target}: {failing.attempts} attempts, last error: {failing.error}")


def status() -> None:
    """The last check, any registry outage, and deliveries still pending or failing."""
    from monitor.overview import state
    from monitor.check import targets_of
    from monitor.delivery.describe import target_lines
    from monitor.store.db import open_engine

    with user_errors():
        settings, watchlist = load()
        standing = state.monitor_state(open_engine(settings.database_url), watchlist)
    last = standing.last_check
    if last is None:
        typer.echo("No check has run yet.")
    else:
        typer.echo(f"Last check: {last.started_at:%Y-%m-%d %H:%M} UTC, {last.outcome}, registry data of "
                   f"{last.data_timestamp or '—'}, {last.requests} requests.")
    if standing.failed_in_a_row:
        typer.echo(f"Registry unavailable for the last {standing.failed_in_a_row} checks (since "
                   f"{standing.failing_since:%Y-%m-%d %H:%M} UTC); targets are told after {standing.outage_after}.")
    targets = targets_of(watchlist)
    typer.echo(f"{standing.watched} trials watched, alerts to {len(targets)} target(s):")
    for line in target_lines(targets, settings.now(), standing.waiting, standing.oldest_waiting):
        typer.echo(line)
    if not [row for row in standing.deliveries if row[1] != "held"]:
        typer.echo("Every alert has been delivered" + (" (or waits for its digest)." if standing.waiting else "."))
    for masked, kind, count, error in sorted(standing.deliveries):
        line = f"  {masked}: {count} {'waiting for the digest' if kind == 'held' else kind}"
        typer.echo(line + (f" (last error: {error})" if error else ""))

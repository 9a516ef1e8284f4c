"""``notify-test``, ``health`` and ``version``: small commands that start fast."""

from __future__ import annotations

import asyncio

import typer

from monitor import __version__
from monitor.cli.common import WatchlistOption, fail, load, setup_logging, user_errors


def notify_test(watchlist: WatchlistOption = None) -> None:
    """Send a test message to every target and say which failed."""
    from monitor.check import targets_of
    from monitor.delivery.messages import sample_message_for
    from monitor.delivery.notify import SendResult, TargetLike, send
    from monitor.delivery.render import TemplateProblem

    setup_logging()
    with user_errors():
        settings, watched = load(watchlist, warn=False)
    targets = targets_of(watched)

    async def send_one(target: TargetLike) -> SendResult:
        try:  # laid out as the target's alerts are (its template, or HTML for email)
            message = sample_message_for(target)
        except TemplateProblem as exc:
            return SendResult(False, f"{target.masked}: {exc}")
        return await send(target, message, timeout=settings.delivery_timeout)

    async def send_all() -> list[tuple[str, bool, str]]:
        results = await asyncio.gather(*(send_one(t) for t in targets))
        return [(t.masked, r.ok, r.error) for t, r in zip(targets, results, strict=True)]

    failed = 0
    for masked, ok, error in asyncio.run(send_all()):
        typer.echo(f"ok      {masked}" if ok else f"FAILED  {error}")
        failed += not ok
    raise typer.Exit(1 if failed else 0)


def health() -> None:
    """Exit 0 when the daemon is making progress (used by the container's HEALTHCHECK)."""
    from monitor.heartbeat import health_problem
    from monitor.settings import Settings

    with user_errors():
        settings = Settings.from_env()
    problem = health_problem(settings.heartbeat_path)
    if problem:
        fail(problem, 1)
    typer.echo("healthy")


def version() -> None:
    """Print the version."""
    typer.echo(f"trial-monitor {__version__}")

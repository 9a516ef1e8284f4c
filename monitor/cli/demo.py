"""``demo``: see trial-monitor work without the registry, offline, in about two minutes.

A stand-in registry on a free loopback port serves the real records bundled with the package
(``registry/ctgov/standin``); the daemon runs in this process on a throwaway folder, pointed at it,
alerts to this console and the web face on a free port; about a minute later the registry changes
three records (a status change, a slip, results posted) and the daemon's next check says so.
Ctrl-C, SIGTERM or ``--duration`` end it with exit 0; the folder is removed unless ``--keep``.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.common import setup_logging, user_errors

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from monitor.registry.ctgov.standin.demo import Change
    from monitor.registry.ctgov.standin.registry import StandInRegistry
    from monitor.settings import Settings
    from monitor.watchlist import Watchlist
    from monitor.web.launch import Prepared

SECONDS = "SECONDS"


def say(text: str) -> None:
    typer.echo(f"demo: {text}")


def demo(
    interval: Annotated[int, typer.Option(min=1, metavar=SECONDS, help="Seconds between the daemon's checks.")] = 20,
    change_after: Annotated[float, typer.Option(min=0, metavar=SECONDS,
                                                help="Seconds before the registry changes 3 records.")] = 60,
    duration: Annotated[float | None, typer.Option(min=1, metavar=SECONDS,
                                                   help="End by itself after this long (else Ctrl-C).")] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the throwaway folder at the end.")] = False,
) -> None:
    """See it work offline: a stand-in registry with real records, the daemon on a throwaway folder,
    and the registry changing 3 records a minute later."""
    import shutil
    import tempfile

    setup_logging()
    signal.signal(signal.SIGTERM, _interrupt)  # before the daemon's loop runs: stop as Ctrl-C does
    folder = Path(tempfile.mkdtemp(prefix="trial-monitor-demo-"))
    say(f"a throwaway folder for the watchlist and the database: {folder}")
    code = 0
    try:
        with user_errors():
            code = run_demo(folder, interval, change_after, duration)
    except KeyboardInterrupt:
        say("stopped")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):  # the clean-up is not cut short
            signal.signal(sig, signal.SIG_IGN)
        if keep:
            say(f"kept {folder} (remove it when done)")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            say("throwaway folder removed")
    raise typer.Exit(code)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_demo(folder: Path, interval: int, change_after: float, duration: float | None) -> int:
    """The stand-in, the watchlist and the daemon's settings in ``folder``, then the daemon."""
    from datetime import datetime, timezone

    from monitor.registry.ctgov.standin import demo as script
    from monitor.settings import Settings
    from monitor.store.db import open_engine
    from monitor.watchlist import load_watchlist
    from monitor.web.launch import prepare

    today = datetime.now(timezone.utc).date()
    registry, changes, titles = script.stand_in(today), script.script(today), script.titles()
    watched = [f"  - {trial}   # {titles[trial][:60]}" for trial in script.WATCHED]
    (folder / "watchlist.yaml").write_text(
        f"# trial-monitor demo\ninterval: {interval}s\nrequest_pause: 0s\nnotify: []\ntrials:\n" + "\n".join(watched) + "\n")
    with registry:
        say(f"a stand-in registry serves {len(registry.ids())} real records at {registry.base_url} (offline)")
        settings = Settings.from_env({  # the demo's own, never the environment's (your database stays untouched)
            "MONITOR_WATCHLIST": str(folder / "watchlist.yaml"),
            "MONITOR_DATABASE_URL": f"sqlite:///{folder / 'snapshots' / 'monitor.db'}",
            "MONITOR_CTGOV_URL": registry.base_url,
            "MONITOR_HEARTBEAT": str(folder / "snapshots" / "heartbeat.json"),
            "MONITOR_WEB_LISTEN": f"127.0.0.1:{free_port()}",
        })
        watchlist = load_watchlist(settings.watchlist_path)
        engine = open_engine(settings.database_url)
        try:
            web = prepare(settings, None)
            say(f"the daemon watches {len(script.WATCHED)} of them, checks every {interval} s and prints its alerts "
                "here; the web page is at the sign-in link above")
            say(f"in ~{change_after:g} s the registry will change {len(changes)} records:")
            for change in changes:
                typer.echo(f"        {change.trial} {change.words}")
            story = Story(registry, changes, interval, change_after, duration, web.listen.url("/login?token=" + web.token))
            return asyncio.run(story.run(settings, watchlist, engine, web))
        finally:
            engine.dispose()


class Story:
    """What happens when: the baseline, the registry's change after it, the check that sees it."""

    def __init__(self, registry: StandInRegistry, changes: list[Change], interval: int, change_after: float,
                 duration: float | None, web_url: str) -> None:
        self.registry, self.changes, self.interval, self.change_after = registry, changes, interval, change_after
        self.duration, self.web_url = duration, web_url
        self.baselined = asyncio.Event()
        self.changed_at: float | None = None
        self.told = False

    async def run(self, settings: Settings, watchlist: Watchlist, engine: Engine, web: Prepared) -> int:
        from monitor.daemon import Daemon

        story = self

        class DemoDaemon(Daemon):
            async def check(self) -> None:
                started = asyncio.get_running_loop().time()
                await super().check()
                story.checked(started)

        daemon = DemoDaemon(settings, watchlist, engine, web)
        tasks = [asyncio.create_task(self.change(daemon.stopping))]
        if self.duration is not None:
            tasks.append(asyncio.create_task(self.end_after(self.duration, daemon.stopping)))
        try:
            return await daemon.run()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def checked(self, started: float) -> None:
        if not self.baselined.is_set():
            self.baselined.set()
            say("the daemon recorded its baseline of the trials (a first check sends no alerts: nothing has changed yet)")
        elif self.changed_at is not None and started >= self.changed_at and not self.told:
            self.told = True
            say("the daemon's check after the change found them: the alerts above are what your targets "
                f"would be sent. They are on the web page too: {self.web_url}")
            say("Ctrl-C to stop" + (" (or wait for --duration)" if self.duration is not None else ""))

    async def change(self, stopping: asyncio.Event) -> None:
        """After ``change_after`` seconds, and never before the baseline: the registry's refresh."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        await self.baselined.wait()
        if await stopped(stopping, self.change_after - (loop.time() - start)):
            return
        from monitor.registry.ctgov.standin.demo import play

        play(self.registry, self.changes)
        self.changed_at = loop.time()
        say(f"the registry has refreshed: {len(self.changes)} records changed")
        for change in self.changes:
            typer.echo(f"        {change.trial} {change.words}")
        say(f"the daemon's next check (within {self.interval} s) will see them")

    async def end_after(self, duration: float, stopping: asyncio.Event) -> None:
        if not await stopped(stopping, duration):
            say(f"{duration:g} s are up (--duration): stopping")
            stopping.set()


async def stopped(stopping: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds`` (at most); whether the demo was stopped meanwhile."""
    try:
        await asyncio.wait_for(stopping.wait(), max(seconds, 0))
    except TimeoutError:
        return False
    return True

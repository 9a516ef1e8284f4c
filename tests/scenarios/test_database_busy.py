"""A SQLite database that cannot be written for a while (issue 15 §4): locked by another process for
longer than the busy timeout, or its disk filling up, mid-check. A real check or daemon against the
stand-in and a real receiver: the check fails in one line that says why, nothing half-written is
kept, and once the lock is gone or space freed the next check tells each change exactly once.

The disk is a small tmpfs mounted on the data folder (we run as root in the test container); where
mounting is not permitted the test is skipped with the reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from monitor.core.view import fingerprint
from monitor.registry.ctgov.standin.registry import StandInRegistry
from monitor.store import trials
from monitor.store.tables import Trial
from tests.scenarios.away import TRIALS, changed_two, told_once_each
from tests.scenarios.harness import Home, Result, stop, wait_until
from tests.support.receivers import JsonReceiver

BUSY = "2"  # seconds: the busy timeout these tests set (?timeout=), the default being 30


class Locker:
    """Another process holding the SQLite database's write lock (BEGIN EXCLUSIVE) until released."""

    def __init__(self, database: Path) -> None:
        self.database, self.process = database, None

    def take(self) -> None:
        script = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
                  "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()")
        self.process = subprocess.Popen([sys.executable, "-c", script, str(self.database)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.communicate(timeout=10)


@pytest.fixture
def locker(sqlite_home: Home) -> Iterator[Locker]:
    held = Locker(sqlite_home.database)
    try:
        yield held
    finally:
        held.release()


@pytest.fixture
def sqlite_home(tmp_path: Path, registry: StandInRegistry) -> Home:
    home = Home(tmp_path, registry.base_url)
    home.env["MONITOR_DATABASE_URL"] = f"sqlite:///{home.database}?timeout={BUSY}"
    return home


def one_line_failure(result: Result, why: str) -> None:
    assert result.code == 1, result.text
    assert "Traceback" not in result.text and "[SQL:" not in result.text, result.text
    [line] = [line for line in result.err.splitlines() if line.startswith("trial-monitor:")]
    assert why in line, line


def snapshots_whole(home: Home) -> dict[str, str | None]:
    """The file passes integrity_check, and each trial's snapshot is there and is what its hash says."""
    engine = create_engine(f"sqlite:///{home.database}")
    try:
        with engine.connect() as db:
            assert db.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        with Session(engine) as session:
            kept = {t.trial_id: t.snapshot_hash for t in session.exec(select(Trial))}
            views = trials.snapshot_views(session, [h for h in kept.values() if h])
    finally:
        engine.dispose()
    assert set(kept) == set(TRIALS) and all(kept.values()), kept
    assert all(fingerprint(views[h]) == h for h in kept.values())
    return kept


def test_a_lock_held_past_the_busy_timeout_fails_the_check_in_one_line(
    sqlite_home: Home, registry: StandInRegistry, hook: JsonReceiver, locker: Locker
) -> None:
    changed_two(sqlite_home, registry, hook)
    baseline = snapshots_whole(sqlite_home)
    registry.at_request(1, locker.take)  # mid-check: after its gate, before its page is stored
    result = sqlite_home.run("check", timeout=60)  # each write waits 2 s, then the check gives up
    one_line_failure(result, "locked for longer than the busy timeout")
    locker.release()
    assert snapshots_whole(sqlite_home) == baseline
    recovered = sqlite_home.run("check")
    assert recovered.code == 0 and "2 changed" in recovered.out, recovered.text
    told_once_each(sqlite_home, hook)
    snapshots_whole(sqlite_home)


def test_the_daemon_goes_on_after_a_lock_held_past_the_busy_timeout(
    sqlite_home: Home, registry: StandInRegistry, hook: JsonReceiver, locker: Locker
) -> None:
    changed_two(sqlite_home, registry, hook, interval="2s")
    registry.at_request(1, locker.take)
    log = sqlite_home.folder / "daemon.log"
    daemon = sqlite_home.start("run", "--no-web", log=log)
    try:
        assert wait_until(lambda: "check failed" in log.read_text(), timeout=60), log.read_text()
        assert not hook.messages
        locker.release()
        hook.wait_for(2, timeout=30)  # the daemon's next check
        time.sleep(3)
    finally:
        code, _ = stop(daemon, signal.SIGTERM)
    output = log.read_text()
    assert code == 0, output
    assert "Traceback" not in output and "[SQL:" not in output, output
    [failure, *_] = [line for line in output.splitlines() if "check failed" in line]
    assert "locked for longer than the busy timeout" in failure, failure
    told = Counter(trial for message in hook.messages for trial in TRIALS if trial in message.title)
    assert told == {TRIALS[0]: 1, TRIALS[1]: 1}, [m.title for m in hook.messages]


@pytest.fixture
def small_disk(sqlite_home: Home) -> Iterator[Path]:
    """A 4 MB tmpfs on the data folder, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the data folder needs root")
    folder = sqlite_home.database.parent
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], check=False,
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs on the data folder: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Fill the disk to its last byte; the filler file to free it with."""
    filler = folder / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    for size in (4096, 512, 1):  # the last few blocks too
        try:
            with filler.open("ab") as out:
                while True:
                    out.write(b"\0" * size)
                    out.flush()
        except OSError:
            continue
    return filler


def test_a_disk_filling_up_mid_check_keeps_nothing_half_written(
    sqlite_home: Home, registry: StandInRegistry, hook: JsonReceiver, small_disk: Path
) -> None:
    changed_two(sqlite_home, registry, hook)
    baseline = snapshots_whole(sqlite_home)
    fillers: list[Path] = []
    registry.at_request(1, lambda: fillers.append(fill(small_disk)))  # full between the gate and the page's store
    result = sqlite_home.run("check")
    one_line_failure(result, "the disk is full")
    assert fillers and not hook.messages
    fillers[0].unlink()  # space freed
    assert snapshots_whole(sqlite_home) == baseline  # the failed check kept nothing of its own
    recovered = sqlite_home.run("check")
    assert recovered.code == 0 and "2 changed" in recovered.out, recovered.text
    told_once_each(sqlite_home, hook)
    snapshots_whole(sqlite_home)

"""Two daemons on one PostgreSQL database: exactly one runs the schedule, even after the database
dropped their connections (issue 15 §4).

The schedule lock is a session advisory lock: it goes with its connection. When every connection
is killed (``pg_terminate_backend``) or the server restarts, the leader must notice that it lost
the lock, stop scheduling and stand by, so that after a short settling window exactly one daemon
schedules checks (by its own words, by what it does, and by ``pg_locks``), and a change is alerted
once. The leader SIGKILLed and the stand-by taking over is
``tests/scenarios/test_daemon.py::test_one_instance_runs_the_schedule_and_another_takes_over``.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.away import TRIALS, Server
from tests.scenarios.harness import Home, sponsor_edit, stop, wait_until
from tests.support.receivers import JsonReceiver

pytestmark = pytest.mark.postgres

SCHEDULE_KEY = 7_307_151_421  # monitor/store/locks.py: the schedule lock's key in pg_advisory_lock's space
LEADING = ("trial-monitor running", "taking over the schedule")
STANDING = ("standing by", "cannot reach the database for the schedule lock")
# a check's summary line in the daemon's log (monitor/check/report.py), whatever its outcome
CHECKED = ("No registry refresh since", "Registry refreshed (data of", "against registry data of", "check failed",
           "Registry unavailable")


def lock_holders(database_url: str) -> int:
    """How many backends hold the schedule lock on the test database (a bigint key: high and low halves)."""
    url = make_url(database_url)
    try:
        with psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                             dbname=url.database, autocommit=True, connect_timeout=3) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND classid::bigint = %s AND objid::bigint = %s",
                (SCHEDULE_KEY >> 32, SCHEDULE_KEY & 0xFFFFFFFF)).fetchone()
    except psycopg.OperationalError:  # the server is restarting
        return -1
    return int(row[0]) if row else 0


def leads(log: Path) -> bool:
    """Whether a daemon's last word on the schedule lock says it runs the schedule."""
    leading = False
    for line in log.read_text().splitlines():
        if any(words in line for words in LEADING):
            leading = True
        elif any(words in line for words in STANDING):
            leading = False
    return leading


def checks(log: Path) -> int:
    return sum(1 for line in log.read_text().splitlines() if any(words in line for words in CHECKED))


def faults(server: Server) -> dict[str, Callable[[], None]]:
    def terminate() -> None:
        assert server.terminate() >= 2, "no connections to kill"  # the leader's lock, the stand-by's at least

    def restart() -> None:
        server.stop()
        server.start()

    return {"connections killed": terminate, "server restarted": restart}


@pytest.mark.parametrize("fault", ["connections killed", "server restarted"])
def test_after_the_database_drops_the_lock_exactly_one_daemon_schedules(
    pg_home: Home, registry: StandInRegistry, hook: JsonReceiver, server: Server, pg_database_url: str, fault: str
) -> None:
    strike = faults(server)[fault]
    pg_home.write_watchlist(TRIALS, [hook.url()], interval="2s")
    assert pg_home.run("check").code == 0  # the baseline: what follows is a change
    logs = [pg_home.folder / "first.log", pg_home.folder / "second.log"]
    daemons: list[subprocess.Popen[str]] = []
    try:
        daemons.append(pg_home.start("run", "--no-web", log=logs[0]))
        assert wait_until(lambda: leads(logs[0]), timeout=30), logs[0].read_text()
        daemons.append(pg_home.start("run", "--no-web", log=logs[1]))
        assert wait_until(lambda: "standing by" in logs[1].read_text(), timeout=30), logs[1].read_text()
        assert lock_holders(pg_database_url) == 1

        strike()

        # settled: one daemon says it leads, one backend holds the lock
        def settled() -> bool:
            return sum(leads(log) for log in logs) == 1 and lock_holders(pg_database_url) == 1

        assert wait_until(settled, timeout=60, interval=0.5), "\n---\n".join(log.read_text() for log in logs)
        [leader] = [n for n, log in enumerate(logs) if leads(log)]
        # ... and only that one checks: over a few intervals the other logs no check
        time.sleep(3)  # a check begun just before the lock was found lost may still end
        before = [checks(log) for log in logs]
        time.sleep(7)
        after = [checks(log) for log in logs]
        assert after[leader] > before[leader], logs[leader].read_text()
        assert after[1 - leader] == before[1 - leader], logs[1 - leader].read_text()
        assert settled()

        # it keeps checking: a change is alerted, once
        sponsor_edit(registry, TRIALS[0], lambda s: s["protocolSection"]["statusModule"].update(
            overallStatus="RECRUITING"))
        registry.refresh()
        hook.wait_for(1, timeout=30)
        time.sleep(5)  # a few more checks, by either daemon, tell nothing new
        assert [TRIALS[0] in m.title for m in hook.messages] == [True], [m.title for m in hook.messages]
    finally:
        codes = [stop(daemon, signal.SIGTERM, timeout=20)[0] for daemon in daemons]
    output = "\n---\n".join(log.read_text() for log in logs)
    assert codes == [0, 0], output
    assert "Traceback" not in output and "[SQL:" not in output, output
    # the first leader said it lost the lock, once, in one line; the stand-by never led before the fault
    lost = [line for line in logs[0].read_text().splitlines() if "lost the schedule lock" in line]
    assert len(lost) == 1 and lost[0].endswith("; standing by"), output

"""A PostgreSQL that goes away: its connections killed, or the server stopped, during a check and
during delivery (issue 15 §4). A real check or daemon against the stand-in and a real receiver;
the fault injected at a real moment; then the check failed in one line or went on, the next one
recovered, and every change was alerted exactly once.

Stopping the server needs the throwaway cluster of ``tests/support/postgres.py`` (its data folder
and binaries): against ``MONITOR_TEST_PG_URL`` those cases are skipped (killing connections runs).
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.away import TRIALS, Server, changed_two, recruit, suspend, told_once_each
from tests.scenarios.harness import Home, Result, sponsor_edit, stop, wait_until
from tests.support.receivers import JsonReceiver

pytestmark = pytest.mark.postgres

class HoldingReceiver:
    """A json:// target that holds each message until released, then accepts it (200): the moment
    between a target accepting a message and the delivery being marked sent."""

    def __init__(self) -> None:
        self.arrived: list[dict] = []  # every POST, as it arrives
        self.accepted: list[dict] = []  # answered 200
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
                receiver.arrived.append(body)
                receiver.released.wait(60)
                receiver.accepted.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self) -> str:
        return f"json://127.0.0.1:{self.http.server_address[1]}/hook"

    def told(self) -> Counter[str]:
        return Counter(trial for body in self.accepted for trial in TRIALS if trial in str(body.get("title")))

    def close(self) -> None:
        self.released.set()
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def holding() -> Iterator[HoldingReceiver]:
    receiver = HoldingReceiver()
    try:
        yield receiver
    finally:
        receiver.close()


def one_line_failure(result: Result) -> str:
    """A check that failed: exit 1, no traceback, one line saying the database went away."""
    assert result.code == 1, result.text
    assert "Traceback" not in result.text
    [line] = [line for line in result.err.splitlines() if line.startswith("trial-monitor:")]
    assert "database" in line, line
    assert line.count("\n") == 0 and "[SQL:" not in result.text and "sqlalche.me" not in result.text, result.text
    return line


def test_connections_killed_mid_check_then_each_change_told_once(
    pg_home: Home, registry: StandInRegistry, hook: JsonReceiver, server: Server
) -> None:
    changed_two(pg_home, registry, hook)
    killed: list[int] = []
    registry.at_request(1, lambda: killed.append(server.terminate()))  # the check is between its gate and its page
    result = pg_home.run("check")
    assert killed and killed[0] >= 1  # the check held connections (the cycle lock's at least)
    assert result.code in (0, 1), result.text
    if result.code == 1:
        one_line_failure(result)
        assert pg_home.run("check").code == 0
    told_once_each(pg_home, hook)


def test_server_stopped_mid_check_fails_in_one_line_and_the_next_recovers(
    pg_home: Home, registry: StandInRegistry, hook: JsonReceiver, server: Server
) -> None:
    changed_two(pg_home, registry, hook)
    registry.at_request(1, server.stop)  # down from the moment the page is answered until we start it
    line = one_line_failure(pg_home.run("check"))
    assert "went away" in line, line
    server.start()
    recovered = pg_home.run("check")
    assert recovered.code == 0 and "2 changed" in recovered.out, recovered.text
    told_once_each(pg_home, hook)


def test_server_restarted_mid_check_costs_the_check_nothing(
    pg_home: Home, registry: StandInRegistry, hook: JsonReceiver, server: Server
) -> None:
    changed_two(pg_home, registry, hook)
    registry.at_request(1, lambda: (server.stop(), threading.Timer(1.0, server.start).start()))  # back in 1 s
    result = pg_home.run("check")
    assert result.code == 0 and "2 changed" in result.out, result.text
    assert "reconnect" in result.err, result.text  # said, in one line
    told_once_each(pg_home, hook)


def delivered_through(home: Home, holding: HoldingReceiver, fault: object) -> None:
    """The first message held by the target while ``fault()`` strikes the database, then accepted."""
    process = home.start("check")
    assert wait_until(lambda: len(holding.arrived) >= 1)
    fault()  # type: ignore[operator]
    holding.released.set()  # the target accepts: the delivery must now be marked sent
    out, _ = process.communicate(timeout=60)
    assert "Traceback" not in out, out
    assert process.returncode == 0, out
    assert "2 sent" in out, out
    again = home.run("check")
    assert again.code == 0, again.text
    time.sleep(0.5)
    assert holding.told() == {TRIALS[0]: 1, TRIALS[1]: 1}, holding.accepted
    assert len(holding.accepted) == len(holding.arrived) == 2


def test_connections_killed_during_delivery_then_each_change_told_once(
    pg_home: Home, registry: StandInRegistry, holding: HoldingReceiver, server: Server
) -> None:
    changed_two(pg_home, registry, holding)
    pg_home.env["MONITOR_DELIVERY_TIMEOUT"] = "30"
    delivered_through(pg_home, holding, lambda: server.terminate() >= 1 or pytest.fail("no connection to kill"))


def test_server_restarted_during_delivery_then_each_change_told_once(
    pg_home: Home, registry: StandInRegistry, holding: HoldingReceiver, server: Server
) -> None:
    changed_two(pg_home, registry, holding)
    pg_home.env["MONITOR_DELIVERY_TIMEOUT"] = "30"
    # down when the target accepts the message; back 1.5 s later, before the wait for it runs out
    delivered_through(pg_home, holding, lambda: (server.stop(), threading.Timer(1.5, server.start).start()))


def test_daemon_survives_the_server_going_away_mid_check(
    pg_home: Home, registry: StandInRegistry, hook: JsonReceiver, server: Server
) -> None:
    pg_home.write_watchlist(TRIALS, [hook.url()], interval="2s")
    assert pg_home.run("check").code == 0
    log = pg_home.folder / "daemon.log"
    sponsor_edit(registry, TRIALS[0], recruit)
    sponsor_edit(registry, TRIALS[1], suspend)
    stopped: list[bool] = []
    registry.at_request(1, lambda: (server.stop(), stopped.append(True)))
    registry.refresh()
    daemon = pg_home.start("run", "--no-web", log=log)
    try:
        assert wait_until(lambda: "check failed" in log.read_text(), timeout=60), log.read_text()
        assert stopped
        time.sleep(3)  # a few more checks meet the database down
        server.start()
        hook.wait_for(2, timeout=30)
        time.sleep(3)  # a few more checks tell nothing new
    finally:
        code, _ = stop(daemon, signal.SIGTERM)
    output = log.read_text()
    assert code == 0, output
    assert "Traceback" not in output and "[SQL:" not in output, output
    failures = [line for line in output.splitlines() if "check failed" in line]
    assert all("database" in line for line in failures), failures
    told = Counter(trial for message in hook.messages for trial in TRIALS if trial in message.title)
    assert told == {TRIALS[0]: 1, TRIALS[1]: 1}, [m.title for m in hook.messages]

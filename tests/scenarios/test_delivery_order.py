"""A target's alerts arrive in order, and a target that answers again gets what waited at once.

The daemon on a 1 s interval, a real webhook receiver that refuses for a while: the alert refused
must not be overtaken by a newer one, and must not wait out its own 30 s backoff once the target is
back and another alert for it is due.
"""

from __future__ import annotations

import signal
import time

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, free_port, sponsor_edit, stop, wait_until
from tests.scenarios.test_sync import enroll
from tests.support.receivers import JsonReceiver

TRIALS = ["NCT06171568", "NCT00973089"]


def test_nothing_overtakes_a_refused_alert_and_recovery_releases_it(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(TRIALS, [hook.url()], interval="1s")
    log = home.folder / "daemon.log"
    daemon = home.start("run", "--listen", f"127.0.0.1:{free_port()}", log=log)
    try:
        assert wait_until(lambda: "baseline" in log.read_text(), timeout=30)
        hook.fail_with(503)
        sponsor_edit(registry, "NCT06171568", enroll(111))
        registry.refresh()
        assert wait_until(lambda: len(hook.attempts) >= 1, timeout=20)  # refused: it backs off 30 s
        hook.recover()
        sponsor_edit(registry, "NCT00973089", enroll(222))  # a newer alert for the same target
        registry.refresh()
        recovered = time.monotonic()
        hook.wait_for(2, timeout=20)
        assert time.monotonic() - recovered < 15  # released with the newer one, not after its own backoff
        assert ["111" in m.message for m in hook.messages] == [True, False]  # the older first
        assert "222" in hook.messages[1].message
    finally:
        code, _ = stop(daemon, signal.SIGTERM)
    assert code == 0 and "Traceback" not in log.read_text()

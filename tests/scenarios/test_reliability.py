"""Faults a user must be able to forget about: outages, concurrency, kills, secrets."""

from __future__ import annotations

import signal
import time

from sqlalchemy import create_engine, text

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit, wait_until
from tests.support.receivers import JsonReceiver

TRIALS = ["NCT06171568", "NCT00973089"]


def recruit(study: dict) -> None:
    study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"


def test_outage_told_once_after_n_checks_and_recovery_once(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(TRIALS, [hook.url()], extra="outage_after: 2\n")
    home.env["MONITOR_RETRY_ATTEMPTS"] = "1"
    assert home.run("check").code == 0
    registry.fault("status", path="/version", status=503, times=None)
    codes = [home.run("check").code for _ in range(3)]
    assert codes == [1, 1, 1]
    [outage] = hook.wait_for(1)
    assert "unavailable" in outage.title and "2 checks in a row" in outage.message
    assert "unavailable" in home.run("status").out
    registry.clear_faults()
    assert home.run("check").code == 0
    messages = hook.wait_for(2)
    assert "answering again" in messages[1].title
    time.sleep(0.3)
    assert len(hook.messages) == 2


def test_two_checks_at_once_send_one_alert(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.write_watchlist(TRIALS, [hook.url()])
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT06171568", recruit)
    registry.refresh()
    first, second = home.start("check"), home.start("check")
    outputs = [p.communicate(timeout=60)[0] for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    assert all("Traceback" not in out for out in outputs)
    hook.wait_for(1)
    time.sleep(0.5)
    assert len(hook.messages) == 1
    assert sum("changed" in out for out in outputs) == 1  # the second saw no change left to report


def test_sigkill_during_delivery_then_one_delivery(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.write_watchlist(TRIALS, [hook.url()])
    home.env["MONITOR_DELIVERY_TIMEOUT"] = "30"
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT06171568", recruit)
    registry.refresh()
    hook.hang()
    process = home.start("check")
    assert wait_until(lambda: len(hook.attempts) >= 1)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    hook.recover()
    assert home.run("check").code == 0
    hook.wait_for(1)
    assert home.run("check").code == 0
    time.sleep(0.3)
    assert len(hook.messages) == 1


def test_secrets_never_reach_output_logs_or_database(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    secret_url = hook.url().replace("json://", "json://alice:s3cretpw@") + "?+X-Token=t0kenvalue"
    dead_url = "json://bob:deadpass@127.0.0.1:9/hook"
    home.write_watchlist(TRIALS, [secret_url, dead_url])
    runs = [home.run("check", "--verbose")]
    sponsor_edit(registry, "NCT06171568", recruit)
    registry.refresh()
    runs += [home.run("check", "--verbose"), home.run("list"), home.run("status"), home.run("notify-test")]
    hook.wait_for(1)
    daemon = home.start("run")
    time.sleep(3)
    daemon.send_signal(signal.SIGTERM)
    runs.append(type(runs[0])(daemon.wait(timeout=10), daemon.communicate()[0], ""))
    engine = create_engine(home.env["MONITOR_DATABASE_URL"])
    with engine.connect() as db:  # every row of every table, on either backend
        stored = "".join(repr(db.execute(text(f"select * from {t}")).fetchall())
                         for t in ("trial", "alert", "change_event", "delivery", "cycle")).encode()
    engine.dispose()
    if home.database.exists():  # SQLite: the raw file and its WAL too
        stored += b"".join(p.read_bytes() for p in home.database.parent.glob("monitor.db*"))
    for secret in ("s3cretpw", "t0kenvalue", "deadpass"):
        assert all(secret not in run.text for run in runs), secret
        assert secret.encode() not in stored, secret
    assert "****" in runs[3].out  # status names the failing target in its masked form

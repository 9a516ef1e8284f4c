"""A target's backoff follows the target, not each row: back, it gets all that waited, in order, at once.

Issue 15 §1: each refusal used to double the oldest row's wait (30 s, 1 min, 2 min … up to 6 h), and
the target's newer alerts waited behind it, so a target back after a few short spells stayed frozen
for minutes. Now the wait is the target's (5 s, 10 s, 20 s, then 25 s, under the daemon's 30 s
delivery pass), and the first message it accepts releases the rest.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from monitor.delivery.worker import deliver_due
from monitor.registry.ctgov.standin.registry import StandInRegistry
from monitor.store import outbox
from monitor.store.db import open_engine
from monitor.store.tables import Alert, Delivery
from monitor.watchlist import load_watchlist
from tests.scenarios.harness import Home, free_port, sponsor_edit, stop, wait_until
from tests.scenarios.test_sync import enroll
from tests.support.receivers import JsonReceiver

TRIAL = "NCT06171568"
COUNTS = [5000, 5001, 5002, 5003]
OLD_BACKOFF_AFTER_FOUR = 240  # s: what the old row clock made the head wait after its 4th refusal
PASS = timedelta(seconds=30)  # the daemon's delivery pass (monitor/daemon.py, job "deliveries")
START = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)


def counts_in(hook: JsonReceiver) -> list[int]:
    """Each message's new enrollment (it names the old one too: the counts only grow)."""
    return [max(c for c in COUNTS if str(c) in m.message) for m in hook.messages]


def alerts_of(engine: Engine) -> int:
    """The trial's change alerts the daemon has stored (each owes the target one message)."""
    with Session(engine) as session:
        return len(session.exec(select(Alert.id).where(Alert.trial_id == TRIAL, Alert.kind == "change")).all())


def test_a_target_back_gets_what_waited_within_one_pass(home: Home, registry: StandInRegistry,
                                                        hook: JsonReceiver) -> None:
    """The colleague's reproduction (one daemon, four alerts each refused, then the target back)."""
    home.write_watchlist([TRIAL], [hook.url()], interval="1s")
    log = home.folder / "daemon.log"
    daemon = home.start("run", "--listen", f"127.0.0.1:{free_port()}", log=log)
    try:
        assert wait_until(lambda: "baseline" in log.read_text(), timeout=60)
        hook.fail_with(500)
        engine = open_engine(home.env["MONITOR_DATABASE_URL"])
        for made, count in enumerate(COUNTS, 1):  # each change alerted (and refused) before the next is made
            sponsor_edit(registry, TRIAL, enroll(count))
            registry.refresh()
            assert wait_until(lambda made=made: alerts_of(engine) >= made and hook.attempts, timeout=60)
        engine.dispose()
        assert hook.messages == []
        hook.recover()
        # well before the 240 s the old backoff would have allowed (the new one: one pass, at most 30 s)
        assert wait_until(lambda: len(hook.messages) >= len(COUNTS), timeout=OLD_BACKOFF_AFTER_FOUR / 2, interval=0.5)
        assert counts_in(hook) == COUNTS  # oldest first, each once
    finally:
        code, _ = stop(daemon, signal.SIGTERM)
    assert code == 0 and "Traceback" not in log.read_text()
    assert counts_in(hook) == COUNTS  # nothing sent twice afterwards


def queue_four_refused(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> Engine:
    """Four alerts for the hook, made and refused by real `check`s at START (each tries the oldest again)."""
    home.env["MONITOR_NOW"] = START.isoformat()
    home.write_watchlist([TRIAL], [hook.url()])
    assert home.run("check").code == 0
    hook.fail_with(503)
    for count in COUNTS:
        sponsor_edit(registry, TRIAL, enroll(count))
        registry.refresh()
        assert home.run("check").code == 0
    assert hook.messages == [] and len(hook.attempts) == len(COUNTS)
    return open_engine(home.env["MONITOR_DATABASE_URL"])


def test_an_hour_down_is_tried_once_a_pass_and_the_pass_after_recovery_sends_all(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    """The real worker, store and receiver on a simulated clock: the daemon's passes every 30 s for an hour."""
    engine = queue_four_refused(home, registry, hook)
    targets = load_watchlist(home.watchlist).targets
    start = START

    def deliver(now: datetime) -> None:
        asyncio.run(deliver_due(engine, targets, now, ignore_backoff=False, timeout=5))

    passes = [start + PASS * n for n in range(1, 121)]  # one hour of passes while the target stays down
    for now in passes:
        deliver(now)
    tried = len(hook.attempts) - len(COUNTS)
    assert 0 < tried <= len(passes)  # kept trying, but never more than one request a pass: not hammered
    assert hook.messages == []
    with Session(engine) as session:
        [head, *behind] = session.exec(select(Delivery).order_by(Delivery.id)).all()  # type: ignore[arg-type]
    assert head.attempts == len(COUNTS) + tried and {d.attempts for d in behind} == {0}  # the row still counts

    hook.recover()
    deliver(passes[-1] + PASS)  # the very next pass
    assert counts_in(hook) == COUNTS  # all four, oldest first, in that one pass
    with Session(engine) as session:
        assert {d.state for d in session.exec(select(Delivery)).all()} == {"sent"}
    deliver(passes[-1] + 2 * PASS)
    assert len(hook.messages) == len(COUNTS)  # at-least-once, and here exactly once
    engine.dispose()


def test_the_first_message_accepted_makes_all_that_waited_due(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    """Marked sent, the oldest releases the rest: a run killed right after it sends them at once next time."""
    engine = queue_four_refused(home, registry, hook)
    soon = START + timedelta(seconds=1)  # long before the target's backoff after four refusals
    with Session(engine) as session:
        assert outbox.due_deliveries(session, soon, ignore_backoff=False) == []  # backing off
        [head, *_] = (d for d, _alert in outbox.due_deliveries(session, soon, ignore_backoff=True))
        assert head.id is not None and outbox.mark_delivered(session, head.id, soon) == len(COUNTS) + 1
        due = outbox.due_deliveries(session, soon, ignore_backoff=False)
    assert [d.attempts for d, _alert in due] == [0, 0, 0]  # the three behind it, due now, in order
    assert [a.id for _d, a in due] == sorted(a.id for _d, a in due)
    engine.dispose()

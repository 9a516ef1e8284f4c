"""A misbehaving registry's answers (issue 15 §3) through the real `trial-monitor check`: each is bounded
(exact request counts, the body cap, the answer deadline), said in one line naming the registry, never a
traceback (``Home.run`` asserts it), and no false change follows: the next healthy check tells nothing and
leaves the database's snapshots as they were."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from monitor.registry.ctgov.api import MAX_EMPTY_REPEATS
from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, Result
from tests.support.receivers import JsonReceiver

TRIALS = ["NCT06171568", "NCT00973089", "NCT04207047"]
SWEEP = "sweep: 1s\n"  # every refreshed check fetches each watched record whole, by id: the answer under test
MiB = 2**20


def stored(home: Home) -> tuple[set[tuple[str, str]], list[int]]:
    """The snapshots (trial, content hash) and how many events, alerts and deliveries there are."""
    engine = create_engine(home.env["MONITOR_DATABASE_URL"])
    try:
        with engine.connect() as db:
            snapshots = {(row[0], row[1]) for row in db.execute(text("select trial_id, hash from snapshot"))}
            counts = [db.execute(text(f"select count(*) from {t}")).scalar_one()
                      for t in ("change_event", "alert", "delivery")]
    finally:
        engine.dispose()
    return snapshots, counts


def baseline(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> tuple[set[tuple[str, str]], list[int]]:
    home.write_watchlist(TRIALS, [hook.url()], extra=SWEEP)
    first = home.run("check")
    assert first.code == 0 and "3 baseline" in first.out, first.text
    time.sleep(1.5)  # past the 1 s sweep period since the baseline, however fast the next check starts
    registry.refresh()
    registry.reset_log()
    return stored(home)


def one_line_naming_the_registry(result: Result, registry: StandInRegistry, *words: str) -> str:
    [line] = [line for line in result.text.splitlines() if registry.base_url in line and all(w in line for w in words)]
    return line


def healthy_again(home: Home, registry: StandInRegistry, hook: JsonReceiver,
                  before: tuple[set[tuple[str, str]], list[int]], *, unchanged: int = 3) -> None:
    registry.clear_faults()
    registry.refresh()
    result = home.run("check")
    assert result.code == 0 and f"{unchanged} unchanged" in result.out, result.text
    time.sleep(0.3)  # a false change would have been delivered by now
    assert hook.messages == []
    assert stored(home) == before


def test_a_next_page_token_that_repeats_forever(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.write_watchlist(TRIALS, [hook.url()], extra=SWEEP)
    registry.fault("endless_token", path="/studies", times=None)
    result = home.run("check")  # the first check's fetch by id: page 1, then page 1 again under its token
    assert result.code == 1, result.text
    one_line_naming_the_registry(result, registry, "nextPageToken of /studies again after page 2",
                                 "would never end")
    assert registry.count("/studies") == 2
    before = stored(home)
    assert len(before[0]) == 3  # page 1's trials, as they are: decided and kept
    registry.clear_faults()
    again = home.run("check")
    assert again.code == 0 and "3 unchanged" in again.out, again.text
    assert stored(home) == before
    registry.refresh()
    registry.reset_log()
    registry.fault("endless_token", path="/studies", times=None)
    result = home.run("check")  # nothing updated since: an empty page handing back its own token
    assert result.code == 1, result.text
    one_line_naming_the_registry(result, registry, "again after page 5", "would never end")
    assert registry.count("/studies") == MAX_EMPTY_REPEATS + 2
    healthy_again(home, registry, hook, before)


def test_a_page_that_lists_a_trial_twice(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    before = baseline(home, registry, hook)
    registry.fault("twice", path="/studies", times=None)
    result = home.run("check")
    assert result.code == 0 and "3 unchanged" in result.out, result.text
    one_line_naming_the_registry(result, registry, "listed NCT00973089 twice on page 1", "kept the first")
    assert registry.count("/studies") == 2  # what was updated since (nothing), then the sweep
    healthy_again(home, registry, hook, before)


def test_a_body_of_invalid_utf8(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.env.update(MONITOR_RETRY_ATTEMPTS="2")
    before = baseline(home, registry, hook)
    registry.fault("bad_utf8", path="/studies", times=None)  # inside a title: patched, it would be a change
    result = home.run("check")
    assert result.code == 1, result.text
    one_line_naming_the_registry(result, registry, "(2 tries): an answer that is not valid UTF-8")
    assert registry.count("/studies") == 2
    healthy_again(home, registry, hook, before)


def test_a_1_gib_body(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.env.update(MONITOR_MAX_ANSWER_MB="8")  # a real page of 3 whole records is well under it
    before = baseline(home, registry, hook)
    registry.fault("huge", path="/studies", times=None)  # 1 GiB, streamed, no Content-Length
    result = home.run("check")
    assert result.code == 1, result.text
    line = one_line_naming_the_registry(result, registry, "is larger than 8 MiB (MONITOR_MAX_ANSWER_MB)")
    assert float(line.rsplit("after reading ", 1)[1].split(" MiB")[0]) <= 8
    assert registry.count("/studies") == 1  # refused, not retried
    [request] = [r for r in registry.requests if r.path.endswith("/studies")]
    assert request.size < 128 * MiB  # of the 1,024 MiB, what was sent before the check hung up
    healthy_again(home, registry, hook, before)


def test_a_body_that_trickles_one_byte_a_second(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.env.update(MONITOR_ANSWER_DEADLINE="1.5", MONITOR_RETRY_ATTEMPTS="2")
    before = baseline(home, registry, hook)
    registry.fault("trickle", path="/studies", times=None)
    result = home.run("check")
    assert result.code == 1, result.text
    one_line_naming_the_registry(result, registry, "(2 tries): the answer took longer than 1.5 s to arrive whole")
    assert registry.count("/studies") == 2
    healthy_again(home, registry, hook, before)


def test_a_total_count_that_changes_between_pages(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.watchlist.write_text(f"interval: 6h\nrequest_pause: 0s\nnotify:\n  - {hook.url()}\ntrials: all\n")
    registry.max_page_size = 5  # 14 records: pages of 5, 5, 4
    registry.fault("total_drift", path="/studies", times=None, drift=2)
    result = home.run("check")
    assert result.code == 1, result.text
    one_line_naming_the_registry(result, registry, "announced 14 records, then 16 after 5",
                                 "changed while being listed")
    assert registry.count("/studies") == 2
    before = stored(home)
    assert len(before[0]) == 5  # the first page's trials, as they are: decided and kept
    registry.clear_faults()
    again = home.run("check")  # no good check yet: the whole registry again
    assert again.code == 0 and "9 baseline" in again.out and "5 unchanged" in again.out, again.text
    time.sleep(0.3)
    assert hook.messages == []
    snapshots, counts = stored(home)
    assert before[0] <= snapshots and len(snapshots) == 14 and counts == before[1]


@pytest.mark.sqlite_only  # refused before any database is opened
def test_a_bad_limit_in_the_environment_is_one_line_and_exit_2(home: Home) -> None:
    home.write_watchlist(TRIALS)
    for name, raw in (("MONITOR_MAX_ANSWER_MB", "lots"), ("MONITOR_ANSWER_DEADLINE", "0")):
        home.env[name] = raw
        result = home.run("check")
        assert result.code == 2 and name in result.err and len(result.err.strip().splitlines()) == 1, result.text
        del home.env[name]

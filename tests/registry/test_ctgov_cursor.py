"""The cursor and its margin (``monitor.registry.ctgov.sync.cursor_date``), decided from timestamps alone.

The margin is measured here: a registry that refreshes as the real one does (once a weekday, stamped
09:00:05, each refresh posting its updates under its own day: no update served later than its posted
date), sometimes refreshing twice in a day, late past midnight or early before dawn, watched by a
monitor that checks every 6 hours and sometimes fails. With the margin nothing posted is ever missed
and a regular registry is never listed twice; without each of its two rules, updates are missed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from monitor.registry.ctgov.sync import DAY_POSTED_BY, cursor_date

FRIDAY = "2026-11-20T09:00:05"


def test_after_a_refresh_the_cursor_lists_only_what_the_new_refresh_posted() -> None:
    assert cursor_date(FRIDAY, ["2026-11-23T09:00:05"]) == "2026-11-21"  # Monday's postings (none on a weekend)
    assert cursor_date("2026-11-23T09:00:05", ["2026-11-24T09:00:05"]) == "2026-11-24"
    assert cursor_date(FRIDAY) == "2026-11-21"


def test_without_a_good_check_there_is_no_cursor() -> None:
    assert cursor_date(None, ["2026-11-23T09:00:05"]) is None
    assert cursor_date("garbage", ["2026-11-23T09:00:05"]) is None


def test_a_second_refresh_the_same_day_lists_that_day_again() -> None:
    assert cursor_date(FRIDAY, ["2026-11-20T15:00:00"]) == "2026-11-20"


def test_a_same_day_refresh_seen_by_a_failed_check_lists_that_day_again() -> None:
    seen = ["2026-11-20T15:00:00", "2026-11-23T09:00:05"]  # a check failed on the second Friday refresh
    assert cursor_date(FRIDAY, seen) == "2026-11-20"


def test_quiet_checks_on_the_same_data_change_nothing() -> None:
    assert cursor_date(FRIDAY, [FRIDAY, FRIDAY, "2026-11-23T09:00:05"]) == "2026-11-21"


def test_data_stamped_before_six_lists_its_own_day_again() -> None:
    assert DAY_POSTED_BY == time(6, 0)
    assert cursor_date("2026-11-21T05:59:59", ["2026-11-23T09:00:05"]) == "2026-11-21"  # late, or early
    assert cursor_date("2026-11-21T06:00:00", ["2026-11-23T09:00:05"]) == "2026-11-22"
    assert cursor_date("2026-11-21", ["2026-11-23T09:00:05"]) == "2026-11-21"  # a bare date: its midnight


def test_data_older_than_the_last_good_lists_from_its_day() -> None:
    assert cursor_date(FRIDAY, ["2026-11-18T09:00:05"]) == "2026-11-18"  # a registry served older data


# ---------------------------------------------------------------- the margin, measured


@dataclass(frozen=True)
class Refresh:
    stamp: datetime  # its dataTimestamp
    posts: date  # the day its updates are posted under


def registry(days: int, rng: random.Random, *, odd: float) -> list[Refresh]:
    """Weekday refreshes at 09:00:05; with probability ``odd`` a day's is unusual: a second one that
    afternoon, one that ran past midnight (stamped 00:30 the next day), or an early part before dawn."""
    out, day = [], date(2026, 11, 2)  # a Monday
    for _ in range(days):
        if day.weekday() < 5:
            kind = rng.choice(("second", "late", "early")) if rng.random() < odd else "regular"
            if kind == "late":
                out.append(Refresh(datetime.combine(day + timedelta(days=1), time(0, 30)), day))
            else:
                if kind == "early":
                    out.append(Refresh(datetime.combine(day, time(3, 0)), day))
                out.append(Refresh(datetime.combine(day, time(9, 0, 5)), day))
                if kind == "second":
                    out.append(Refresh(datetime.combine(day, time(15, 0)), day))
        day += timedelta(days=1)
    return sorted(out, key=lambda r: r.stamp)


@dataclass
class Outcome:
    missed: int = 0  # refreshes whose postings no good check listed
    listed_again: int = 0  # refreshes a check listed that an earlier good check had listed


Cursor = Callable[[str, list[str]], "str | None"]


def monitor(refreshes: list[Refresh], rng: random.Random, *, fail: float, cursor: Cursor) -> Outcome:
    """A monitor checking every 6 hours (jittered) that fails now and then; what it saw, and missed."""
    seen: set[int] = set()  # the refreshes whose postings a good check listed
    last_good: datetime | None = None
    since_good: list[str] = []
    outcome = Outcome()
    when, end = refreshes[0].stamp - timedelta(hours=1), refreshes[-1].stamp + timedelta(days=1)
    while when < end:
        when += timedelta(hours=6, minutes=rng.randint(-90, 90))
        data = [i for i, r in enumerate(refreshes) if r.stamp <= when]
        if not data:
            continue
        stamp = refreshes[data[-1]].stamp
        if rng.random() < fail:
            since_good.append(stamp.isoformat())
            continue
        if last_good is None:
            listed = set(data)  # the baseline: every record whole
        elif stamp == last_good:
            listed = set()  # quiet
        else:
            since = cursor(last_good.isoformat(), [*since_good, stamp.isoformat()])
            assert since is not None
            listed = {i for i in data if refreshes[i].posts.isoformat() >= since}
            outcome.listed_again += len(listed & seen)
        seen |= listed
        last_good, since_good = stamp, []
    assert last_good is not None
    outcome.missed = sum(1 for i, r in enumerate(refreshes) if r.stamp <= last_good and i not in seen)
    return outcome


def run(*, odd: float, fail: float = 0.15, cursor: Cursor = cursor_date, seeds: int = 40) -> Outcome:
    total = Outcome()
    for seed in range(seeds):
        rng = random.Random(seed)
        result = monitor(registry(120, rng, odd=odd), rng, fail=fail, cursor=cursor)
        total.missed += result.missed
        total.listed_again += result.listed_again
    return total


def test_with_the_margin_nothing_posted_is_missed() -> None:
    assert run(odd=0.2).missed == 0


def test_a_regular_registry_is_never_listed_twice() -> None:
    assert run(odd=0.0) == Outcome(missed=0, listed_again=0)


def test_without_the_six_oclock_rule_late_and_early_refreshes_are_missed() -> None:
    assert run(odd=0.2, cursor=lambda last, seen: cursor_date(last, seen, posted_by=time(0, 0))).missed > 0


def test_without_what_later_checks_read_a_second_refresh_is_missed() -> None:
    assert run(odd=0.2, cursor=lambda last, seen: cursor_date(last)).missed > 0


def test_the_old_overlap_day_missed_nothing_but_listed_every_day_twice() -> None:
    def overlap(last: str, seen: list[str]) -> str:
        return (date.fromisoformat(last[:10]) - timedelta(days=1)).isoformat()

    regular = run(odd=0.0, cursor=overlap)
    assert regular.missed == 0 and regular.listed_again > 0

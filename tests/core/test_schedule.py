"""Digest schedules: parsing, slots in local wall-clock time across DST changes, and when a digest is due."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.core.schedule import DigestSpec, due_slot, latest_slot, next_slot, parse_digest, zone

PARIS = "Europe/Paris"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "at", "weekday"),
    [
        ("daily at 08:00", time(8, 0), None),
        ("Daily at 8:05", time(8, 5), None),
        ("daily  at 23:59", time(23, 59), None),
        ("weekly on monday at 08:00", time(8, 0), 0),
        ("weekly on Sun at 18h30", time(18, 30), 6),
        ("weekly on fri at 07.15", time(7, 15), 4),
    ],
)
def test_parse_digest(text: str, at: time, weekday: int | None) -> None:
    spec = parse_digest(text, PARIS)
    assert (spec.at, spec.weekday, spec.zone) == (at, weekday, PARIS)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("hourly", "is not a schedule (write 'daily at 08:00' or 'weekly on monday at 08:00')"),
        ("daily", "is not a schedule"),
        ("daily at 25:00", "is not a time of day"),
        ("daily at 08:61", "is not a time of day"),
        ("weekly at 08:00", "is not a schedule"),
        ("weekly on funday at 08:00", "'funday' is not a day of the week"),
        ("weekly on t at 08:00", "'t' is not a day of the week"),
        ("weekly on tu at 08:00", "'tu' is not a day of the week"),
    ],
)
def test_parse_digest_rejects(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match="digest: ") as caught:
        parse_digest(text)
    assert problem in str(caught.value)


def test_zone_names() -> None:
    assert zone("Europe/Paris") == ZoneInfo("Europe/Paris")
    for bad in ("Mars/Olympus", "", "../etc/passwd", "/etc/localtime"):
        with pytest.raises(ValueError, match="is not an IANA time zone name"):
            zone(bad)


def test_slots_in_utc() -> None:
    spec = parse_digest("daily at 08:00")
    assert latest_slot(spec, utc(2027, 3, 1, 8, 1)) == utc(2027, 3, 1, 8, 0)
    assert latest_slot(spec, utc(2027, 3, 1, 8, 0)) == utc(2027, 3, 1, 8, 0)  # the slot itself counts
    assert latest_slot(spec, utc(2027, 3, 1, 7, 59)) == utc(2027, 2, 28, 8, 0)
    assert next_slot(spec, utc(2027, 3, 1, 7, 59)) == utc(2027, 3, 1, 8, 0)
    assert next_slot(spec, utc(2027, 3, 1, 8, 0)) == utc(2027, 3, 2, 8, 0)  # strictly after


def test_weekly_slots() -> None:
    spec = parse_digest("weekly on monday at 08:00")
    # 2027-03-01 is a Monday
    assert latest_slot(spec, utc(2027, 3, 4, 12)) == utc(2027, 3, 1, 8)
    assert latest_slot(spec, utc(2027, 3, 1, 7)) == utc(2027, 2, 22, 8)
    assert next_slot(spec, utc(2027, 3, 1, 8)) == utc(2027, 3, 8, 8)
    assert next_slot(spec, utc(2027, 2, 28, 23)) == utc(2027, 3, 1, 8)


def test_local_time_is_kept_across_the_spring_change() -> None:
    """Paris goes from UTC+1 to UTC+2 on 2027-03-28: 08:00 local is 07:00 UTC before, 06:00 UTC after."""
    spec = parse_digest("daily at 08:00", PARIS)
    assert next_slot(spec, utc(2027, 3, 27, 0)) == utc(2027, 3, 27, 7)
    assert next_slot(spec, utc(2027, 3, 27, 7)) == utc(2027, 3, 28, 6)
    assert next_slot(spec, utc(2027, 3, 28, 6)) == utc(2027, 3, 29, 6)
    assert latest_slot(spec, utc(2027, 3, 28, 6, 30)) == utc(2027, 3, 28, 6)


def test_local_time_is_kept_across_the_autumn_change() -> None:
    """New York goes back from UTC-4 to UTC-5 on 2027-11-07."""
    spec = parse_digest("weekly on sunday at 08:00", "America/New_York")
    assert next_slot(spec, utc(2027, 11, 1)) == utc(2027, 11, 7, 13)  # 08:00 EST
    assert next_slot(spec, utc(2027, 10, 25)) == utc(2027, 10, 31, 12)  # 08:00 EDT


def test_a_time_that_does_not_exist_or_happens_twice_gives_one_slot_that_day() -> None:
    # 02:30 does not exist in Paris on 2027-03-28 (02:00 → 03:00): taken as 03:30 CEST = 01:30 UTC
    spec = parse_digest("daily at 02:30", PARIS)
    assert next_slot(spec, utc(2027, 3, 27, 12)) == utc(2027, 3, 28, 1, 30)
    assert next_slot(spec, utc(2027, 3, 28, 1, 30)) == utc(2027, 3, 29, 0, 30)
    # 02:30 happens twice on 2027-10-31 (03:00 → 02:00): the first one, 02:30 CEST = 00:30 UTC
    assert next_slot(spec, utc(2027, 10, 30, 12)) == utc(2027, 10, 31, 0, 30)
    assert next_slot(spec, utc(2027, 10, 31, 0, 30)) == utc(2027, 11, 1, 1, 30)


@pytest.mark.parametrize("zone_name", ["UTC", PARIS, "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"])
def test_one_slot_per_local_day_all_year(zone_name: str) -> None:
    spec = parse_digest("daily at 02:30", zone_name)
    tz = ZoneInfo(zone_name)
    moment, days = utc(2027, 1, 1), []
    while moment < utc(2028, 1, 1):
        moment = next_slot(spec, moment)
        days.append(moment.astimezone(tz).date())
    assert len(days) == len(set(days))  # never two on one day
    assert all(b - a == timedelta(days=1) for a, b in zip(days, days[1:]))  # never a day skipped
    assert 364 <= len(days) <= 366


def test_due_slot() -> None:
    spec = DigestSpec(time(8, 0))
    found_at_7 = utc(2027, 3, 1, 7)
    assert due_slot(spec, utc(2027, 3, 1, 7, 30), found_at_7) is None  # waits for 08:00
    assert due_slot(spec, utc(2027, 3, 1, 8, 1), found_at_7) == utc(2027, 3, 1, 8)
    assert due_slot(spec, utc(2027, 3, 1, 8, 1), None) is None  # nothing waiting: nothing due
    assert due_slot(spec, utc(2027, 3, 1, 8, 1), utc(2027, 3, 1, 8, 0, 30)) is None  # found after the slot
    # down for three days: one digest, for the latest slot
    assert due_slot(spec, utc(2027, 3, 4, 9), found_at_7) == utc(2027, 3, 4, 8)


def test_words() -> None:
    assert parse_digest("weekly on mon at 8:00", PARIS).words() == "weekly on monday at 08:00 (Europe/Paris)"
    assert parse_digest("daily at 18:00").words() == "daily at 18:00 (UTC)"

"""Digest schedules: ``daily at 08:00`` or ``weekly on monday at 08:00``, in the watchlist's time zone.

Pure arithmetic on aware datetimes. A schedule's *slots* are its local wall-clock times (08:00
every day, whatever the UTC offset that day), so a digest comes at 08:00 local time on either
side of a daylight-saving change. A wall-clock time that does not exist on the day the clocks
go forward (02:30 in Europe/Paris on the last Sunday of March) is taken with the offset from
before the change, i.e. one hour later on the new clock (03:30); one that happens twice (the
day the clocks go back) is taken at its first occurrence. Either way there is exactly one slot
per day (or week).

A digest is due when the latest slot not after "now" is at or after the oldest event still
waiting: events found at 07:00 wait for 08:00; a monitor that was down at 08:00 sends the digest
as soon as it is back (one digest, however many slots it missed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SPEC = re.compile(
    r"^(?:(?P<daily>daily)|weekly\s+on\s+(?P<day>[a-z]+))\s+at\s+(?P<hour>\d{1,2})[:h.](?P<minute>\d{2})$"
)
EXAMPLES = "'daily at 08:00' or 'weekly on monday at 08:00'"


def zone(name: str) -> ZoneInfo:
    """An IANA time zone (``Europe/Paris``, ``UTC``); ValueError when there is no such zone."""
    text = name.strip() if isinstance(name, str) else ""
    try:
        if not text or text.startswith(("/", ".")) or ".." in text:
            raise ValueError
        return ZoneInfo(text)
    except (ValueError, ZoneInfoNotFoundError, OSError):
        raise ValueError(f"'{name}' is not an IANA time zone name (e.g. UTC, Europe/Paris, America/New_York)") from None


@dataclass(frozen=True)
class DigestSpec:
    """When a digest target is sent to: every day (``weekday`` None) or once a week, at ``at`` in ``zone``."""

    at: time
    weekday: int | None = None  # 0 = Monday
    zone: str = "UTC"

    def words(self) -> str:
        when = f"daily at {self.at:%H:%M}" if self.weekday is None else f"weekly on {WEEKDAYS[self.weekday]} at {self.at:%H:%M}"
        return f"{when} ({self.zone})"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


def parse_digest(text: str, zone_name: str = "UTC") -> DigestSpec:
    """``"daily at 08:00"`` / ``"weekly on monday at 08:00"`` → DigestSpec; ValueError otherwise."""
    raw = text if isinstance(text, str) else ""
    found = _SPEC.match(" ".join(raw.lower().split()))
    if not found:
        raise ValueError(f"digest: '{text}' is not a schedule (write {EXAMPLES})")
    hour, minute = int(found["hour"]), int(found["minute"])
    if hour > 23 or minute > 59:
        raise ValueError(f"digest: '{text}' is not a time of day (00:00 to 23:59)")
    weekday = None
    if not found["daily"]:
        day = found["day"]
        matches = [i for i, name in enumerate(WEEKDAYS) if len(day) >= 3 and name.startswith(day)]
        if len(matches) != 1:
            raise ValueError(f"digest: '{found['day']}' is not a day of the week (monday … sunday)")
        weekday = matches[0]
    zone(zone_name)
    return DigestSpec(time(hour, minute), weekday, zone_name)


def slot_on(spec: DigestSpec, day: date) -> datetime | None:
    """The slot on a local calendar day (None when a weekly schedule skips it), in UTC."""
    if spec.weekday is not None and day.weekday() != spec.weekday:
        return None
    local = datetime.combine(day, spec.at, tzinfo=spec.tz)  # fold=0: see the module docstring
    return local.astimezone(timezone.utc)


def latest_slot(spec: DigestSpec, now: datetime) -> datetime:
    """The last slot at or before ``now``."""
    today = now.astimezone(spec.tz).date()
    for back in range(0, 9):
        slot = slot_on(spec, today - timedelta(days=back))
        if slot is not None and slot <= now:
            return slot
    raise AssertionError("a weekly schedule has a slot in every 8 days")  # pragma: no cover


def next_slot(spec: DigestSpec, after: datetime) -> datetime:
    """The first slot strictly after ``after``."""
    today = after.astimezone(spec.tz).date()
    for ahead in range(-1, 9):
        slot = slot_on(spec, today + timedelta(days=ahead))
        if slot is not None and slot > after:
            return slot
    raise AssertionError("a weekly schedule has a slot in every 8 days")  # pragma: no cover


def due_slot(spec: DigestSpec, now: datetime, oldest_waiting: datetime | None) -> datetime | None:
    """The slot a digest is due for now, or None: nothing waits, or what waits came after the last slot.

    The digest then carries every event found up to that slot; later ones wait for the next.
    """
    if oldest_waiting is None:
        return None
    slot = latest_slot(spec, now)
    return slot if oldest_waiting <= slot else None

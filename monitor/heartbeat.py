"""The daemon's heartbeat file, and the rule ``trial-monitor health`` (the container's HEALTHCHECK) reads it by.

The daemon writes it every few seconds; ``health`` reads it without starting anything else.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

log = logging.getLogger("monitor.daemon")

STALE_HEARTBEAT = 60  # seconds without a beat: the scheduler has stopped
LONGEST_CHECK = timedelta(minutes=30)


@dataclass
class Heartbeat:
    interval: int
    check_started_at: str | None = None
    check_finished_at: str | None = None
    last_outcome: str | None = None

    def write(self, path: Path, now: datetime) -> None:
        """Write it atomically; a failure is logged, never raised (the daemon goes on)."""
        data = {"pid": os.getpid(), "beat_at": iso(now), **asdict(self)}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps(data))
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot write the heartbeat %s: %s", path, exc.strerror)


def health_problem(path: Path, now: datetime | None = None) -> str:
    """Why the daemon is not making progress, or "" when it is."""
    now = now or datetime.now(timezone.utc)
    try:
        beat = json.loads(path.read_text())
        beat_at = datetime.fromisoformat(beat["beat_at"])
        interval = int(beat["interval"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"no heartbeat at {path} (is the daemon running?)"
    if (now - beat_at).total_seconds() > STALE_HEARTBEAT:
        return f"the scheduler has stalled: last heartbeat {int((now - beat_at).total_seconds())} s ago"
    started = _parse(beat.get("check_started_at"))
    finished = _parse(beat.get("check_finished_at"))
    if started and (not finished or finished < started) and now - started > LONGEST_CHECK:
        return f"a check has been running since {started:%Y-%m-%d %H:%M} UTC"
    if finished and now - finished > timedelta(seconds=2 * interval) + timedelta(minutes=10):
        return f"no check has finished since {finished:%Y-%m-%d %H:%M} UTC"
    return ""


def remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _parse(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None

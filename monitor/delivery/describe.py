"""Each target's choices in words, for ``trial-monitor status`` (URLs masked)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.core.schedule import due_slot, next_slot
from monitor.delivery.notify import TargetLike, shows

LAYOUTS = {"html": "HTML email", "markdown": "Markdown", "text": "plain text"}


def target_lines(targets: Sequence[TargetLike], now: datetime, waiting: Mapping[str, int],
                 oldest: Mapping[str, datetime]) -> list[str]:
    """One line per target: masked URL, levels and kinds, immediate or digest (next time, alerts waiting)."""
    lines = []
    for target in targets:
        parts = [target.choices.words()]
        if target.digest is None:
            parts.append("immediate")
        else:
            spec = target.digest
            when = "due now" if due_slot(spec, now, oldest.get(target.key)) else (
                f"next {next_slot(spec, now).astimezone(ZoneInfo(spec.zone)):%Y-%m-%d %H:%M %Z}")
            count = waiting.get(target.key, 0)
            parts.append(f"digest {spec.words()}, {when}, {count} alert{'s' if count != 1 else ''} waiting")
        layout = f"template {target.template.name}" if target.template else LAYOUTS[shows(target)]
        parts.append(layout)
        lines.append(f"  {target.masked}: " + "; ".join(parts))
    return lines

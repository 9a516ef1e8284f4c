"""The watchlist's ``expectations:`` key: which alerts-without-a-record-update are on.

::

    expectations:
      milestone_days: 30      # tell me when an estimated start or primary completion is within 30 days
      unverified: false       # and not about statuses nobody verified for 21 months

``overdue``, ``still_recruiting`` and ``unverified`` are on by default; ``milestone_days`` is 0 (off).
``expectations: off`` turns them all off.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from monitor.core.expectations import ExpectationOptions

from ._base import WatchlistError, key_line, kind, value_line

KEY = "expectations"
SWITCHES = {"overdue": "results_overdue", "still_recruiting": "still_recruiting", "unverified": "unverified"}
KNOWN = (*SWITCHES, "milestone_days")
MAX_MILESTONE_DAYS = 366

Fail = Callable[[str, int | None], WatchlistError]


def parse_expectations(data: Mapping[str, Any], fail: Fail) -> ExpectationOptions:
    """The ``expectations:`` key of the watchlist's top level (absent: the defaults)."""
    value = data.get(KEY)
    if value is None or value is True or value == "on":
        return ExpectationOptions()
    if value is False or value == "off":
        return ExpectationOptions(results_overdue=False, still_recruiting=False, unverified=False)
    if not isinstance(value, Mapping):
        raise fail(f"{KEY} must be a mapping (e.g. {{milestone_days: 30, unverified: false}}) or off, "
                   f"not {kind(value)}", value_line(data, KEY))
    chosen: dict[str, Any] = {}
    for key, setting in value.items():
        line = value_line(value, key) or key_line(value, key) or key_line(data, KEY)
        if key not in KNOWN:
            raise fail(f"{KEY}: unknown key '{key}' (known: {', '.join(KNOWN)})", key_line(value, key) or line)
        if key == "milestone_days":
            if isinstance(setting, bool) or not isinstance(setting, int) or not 0 <= setting <= MAX_MILESTONE_DAYS:
                shown = f"'{setting}'" if isinstance(setting, (str, int, float)) else kind(setting)
                raise fail(f"{KEY}: milestone_days must be a whole number of days from 0 (off) to "
                           f"{MAX_MILESTONE_DAYS}, not {shown}", line)
            chosen["milestone_days"] = setting
        elif not isinstance(setting, bool):
            shown = f"'{setting}'" if isinstance(setting, (str, int, float)) else kind(setting)
            raise fail(f"{KEY}: {key} must be true or false, not {shown}", line)
        else:
            chosen[SWITCHES[key]] = setting
    return ExpectationOptions(**chosen)

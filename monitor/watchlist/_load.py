"""Reading and validating watchlist.yaml into a frozen Watchlist."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from monitor.core.expectations import ExpectationOptions
from monitor.core.model import COMPARE_GROUPS
from monitor.core.places import Place
from monitor.registry.catalogue import DEFAULT, about

from . import _cache
from ._base import (
    WatchlistError,
    item_line,
    key_line,
    kind,
    load_yaml,
    normalise_trial_id,
    parse_interval,
    parse_pause,
    read_text,
    value_line,
)
from ._expectations import parse_expectations
from ._fast import Unsure, fast_load, fast_read
from ._near import parse_near
from ._notify import parse_targets, parse_timezone
from ._searches import Search, parse_searches
from ._targets import Target

KNOWN_KEYS = (
    "interval", "timezone", "notify", "trials", "searches", "compare", "expectations", "backfill", "request_pause",
    "outage_after", "sweep", "keep_snapshots", "keep_days", "near",
)
TRIAL_KEYS = ("id", "label", "near")
DEFAULT_INTERVAL = 6 * 3600
DEFAULT_PAUSE = 1.0
DEFAULT_OUTAGE_AFTER = 3
DEFAULT_SWEEP = 7 * 86400  # a full re-fetch of every watched record, spread over the week's cycles
DEFAULT_KEEP_SNAPSHOTS = 10  # per trial; the current one is always kept
DEFAULT_KEEP_DAYS = 0  # 0: no age limit


@dataclass(frozen=True)
class TrialEntry:
    trial_id: str
    label: str | None = None
    registry: str = DEFAULT  # the registry whose id this is (ClinicalTrials.gov for every entry today)
    near: tuple[Place, ...] = ()  # this trial's own `near:` places, added to the watchlist's


@dataclass(frozen=True)
class Watchlist:
    path: Path
    interval_seconds: int
    targets: tuple[Target, ...]
    trials: tuple[TrialEntry, ...]
    compare: tuple[str, ...] = COMPARE_GROUPS
    request_pause: float = DEFAULT_PAUSE
    outage_after: int = DEFAULT_OUTAGE_AFTER
    sweep_seconds: int = DEFAULT_SWEEP  # 0: no periodic full sweep
    keep_snapshots: int = DEFAULT_KEEP_SNAPSHOTS  # 0: keep all
    keep_days: int = DEFAULT_KEEP_DAYS  # 0: no age limit
    timezone: str = "UTC"  # IANA name, for digest times
    searches: tuple[Search, ...] = ()
    everything: bool = False  # `trials: all`: every record in the registry
    backfill: bool = False  # fetch newly watched trials' past versions from the registry's history
    expectations: ExpectationOptions = ExpectationOptions()  # alerts that need no record update
    near: tuple[Place, ...] = ()  # `near:`: places whose sites opening or closing are told apart (site_near)
    warnings: tuple[str, ...] = ()  # what loads but looks wrong (no trials, an id listed twice), one line each

    @property
    def trial_ids(self) -> tuple[str, ...]:
        return tuple(t.trial_id for t in self.trials)


def load_watchlist(path: Path, env: Mapping[str, str] | None = None, *, cache: Path | None = None) -> Watchlist:
    """Read, check and return the watchlist; WatchlistError (one line, no secrets) when it is wrong.

    The file is read by libyaml first (``_fast``); when that cannot vouch for its values, or the
    watchlist is wrong or has warnings (whose lines only the round-trip loader knows), it is read the
    round-trip way, so every message is the same, line numbers and all. ``cache``: a folder where a
    large watchlist's trials are kept for the next read of the same text (``_cache``)."""
    path = Path(path)
    text = read_text(path)
    enabled = gc.isenabled()
    gc.disable()  # 100,000 entries are as many objects, none in a cycle: the collector would walk them all
    try:
        return _read(path, text, env, cache)
    finally:
        if enabled:
            gc.enable()


def _read(path: Path, text: str, env: Mapping[str, str] | None, cache: Path | None) -> Watchlist:
    """The watchlist in ``text``: as kept, else read fast, else read the round-trip way."""
    with contextlib.suppress(Unsure, WatchlistError):
        if (recalled := _cache.recall(cache, text)) is not None:
            shorter, entries = recalled
            watchlist = _checked(path, fast_load(shorter), env, tuple(TrialEntry(i, label) for i, label in entries))
            if not watchlist.warnings:
                return watchlist
    with contextlib.suppress(Unsure, WatchlistError):
        data, span = fast_read(text)
        watchlist = _checked(path, data, env)
        if not watchlist.warnings:
            if span is not None and cache is not None:
                _remember(cache, text, span, data, watchlist)
            return watchlist
    return _checked(path, load_yaml(path, text), env)


def _remember(cache: Path, text: str, span: tuple[int, int], data: Any, watchlist: Watchlist) -> None:
    """Keep the trials of a large watchlist, once the text without them reads as the rest of it."""
    if len(watchlist.trials) < _cache.LEAST or any(t.near for t in watchlist.trials):
        return
    with contextlib.suppress(Unsure):
        if fast_load(_cache.without_trials(text, span)) == {**data, "trials": []}:
            _cache.keep(cache, text, span, [(t.trial_id, t.label) for t in watchlist.trials])


def _checked(path: Path, data: Any, env: Mapping[str, str] | None,
             entries: tuple[TrialEntry, ...] | None = None) -> Watchlist:
    """The watchlist that the file's data says, checked (its trials as ``entries`` when they were kept)."""
    if data is None:  # an empty file (or only comments): nothing to watch yet
        data = {}
    if not isinstance(data, Mapping):
        raise WatchlistError(
            path, f"the top level must be a mapping of keys ({', '.join(KNOWN_KEYS)}), not {kind(data)}", 1
        )
    for key in data:
        if key not in KNOWN_KEYS:
            raise WatchlistError(
                path, f"unknown key '{key}' (known: {', '.join(KNOWN_KEYS)})", key_line(data, key)
            )

    def fail(message: str, line: int | None) -> WatchlistError:
        return WatchlistError(path, message, line)

    warnings: list[str] = []

    def warn(message: str, line: int | None) -> None:
        warnings.append(f"{path}:{line}: warning: {message}" if line else f"{path}: warning: {message}")

    def duration(key: str, parse: Any, default: Any, hint: str = "") -> Any:
        if data.get(key) is None:
            return default
        try:
            return parse(data[key])
        except ValueError as e:
            raise fail(f"{key}: {e}{hint}", value_line(data, key)) from None

    interval = duration("interval", parse_interval, DEFAULT_INTERVAL)
    pause = duration("request_pause", parse_pause, DEFAULT_PAUSE)
    everything = _everything(data)
    # watching the whole registry: a weekly sweep would re-fetch ~570,000 records, so it is opt-in
    sweep = duration("sweep", lambda raw: 0 if raw in (0, "0", "off", False) else parse_interval(raw),
                     0 if everything else DEFAULT_SWEEP, " (or 'off')")

    def whole(key: str, default: int, least: int, unit: str) -> int:
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            shown = f"'{value}'" if isinstance(value, (str, int, float)) else kind(value)
            raise fail(f"{key} must be a whole number of {unit}, {least} or more, not {shown}", value_line(data, key))
        return int(value)

    watchlist = Watchlist(
        path=path,
        interval_seconds=interval,
        targets=parse_targets(path, data, os.environ if env is None else env, fail, parse_timezone(data, fail)),
        trials=() if everything else entries if entries is not None else _trials(data, fail, warn),
        compare=_compare(data, fail),
        request_pause=pause,
        outage_after=whole("outage_after", DEFAULT_OUTAGE_AFTER, 1, "cycles"),
        sweep_seconds=sweep,
        keep_snapshots=whole("keep_snapshots", DEFAULT_KEEP_SNAPSHOTS, 0, "snapshots per trial"),
        keep_days=whole("keep_days", DEFAULT_KEEP_DAYS, 0, "days"),
        timezone=parse_timezone(data, fail),
        searches=parse_searches(data, fail),
        everything=everything,
        backfill=_switch(data, "backfill", fail),
        expectations=parse_expectations(data, fail),
        near=parse_near(data, fail, warn),
    )
    if not (watchlist.trials or watchlist.searches or watchlist.everything):
        warn("no trials to watch yet (add one with `trial-monitor add NCT…`)", None)
    return replace(watchlist, warnings=tuple(warnings))


def _switch(data: Any, key: str, fail: Any) -> bool:
    """An on/off key: true or false (absent: off)."""
    value = data.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        shown = f"'{value}'" if isinstance(value, (str, int, float)) else kind(value)
        raise fail(f"{key} must be true or false, not {shown}", value_line(data, key))
    return value


def _everything(data: Any) -> bool:
    """``trials: all`` watches every record in the registry."""
    value = data.get("trials")
    return isinstance(value, str) and value.strip().lower() == "all"


def _as_list(data: Any, key: str, what: str, fail: Any) -> list[tuple[Any, int | None]]:
    """The items of a list-valued key with their lines; a lone text counts as a one-item list."""
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [(value, value_line(data, key))]
    if not isinstance(value, list):
        raise fail(f"{key} must be a list of {what}, not {kind(value)}", value_line(data, key))
    where = key_line(data, key)
    if where is None:  # read fast (``_fast``): no line numbers to look up
        return [(item, None) for item in value]
    return [(item, item_line(value, i) or where) for i, item in enumerate(value)]


def _trials(data: Any, fail: Any, warn: Callable[[str, int | None], None]) -> tuple[TrialEntry, ...]:
    facts = about(DEFAULT)
    entries: dict[str, TrialEntry] = {}
    lines: dict[str, int | None] = {}
    for item, line in _as_list(data, "trials", "NCT ids", fail):
        label, near = None, ()
        raw = item
        if not isinstance(item, str) and isinstance(item, Mapping):  # (a str first: 100,000 ids, no ABC check each)
            for k in item:
                if k not in TRIAL_KEYS:
                    raise fail(
                        f"unknown key '{k}' in a trial entry (known: {', '.join(TRIAL_KEYS)})",
                        key_line(item, k) or line,
                    )
            if "id" not in item:
                raise fail("a trial entry written as a mapping needs an id: NCT…", line)
            raw, label = item["id"], item.get("label")
            if label is not None and not isinstance(label, (str, int, float)):
                raise fail(f"label must be text, not {kind(label)}", value_line(item, "label") or line)
            if label is not None:
                label = str(label).strip() or None
            near = parse_near(item, fail, warn, line)
            line = value_line(item, "id") or line
        if not isinstance(raw, str):
            raise fail(f"trial entries must be NCT ids, not {kind(raw)}", line)
        if facts.is_id(raw) and raw.isupper():  # written as the registry writes it (100,000 of them)
            trial_id = raw
        else:
            try:
                trial_id = normalise_trial_id(raw)
            except ValueError:
                raise fail(f"'{raw.strip()}' is not a valid {facts.id_name} ({facts.id_form})", line) from None
        if trial_id in entries:  # duplicates: the first one wins
            first = f" (first on line {lines[trial_id]})" if lines[trial_id] else ""
            warn(f"{trial_id} is listed twice{first}; it is watched once", line)
            continue
        entries[trial_id], lines[trial_id] = TrialEntry(trial_id, label, near=near), line
    return tuple(entries.values())


def _compare(data: Any, fail: Any) -> tuple[str, ...]:
    if data.get("compare") is None:
        return COMPARE_GROUPS
    groups: list[str] = []
    for item, line in _as_list(data, "compare", "groups", fail):
        name = item.strip().lower() if isinstance(item, str) else item
        if name not in COMPARE_GROUPS:
            shown = f"'{item}'" if isinstance(item, (str, int, float)) else kind(item)
            raise fail(f"compare: unknown group {shown} (known: {', '.join(COMPARE_GROUPS)})", line)
        if name not in groups:
            groups.append(name)
    if not groups:
        raise fail("compare is empty: leave it out to compare every group", key_line(data, "compare"))
    return tuple(groups)

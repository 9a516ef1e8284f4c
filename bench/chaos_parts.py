"""The chaos soak's parts: a registry failing at random in every way it can, a target down a third of the
time, changes made as the registry makes them (each with a new value of its own, so an alert can be
matched), and the matching of what the receiver got against what was changed. No daemon here
(``bench/chaos.py`` runs them)."""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from monitor.registry.ctgov.standin.edits import Edit, new_status, status_module
from monitor.registry.ctgov.standin.faults import Fault, FaultBook
from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.support.receivers import JsonMessage, JsonReceiver

FAULT_KINDS = ("503", "500", "429", "reset", "truncate", "hang")
STOPPED = ("SUSPENDED", "TERMINATED", "WITHDRAWN")
KINDS = ("status", "dates", "results", "sites", "enrollment")
PLACES = (("Lyon", "France"), ("Porto", "Portugal"), ("Leeds", "United Kingdom"), ("Graz", "Austria"))


# ------------------------------------------------------------------ the registry
@dataclass
class RandomFaults(FaultBook):
    """The stand-in's fault book, with a share of requests failing at random in every way the stand-in
    can fail them: 503 and 500, 429 with ``Retry-After: 1``, resets, truncated bodies and hangs longer
    than the client waits. Planned faults (``registry.fault``) still come first."""

    share: float = 0.0
    hang_seconds: float = 3.0
    picked: Counter[str] = field(default_factory=Counter)
    _chaos: random.Random = field(default_factory=random.Random)

    def start(self, share: float, seed: int) -> None:
        with self._lock:
            self.share, self._chaos = share, random.Random(seed)

    def take(self, path: str) -> Fault | None:
        planned = super().take(path)
        if planned is not None:
            return planned
        with self._lock:
            if self.share <= 0 or self._chaos.random() >= self.share:
                return None
            pick = self._chaos.choice(FAULT_KINDS)
            self.picked[pick] += 1
        if pick in ("503", "500"):
            return Fault("status", path="", status=int(pick))
        if pick == "429":
            return Fault("status", path="", status=429, retry_after=1)
        return Fault(pick, path="", delay=self.hang_seconds)


class ChaosRegistry(StandInRegistry):
    """The stand-in registry of the real records, with :class:`RandomFaults` as its fault book."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._faults: RandomFaults = RandomFaults()

    def chaos(self, share: float, seed: int = 0, *, hang_seconds: float = 3.0) -> None:
        """From now on ``share`` of all requests fail at random (0: none)."""
        self._faults.hang_seconds = hang_seconds
        self._faults.start(share, seed)

    @property
    def faults_picked(self) -> Counter[str]:
        return self._faults.picked


# ------------------------------------------------------------------ the target
class FlakyTarget:
    """Keeps a receiver down a third of the time (``share``), in spells of 1 to 3 s: answering 500 or
    503, or not listening at all (connection refused); up the rest of the time."""

    def __init__(self, receiver: JsonReceiver, *, share: float = 1 / 3, seed: int = 0,
                 spell: tuple[float, float] = (1.0, 3.0)) -> None:
        self.receiver, self.share, self.spell = receiver, share, spell
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.spells: Counter[str] = Counter()  # "500", "503", "unreachable", "up"
        self.seconds: Counter[str] = Counter()  # "up", "down"

    def start(self) -> FlakyTarget:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="flaky-target", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop flapping and leave the target up."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._up()

    @property
    def down_share(self) -> float:
        total = self.seconds["up"] + self.seconds["down"]
        return self.seconds["down"] / total if total else 0.0

    def _up(self) -> None:
        self.receiver.recover()
        self.receiver.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            down = self._rng.random() < self.share
            mode = self._rng.choice(("500", "503", "unreachable")) if down else "up"
            if mode == "unreachable":
                self.receiver.stop()
            elif down:
                self._up()
                self.receiver.fail_with(int(mode))
            else:
                self._up()
            self.spells[mode] += 1
            began = time.monotonic()
            self._stop.wait(self._rng.uniform(*self.spell))
            self.seconds["down" if down else "up"] += time.monotonic() - began


# ------------------------------------------------------------------ the changes
@dataclass
class Change:
    """One edit of one trial, recognised in an alert by its new value (``pattern``)."""

    number: int
    trial: str
    kind: str
    value: str
    pattern: re.Pattern[str]
    round: int
    made_at: float = field(default_factory=time.monotonic)

    def told_in(self, text: str) -> bool:
        return bool(self.pattern.search(text))


def kinds_for(study: dict[str, Any]) -> list[str]:
    """The kinds of change this record can take (dates need a primary completion, results a measurement)."""
    kinds = ["status", "sites", "enrollment"]
    if "primaryCompletionDateStruct" in status_module(study):
        kinds.append("dates")
    if _measurement(study) is not None:
        kinds.append("results")
    return kinds


def change_of(kind: str, number: int, trial: str, round_: int, rng: random.Random) -> tuple[Change, Edit]:
    """The edit of ``kind`` that change ``number`` makes, and the change it is (its new value, how it is told)."""
    if kind == "enrollment":
        count = 20_000 + number
        value, pattern = str(count), rf"→ {count} participants"

        def edit(study: dict[str, Any]) -> None:
            design = study["protocolSection"].setdefault("designModule", {})
            kept = (design.get("enrollmentInfo") or {}).get("type", "ESTIMATED")
            design["enrollmentInfo"] = {"count": count, "type": kept}
    elif kind == "dates":
        value = (date(2030, 1, 1) + timedelta(days=number)).isoformat()  # later with every change
        pattern = rf"→ {value}\b"

        def edit(study: dict[str, Any]) -> None:
            module = status_module(study)
            kept = module["primaryCompletionDateStruct"].get("type", "ESTIMATED")
            module["primaryCompletionDateStruct"] = {"date": value, "type": kept}
    elif kind == "status":
        value = f"chaos review {number}"
        pattern = rf"{value}”(?! →)"  # the new reason, not the old one of a later change

        def edit(study: dict[str, Any]) -> None:
            current = status_module(study).get("overallStatus")
            moved = rng.choice([s for s in STOPPED if s != current])
            new_status(moved, verified=date(2026, 12, 1), why_stopped=value)(study)
    elif kind == "sites":
        value = f"Chaos Site {number}"
        pattern = rf"{value}\b"
        city, country = PLACES[number % len(PLACES)]

        def edit(study: dict[str, Any]) -> None:
            places = study["protocolSection"].setdefault("contactsLocationsModule", {})
            places.setdefault("locations", []).append(
                {"facility": value, "status": "RECRUITING", "city": city, "country": country})
    elif kind == "results":
        value = f"{1000 + number}.5"
        pattern = rf"→[^\n]*\b{re.escape(value)}\b"

        def edit(study: dict[str, Any]) -> None:
            measurement = _measurement(study)
            assert measurement is not None
            measurement["value"] = value
    else:
        raise ValueError(f"unknown kind of change {kind!r}; expected one of {', '.join(KINDS)}")
    return Change(number, trial, kind, value, re.compile(pattern), round_), edit


def _measurement(study: dict[str, Any]) -> dict[str, Any] | None:
    """The first primary outcome's first measurement, when the record has posted results."""
    measures = (study.get("resultsSection") or {}).get("outcomeMeasuresModule", {}).get("outcomeMeasures", [])
    for measure in measures:
        if measure.get("type") != "PRIMARY":
            continue
        for group in measure.get("classes", []):
            for category in group.get("categories", []):
                for measurement in category.get("measurements", []):
                    if "value" in measurement:
                        return measurement
    return None


# ------------------------------------------------------------------ matching
@dataclass
class Matched:
    lost: list[Change] = field(default_factory=list)
    duplicates: int = 0  # messages that told a change already told
    duplicates_by_id: int | None = None  # the same, counting one message per alert id (None: no alert id)
    alert_ids: str = "absent"  # present | absent | partly present
    out_of_order: int = 0  # changes told before an earlier change of the same trial
    overtaken: int = 0  # changes told before a change of an earlier round (any trial): the target's order
    latency_max: float = 0.0
    latency_median: float = 0.0
    lost_detail: list[str] = field(default_factory=list)


def alert_id_of(message: JsonMessage) -> Any:
    return message.json.get("alert_id") if isinstance(message.json, dict) else None


def match(changes: Sequence[Change], messages: Sequence[JsonMessage]) -> Matched:
    """Every change against the messages accepted (in the order they arrived)."""
    by_trial: dict[str, list[Change]] = {}
    for change in changes:
        by_trial.setdefault(change.trial, []).append(change)
    told: dict[int, list[int]] = {change.number: [] for change in changes}  # change -> message positions
    ids = [alert_id_of(m) for m in messages]
    for position, message in enumerate(messages):
        text = f"{message.title or ''}\n{message.message or ''}"
        for trial, theirs in by_trial.items():
            if trial in text:
                for change in theirs:
                    if change.told_in(text):
                        told[change.number].append(position)
    out = Matched()
    present = sum(1 for i in ids if i is not None)
    out.alert_ids = "absent" if not present else ("present" if present == len(ids) else "partly present")
    out.lost = [c for c in changes if not told[c.number]]
    out.lost_detail = [f"#{c.number} {c.trial} {c.kind} → {c.value} (round {c.round})" for c in out.lost]
    out.duplicates = sum(len(p) - 1 for p in told.values() if p)
    if out.alert_ids == "present":
        out.duplicates_by_id = sum(len({ids[i] for i in p}) - 1 for p in told.values() if p)
    first = {number: positions[0] for number, positions in told.items() if positions}
    for theirs in by_trial.values():
        latest = -1
        for change in sorted(theirs, key=lambda c: c.number):
            if change.number not in first:
                continue
            if first[change.number] < latest:
                out.out_of_order += 1
            latest = max(latest, first[change.number])
    rounds: dict[int, list[int]] = {}
    for change in changes:
        if change.number in first:
            rounds.setdefault(change.round, []).append(first[change.number])
    latest = -1
    for round_ in sorted(rounds):
        out.overtaken += sum(1 for position in rounds[round_] if position < latest)
        latest = max(latest, *rounds[round_])
    delays = sorted(messages[first[c.number]].time - c.made_at for c in changes if c.number in first)
    if delays:
        out.latency_max, out.latency_median = delays[-1], delays[len(delays) // 2]
    return out

"""N synthetic trials built from the real fixtures, a few bytes each: the stand-in at registry scale.

``SyntheticStudies(n)`` presents trials ``NCT10000000 … NCT1000000{n-1}`` (never a fixture id).
Trial ``i`` is the fixture record ``templates[i % len(templates)]`` with its own

    nctId, briefTitle (" (synthetic #i)"), overallStatus, enrollmentInfo.count,
    lastUpdatePostDateStruct (+ lastUpdateSubmitDate, the day before), primaryCompletionDateStruct

kept in compact arrays (about 14 bytes a trial: 570,000 trials take ~8 MB). A full record is
built only when it is served, by copying the handful of dicts on the paths above and sharing
everything else with the template: such a record is read-only (the registry deep-copies before
anything may change it).

Initial values are seeded: the status and enrollment of the template (enrollment jittered), a
last update within the five years up to ``start_date``, a primary completion within -2/+3 years
of it. :meth:`mutate`, :meth:`touch` and :meth:`mutate_share` change trials between checks.

Records given to :meth:`put` (fixtures, or a synthetic trial the registry's ``update`` /
``alias`` rewrote) live in a small overlay of full JSON that hides the synthetic trial of the
same id; :meth:`remove` hides one. Queries are answered from the arrays: ``filter.ids`` by index
arithmetic, the ``filter.advanced`` date ranges and ``filter.overallStatus`` by one scan of the
arrays (~40 ms at 570,000), other date areas and ``query.cond/intr/spons`` once per template;
only ``query.term`` builds every candidate record (slow at scale, exact).
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import functools
import random
import threading
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, overload

from monitor.registry.ctgov.standin import query as q
from monitor.registry.ctgov.standin.fixtures import FIXTURES_DIR, fixture_studies
from monitor.registry.ctgov.standin.store import key_of

BASE = 10_000_000  # NCT10000000 is trial 0; fixture ids are all NCT0xxxxxxx
MAX_TRIALS = 90_000_000  # keeps every id at 8 digits
STATUS_LIST = tuple(sorted(q.STATUSES))
_STATUS_INDEX = {s: i for i, s in enumerate(STATUS_LIST)}
# mutate(): where a status moves next (always somewhere else)
NEXT_STATUS = {
    "NOT_YET_RECRUITING": "RECRUITING", "RECRUITING": "ACTIVE_NOT_RECRUITING",
    "ENROLLING_BY_INVITATION": "ACTIVE_NOT_RECRUITING", "ACTIVE_NOT_RECRUITING": "COMPLETED",
    "COMPLETED": "TERMINATED", "TERMINATED": "COMPLETED", "SUSPENDED": "RECRUITING",
    "WITHDRAWN": "NOT_YET_RECRUITING", "UNKNOWN": "COMPLETED", "AVAILABLE": "NO_LONGER_AVAILABLE",
    "NO_LONGER_AVAILABLE": "AVAILABLE", "TEMPORARILY_NOT_AVAILABLE": "AVAILABLE",
    "APPROVED_FOR_MARKETING": "NO_LONGER_AVAILABLE", "WITHHELD": "AVAILABLE",
}
_LUPD = q.DATE_AREAS["lastupdatepostdate"]
_LUSD = q.DATE_AREAS["lastupdatesubmitdate"]
_PCD = q.DATE_AREAS["primarycompletiondate"]
_ORD_MIN, _ORD_MAX = dt.date.min.toordinal(), dt.date.max.toordinal()


@functools.lru_cache(maxsize=8)
def fixture_templates(directory: Path | None = None) -> tuple[dict[str, Any], ...]:
    """The full fixture records, without ``nctIdAliases`` (a synthetic trial has none). Shared: read-only."""
    out = []
    for st in fixture_studies(directory or FIXTURES_DIR):
        st = copy.deepcopy(st)
        st["protocolSection"]["identificationModule"].pop("nctIdAliases", None)
        out.append(st)
    return tuple(out)


def _iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


def _as_date(value: str | dt.date | None) -> dt.date:
    if value is None:
        return dt.date.today()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _first_true(pred: Any) -> int:
    """Smallest ordinal where a monotonic (False…True) predicate on the ISO date holds."""
    return bisect.bisect_left(range(_ORD_MIN, _ORD_MAX + 1), True, key=lambda o: pred(_iso(o))) + _ORD_MIN


def ordinal_bounds(lo: str | None, hi: str | None) -> tuple[int, int]:
    """[a, b) of date ordinals whose ISO date passes :func:`q.in_range` (exactly, for partial bounds too)."""
    a = _ORD_MIN if lo is None else _first_true(lambda v: v >= lo)
    b = _ORD_MAX + 1 if hi is None else _first_true(lambda v: not v[: len(hi)] <= hi)
    return a, b


class IdSequence(Sequence[str]):
    """Sorted numeric ids (a range or an array) read as ``NCT%08d`` keys; slicing is cheap."""

    def __init__(self, numbers: Sequence[int]) -> None:
        self.numbers = numbers

    def __len__(self) -> int:
        return len(self.numbers)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [f"NCT{n:08d}" for n in self.numbers[index]]
        return f"NCT{self.numbers[index]:08d}"


class SyntheticStudies:
    """A :class:`monitor.registry.ctgov.standin.store.StudyStore` of ``n`` trials materialised on demand."""

    def __init__(self, n: int, seed: int = 0, start_date: str | dt.date = "2026-01-01",
                 templates: Sequence[dict[str, Any]] | None = None) -> None:
        if not 0 <= n <= MAX_TRIALS:
            raise ValueError(f"n must be within [0, {MAX_TRIALS}]")
        self.n, self.seed = n, seed
        self.start_date = _as_date(start_date)
        self.templates = tuple(templates) if templates is not None else fixture_templates()
        if not self.templates:
            raise ValueError("no templates")
        self.generation = 0
        self.lock = threading.RLock()
        self._titles = [str(q.dig(t, ("protocolSection", "identificationModule", "briefTitle")) or "")
                        for t in self.templates]
        rnd = random.Random(seed).random
        start, nt = self.start_date.toordinal(), len(self.templates)
        t_status = [_STATUS_INDEX.get(str(q.dig(t, ("protocolSection", "statusModule", "overallStatus"))),
                                      _STATUS_INDEX["UNKNOWN"]) for t in self.templates]
        t_enrol = [q.dig(t, ("protocolSection", "designModule", "enrollmentInfo", "count")) for t in self.templates]
        t_enrol = [e if isinstance(e, int) else 0 for e in t_enrol]
        self.status = array("B", (t_status[i % nt] for i in range(n)))
        self.enrollment = array("i", (t_enrol[i % nt] + int(rnd() * 50) for i in range(n)))
        self.updated = array("i", (start - int(rnd() * 1826) for _ in range(n)))  # lastUpdatePostDate
        self.completion = array("i", (u + int(rnd() * 1826) - 730 for u in self.updated))  # primary completion
        self.hidden = bytearray(n)  # 1: removed, or replaced by an overlay record
        self._hidden_count = 0
        self._overlay: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------ ids
    def nct_id(self, i: int) -> str:
        return f"NCT{BASE + i:08d}"

    def ids(self) -> IdSequence:
        """The synthetic trial ids (all n, whatever was hidden since), in order."""
        return IdSequence(range(BASE, BASE + self.n))

    def index(self, ref: int | str) -> int:
        """Trial index of ``ref`` (an index or an NCT id); KeyError if it is not a synthetic trial."""
        i = ref if isinstance(ref, int) else int(q.normalize_id(ref)[3:]) - BASE
        if not 0 <= i < self.n:
            raise KeyError(ref)
        return i

    def _visible(self, key: str) -> int | None:
        num = int(key[3:]) - BASE
        return num if 0 <= num < self.n and not self.hidden[num] else None

    # ------------------------------------------------------------ StudyStore
    def __len__(self) -> int:
        return self.n - self._hidden_count + len(self._overlay)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self._overlay or self._visible(key) is not None)

    def keys(self) -> list[str]:
        with self.lock:
            return list(self.select({}))

    def get(self, key: str) -> dict[str, Any] | None:
        with self.lock:
            if key in self._overlay:
                return self._overlay[key]
            i = self._visible(key)
            return None if i is None else self.build(i)

    def by_alias(self, key: str) -> dict[str, Any] | None:
        with self.lock:  # synthetic trials carry no aliases
            return next((s for s in self._overlay.values()
                         if key in {q.canonical_key(a) for a in q.aliases_of(s)}), None)

    def put(self, study: dict[str, Any]) -> None:
        key = key_of(study)
        with self.lock:
            self._hide(key)
            self._overlay[key] = copy.deepcopy(study)
            self.generation += 1

    def remove(self, key: str) -> None:
        with self.lock:
            if key in self._overlay:
                del self._overlay[key]
            elif self._visible(key) is not None:
                self._hide(key)
            else:
                raise KeyError(key)
            self.generation += 1

    def _hide(self, key: str) -> None:
        i = self._visible(key)
        if i is not None:
            self.hidden[i] = 1
            self._hidden_count += 1

    # ------------------------------------------------------------ records
    def build(self, i: int) -> dict[str, Any]:
        """Trial ``i`` as a full v2 record; subtrees other than the overridden ones are the template's."""
        t = self.templates[i % len(self.templates)]
        root = dict(t)
        ps = root["protocolSection"] = dict(t["protocolSection"])
        ident = ps["identificationModule"] = dict(ps["identificationModule"])
        ident["nctId"] = self.nct_id(i)
        ident["briefTitle"] = f"{self._titles[i % len(self.templates)]} (synthetic #{i})"
        sm = ps["statusModule"] = dict(ps.get("statusModule") or {})
        sm["overallStatus"] = STATUS_LIST[self.status[i]]
        upd, pcd = self.updated[i], self.completion[i]
        sm["primaryCompletionDateStruct"] = {"date": _iso(pcd), "type": "ACTUAL" if pcd <= upd else "ESTIMATED"}
        sm["lastUpdateSubmitDate"] = _iso(upd - 1)
        sm["lastUpdatePostDateStruct"] = {"date": _iso(upd), "type": "ACTUAL"}
        dm = ps["designModule"] = dict(ps.get("designModule") or {})
        dm["enrollmentInfo"] = {**(dm.get("enrollmentInfo") or {}), "count": self.enrollment[i]}
        return root

    def state_bytes(self) -> int:
        """Bytes held per trial (the arrays), excluding the shared templates and the overlay."""
        arrays = (self.status, self.enrollment, self.updated, self.completion)
        return sum(a.itemsize * len(a) for a in arrays) + len(self.hidden)

    # ------------------------------------------------------------ changes
    def mutate(self, ref: int | str, *, status: str | None = None, enrollment: int | None = None,
               primary_completion: str | dt.date | None = None, date: str | dt.date | None = None) -> str:
        """Change trial ``ref`` and set its lastUpdatePostDate to ``date`` (default: today).

        With none of status / enrollment / primary_completion given, the status moves on
        (:data:`NEXT_STATUS`) and the enrollment grows by 1-7: a change any monitor should see.
        """
        with self.lock:
            i = self.index(ref)
            key = self.nct_id(i)
            if status is None and enrollment is None and primary_completion is None:
                status = NEXT_STATUS.get(STATUS_LIST[self.status[i]], "COMPLETED")
                enrollment = self.enrollment[i] + 1 + i % 7
            if status is not None and status not in _STATUS_INDEX:
                raise ValueError(f"unknown status {status!r}")
            day = _as_date(date)
            if self.hidden[i]:  # replaced by an overlay record (or removed: KeyError)
                self._mutate_overlay(key, status, enrollment, primary_completion, day)
            else:
                if status is not None:
                    self.status[i] = _STATUS_INDEX[status]
                if enrollment is not None:
                    self.enrollment[i] = enrollment
                if primary_completion is not None:
                    self.completion[i] = _as_date(primary_completion).toordinal()
                self.updated[i] = day.toordinal()
            self.generation += 1
            return key

    def _mutate_overlay(self, key: str, status: str | None, enrollment: int | None,
                        completion: str | dt.date | None, day: dt.date) -> None:
        st = self._overlay[key]
        sm = st["protocolSection"].setdefault("statusModule", {})
        if status is not None:
            sm["overallStatus"] = status
        if enrollment is not None:
            st["protocolSection"].setdefault("designModule", {}).setdefault("enrollmentInfo", {})["count"] = enrollment
        if completion is not None:
            sm["primaryCompletionDateStruct"] = {"date": _as_date(completion).isoformat(), "type": "ACTUAL"}
        sm["lastUpdatePostDateStruct"] = {"date": day.isoformat(), "type": "ACTUAL"}

    def touch(self, refs: Iterable[int | str], date: str | dt.date | None = None) -> list[str]:
        """Set lastUpdatePostDate to ``date`` (default today) without changing anything else."""
        day = _as_date(date)
        out = []
        with self.lock:
            for ref in refs:
                i = self.index(ref)
                if self.hidden[i]:
                    self._mutate_overlay(self.nct_id(i), None, None, None, day)
                else:
                    self.updated[i] = day.toordinal()
                out.append(self.nct_id(i))
            self.generation += 1
        return out

    def mutate_share(self, share: float, *, date: str | dt.date | None = None, seed: int | None = None) -> list[str]:
        """:meth:`mutate` ``round(share * n)`` distinct visible trials picked at random; their ids, sorted."""
        with self.lock:
            visible = [i for i in range(self.n) if not self.hidden[i]] if self._hidden_count else range(self.n)
            k = min(len(visible), round(share * self.n))
            picked = sorted(random.Random(self.seed if seed is None else seed).sample(visible, k))
            return [self.mutate(i, date=date) for i in picked]

    # ------------------------------------------------------------ queries
    def select(self, params: Mapping[str, str] | q.Filters) -> Sequence[str]:
        f = params if isinstance(params, q.Filters) else q.parse_filters(params)
        with self.lock:
            extra = [int(key_of(s)[3:]) for s in q.select(self._overlay.values(), f)]
            idx = self._select_synthetic(f)
        if isinstance(idx, range) and not extra:
            return IdSequence(range(BASE + idx.start, BASE + idx.stop))
        nums = [BASE + i for i in idx]
        if extra:
            nums = sorted(nums + extra)
        return IdSequence(array("i", nums))

    def _select_synthetic(self, f: q.Filters) -> Sequence[int]:
        idx: Sequence[int]
        if f.ids is not None:
            idx = sorted(i for i in (self._visible(k) for k in f.ids) if i is not None)
        else:
            idx = range(self.n)
        nt = len(self.templates)
        templates_ok = set(range(nt))
        for path, lo, hi in f.ranges:
            column = {_LUPD: (self.updated, 0), _LUSD: (self.updated, -1), _PCD: (self.completion, 0)}.get(path)
            if column is None:  # not overridden: the template's value decides
                templates_ok &= {j for j, t in enumerate(self.templates) if q.in_range(q.dig(t, path), lo, hi)}
                continue
            arr, shift = column
            a, b = ordinal_bounds(lo, hi)
            a, b = a - shift, b - shift
            if isinstance(idx, range) and idx == range(self.n):
                idx = [i for i, d in enumerate(arr) if a <= d < b]
            else:
                idx = [i for i in idx if a <= arr[i] < b]
        if f.statuses is not None:
            ok = {_STATUS_INDEX[s] for s in f.statuses}
            status = self.status
            idx = [i for i in idx if status[i] in ok]
        cheap = {k: v for k, v in f.queries.items() if k != "query.term"}
        if cheap:
            templates_ok &= {j for j, t in enumerate(self.templates) if q.matches_queries(t, cheap)}
        if len(templates_ok) < nt:
            idx = [i for i in idx if i % nt in templates_ok]
        if self._hidden_count:
            hidden = self.hidden
            idx = [i for i in idx if not hidden[i]]
        if "query.term" in f.queries:  # the whole record is searched: build each candidate
            term = {"query.term": f.queries["query.term"]}
            idx = [i for i in idx if q.matches_queries(self.build(i), term)]
        return idx

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

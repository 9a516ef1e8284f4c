"""A local stand-in for the ClinicalTrials.gov API v2, served over real HTTP on 127.0.0.1.

Usage in tests::

    with StandInRegistry(fixture_studies()) as reg:
        env["MONITOR_CTGOV_URL"] = reg.base_url          # http://127.0.0.1:PORT/api/v2
        reg.update("NCT02513394", lambda s: ...)          # change a record between runs
        reg.revise({"NCT02513394": edits.slip(6)})        # ... or as the registry does: posted, refreshed
        reg.fault("status", status=429, retry_after=2)    # next /studies request gets a 429
        reg.at_request(2, reg.refresh)                    # a refresh lands as the 2nd /studies page is asked
        assert reg.count("/studies") == 1

At scale (100k+ trials, a few bytes each, records built when served)::

    with StandInRegistry.synthetic(100_000) as reg:       # NCT10000000 … NCT10099999
        reg.rate_limit(60)                                # 60 requests a minute, then 429
        reg.latency(0.05)                                 # 50 ms before each answer
        reg.churn(3000, among=range(5000, 100_000))       # every refresh posts 3,000 others' updates
        changed = reg.store.mutate_share(0.01)            # 1 % of trials change today
        reg.refresh()

Beside it: filtering, ``fields`` and paging (``query``); studies kept (``store``, ``synthetic``); ``faults``;
the rate limit (``limits``); edits as the registry makes them (``edits``); churn, changes at a chosen request
and page tokens of a data version (``timeline``). Search is a simplified Essie.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from monitor.registry.ctgov.standin import answers
from monitor.registry.ctgov.standin import query as q
from monitor.registry.ctgov.standin.edits import Edit, applied, posted
from monitor.registry.ctgov.standin.faults import Fault, FaultBook
from monitor.registry.ctgov.standin.fixtures import (
    FIXTURES_DIR,
    fixture_histories,
    fixture_studies,
    load_fixture,
)
from monitor.registry.ctgov.standin.limits import RateLimiter
from monitor.registry.ctgov.standin.server import (
    Handler,
    Reply,
    RequestRecord,
    Served,
    dumpb,
    json_reply,
    text_reply,
)
from monitor.registry.ctgov.standin.store import DictStore, StudyStore
from monitor.registry.ctgov.standin.timeline import Churn, Cues, next_day, token_key

__all__ = ["FIXTURES_DIR", "RequestRecord", "StandInRegistry", "fixture_histories", "fixture_studies", "load_fixture"]


class StandInRegistry(Served):
    """Threaded HTTP stand-in for ``/api/v2`` plus the internal ``/api/int`` history endpoints."""

    def __init__(self, studies: Iterable[dict[str, Any]] = (), data_timestamp: str = "2026-11-20T09:00:05",
                 api_version: str = "2.0.5", *, host: str = "127.0.0.1", port: int = 0,
                 histories: Mapping[str, dict[str, Any]] | None = None, store: StudyStore | None = None) -> None:
        """``studies`` are put into ``store`` (default: a fresh :class:`DictStore` of full records)."""
        self.data_timestamp = data_timestamp
        self.api_version = api_version
        self.host, self.port = host, port  # port 0 = pick a free one; kept across stop()/start()
        self.errors: list[str] = []  # tracebacks of stand-in bugs (answered as 500)
        self._lock = threading.RLock()
        self._store: StudyStore = DictStore() if store is None else store
        self._selections: OrderedDict[tuple[int, str], Sequence[str]] = OrderedDict()  # (generation, query)
        self._limiter: RateLimiter | None = None
        self._latency = 0.0
        self._histories = {q.normalize_id(k): v for k, v in
                           (fixture_histories() if histories is None else histories).items()}
        self._log: list[RequestRecord] = []
        self._faults = FaultBook()
        self._churn: Churn | None = None
        self._cues = Cues()
        self.expire_tokens = False  # True: a page token of older data is refused (HTTP 400) after a refresh
        self.max_page_size = q.MAX_PAGE_SIZE  # records a listing page holds at most, whatever pageSize asks
        self.churned: list[str] = []  # the trials the last refresh's churn touched
        self._stopping = threading.Event()
        for st in studies:
            self.put(st)

    @classmethod
    def synthetic(cls, n: int, seed: int = 0, start_date: str | dt.date = "2026-01-01",
                  studies: Iterable[dict[str, Any]] = (), **kwargs: Any) -> StandInRegistry:
        """A registry of ``n`` :class:`~.synthetic.SyntheticStudies` (plus ``studies``)."""
        from monitor.registry.ctgov.standin.synthetic import SyntheticStudies

        return cls(studies, store=SyntheticStudies(n, seed=seed, start_date=start_date), **kwargs)

    @property
    def store(self) -> StudyStore:
        """Where the studies live; a :class:`SyntheticStudies` has ``mutate``/``touch``/``mutate_share``."""
        return self._store

    # ------------------------------------------------------------ where it listens (start/stop: Served)
    @property
    def base_url(self) -> str:
        return f"{self.root_url}/api/v2"

    # ------------------------------------------------------------ data
    def put(self, study: dict[str, Any]) -> None:
        """Store (a deep copy of) ``study`` under its nctId, replacing any previous version."""
        if q.canonical_key(q.nct_id_of(study)) is None:
            raise ValueError("study has no valid protocolSection.identificationModule.nctId")
        with self._lock:
            self._store.put(study)

    def get(self, nct_id: str) -> dict[str, Any]:
        with self._lock:
            study = self._store.get(q.normalize_id(nct_id))
            if study is None:
                raise KeyError(nct_id)
            return copy.deepcopy(study)

    def ids(self) -> list[str]:
        with self._lock:
            return self._store.keys()

    def update(self, nct_id: str, fn: Callable[[dict[str, Any]], dict[str, Any] | None]) -> None:
        """``fn`` mutates a deep copy (or returns a replacement), which is then stored."""
        with self._lock:
            key = q.normalize_id(nct_id)
            study = self.get(key)
            result = fn(study)
            new = study if result is None else result
            if q.canonical_key(q.nct_id_of(new)) is None:
                raise ValueError("update() left the study without a valid nctId")
            self._store.remove(key)
            self.put(new)

    def remove(self, nct_id: str) -> None:
        with self._lock:
            self._store.remove(q.normalize_id(nct_id))

    def alias(self, old_id: str, new_id: str) -> None:
        """Re-register: the study stored as ``old_id`` is served as ``new_id``, with ``old_id`` in
        its ``nctIdAliases`` (filter.ids=old returns it as new; GET /studies/old -> 301)."""
        with self._lock:
            old, new = q.normalize_id(old_id), q.normalize_id(new_id)
            if new in self._store:
                raise ValueError(f"{new} already exists")
            study = self.get(old)
            self._store.remove(old)
            ident = study["protocolSection"]["identificationModule"]
            ident["nctId"] = new
            ident["nctIdAliases"] = [*ident.get("nctIdAliases", []), old]
            self._store.put(study)

    def refresh(self, timestamp: str | None = None) -> str:
        """Bump ``dataTimestamp`` (default: +1 day) and return the new value; the churn (if set) posts its
        share of other trials' updates with the new day."""
        with self._lock:
            self.data_timestamp = timestamp = timestamp or next_day(self.data_timestamp)
            day = dt.date.fromisoformat(timestamp[:10])
            self.churned = self._churn.apply(self._store, day) if self._churn is not None else []
            return timestamp

    def churn(self, count: int, *, among: Sequence[int | str] | None = None, seed: int = 0) -> None:
        """From now on every refresh also updates ``count`` other trials (picked at random from ``among``:
        synthetic trial indices or ids; default every synthetic trial), dated the refresh's day, as the
        real registry posts a few thousand updates a refresh day. A synthetic store only; 0 stops it."""
        if count and not hasattr(self._store, "touch"):
            raise TypeError("churn needs a store that can touch its trials (StandInRegistry.synthetic)")
        with self._lock:
            self._churn = Churn(count, among, seed) if count else None

    def at_request(self, nth: int, action: Callable[[], object], *, path: str = "/api/v2/studies") -> None:
        """Run ``action`` just before answering the ``nth`` request from now whose path contains ``path``
        (e.g. ``lambda: reg.revise(...)``: a refresh that lands while a check is paging)."""
        self._cues.add(nth, action, path)

    def revise(self, edits: Mapping[str, Edit], timestamp: str | None = None) -> str:
        """The registry's next refresh with these studies changed as it changes them (:mod:`.edits`), all
        at once: each posted on the new data date, ``/version`` moved to it (default: +1 day)."""
        with self._lock:
            stamp = self.refresh(timestamp)
            day = dt.date.fromisoformat(stamp[:10])
            for nct_id, edit in edits.items():
                self.update(nct_id, lambda study, edit=edit: posted(applied(edit, study), day))  # type: ignore[misc]
            return stamp

    def set_history(self, nct_id: str, doc: dict[str, Any] | None) -> None:
        """Serve ``doc`` (shaped like int-history/*.json) for the internal history endpoints."""
        with self._lock:
            if doc is None:
                self._histories.pop(q.normalize_id(nct_id), None)
            else:
                self._histories[q.normalize_id(nct_id)] = copy.deepcopy(doc)

    # ------------------------------------------------------------ request log
    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log)

    def count(self, path_suffix: str | None = None) -> int:
        """Requests received whose path ends with ``path_suffix`` (all requests if None)."""
        with self._lock:
            return sum(1 for r in self._log if path_suffix is None or r.path.rstrip("/").endswith(path_suffix))

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    # ------------------------------------------------------------ rate limit and latency
    def rate_limit(self, per_minute: int | None, *, burst: int | None = None) -> RateLimiter | None:
        """Answer 429 (no Retry-After) once a client exceeds ``per_minute`` (token bucket of
        ``burst``, default ``per_minute``); ``None`` or 0 turns the limit off. See :attr:`throttled`."""
        with self._lock:
            self._limiter = RateLimiter(per_minute, burst) if per_minute else None
            return self._limiter

    @property
    def throttled(self) -> int:
        """429s sent by the rate limit since it was last set (fault-injected 429s not included)."""
        with self._lock:
            return self._limiter.throttled if self._limiter else 0

    def latency(self, seconds: float) -> None:
        """Wait ``seconds`` before each answer (0: answer at once); stop() cuts the wait short."""
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        with self._lock:
            self._latency = float(seconds)

    # ------------------------------------------------------------ faults
    def fault(self, kind: str, *, path: str = "/studies", times: int | None = 1, status: int = 503,
              retry_after: int | float | str | None = None, delay: float = 3600.0,
              mutate: Callable[[dict[str, Any]], None] | None = None, **odd: Any) -> Fault:
        """Inject ``kind`` into the next ``times`` requests whose path contains ``path`` (None: all).

        status      answer ``status`` (text/plain), with ``Retry-After: retry_after`` if given
                    (int/float -> seconds, str -> sent as is, e.g. an HTTP-date)
        truncate    200 with the full Content-Length, half the body, then FIN
        reset       read the request, then RST (SO_LINGER 0) without answering
        hang        read the request, answer normally after ``delay`` s; cut (FIN) on stop()
        garbage     200 application/json with a non-JSON body
        empty_page  /api/v2/studies only: {"studies": [], "nextPageToken": <same offset>}
        bad_shape   study endpoints: each served study passes through ``mutate`` (default:
                    overallStatus = 42) on a copy; the stored record is untouched
        endless_token, twice, total_drift, bad_utf8, huge, huge_declared, trickle: answers.py (size, pace, drift)
        """
        extra = {} if mutate is None else {"mutate": mutate}
        return self._faults.add(Fault(kind, path, times, status, retry_after, delay, **extra, **odd))

    def fail_rate(self, p: float, seed: int | None = 0, *, path: str = "") -> None:
        """Each request (path containing ``path``) fails with probability p: 503, 429 or reset."""
        self._faults.set_rate(p, seed, path)

    def clear_faults(self) -> None:
        self._faults.clear()

    # ------------------------------------------------------------ serving (handler threads)
    def _serve(self, h: Handler) -> None:
        parts = urlsplit(h.path)
        rec = RequestRecord(h.command, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)))
        with self._lock:
            limiter, latency = self._limiter, self._latency
        if limiter is not None and not limiter.allow(str(h.client_address[0])):
            rec.fault, rec.status = "rate_limit", 429
            with self._lock:
                self._log.append(rec)
            if not latency or not self._stopping.wait(latency):
                h.send(text_reply(429, "Too Many Requests"))  # like the live API: no Retry-After
            return
        for action in self._cues.due(parts.path):
            action()
        fault = self._faults.take(parts.path)
        rec.fault = fault.kind if fault else None
        logged = False
        if fault is not None and fault.kind in ("reset", "hang"):
            with self._lock:  # logged on arrival: the client may never get an answer
                self._log.append(rec)
            logged = True
            if fault.kind == "reset" or self._stopping.wait(fault.delay):
                h.abort(reset=fault.kind == "reset")
                return
        if fault is not None and fault.kind == "status":
            retry = fault.retry_after_header()
            extra = {"Retry-After": retry} if retry else {}
            reply = text_reply(fault.status, f"{fault.status} stand-in fault", **extra)
        elif fault is not None and fault.kind == "garbage":
            reply = Reply(200, b"<html><body>upstream hiccup</body></html>\n{\"studies\": [")
        else:
            try:
                reply = self._route(h.command, parts.path, rec.params, parts.query, fault)
                reply = answers.rewritten(self, reply, fault, rec.params)
            except Exception:  # a stand-in bug: keep serving, make it visible to the test
                self.errors.append(traceback.format_exc())
                reply = text_reply(500, "stand-in internal error")
        rec.status, rec.size = reply.status, len(reply.body)
        if not logged:  # logged before answering, so a client that got the answer sees the count
            with self._lock:
                self._log.append(rec)
        if latency and self._stopping.wait(latency):
            h.abort(reset=False)  # stop() during the delay
            return
        if not answers.sent(h, reply, fault, self._stopping, rec):
            h.send(reply, truncate=fault is not None and fault.kind == "truncate")

    def _route(self, method: str, path: str, params: dict[str, str], raw_query: str, fault: Fault | None) -> Reply:
        if method != "GET":
            return text_reply(405, "Method Not Allowed", Allow="GET")
        p = path.rstrip("/")
        try:
            if params.get("format", "json") != "json":
                raise q.BadRequest("format: the stand-in only serves json")
            if p == "/api/v2/version":
                with self._lock:
                    return json_reply({"apiVersion": self.api_version, "dataTimestamp": self.data_timestamp})
            if p == "/api/v2/studies":
                return self._list(params, fault)
            if m := re.fullmatch(r"/api/v2/studies/([^/]+)", p):
                return self._single(m.group(1), params, raw_query, fault)
            if m := re.fullmatch(r"/api/int/studies/([^/]+?)(/history)?", p):
                return self._history(m.group(1), bool(m.group(2)), params)
        except q.BadRequest as exc:
            return text_reply(400, str(exc))
        return text_reply(404, "Not Found")

    def _served(self, study: dict[str, Any], fields: list[tuple[str, ...]] | None, fault: Fault | None) -> Any:
        if fault is not None and fault.kind == "bad_shape":
            study = copy.deepcopy(study)
            fault.mutate(study)
        return study if fields is None else q.project(study, fields)

    def _select(self, params: dict[str, str], qhash: str) -> Sequence[str]:
        """The query's sorted keys; kept (per store generation) so later pages do not redo the work."""
        with self._lock:
            key = (self._store.generation, qhash)
            if key in self._selections:
                self._selections.move_to_end(key)
                return self._selections[key]
            selected = self._store.select(params)
            self._selections[key] = selected
            while len(self._selections) > 4:
                self._selections.popitem(last=False)
            return selected

    def _list(self, params: dict[str, str], fault: Fault | None) -> Reply:
        size = min(q.page_size(params), self.max_page_size)
        with self._lock:
            qhash = token_key(q.query_hash(params), self.data_timestamp, expire_on_refresh=self.expire_tokens)
        offset = q.read_token(params["pageToken"], qhash) if params.get("pageToken") else 0
        fields = q.parse_fields(params["fields"]) if "fields" in params else None
        selected = self._select(params, qhash)
        if fault is not None and fault.kind == "empty_page":
            chunk, token = [], q.make_token(offset, qhash)
        else:
            with self._lock:  # only this page's records are built
                records = [self._store.get(k) for k in selected[offset:offset + size]]
            chunk = [self._served(s, fields, fault) for s in records if s is not None]
            token = q.make_token(offset + size, qhash) if offset + size < len(selected) else None
        body = b'{"studies":[' + (b"\n" + b",\n".join(dumpb(s) for s in chunk) + b"\n" if chunk else b"") + b"]"
        if params.get("countTotal", "").lower() == "true" and not params.get("pageToken"):
            body += b',"totalCount":%d' % len(selected)
        body += b',"nextPageToken":"%s"}' % token.encode() if token else b"}"
        return Reply(200, body)

    def _single(self, raw_id: str, params: dict[str, str], raw_query: str, fault: Fault | None) -> Reply:
        if not q.NCT_RE.match(raw_id):
            raise q.BadRequest(f"incorrect format of NCT ID: {raw_id!r}")
        key = q.normalize_id(raw_id)
        fields = q.parse_fields(params["fields"]) if "fields" in params else None
        with self._lock:
            study = self._store.get(key)
            canonical = None if study else self._store.by_alias(key)
        if study is not None:
            return json_reply(self._served(study, fields, fault))
        if canonical is not None:
            location = f"/api/v2/studies/{q.nct_id_of(canonical)}" + (f"?{raw_query}" if raw_query else "")
            return text_reply(301, f"Moved Permanently: {location}", Location=location)
        return text_reply(404, f"Study {raw_id} not found")

    def _history(self, raw_id: str, changes_only: bool, params: dict[str, str]) -> Reply:
        key = q.normalize_id(raw_id)
        with self._lock:
            doc = self._histories.get(key)
        if doc is None:
            return text_reply(404, "Not Found")
        if changes_only:
            return json_reply({"changes": doc.get("history", {}).get("changes", [])})
        return json_reply(doc if params.get("history", "").lower() == "true" else {"study": doc.get("study")})

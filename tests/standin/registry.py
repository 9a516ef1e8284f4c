"""A local stand-in for the ClinicalTrials.gov API v2, served over real HTTP on 127.0.0.1.

Usage in tests::

    with StandInRegistry(fixture_studies()) as reg:
        env["MONITOR_CTGOV_URL"] = reg.base_url          # http://127.0.0.1:PORT/api/v2
        reg.update("NCT02513394", lambda s: ...)          # change a record between runs
        reg.fault("status", status=429, retry_after=2)    # next /studies request gets a 429
        assert reg.count("/studies") == 1

Filtering, ``fields`` and paging live in :mod:`tests.standin.query`; fault bookkeeping in
:mod:`tests.standin.faults`. Search is a simplification of Essie (substring matching).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.standin import query as q
from tests.standin.faults import Fault, FaultBook
from tests.standin.server import Handler, Reply, Server, dumps, json_reply, text_reply

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "ctgov"
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S"


@functools.lru_cache(maxsize=64)
def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def load_fixture(nct_id: str, directory: Path = FIXTURES_DIR) -> dict[str, Any]:
    """A fresh (mutable) copy of ``<directory>/<nct_id>.json``."""
    return json.loads(_read_bytes(Path(directory) / f"{nct_id}.json"))


def fixture_studies(directory: Path = FIXTURES_DIR) -> list[dict[str, Any]]:
    """Every full v2 study record in ``directory``, sorted by nctId.

    That is the 12 ``NCT*.json`` single-study files plus the full studies wrapped in search pages
    (search-page-2: NCT03281889, search-page-3: NCT06388018) = 14. The field-subset pages
    (search-page-4/5) and ``partial/`` are skipped: their records carry no ``hasResults``.
    """
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(directory).glob("*.json")):
        doc = json.loads(_read_bytes(path))
        candidates = doc.get("studies", []) if isinstance(doc.get("studies"), list) else [doc]
        for st in candidates:
            if isinstance(st, dict) and "protocolSection" in st and "hasResults" in st:
                found[q.nct_id_of(st)] = st
    return [found[k] for k in sorted(found)]


def fixture_histories(directory: Path = FIXTURES_DIR) -> dict[str, dict[str, Any]]:
    """``int-history/<id>.history-true.json`` files keyed by id (NCT03690141 in the repo)."""
    return {p.name.split(".")[0]: json.loads(_read_bytes(p))
            for p in sorted((Path(directory) / "int-history").glob("*.history-true.json"))}


@dataclass
class RequestRecord:
    method: str
    path: str  # without the query string
    params: dict[str, str]  # decoded query parameters (last value wins)
    status: int = 0  # HTTP status sent; 0 = no answer (reset, hang cut by stop())
    time: float = field(default_factory=time.monotonic)  # time.monotonic() at arrival
    fault: str | None = None  # fault kind applied to this request, if any


class StandInRegistry:
    """Threaded HTTP stand-in for ``/api/v2`` plus the internal ``/api/int`` history endpoints."""

    def __init__(self, studies: Iterable[dict[str, Any]] = (), data_timestamp: str = "2026-11-20T09:00:05",
                 api_version: str = "2.0.5", *, host: str = "127.0.0.1", port: int = 0,
                 histories: Mapping[str, dict[str, Any]] | None = None) -> None:
        self.data_timestamp = data_timestamp
        self.api_version = api_version
        self.host, self.port = host, port  # port 0 = pick a free one; kept across stop()/start()
        self.errors: list[str] = []  # tracebacks of stand-in bugs (answered as 500)
        self._lock = threading.RLock()
        self._studies: dict[str, dict[str, Any]] = {}
        self._histories = {q.normalize_id(k): v for k, v in
                           (fixture_histories() if histories is None else histories).items()}
        self._log: list[RequestRecord] = []
        self._faults = FaultBook()
        self._stopping = threading.Event()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        for st in studies:
            self.put(st)

    # ------------------------------------------------------------ lifecycle
    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/api/v2"

    def start(self) -> StandInRegistry:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = Server((self.host, self.port), self._serve)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"standin-registry:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes "hang" faults
        server.shutdown()
        server.close_all()  # idle keep-alive and hanging connections
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> StandInRegistry:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ data
    def put(self, study: dict[str, Any]) -> None:
        """Store (a deep copy of) ``study`` under its nctId, replacing any previous version."""
        key = q.canonical_key(q.nct_id_of(study))
        if key is None:
            raise ValueError("study has no valid protocolSection.identificationModule.nctId")
        with self._lock:
            self._studies[key] = copy.deepcopy(study)

    def get(self, nct_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._studies[q.normalize_id(nct_id)])

    def ids(self) -> list[str]:
        with self._lock:
            return sorted(self._studies)

    def update(self, nct_id: str, fn: Callable[[dict[str, Any]], dict[str, Any] | None]) -> None:
        """``fn`` mutates a deep copy (or returns a replacement), which is then stored."""
        with self._lock:
            key = q.normalize_id(nct_id)
            study = copy.deepcopy(self._studies[key])
            result = fn(study)
            new = study if result is None else result
            if q.canonical_key(q.nct_id_of(new)) is None:
                raise ValueError("update() left the study without a valid nctId")
            del self._studies[key]
            self.put(new)

    def remove(self, nct_id: str) -> None:
        with self._lock:
            del self._studies[q.normalize_id(nct_id)]

    def alias(self, old_id: str, new_id: str) -> None:
        """Re-register: the study stored as ``old_id`` is served as ``new_id``, with ``old_id`` in
        its ``nctIdAliases`` (filter.ids=old returns it as new; GET /studies/old -> 301)."""
        with self._lock:
            old, new = q.normalize_id(old_id), q.normalize_id(new_id)
            if new in self._studies:
                raise ValueError(f"{new} already exists")
            study = copy.deepcopy(self._studies.pop(old))
            ident = study["protocolSection"]["identificationModule"]
            ident["nctId"] = new
            ident["nctIdAliases"] = [*ident.get("nctIdAliases", []), old]
            self._studies[new] = study

    def refresh(self, timestamp: str | None = None) -> str:
        """Bump ``dataTimestamp`` (default: +1 day) and return the new value."""
        with self._lock:
            if timestamp is None:
                ts = dt.datetime.strptime(self.data_timestamp, _TS_FORMAT) + dt.timedelta(days=1)
                timestamp = ts.strftime(_TS_FORMAT)
            self.data_timestamp = timestamp
            return timestamp

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

    # ------------------------------------------------------------ faults
    def fault(self, kind: str, *, path: str = "/studies", times: int | None = 1, status: int = 503,
              retry_after: int | float | str | None = None, delay: float = 3600.0,
              mutate: Callable[[dict[str, Any]], None] | None = None) -> Fault:
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
        """
        extra = {} if mutate is None else {"mutate": mutate}
        return self._faults.add(Fault(kind, path, times, status, retry_after, delay, **extra))

    def fail_rate(self, p: float, seed: int | None = 0, *, path: str = "") -> None:
        """Each request (path containing ``path``) fails with probability p: 503, 429 or reset."""
        self._faults.set_rate(p, seed, path)

    def clear_faults(self) -> None:
        self._faults.clear()

    # ------------------------------------------------------------ serving (handler threads)
    def _serve(self, h: Handler) -> None:
        parts = urlsplit(h.path)
        rec = RequestRecord(h.command, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)))
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
            except Exception:  # a stand-in bug: keep serving, make it visible to the test
                self.errors.append(traceback.format_exc())
                reply = text_reply(500, "stand-in internal error")
        rec.status = reply.status
        if not logged:  # logged before answering, so a client that got the answer sees the count
            with self._lock:
                self._log.append(rec)
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

    def _list(self, params: dict[str, str], fault: Fault | None) -> Reply:
        with self._lock:
            studies = list(self._studies.values())
        selected = q.select(studies, params)
        size, qhash = q.page_size(params), q.query_hash(params)
        offset = q.read_token(params["pageToken"], qhash) if params.get("pageToken") else 0
        fields = q.parse_fields(params["fields"]) if "fields" in params else None
        if fault is not None and fault.kind == "empty_page":
            chunk, token = [], q.make_token(offset, qhash)
        else:
            chunk = [self._served(s, fields, fault) for s in selected[offset:offset + size]]
            token = q.make_token(offset + size, qhash) if offset + size < len(selected) else None
        body = '{"studies":[' + ("\n" + ",\n".join(dumps(s) for s in chunk) + "\n" if chunk else "") + "]"
        if params.get("countTotal", "").lower() == "true" and not params.get("pageToken"):
            body += f',"totalCount":{len(selected)}'
        body += f',"nextPageToken":"{token}"}}' if token else "}"
        return Reply(200, body.encode())

    def _single(self, raw_id: str, params: dict[str, str], raw_query: str, fault: Fault | None) -> Reply:
        if not q.NCT_RE.match(raw_id):
            raise q.BadRequest(f"incorrect format of NCT ID: {raw_id!r}")
        key = q.normalize_id(raw_id)
        fields = q.parse_fields(params["fields"]) if "fields" in params else None
        with self._lock:
            study = self._studies.get(key)
            canonical = None if study else next(
                (s for s in self._studies.values() if key in {q.canonical_key(a) for a in q.aliases_of(s)}), None)
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

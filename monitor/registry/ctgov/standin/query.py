"""Pure functions behind the stand-in's ``/studies`` endpoints: ids, filters, fields, paging.

Nothing here touches sockets or threads; every function takes plain data and either returns
plain data or raises :class:`BadRequest` (which the server turns into an HTTP 400 text reply,
like the real API). Records may be malformed on purpose (tests ``put`` broken data), so every
accessor tolerates wrong types instead of crashing.

Search is a deliberate simplification of the real Essie engine: ``query.*`` parameters are
case-insensitive substring matches (see :func:`matches_queries`), and ``filter.advanced`` only
understands ``AREA[<date field>]RANGE[lo,hi]`` terms joined by ``AND``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NCT_RE = re.compile(r"^[Nn][Cc][Tt]0*[1-9]\d{0,7}$")
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
STATUSES = frozenset({
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
})
# Params that may change between pages of one query (spec §1: all others must be repeated).
PAGING_PARAMS = frozenset({"pageToken", "pageSize", "countTotal"})

_P = "protocolSection"
_S = (_P, "statusModule")
# Area / piece names accepted in ``fields`` (case-insensitive) -> path from the study root.
# Date pieces keep the whole ``...DateStruct`` ({date, type}); the real API returns only ``date``.
FIELDS: dict[str, tuple[str, ...]] = {
    "ProtocolSection": (_P,), "ResultsSection": ("resultsSection",),
    "DerivedSection": ("derivedSection",), "AnnotationSection": ("annotationSection",),
    "DocumentSection": ("documentSection",), "HasResults": ("hasResults",),
    "NCTId": (_P, "identificationModule", "nctId"),
    "NCTIdAlias": (_P, "identificationModule", "nctIdAliases"),
    "BriefTitle": (_P, "identificationModule", "briefTitle"),
    "OfficialTitle": (_P, "identificationModule", "officialTitle"),
    "Acronym": (_P, "identificationModule", "acronym"),
    "OverallStatus": (*_S, "overallStatus"), "LastKnownStatus": (*_S, "lastKnownStatus"),
    "WhyStopped": (*_S, "whyStopped"), "StatusVerifiedDate": (*_S, "statusVerifiedDate"),
    "LastUpdateSubmitDate": (*_S, "lastUpdateSubmitDate"),
    "LastUpdatePostDate": (*_S, "lastUpdatePostDateStruct"),
    "StudyFirstPostDate": (*_S, "studyFirstPostDateStruct"),
    "ResultsFirstPostDate": (*_S, "resultsFirstPostDateStruct"),
    "StartDate": (*_S, "startDateStruct"),
    "PrimaryCompletionDate": (*_S, "primaryCompletionDateStruct"),
    "CompletionDate": (*_S, "completionDateStruct"),
    "Phase": (_P, "designModule", "phases"), "StudyType": (_P, "designModule", "studyType"),
    "EnrollmentCount": (_P, "designModule", "enrollmentInfo", "count"),
    "EnrollmentType": (_P, "designModule", "enrollmentInfo", "type"),
    "LeadSponsorName": (_P, "sponsorCollaboratorsModule", "leadSponsor", "name"),
    "Condition": (_P, "conditionsModule", "conditions"),
    "Keyword": (_P, "conditionsModule", "keywords"),
    "InterventionName": (_P, "armsInterventionsModule", "interventions", "name"),
    "LocationFacility": (_P, "contactsLocationsModule", "locations", "facility"),
    "LocationStatus": (_P, "contactsLocationsModule", "locations", "status"),
    "LocationCity": (_P, "contactsLocationsModule", "locations", "city"),
    "LocationCountry": (_P, "contactsLocationsModule", "locations", "country"),
    # results pieces are named by their module (verified against the live API, 2026-08)
    **{f"EventGroup{name}": ("resultsSection", "adverseEventsModule", "eventGroups", name[:1].lower() + name[1:])
       for name in ("Id", "Title", "Description", "SeriousNumAffected", "SeriousNumAtRisk", "DeathsNumAffected",
                    "DeathsNumAtRisk", "OtherNumAffected", "OtherNumAtRisk")},
}
_FIELDS_CI = {k.lower(): v for k, v in FIELDS.items()}
_ROOTS = {"protocolSection", "resultsSection", "derivedSection", "annotationSection",
          "documentSection", "hasResults"}
# Essie areas usable in filter.advanced RANGE terms.
DATE_AREAS: dict[str, tuple[str, ...]] = {
    "lastupdatepostdate": (*_S, "lastUpdatePostDateStruct", "date"),
    "studyfirstpostdate": (*_S, "studyFirstPostDateStruct", "date"),
    "resultsfirstpostdate": (*_S, "resultsFirstPostDateStruct", "date"),
    "lastupdatesubmitdate": (*_S, "lastUpdateSubmitDate"),
    "startdate": (*_S, "startDateStruct", "date"),
    "primarycompletiondate": (*_S, "primaryCompletionDateStruct", "date"),
    "completiondate": (*_S, "completionDateStruct", "date"),
}
_RANGE_RE = re.compile(r"^\s*(?:AREA\[(\w+)\]\s*)?RANGE\[\s*([^,\]]*?)\s*,\s*([^\]]*?)\s*\]\s*$", re.I)


class BadRequest(Exception):
    """A request the real API answers with HTTP 400 and a text/plain message."""


# ---------------------------------------------------------------- accessors
def dig(obj: Any, path: Iterable[str]) -> Any:
    """Follow dict keys; ``None`` as soon as something is missing or not a dict."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def nct_id_of(study: Any) -> Any:
    return dig(study, (_P, "identificationModule", "nctId"))


def aliases_of(study: Any) -> list[str]:
    al = dig(study, (_P, "identificationModule", "nctIdAliases"))
    return [a for a in al if isinstance(a, str)] if isinstance(al, list) else []


def normalize_id(raw: str) -> str:
    """'nct0002513394' -> 'NCT02513394'. Raises BadRequest unless it matches the API pattern."""
    raw = raw.strip()
    if not NCT_RE.match(raw):
        raise BadRequest(f"incorrect format of NCT ID: {raw!r}")
    return f"NCT{int(raw[3:]):08d}"


def canonical_key(value: Any) -> str | None:
    """Normalized id for a stored value, or None if it is not a well-formed NCT id."""
    try:
        return normalize_id(value) if isinstance(value, str) else None
    except BadRequest:
        return None


def split_list(value: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,|]", value) if p.strip()]


# ---------------------------------------------------------------- filtering
def parse_ids(value: str) -> set[str]:
    ids = split_list(value)
    if not ids:
        raise BadRequest("filter.ids: incorrect format (empty)")
    return {normalize_id(i) for i in ids}


def parse_advanced(expr: str) -> list[tuple[tuple[str, ...], str | None, str | None]]:
    """``AREA[LastUpdatePostDate]RANGE[2024-01-01,MAX] AND ...`` -> [(path, lo, hi)].

    A bare ``RANGE[a,b]`` means LastUpdatePostDate. MIN/MAX (or empty) mean unbounded.
    """
    terms = []
    for part in re.split(r"\s+AND\s+", expr.strip()):
        m = _RANGE_RE.match(part)
        area = (m.group(1) or "LastUpdatePostDate").lower() if m else ""
        if not m or area not in DATE_AREAS:
            raise BadRequest(f"filter.advanced: unsupported expression {part!r}")
        lo, hi = (None if v.upper() in ("", "MIN", "MAX") else v for v in m.group(2, 3))
        terms.append((DATE_AREAS[area], lo, hi))
    return terms


def parse_statuses(value: str) -> set[str]:
    sts = {s.upper() for s in split_list(value)}
    bad = sts - STATUSES
    if not sts or bad:
        raise BadRequest(f"filter.overallStatus: unknown value(s) {sorted(bad)}")
    return sts


def _texts(study: Any, path: tuple[str, ...], leaf: str | None = None) -> list[str]:
    items = dig(study, path)
    items = items if isinstance(items, list) else [items]
    if leaf is not None:
        items = [i.get(leaf) if isinstance(i, dict) else None for i in items]
    return [i for i in items if isinstance(i, str)]


def _query_haystack(study: Any, name: str) -> list[str]:
    if name == "query.cond":
        return _texts(study, (_P, "conditionsModule", "conditions")) + _texts(
            study, (_P, "conditionsModule", "keywords"))
    if name == "query.intr":
        ivs = dig(study, (_P, "armsInterventionsModule", "interventions"))
        out = _texts(study, (_P, "armsInterventionsModule", "interventions"), "name")
        for iv in ivs if isinstance(ivs, list) else []:
            out += [o for o in (iv.get("otherNames") or []) if isinstance(o, str)] if isinstance(iv, dict) else []
        return out
    if name == "query.spons":
        return _texts(study, (_P, "sponsorCollaboratorsModule", "leadSponsor", "name")) + _texts(
            study, (_P, "sponsorCollaboratorsModule", "collaborators"), "name")
    return [json.dumps(study, ensure_ascii=False, default=str)]  # query.term: whole record


QUERY_PARAMS = ("query.cond", "query.intr", "query.spons", "query.term")


def matches_queries(study: Any, queries: Mapping[str, str]) -> bool:
    """Simplified Essie: each given ``query.*`` value must be a case-insensitive substring."""
    for name, needle in queries.items():
        hay = _query_haystack(study, name)
        if not any(needle.lower() in h.lower() for h in hay):
            return False
    return True


@dataclass(frozen=True)
class Filters:
    """A parsed ``/studies`` query: what :func:`matches` checks (None / empty = no condition)."""

    ids: frozenset[str] | None = None
    statuses: frozenset[str] | None = None
    ranges: tuple[tuple[tuple[str, ...], str | None, str | None], ...] = ()
    queries: Mapping[str, str] = field(default_factory=dict)


def parse_filters(params: Mapping[str, str]) -> Filters:
    """filter.ids / filter.overallStatus / filter.advanced / query.* -> :class:`Filters` (or BadRequest)."""
    ids = parse_ids(params["filter.ids"]) if "filter.ids" in params else None
    statuses = parse_statuses(params["filter.overallStatus"]) if "filter.overallStatus" in params else None
    ranges = parse_advanced(params["filter.advanced"]) if "filter.advanced" in params else []
    queries = {k: v for k, v in params.items() if k in QUERY_PARAMS and v.strip()}
    term = queries.get("query.term", "")
    if "RANGE[" in term.upper():  # query.term=AREA[LastUpdatePostDate]RANGE[...] (AACT style)
        ranges += parse_advanced(queries.pop("query.term"))
    return Filters(None if ids is None else frozenset(ids), None if statuses is None else frozenset(statuses),
                   tuple(ranges), queries)


def matches(st: Any, f: Filters) -> bool:
    if f.ids is not None:
        keys = {canonical_key(nct_id_of(st))} | {canonical_key(a) for a in aliases_of(st)}
        if not f.ids & keys:
            return False
    if f.statuses is not None:
        status = dig(st, (*_S, "overallStatus"))
        if not isinstance(status, str) or status.upper() not in f.statuses:
            return False
    if not all(in_range(dig(st, path), lo, hi) for path, lo, hi in f.ranges):
        return False
    return not f.queries or matches_queries(st, f.queries)


def select(studies: Iterable[Any], params: Mapping[str, str] | Filters) -> list[Any]:
    """Apply filter.ids / filter.overallStatus / filter.advanced / query.*; stable nctId order."""
    f = params if isinstance(params, Filters) else parse_filters(params)
    return sorted((st for st in studies if matches(st, f)), key=lambda s: str(nct_id_of(s)))


def in_range(value: Any, lo: str | None, hi: str | None) -> bool:
    if not isinstance(value, str):
        return False
    return (lo is None or value >= lo) and (hi is None or value[: len(hi)] <= hi)


# ---------------------------------------------------------------- fields
def parse_fields(value: str) -> list[tuple[str, ...]]:
    paths = []
    for name in split_list(value):
        if name.lower() in _FIELDS_CI:
            paths.append(_FIELDS_CI[name.lower()])
        elif name.count(".") == 1 and name.split(".")[0] in _ROOTS:  # a module path: section.module
            paths.append(tuple(name.split(".")))
        else:
            raise BadRequest(f"fields: unknown field {name!r}")
    if not paths:
        raise BadRequest("fields: empty")
    return paths


_MISSING = object()


def _extract(obj: Any, path: tuple[str, ...]) -> Any:
    if not path:
        return obj
    if isinstance(obj, list):  # map across list elements (e.g. locations[].status)
        parts = [_extract(o, path) for o in obj]
        return [p if p is not _MISSING else {} for p in parts] if any(p is not _MISSING for p in parts) else _MISSING
    if not isinstance(obj, dict) or path[0] not in obj:
        return _MISSING
    inner = _extract(obj[path[0]], path[1:])
    return _MISSING if inner is _MISSING else {path[0]: inner}


def _merge(a: Any, b: Any) -> Any:
    """Non-mutating deep merge (dicts by key, equal-length lists by index); ``b`` wins on leaves."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = _merge(out[k], v) if k in out else v
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [_merge(x, y) for x, y in zip(a, b)]
    return b


def project(study: Any, paths: list[tuple[str, ...]]) -> dict[str, Any]:
    """Keep only the requested leaves, with their nesting from the root (like partial/*.json).

    Never mutates ``study``; leaf values are shared with it, so callers must not mutate the result.
    """
    out: dict[str, Any] = {}
    for path in paths:
        part = _extract(study, path)
        if part is not _MISSING:
            out = _merge(out, part)
    return out


# ---------------------------------------------------------------- paging
def query_hash(params: Mapping[str, str]) -> str:
    items = sorted((k, v) for k, v in params.items() if k not in PAGING_PARAMS)
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:16]


def make_token(offset: int, qhash: str) -> str:
    raw = json.dumps({"offset": offset, "q": qhash}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token: str, qhash: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, q = int(data["offset"]), data["q"]
    except (ValueError, TypeError, KeyError):
        raise BadRequest("pageToken: invalid token") from None
    if q != qhash or offset < 0:
        raise BadRequest("pageToken: token does not match the query parameters")
    return offset


def page_size(params: Mapping[str, str]) -> int:
    raw = params.get("pageSize", "")
    if raw == "":
        return DEFAULT_PAGE_SIZE
    try:
        n = int(raw)
    except ValueError:
        raise BadRequest(f"pageSize: not a number {raw!r}") from None
    if n < 0:
        raise BadRequest("pageSize: must be >= 0")
    return DEFAULT_PAGE_SIZE if n == 0 else min(n, MAX_PAGE_SIZE)

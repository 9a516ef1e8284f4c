"""The trial view: a canonical, comparable projection of one ClinicalTrials.gov v2 study.

``view_of`` keeps every field a watcher may compare, drops registry bookkeeping
(``versionHolder``, contacts, geo points, MeSH trees …) and turns lists whose order is churn
(sites, outcomes, arms, publications …) into dicts keyed by what a person would call them, so
reordering is never a change and deepdiff reports one site, not a flood.
Registry responses are untrusted: a wrong shape raises :class:`RecordShapeError`.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson

VIEW_VERSION = 1
_NCT_ID = re.compile(r"^NCT\d{8}$")


class RecordShapeError(ValueError):
    """The registry sent a study whose shape we cannot trust (wrong type, missing core field)."""

    def __init__(self, nct_id: str | None, problem: str) -> None:
        super().__init__(f"{nct_id or 'study without an NCT id'}: {problem}")
        self.nct_id = nct_id
        self.problem = problem


class _Reader:
    """Typed access to an untrusted record; every complaint names the trial and the field."""

    def __init__(self, nct_id: str | None) -> None:
        self.nct_id = nct_id

    def fail(self, problem: str) -> RecordShapeError:
        return RecordShapeError(self.nct_id, problem)

    def module(self, parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected an object")
        return value

    def text(self, parent: dict[str, Any], key: str, where: str) -> str | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected text")
        return _tidy(value)

    def flag(self, parent: dict[str, Any], key: str, where: str) -> bool | None:
        value = parent.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise self.fail(f"{where}.{key} is {type(value).__name__}, expected true/false")

    def count(self, parent: dict[str, Any], key: str, where: str) -> int | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected a whole number")
        return value

    def items(self, parent: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        return self._list(parent, key, where, dict, "an object")

    def texts(self, parent: dict[str, Any], key: str, where: str) -> list[str]:
        return [_tidy(item) for item in self._list(parent, key, where, str, "text")]

    def _list(self, parent: dict[str, Any], key: str, where: str, kind: type, expected: str) -> list[Any]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected a list")
        for index, item in enumerate(value):
            if not isinstance(item, kind):
                raise self.fail(f"{where}.{key}[{index}] is {type(item).__name__}, expected {expected}")
        return value

    def date(self, parent: dict[str, Any], key: str, where: str) -> dict[str, str | None] | None:
        struct = self.module(parent, key, where)
        day = self.text(struct, "date", f"{where}.{key}")
        if not day:
            return None
        return {"date": day, "type": self.text(struct, "type", f"{where}.{key}")}


def _tidy(text: str) -> str:
    """Keep the registry's text (Markdown) as given, minus trailing whitespace on each line."""
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip()


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _keyed(pairs: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Entries keyed by name; identical names get " #2", " #3" in a content order, not list order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    keyed: dict[str, dict[str, Any]] = {}
    for key in sorted(groups):
        for number, value in enumerate(sorted(groups[key], key=_canonical), start=1):
            keyed[key if number == 1 else f"{key} #{number}"] = value
    return keyed


def _protocol(study: Any, nct_id: str | None = None) -> dict[str, Any]:
    if not isinstance(study, dict):
        raise RecordShapeError(nct_id, f"the study is {type(study).__name__}, expected an object")
    protocol = study.get("protocolSection")
    if not isinstance(protocol, dict):
        raise RecordShapeError(nct_id, "protocolSection is missing or not an object")
    return protocol


def nct_id_of(study: dict[str, Any]) -> str:
    """The study's NCT number (``protocolSection.identificationModule.nctId``)."""
    protocol = _protocol(study)
    ident = _Reader(None).module(protocol, "identificationModule", "protocolSection")
    value = ident.get("nctId")
    if not isinstance(value, str) or not value.strip():
        raise RecordShapeError(None, "identificationModule.nctId is missing")
    nct_id = value.strip().upper()
    if not _NCT_ID.match(nct_id):
        raise RecordShapeError(None, f"identificationModule.nctId {value[:40]!r} is not an NCT number")
    return nct_id


def aliases_of(study: dict[str, Any]) -> list[str]:
    """Former NCT numbers merged into this study (``nctIdAliases``), sorted."""
    nct_id = nct_id_of(study)
    ident = _Reader(nct_id).module(_protocol(study, nct_id), "identificationModule", "protocolSection")
    aliases = _Reader(nct_id).texts(ident, "nctIdAliases", "identificationModule")
    return sorted({alias.strip().upper() for alias in aliases if alias.strip()})


def view_of(study: dict[str, Any]) -> dict[str, Any]:
    """Project a raw v2 study into the trial view (see the module docstring); pure and deterministic."""
    nct_id = nct_id_of(study)
    read = _Reader(nct_id)
    protocol = _protocol(study, nct_id)

    def module(name: str) -> dict[str, Any]:
        return read.module(protocol, name, "protocolSection")

    ident = module("identificationModule")
    status = module("statusModule")
    overall = status.get("overallStatus")
    if not isinstance(overall, str) or not overall.strip():
        raise read.fail(f"statusModule.overallStatus is {overall!r}, expected a status code")
    design = module("designModule")
    enrollment = read.module(design, "enrollmentInfo", "designModule")
    updated = read.module(status, "lastUpdatePostDateStruct", "statusModule")

    return {
        "v": VIEW_VERSION,
        "id": nct_id,
        "aliases": aliases_of(study),
        "title": read.text(ident, "briefTitle", "identificationModule"),
        "acronym": read.text(ident, "acronym", "identificationModule"),
        "updated": read.text(updated, "date", "statusModule.lastUpdatePostDateStruct"),
        "status": {
            "overall": overall.strip(),
            "last_known": read.text(status, "lastKnownStatus", "statusModule"),
            "why_stopped": read.text(status, "whyStopped", "statusModule"),
            "verified": read.text(status, "statusVerifiedDate", "statusModule"),
        },
        "dates": {
            "start": read.date(status, "startDateStruct", "statusModule"),
            "primary_completion": read.date(status, "primaryCompletionDateStruct", "statusModule"),
            "completion": read.date(status, "completionDateStruct", "statusModule"),
        },
        "results": _results(read, study, status),
        "enrollment": {
            "count": read.count(enrollment, "count", "designModule.enrollmentInfo"),
            "type": read.text(enrollment, "type", "designModule.enrollmentInfo"),
        },
        "sites": _sites(read, module("contactsLocationsModule")),
        "eligibility": _eligibility(read, module("eligibilityModule")),
        "arms": _arms(read, module("armsInterventionsModule")),
        "outcomes": _outcomes(read, module("outcomesModule")),
        "sponsors": _sponsors(read, module("sponsorCollaboratorsModule")),
        "publications": _publications(read, module("referencesModule")),
        "about": {
            "phases": read.texts(design, "phases", "designModule"),
            "conditions": read.texts(module("conditionsModule"), "conditions", "conditionsModule"),
            "study_type": read.text(design, "studyType", "designModule"),
            "organization": read.text(
                read.module(ident, "organization", "identificationModule"), "fullName", "organization"
            ),
        },
    }


def _results(read: _Reader, study: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    has_results = read.flag(study, "hasResults", "study")
    first_posted = read.module(status, "resultsFirstPostDateStruct", "statusModule")
    if has_results is None:  # a fields= subset without HasResults: infer it
        has_results = "resultsSection" in study or bool(first_posted.get("date"))
    derived = read.module(study, "derivedSection", "study")
    misc = read.module(derived, "miscInfoModule", "derivedSection")
    tracking = read.module(misc, "submissionTracking", "miscInfoModule")
    where = "submissionTracking.submissionInfos"
    submissions = [
        {
            "release": read.text(info, "releaseDate", where),
            "reset": read.text(info, "resetDate", where),
            "unrelease": read.text(info, "unreleaseDate", where),
        }
        for info in read.items(tracking, "submissionInfos", "submissionTracking")
    ]
    return {
        "has_results": has_results,
        "first_posted": read.text(first_posted, "date", "statusModule.resultsFirstPostDateStruct"),
        "first_submitted": read.text(status, "resultsFirstSubmitDate", "statusModule"),
        "waived": read.flag(status, "resultsWaived", "statusModule"),
        "submissions": submissions,
    }


def _sites(read: _Reader, contacts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    where = "contactsLocationsModule.locations"
    pairs = []
    for location in read.items(contacts, "locations", "contactsLocationsModule"):
        site = {
            "facility": read.text(location, "facility", where),
            "city": read.text(location, "city", where),
            "state": read.text(location, "state", where),
            "country": read.text(location, "country", where),
            "status": read.text(location, "status", where),
        }
        key = " | ".join((site[part] or "").strip() for part in ("facility", "city", "country"))
        pairs.append((key, site))
    return _keyed(pairs)


def _eligibility(read: _Reader, eligibility: dict[str, Any]) -> dict[str, Any]:
    where = "eligibilityModule"
    return {
        "criteria": read.text(eligibility, "eligibilityCriteria", where),
        "sex": read.text(eligibility, "sex", where),
        "min_age": read.text(eligibility, "minimumAge", where),
        "max_age": read.text(eligibility, "maximumAge", where),
        "healthy_volunteers": read.flag(eligibility, "healthyVolunteers", where),
        "std_ages": sorted(read.texts(eligibility, "stdAges", where)),
    }


def _arms(read: _Reader, arms: dict[str, Any]) -> dict[str, Any]:
    where = "armsInterventionsModule"
    groups = [
        (
            (read.text(group, "label", f"{where}.armGroups") or "").strip(),
            {
                "type": read.text(group, "type", f"{where}.armGroups"),
                "description": read.text(group, "description", f"{where}.armGroups"),
                "interventions": sorted(read.texts(group, "interventionNames", f"{where}.armGroups")),
            },
        )
        for group in read.items(arms, "armGroups", where)
    ]
    interventions = []
    for item in read.items(arms, "interventions", where):
        kind = read.text(item, "type", f"{where}.interventions")
        name = (read.text(item, "name", f"{where}.interventions") or "").strip()
        key = f"{kind}: {name}" if kind else name
        value = {
            "description": read.text(item, "description", f"{where}.interventions"),
            "arms": sorted(read.texts(item, "armGroupLabels", f"{where}.interventions")),
            "other_names": sorted(read.texts(item, "otherNames", f"{where}.interventions")),
        }
        interventions.append((key, value))
    return {"groups": _keyed(groups), "interventions": _keyed(interventions)}


def _outcomes(read: _Reader, outcomes: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for name, key in (("primary", "primaryOutcomes"), ("secondary", "secondaryOutcomes"), ("other", "otherOutcomes")):
        where = f"outcomesModule.{key}"
        view[name] = _keyed(
            [
                (
                    (read.text(item, "measure", where) or "").strip(),
                    {"description": read.text(item, "description", where), "time_frame": read.text(item, "timeFrame", where)},
                )
                for item in read.items(outcomes, key, "outcomesModule")
            ]
        )
    return view


def _sponsors(read: _Reader, sponsors: dict[str, Any]) -> dict[str, Any]:
    where = "sponsorCollaboratorsModule"
    lead = read.module(sponsors, "leadSponsor", where)
    party = read.module(sponsors, "responsibleParty", where)
    party_type = read.text(party, "type", f"{where}.responsibleParty")
    investigator = read.text(party, "investigatorFullName", f"{where}.responsibleParty")
    if party_type and investigator:
        responsible: str | None = f"{party_type}: {investigator}"
    else:
        responsible = party_type or investigator
    collaborators = [
        read.text(item, "name", f"{where}.collaborators") for item in read.items(sponsors, "collaborators", where)
    ]
    return {
        "lead": read.text(lead, "name", f"{where}.leadSponsor"),
        "lead_class": read.text(lead, "class", f"{where}.leadSponsor"),
        "collaborators": sorted(name for name in collaborators if name),
        "responsible_party": responsible,
    }


def _publications(read: _Reader, references: dict[str, Any]) -> dict[str, dict[str, Any]]:
    where = "referencesModule.references"
    pairs = []
    for reference in read.items(references, "references", "referencesModule"):
        pmid = (read.text(reference, "pmid", where) or "").strip()
        citation = read.text(reference, "citation", where)
        if pmid:
            key = pmid
        else:  # no PMID: key on the citation's text, so reordering is still no change
            key = "citation:" + hashlib.sha256(" ".join((citation or "").split()).encode()).hexdigest()[:12]
        pairs.append((key, {"type": read.text(reference, "type", where), "citation": citation}))
    return _keyed(pairs)


def fingerprint(view: dict[str, Any]) -> str:
    """sha256 (hex) of the view's canonical JSON: equal views, equal fingerprints."""
    return hashlib.sha256(_canonical(view)).hexdigest()

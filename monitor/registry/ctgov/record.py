"""A ClinicalTrials.gov v2 study read into the core's registry-neutral trial view.

``view_of`` keeps every field a watcher may compare, drops registry bookkeeping
(``versionHolder``, contacts, geo points, MeSH trees …) and turns lists whose order is churn
(sites, outcomes, arms, publications …) into dicts keyed by what a person would call them
(:func:`monitor.core.view.keyed_entries`). The shape is documented in :mod:`monitor.core.view`.
Registry responses are untrusted: a wrong shape raises :class:`RecordShapeError`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from monitor.core.model import Record
from monitor.core.view import VIEW_VERSION, fingerprint, keyed_entries
from monitor.registry.ctgov.facts import CTGOV, document_url, neutral_status
from monitor.registry.ctgov.results import findings_of
from monitor.registry.reader import Reader, RecordShapeError, tidy

UNNAMED = "study without an NCT id"


def _reader(nct_id: str | None) -> Reader:
    return Reader(nct_id, UNNAMED)


def _protocol(study: Any, nct_id: str | None = None) -> dict[str, Any]:
    if not isinstance(study, dict):
        raise RecordShapeError(nct_id, f"the study is {type(study).__name__}, expected an object", UNNAMED)
    protocol = study.get("protocolSection")
    if not isinstance(protocol, dict):
        raise RecordShapeError(nct_id, "protocolSection is missing or not an object", UNNAMED)
    return protocol


def nct_id_of(study: dict[str, Any]) -> str:
    """The study's NCT number (``protocolSection.identificationModule.nctId``)."""
    protocol = _protocol(study)
    ident = _reader(None).module(protocol, "identificationModule", "protocolSection")
    value = ident.get("nctId")
    if not isinstance(value, str) or not value.strip():
        raise RecordShapeError(None, "identificationModule.nctId is missing", UNNAMED)
    nct_id = value.strip().upper()
    if not CTGOV.is_id(nct_id):
        raise RecordShapeError(None, f"identificationModule.nctId {value[:40]!r} is not an NCT number", UNNAMED)
    return nct_id


def aliases_of(study: dict[str, Any]) -> list[str]:
    """Former NCT numbers merged into this study (``nctIdAliases``), sorted."""
    nct_id = nct_id_of(study)
    ident = _reader(nct_id).module(_protocol(study, nct_id), "identificationModule", "protocolSection")
    aliases = _reader(nct_id).texts(ident, "nctIdAliases", "identificationModule")
    return sorted({alias.strip().upper() for alias in aliases if alias.strip()})


def view_of(study: dict[str, Any]) -> dict[str, Any]:
    """Project a raw v2 study into the trial view (see the module docstring); pure and deterministic."""
    nct_id = nct_id_of(study)
    read = _reader(nct_id)
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
            "overall": neutral_status(overall.strip()),
            "last_known": _status(read.text(status, "lastKnownStatus", "statusModule")),
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
        **_documents(read, study),  # "documents" only when the study has some: other views keep their fingerprint
        "about": {
            "phases": read.texts(design, "phases", "designModule"),
            "conditions": read.texts(module("conditionsModule"), "conditions", "conditionsModule"),
            "study_type": read.text(design, "studyType", "designModule"),
            "organization": read.text(
                read.module(ident, "organization", "identificationModule"), "fullName", "organization"
            ),
        },
    }


def _status(code: str | None) -> str | None:
    return neutral_status(code) if code else code


def _results(read: Reader, study: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
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
    results = {
        "has_results": has_results,
        "first_posted": read.text(first_posted, "date", "statusModule.resultsFirstPostDateStruct"),
        "first_submitted": read.text(status, "resultsFirstSubmitDate", "statusModule"),
        "waived": read.flag(status, "resultsWaived", "statusModule"),
        "submissions": submissions,
    }
    if isinstance(study.get("resultsSection"), dict):  # present only when served: views without it keep their fingerprint
        results["findings"] = findings_of(read, study["resultsSection"])
    return results


SITE_PARTS = ("facility", "city", "state", "country", "status")
_TEXT_OR_NONE = frozenset({str, type(None)})


def _sites(read: Reader, contacts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The sites keyed "facility | city | country". A record can list thousands: a site's parts are
    read in one pass, and through the reader (for its message) only when one is not text."""
    where = "contactsLocationsModule.locations"
    pairs = []
    for location in read.items(contacts, "locations", "contactsLocationsModule"):
        get = location.get
        parts = (get("facility"), get("city"), get("state"), get("country"), get("status"))
        if {type(part) for part in parts} <= _TEXT_OR_NONE:
            facility, city, state, country, status = (part if part is None else tidy(part) for part in parts)
        else:
            facility, city, state, country, status = (read.text(location, part, where) for part in SITE_PARTS)
        site = {"facility": facility, "city": city, "state": state, "country": country, "status": _status(status)}
        pairs.append((f"{(facility or '').strip()} | {(city or '').strip()} | {(country or '').strip()}", site))
    return keyed_entries(pairs)


def _eligibility(read: Reader, eligibility: dict[str, Any]) -> dict[str, Any]:
    where = "eligibilityModule"
    return {
        "criteria": read.text(eligibility, "eligibilityCriteria", where),
        "sex": read.text(eligibility, "sex", where),
        "min_age": read.text(eligibility, "minimumAge", where),
        "max_age": read.text(eligibility, "maximumAge", where),
        "healthy_volunteers": read.flag(eligibility, "healthyVolunteers", where),
        "std_ages": sorted(read.texts(eligibility, "stdAges", where)),
    }


def _arms(read: Reader, arms: dict[str, Any]) -> dict[str, Any]:
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
    return {"groups": keyed_entries(groups), "interventions": keyed_entries(interventions)}


def _outcomes(read: Reader, outcomes: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for name, key in (("primary", "primaryOutcomes"), ("secondary", "secondaryOutcomes"), ("other", "otherOutcomes")):
        where = f"outcomesModule.{key}"
        view[name] = keyed_entries(
            [
                (
                    (read.text(item, "measure", where) or "").strip(),
                    {"description": read.text(item, "description", where), "time_frame": read.text(item, "timeFrame", where)},
                )
                for item in read.items(outcomes, key, "outcomesModule")
            ]
        )
    return view


def _sponsors(read: Reader, sponsors: dict[str, Any]) -> dict[str, Any]:
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


def _publications(read: Reader, references: dict[str, Any]) -> dict[str, dict[str, Any]]:
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
    return keyed_entries(pairs)


def _documents(read: Reader, study: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{"documents": {filename: …}}`` from ``documentSection.largeDocumentModule.largeDocs``, or ``{}``
    when the study has none (or the fetch did not ask for them). The file name is the stable key; the
    size is left out (it moves only with the upload); the public address is made here, where the
    registry's URLs are known, so the core only quotes it."""
    where = "largeDocumentModule.largeDocs"
    section = read.module(study, "documentSection", "study")
    large = read.module(section, "largeDocumentModule", "documentSection")
    docs = read.items(large, "largeDocs", "largeDocumentModule")
    pairs = []
    for doc in docs:
        filename = (read.text(doc, "filename", where) or "").strip()
        if not filename:
            continue  # nothing to key it on, nothing to link to
        pairs.append((filename, {
            "type": read.text(doc, "typeAbbrev", where),
            "label": read.text(doc, "label", where),
            "date": read.text(doc, "date", where),
            "uploaded": read.text(doc, "uploadDate", where),
            "protocol": read.flag(doc, "hasProtocol", where),
            "sap": read.flag(doc, "hasSap", where),
            "icf": read.flag(doc, "hasIcf", where),
            "url": document_url(read.trial_id or "", filename),
        }))
    return {"documents": keyed_entries(pairs)} if pairs else {}


def study_ids(study: dict[str, Any]) -> tuple[str, ...]:
    """A served record's NCT id, then its aliases (upper case; empty when it has none usable)."""
    protocol = study.get("protocolSection")
    ident = protocol.get("identificationModule") if isinstance(protocol, dict) else None
    if not isinstance(ident, dict):
        return ()
    aliases = ident.get("nctIdAliases")
    candidates = [ident.get("nctId"), *(aliases if isinstance(aliases, list) else [])]
    return tuple(c.strip().upper() for c in candidates if isinstance(c, str) and c.strip())


def read_study(study: dict[str, Any]) -> Record:
    """A served study as a :class:`~monitor.core.model.Record`: its ids, and its view (or why not)."""
    ids = study_ids(study) if isinstance(study, dict) else ()
    try:
        view = view_of(study)
    except RecordShapeError as exc:
        return Record(ids, None, None, str(exc))
    return Record(ids, view, fingerprint(view))


def read_page(page: list[dict[str, Any]]) -> list[Record]:
    """A page of served studies as records, in order, emptying ``page`` as it goes: each raw study is let
    go once read, so a page of whole records (about 100 MiB parsed, with results) and its views (a
    fraction of that) are never all held at once."""
    page.reverse()
    records = []
    while page:
        records.append(read_study(page.pop()))
    return records

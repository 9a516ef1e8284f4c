"""The trial view: the registry-neutral, comparable projection of one registry record.

A registry adapter (``monitor/registry/<name>/``) turns its records into this shape; the core
fingerprints, diffs and words it without knowing where it came from::

    {"v": VIEW_VERSION, "id", "aliases", "title", "acronym", "updated" (last update posted),
     "status": {"overall", "last_known", "why_stopped", "verified"},     # neutral status codes
     "dates": {"start", "primary_completion", "completion"},            # {"date", "type"} or None
     "results": {"has_results", "first_posted", "first_submitted", "waived", "submissions", "findings"},
     "enrollment": {"count", "type"},
     "sites": {name: {"facility", "city", "state", "country", "status"}},
     "eligibility": {"criteria", "sex", "min_age", "max_age", "healthy_volunteers", "std_ages"},
     "arms": {"groups": {label: …}, "interventions": {name: …}},
     "outcomes": {"primary": {measure: …}, "secondary": …, "other": …},
     "sponsors": {"lead", "lead_class", "collaborators", "responsible_party"},
     "publications": {pmid or citation key: {"type", "citation"}},
     "documents": {filename: {"type", "label", "date", "uploaded", "protocol", "sap", "icf", "url"}},
     "about": {"phases", "conditions", "study_type", "organization"}}

``results.findings`` (what posted results say: each primary outcome's values per group and its
analyses, other outcomes' titles, who started and completed, serious adverse events and deaths per
group; groups named by title, not by the record's ids) is present only when the record was served
with its results section, for the same reason. ``documents`` (posted protocols, statistical analysis plans, consent forms) is present only when the
record has at least one, so the views of records without documents, and the snapshots stored before
it existed, keep their fingerprints; ``date`` is the document's own, ``uploaded`` when the sponsor
uploaded it (``YYYY-MM-DDTHH:MM``), ``url`` its public address as the registry adapter made it.

Lists whose order is churn (sites, outcomes, arms, publications …) are dicts keyed by what a
person would call each entry (:func:`keyed_entries`), so reordering is never a change and a diff
reports one site, not a flood. A change of this shape bumps ``VIEW_VERSION``: trials are then
re-baselined silently rather than alerted on a format change; a part that appears only in the
records that have it, as these two, needs no bump (its builder stays silent on a view that predates it).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

VIEW_VERSION = 1


def canonical(value: Any) -> bytes:
    """The value's canonical JSON (sorted keys): what fingerprints and orderings are taken over."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def fingerprint(view: dict[str, Any]) -> str:
    """sha256 (hex) of the view's canonical JSON: equal views, equal fingerprints."""
    return hashlib.sha256(canonical(view)).hexdigest()


def keyed_entries(pairs: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Entries keyed by name; identical names get " #2", " #3" in a content order, not list order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    keyed: dict[str, dict[str, Any]] = {}
    for key in sorted(groups):
        group = groups[key]
        if len(group) == 1:  # most names are unique: no content order to take (sorted() would still dump it)
            keyed[key] = group[0]
            continue
        for number, value in enumerate(sorted(group, key=canonical), start=1):
            keyed[key if number == 1 else f"{key} #{number}"] = value
    return keyed

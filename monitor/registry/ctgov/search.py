"""ClinicalTrials.gov searches: the neutral criteria as query parameters, and the listing's entries."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from monitor.core.searches import SearchHit
from monitor.registry.ctgov.facts import neutral_status
from monitor.registry.reader import as_dict

# a search's neutral criterion -> the registry's query parameter
PARAMETERS: dict[str, str] = {
    "condition": "query.cond",
    "intervention": "query.intr",
    "term": "query.term",
    "sponsor": "query.spons",
    "status": "filter.overallStatus",  # neutral statuses, "|"-separated: the registry's own codes
}


def query(criteria: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The registry's query parameters for a search's criteria."""
    return {PARAMETERS[name]: value for name, value in criteria}


def search_key(criteria: Sequence[tuple[str, str]]) -> str:
    """A search's stable name in the database: a hash of the query it sends, whatever the criteria's order
    (the first release's key, kept: a search keeps its stored matches only while it stays the same)."""
    sent = "&".join(f"{param}={value}" for param, value in sorted(query(criteria).items()))
    return hashlib.sha256(sent.encode()).hexdigest()[:16]


def read_hit(study: Mapping[str, Any]) -> SearchHit | None:
    """One entry of a search listing (fields NCTId, BriefTitle, Phase, …); None without a usable id."""
    protocol = as_dict(study.get("protocolSection"))
    ident = as_dict(protocol.get("identificationModule"))
    nct_id = ident.get("nctId")
    if not isinstance(nct_id, str) or not nct_id.strip():
        return None
    status = as_dict(protocol.get("statusModule")).get("overallStatus")
    phases = as_dict(protocol.get("designModule")).get("phases")
    sponsor = as_dict(as_dict(protocol.get("sponsorCollaboratorsModule")).get("leadSponsor")).get("name")
    locations = as_dict(protocol.get("contactsLocationsModule")).get("locations")
    countries = [loc.get("country") for loc in locations if isinstance(loc, dict)] if isinstance(locations, list) else []
    title = ident.get("briefTitle")
    return SearchHit(
        trial_id=nct_id.strip().upper(),
        title=title if isinstance(title, str) else None,
        phases=tuple(p for p in phases if isinstance(p, str)) if isinstance(phases, list) else (),
        sponsor=sponsor if isinstance(sponsor, str) else None,
        status=neutral_status(status) if isinstance(status, str) else None,
        countries=tuple(dict.fromkeys(c for c in countries if isinstance(c, str) and c.strip())),
    )

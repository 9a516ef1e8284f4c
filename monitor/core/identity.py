"""Which trial a served record answers: by its NCT id, or by one of its aliases (a re-registration)."""

from __future__ import annotations

from typing import Any

from monitor.core.decide import Reading, read_record


def study_ids(study: dict[str, Any]) -> list[str]:
    """A served record's NCT id, then its aliases (upper case; empty when it has none usable)."""
    protocol = study.get("protocolSection")
    ident = protocol.get("identificationModule") if isinstance(protocol, dict) else None
    if not isinstance(ident, dict):
        return []
    aliases = ident.get("nctIdAliases")
    candidates = [ident.get("nctId"), *(aliases if isinstance(aliases, list) else [])]
    return [c.strip().upper() for c in candidates if isinstance(c, str) and c.strip()]


def match_studies(page: list[dict[str, Any]], known: dict[str, str]) -> dict[str, Reading]:
    """Map each served record to the watched trial it answers, and read it.

    ``known`` maps every id we may meet (the watched id, or the id the registry served it under
    last time) to the watched id; a record answering none of them is left out.
    """
    readings: dict[str, Reading] = {}
    for study in page:
        watched = next((known[i] for i in study_ids(study) if i in known), None)
        if watched is not None:
            readings[watched] = read_record(study)
    return readings

"""Which watched trial a served record answers: by its id, or by one of its aliases (a re-registration)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from monitor.core.model import Record


def match(records: Iterable[Record], known: Mapping[str, str]) -> dict[str, Record]:
    """Map each served record to the watched trial it answers.

    ``known`` maps every id we may meet (the watched id, or the id the registry served it under
    last time) to the watched id; a record answering none of them is left out.
    """
    matched: dict[str, Record] = {}
    for record in records:
        watched = next((known[i] for i in record.ids if i in known), None)
        if watched is not None:
            matched[watched] = record
    return matched

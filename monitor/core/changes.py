"""What changed, field by field: a stored change event's old and new values as a person reads them.

An event's sentence says what happened ("Primary completion slipped 6 months …"); a trial's page
also shows *what exactly changed*: each field's value before and after, an inline word diff for long
text (eligibility criteria, why stopped, descriptions), and the lists of what was added or removed
(sites, arms, interventions, outcomes, collaborators, publications). Pure: values in, values out;
the values are plain text (the page escapes them).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor.core.status import status_words
from monitor.core.words import code_words

Run = tuple[str, str]  # ("same" | "added" | "removed", words)
LONG_TEXT = 80  # characters: longer text gets a word diff rather than before → after


@dataclass(frozen=True)
class FieldChange:
    """One field of one change: its value before and after (words), and, where it helps, a word diff
    or the entries added and removed."""

    label: str
    before: str | None = None
    after: str | None = None
    diff: tuple[Run, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


FIELD_LABELS = {
    "overall_status": "Overall status", "last_known_status": "Last known status", "why_stopped": "Why stopped",
    "status_verified": "Status verified", "start": "Study start", "primary_completion": "Primary completion",
    "completion": "Study completion", "has_results": "Results posted", "first_submitted": "Results first submitted",
    "waived": "Results waiver", "enrollment": "Enrollment", "criteria": "Eligibility criteria", "sex": "Sex",
    "min_age": "Minimum age", "max_age": "Maximum age", "healthy_volunteers": "Healthy volunteers",
    "std_ages": "Age groups", "arm_groups": "Arms", "interventions": "Interventions", "sites": "Sites",
    "primary_outcomes": "Primary outcomes", "secondary_outcomes": "Secondary outcomes", "other_outcomes": "Other outcomes",
    "lead": "Lead sponsor", "lead_class": "Lead sponsor class", "collaborators": "Collaborators",
    "responsible_party": "Responsible party", "publication_added": "Publications", "publication_removed": "Publications",
    "last_update_posted": "Last update posted", "nct_id": "Registered as", "record": "In the registry",
    "search": "Search", "submission": "Results submission", "submission_returned": "Results submission",
    "submission_cancelled": "Results submission",
    "document_posted": "Documents", "document_replaced": "Documents", "document_removed": "Documents",
}


def what_changed(kind: str, field: str, old: Any, new: Any) -> list[FieldChange]:
    """The fields one stored event changed, for people (never raises on values of an odd shape)."""
    label = FIELD_LABELS.get(field, field.replace("_", " ").capitalize())
    if kind == "status":
        return [FieldChange(label, _status(old), _status(new))]
    if kind in ("not_found", "found_again"):
        gone = kind == "not_found"
        return [FieldChange("In the registry", "yes" if gone else "no", "no" if gone else "yes")]
    if kind == "date":
        return [FieldChange(label, _date(old), _date(new))]
    if kind == "enrollment":
        return [FieldChange(label, _enrollment(old), _enrollment(new))]
    if kind in ("sites", "site_near"):
        return _sites(old, new)
    if kind in ("arms", "interventions", "outcomes", "outcome_switch", "publications", "document"):
        return [_entries(label, old, new)]
    if field == "collaborators":
        before, after = set(_texts(old)), set(_texts(new))
        return [FieldChange(label, added=tuple(sorted(after - before)), removed=tuple(sorted(before - after)))]
    if field == "std_ages":
        return [FieldChange(label, ", ".join(map(code_words, _texts(old))) or None,
                            ", ".join(map(code_words, _texts(new))) or None)]
    if field in ("sex", "lead_class"):
        return [FieldChange(label, code_words(old) if old else None, code_words(new) if new else None)]
    if kind == "expectation":
        return [FieldChange(field.replace("_", " ").capitalize(), _yes_no(old), _yes_no(new))]
    if kind in ("new_trial", "no_longer_matches"):
        return [FieldChange("Matches the search", None if kind == "new_trial" else str(old),
                            str(new) if kind == "new_trial" else None)]
    if kind == "results" and field == "has_results" and isinstance(new, Mapping):
        return _results_found(new)
    if kind == "results_updated":
        return [FieldChange("Results updated", None, line) for line in _texts(new)]
    if field.startswith("submission"):
        return [FieldChange(label, _submission(old), _submission(new))]
    if isinstance(old, bool) or isinstance(new, bool):
        return [FieldChange(label, _yes_no(old), _yes_no(new))]
    return [_text(label, old, new)]


def _text(label: str, old: Any, new: Any) -> FieldChange:
    before, after = _words(old), _words(new)
    if before and after and max(len(before), len(after)) > LONG_TEXT:
        return FieldChange(label, before, after, diff=word_diff(before, after))
    return FieldChange(label, before, after)


def word_diff(before: str, after: str) -> tuple[Run, ...]:
    """The words of ``after`` with what was removed from ``before`` between them, as runs."""
    old, new = before.split(), after.split()
    large = len(old) * len(new) > 1_000_000  # a rewrite: a rougher, bounded diff is fine
    runs: list[Run] = []

    def add(op: str, words: list[str]) -> None:
        if not words:
            return
        if runs and runs[-1][0] == op:
            runs[-1] = (op, f"{runs[-1][1]} {' '.join(words)}")
        else:
            runs.append((op, " ".join(words)))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=large).get_opcodes():
        if tag == "equal":
            add("same", old[i1:i2])
            continue
        add("removed", old[i1:i2])
        add("added", new[j1:j2])
    return tuple(runs)


def _status(code: Any) -> str | None:
    return status_words(code) if isinstance(code, str) and code else None


def _date(struct: Any) -> str | None:
    if not isinstance(struct, Mapping) or not struct.get("date"):
        return None
    kind = struct.get("type")
    return f"{struct['date']} ({str(kind).lower()})" if kind else str(struct["date"])


def _enrollment(value: Any) -> str | None:
    if not isinstance(value, Mapping) or value.get("count") is None:
        return None
    kind = value.get("type")
    return f"{value['count']} ({str(kind).lower()})" if kind else str(value["count"])


def _yes_no(value: Any) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _words(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or None
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, "", [])) or None
    return str(value)


def _texts(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else []


def _entry_name(key: str) -> str:
    """A keyed entry's name for people: a site key ``facility | city | country`` reads with commas."""
    return ", ".join(part for part in (p.strip() for p in key.split(" | ")) if part) if " | " in key else key


def _sites(old: Any, new: Any) -> list[FieldChange]:
    before = old if isinstance(old, Mapping) else {}
    after = new if isinstance(new, Mapping) else {}
    changes = [FieldChange("Sites", added=tuple(_entry_name(k) for k in _texts(after.get("added"))),
                           removed=tuple(_entry_name(k) for k in _texts(before.get("removed"))))]
    moves = after.get("status") if isinstance(after.get("status"), Mapping) else {}
    was = before.get("status") if isinstance(before.get("status"), Mapping) else {}
    for key, status in moves.items():
        changes.append(FieldChange(f"Site status: {_entry_name(str(key))}", _status(was.get(key)), _status(status)))
    return [c for c in changes if c.added or c.removed or c.before or c.after]


def _entries(label: str, old: Any, new: Any) -> FieldChange:
    """Keyed entries (arms, outcomes, publications …): {name: entry, or None where it is absent}."""
    before = old if isinstance(old, Mapping) else {}
    after = new if isinstance(new, Mapping) else {}
    added = [k for k in after if after.get(k) is not None and before.get(k) is None]
    removed = [k for k in before if before.get(k) is not None and after.get(k) is None]
    edited = [k for k in after if after.get(k) is not None and before.get(k) is not None and after[k] != before[k]]
    shown = [_citation(k, after.get(k)) for k in added]
    gone = [_citation(k, before.get(k)) for k in removed]
    return FieldChange(label, "edited: " + "; ".join(edited) if edited else None, None,
                       added=tuple(shown), removed=tuple(gone))


def _citation(key: str, entry: Any) -> str:
    """A publication by its PMID and citation; any other entry by its name."""
    if isinstance(entry, Mapping) and entry.get("citation") and (key.isdigit() or key.startswith("citation:")):
        return f"PMID {key}: {entry['citation']}" if key.isdigit() else str(entry["citation"])
    return _entry_name(key)


def _results_found(new: Mapping[str, Any]) -> list[FieldChange]:
    """Results posted: the date, then what they say (:func:`monitor.core.findings.summary`), outcome by outcome."""
    said = new.get("summary") if isinstance(new.get("summary"), Mapping) else {}
    changes = [FieldChange("Results posted", "no", f"yes, on {new['posted']}" if new.get("posted") else "yes")]
    for outcome in said.get("outcomes") or []:
        rows = [("" if not row.get("label") else f"{row['label']}: ")
                + "; ".join(f"{cell['group']}: {cell['value']}" for cell in row.get("values") or [])
                for row in outcome.get("rows") or []]
        compared = (outcome.get("comparison") or {}).get("text")
        changes.append(FieldChange(str(outcome.get("title") or "Primary outcome"), None,
                                   " · ".join(rows + ([f"comparison: {compared}"] if compared else [])) or "no values"))
    people = [f"{p['group']}: {p.get('started') or '?'} started, {p.get('completed') or '?'} completed"
              for p in said.get("participants") or []]
    if people:
        changes.append(FieldChange("Participants", None, "; ".join(people)))
    serious = [f"{a['group']}: {a.get('affected')} of {a.get('at_risk')}"
               + (f", {a['deaths']} deaths" if a.get("deaths") is not None else "") for a in said.get("serious") or []]
    if serious:
        changes.append(FieldChange("Serious adverse events", None, "; ".join(serious)))
    return changes


def _submission(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return None
    parts = [f"submitted {value['release']}" if value.get("release") else "",
             f"returned {value['reset']}" if value.get("reset") else "",
             f"cancelled {value['unrelease']}" if value.get("unrelease") else ""]
    return ", ".join(p for p in parts if p) or None

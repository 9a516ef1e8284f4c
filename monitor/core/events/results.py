"""Results events: posted (with what they say), corrected or extended, removed, waived, and the
quality-review steps of a submission.

When results first appear the event carries the summary of what they say
(:func:`monitor.core.findings.summary`) as its ``new`` value, for templates to lay out. Once
posted, a later version whose findings differ says what differs, value by value (old → new);
renumbered ids and re-ordered lists are no change (findings name groups by their titles). A view
stored before findings were kept (results posted, no ``findings``) catches up silently.
"""

from __future__ import annotations

from typing import Any

from monitor.core.events.base import Changes, event, touched
from monitor.core.findings import comparison, summary, value_words
from monitor.core.model import ChangeEvent, Level
from monitor.core.view import canonical
from monitor.core.words import clip, day_words, listing, md_escape, quoted, text_key, yes_no

MOST_CORRECTIONS = 6


def results_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """Results posted (HIGH), corrected (MEDIUM), removed, waived, and quality-review steps (MEDIUM)."""
    fields, events = touched(changes), []
    posted_now = "has_results" in fields and new.get("has_results") and not old.get("has_results")
    if posted_now:
        events.append(posted(new))
    elif "has_results" in fields and old.get("has_results") and not new.get("has_results"):
        events.append(event("results", "has_results", True, False, "Results removed from the record", Level.MEDIUM))
    elif "findings" in fields and old.get("has_results") and "findings" in old and new.get("findings"):
        events += corrections(old["findings"], new["findings"])
    if "first_submitted" in fields and new.get("first_submitted") and not posted_now:
        text = f"Results first submitted on {day_words(new['first_submitted'])}"
        events.append(event("results", "first_submitted", old.get("first_submitted"), new["first_submitted"], text, Level.MEDIUM))
    if "waived" in fields:
        text = f"Results waiver: {yes_no(old.get('waived'))} → {yes_no(new.get('waived'))}"
        events.append(event("results", "waived", old.get("waived"), new.get("waived"), text, Level.MEDIUM))
    if "submissions" in fields:
        events += submission_events(old.get("submissions") or [], new.get("submissions") or [])
    return events


def posted(new: dict[str, Any]) -> ChangeEvent:
    """Results posted: the date in the sentence, what they say in ``new["summary"]`` (None when unreadable)."""
    when = new.get("first_posted")
    text = f"Results posted on {day_words(when)}" if when else "Results posted"
    said = summary(new.get("findings"))
    return event("results", "has_results", False, {"posted": when, "summary": said}, text, Level.HIGH)


def submission_events(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[ChangeEvent]:
    """Quality-review steps, matching submissions on their release date so reordering says nothing."""
    before = {entry.get("release"): entry for entry in old}
    events = []
    for entry in new:
        if entry in old:
            continue
        earlier = before.get(entry.get("release"), {})
        if entry.get("release") and not earlier:
            text = f"Results submitted on {day_words(entry['release'])}, in quality review"
            events.append(event("results", "submission", None, entry, text, Level.MEDIUM))
        if entry.get("reset") and entry.get("reset") != earlier.get("reset"):
            text = f"Results returned to the sponsor on {day_words(entry['reset'])} (quality review comments)"
            events.append(event("results", "submission_returned", earlier or None, entry, text, Level.MEDIUM))
        if entry.get("unrelease") and entry.get("unrelease") != earlier.get("unrelease"):
            text = f"Results submission cancelled by the sponsor on {day_words(entry['unrelease'])}"
            events.append(event("results", "submission_cancelled", earlier or None, entry, text, Level.MEDIUM))
    return events


# ── corrections ─────────────────────────────────────────────────────────────────────────


def _by_text(entries: dict[str, Any]) -> dict[Any, tuple[str, Any]]:
    """Entries keyed by their name's text key: a title re-cased or re-spaced is the same entry."""
    return {text_key(name): (name, value) for name, value in entries.items()}


def _cells(outcome: dict[str, Any]) -> dict[tuple[Any, Any], tuple[str, str, dict[str, Any]]]:
    """(row label, group) → (row label, group title, the cell) of an outcome, matched on text keys."""
    return {
        (text_key(row.get("label") or ""), text_key(group)): (row.get("label") or "", group, cell)
        for row in outcome.get("rows") or [] for group, cell in (row.get("values") or {}).items()
    }


def _value_changes(title: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    lines = []
    old_cells, new_cells = _cells(before), _cells(after)
    for key, (label, group, cell) in new_cells.items():
        was = old_cells.get(key, (label, group, None))[2]
        if was is not None and text_key(was) == text_key(cell):
            continue
        where = f"{quoted(title, 60)}" + (f" ({md_escape(clip(label, 40))})" if label else "")
        lines.append(f"{where}, {md_escape(clip(group, 50))}: "
                     f"{md_escape(value_words(before, was))} → {md_escape(value_words(after, cell))}")
    for key, (label, group, cell) in old_cells.items():
        if key not in new_cells:
            where = f"{quoted(title, 60)}" + (f" ({md_escape(clip(label, 40))})" if label else "")
            lines.append(f"{where}, {md_escape(clip(group, 50))}: {md_escape(value_words(before, cell))} → not reported")
    return lines


def _analysis_key(analysis: dict[str, Any]) -> bytes:
    """What identifies an analysis: the groups it compares, its estimate's kind and its method."""
    return canonical(text_key([sorted(analysis.get("groups") or []), analysis.get("param_type") or "",
                               analysis.get("method") or ""]))


def _analysis_changes(title: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old = {_analysis_key(a): a for a in before.get("analyses") or []}
    new = {_analysis_key(a): a for a in after.get("analyses") or []}
    lines = []
    for key, analysis in new.items():
        was = old.get(key)
        shown = md_escape(comparison(analysis)["text"] or "an analysis")
        if was is None:
            lines.append(f"{quoted(title, 60)}: analysis added ({shown})")
        elif text_key({k: v for k, v in was.items() if k != "groups"}) != text_key(
                {k: v for k, v in analysis.items() if k != "groups"}):
            lines.append(f"{quoted(title, 60)}: {md_escape(comparison(was)['text'])} → {shown}")
    lines += [f"{quoted(title, 60)}: analysis removed ({md_escape(comparison(a)['text'] or 'an analysis')})"
              for key, a in old.items() if key not in new]
    return lines


def _outcome_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    before, after = _by_text(old.get("primary") or {}), _by_text(new.get("primary") or {})
    lines = [f"primary outcome added: {quoted(name, 100)}" for key, (name, _) in after.items() if key not in before]
    lines += [f"primary outcome removed: {quoted(name, 100)}" for key, (name, _) in before.items() if key not in after]
    for key, (name, outcome) in after.items():
        if key in before:
            lines += _value_changes(name, before[key][1], outcome) + _analysis_changes(name, before[key][1], outcome)
    others_old = {text_key(t): t for t in old.get("other_outcomes") or []}
    others_new = {text_key(t): t for t in new.get("other_outcomes") or []}
    added = [quoted(t, 80) for k, t in others_new.items() if k not in others_old]
    removed = [quoted(t, 80) for k, t in others_old.items() if k not in others_new]
    if added:
        lines.append(f"{'other outcome' if len(added) == 1 else f'{len(added)} other outcomes'} added: {listing(added, 3)}")
    if removed:
        lines.append(f"{'other outcome' if len(removed) == 1 else f'{len(removed)} other outcomes'} removed: "
                     f"{listing(removed, 3)}")
    return lines


def _count_changes(label: str, old: dict[str, Any], new: dict[str, Any], field: str, of: str | None = None) -> list[str]:
    lines = []
    for group in sorted(set(old) | set(new), key=lambda g: (g not in new, g)):
        before, after = (old.get(group) or {}).get(field), (new.get(group) or {}).get(field)
        if before == after or (before is None and after is None):
            continue
        tail = f" of {(new.get(group) or {}).get(of)}" if of and (new.get(group) or {}).get(of) is not None else ""
        lines.append(f"{label}, {md_escape(clip(group, 50))}: {before if before is not None else 'none'} → "
                     f"{after if after is not None else 'not reported'}{tail}")
    return lines


def _people_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    bad_old, bad_new = (old.get("adverse") or {}).get("counts") or {}, (new.get("adverse") or {}).get("counts") or {}
    lines = _count_changes("serious adverse events", bad_old, bad_new, "serious", "at_risk")
    lines += _count_changes("deaths", bad_old, bad_new, "deaths", "deaths_at_risk")
    flow_old, flow_new = old.get("flow") or {}, new.get("flow") or {}
    for field, label in (("started", "participants who started"), ("completed", "participants who completed")):
        before = {g: {"n": v} for g, v in (flow_old.get(field) or {}).items()}
        after = {g: {"n": v} for g, v in (flow_new.get(field) or {}).items()}
        lines += _count_changes(label, before, after, "n")
    return lines


def corrections(old: dict[str, Any], new: dict[str, Any]) -> list[ChangeEvent]:
    """Posted results corrected or extended: what differs, value by value (MEDIUM); [] for churn."""
    if old.get("unreadable") or new.get("unreadable"):
        return []
    lines = _outcome_changes(old, new) + _people_changes(old, new)
    if not lines:
        return []
    text = "Results updated: " + listing(lines, MOST_CORRECTIONS)
    return [event("results_updated", "findings", None, lines, text, Level.MEDIUM)]

"""Protocol events: eligibility, arms and interventions, outcomes, sponsors, publications."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from monitor.core.events.base import Changes, event, keyed, touched, within
from monitor.core.model import ChangeEvent, Level
from monitor.core.words import clip, code_words, count_words, inline, listing, md_escape, quoted, yes_no

OUTCOME_LABELS = {"primary": "Primary outcomes", "secondary": "Secondary outcomes", "other": "Other outcomes"}
FIELD_WORDS = {"time_frame": "time frame", "other_names": "other names", "interventions": "interventions"}


def criteria_edits(before: str, after: str, most: int = 3) -> str:
    """Word-level summary of an edit: ``added “…”, removed “…”`` (at most ``most`` fragments, then "…")."""
    old_words, new_words = before.split(), after.split()
    # Edits are usually local: set the shared head and tail aside so the matcher sees little.
    head = 0
    while head < min(len(old_words), len(new_words)) and old_words[head] == new_words[head]:
        head += 1
    tail = 0
    while tail < min(len(old_words), len(new_words)) - head and old_words[-1 - tail] == new_words[-1 - tail]:
        tail += 1
    old_words = old_words[head : len(old_words) - tail]
    new_words = new_words[head : len(new_words) - tail]
    large = len(old_words) * len(new_words) > 1_000_000  # a rewrite: a rougher, bounded diff is fine
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=large)
    fragments = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            fragments.append(f"added {quoted(' '.join(new_words[j1:j2]), 80)}")
        if tag in ("replace", "delete"):
            fragments.append(f"removed {quoted(' '.join(old_words[i1:i2]), 80)}")
    if not fragments:
        return "layout only"
    return ", ".join(fragments[:most]) + (", …" if len(fragments) > most else "")


ELIGIBILITY_LABELS = {"sex": "Sex", "min_age": "Minimum age", "max_age": "Maximum age",
                      "healthy_volunteers": "Healthy volunteers", "std_ages": "Age groups"}


def eligibility_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """LOW events: criteria text edited (word-level summary), sex, ages, healthy volunteers."""
    fields, events = touched(changes), []
    if "criteria" in fields:
        before, after = old.get("criteria"), new.get("criteria")
        if before and after:
            text = f"Eligibility criteria edited: {criteria_edits(before, after)}"
        else:
            text = "Eligibility criteria added" if after else "Eligibility criteria removed"
        events.append(event("eligibility", "criteria", before, after, text, Level.LOW))
    for name, label in ELIGIBILITY_LABELS.items():
        if name not in fields:
            continue
        before, after = old.get(name), new.get(name)
        if name == "healthy_volunteers":
            shown = (yes_no(before), yes_no(after))
        elif name == "std_ages":
            shown = (", ".join(code_words(a) for a in before or []) or "not given",
                     ", ".join(code_words(a) for a in after or []) or "not given")
        elif name == "sex":
            shown = (code_words(before), code_words(after))
        else:
            shown = (inline(before, 40), inline(after, 40))
        events.append(event("eligibility", name, before, after, f"{label}: {shown[0]} → {shown[1]}", Level.LOW))
    return events


# ── arms, interventions, outcomes ───────────────────────────────────────────────────────


def entry_words(key: str) -> str:
    """A keyed entry's name for people: ``"DRUG: Aspirin"`` → ``"Drug: Aspirin"`` (type codes in words)."""
    code, sep, rest = key.partition(": ")
    if sep and code.replace("_", "").isalpha() and code.isupper():
        return f"{code_words(code)}: {rest}"
    return key


def _fields_words(fields: set[str]) -> str:
    return ", ".join(FIELD_WORDS.get(f, f.replace("_", " ")) for f in sorted(fields))


def arm_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """LOW events: arm groups and interventions added, removed or edited (one event each)."""
    events = []
    for name, kind, label in (("groups", "arms", "Arms"), ("interventions", "interventions", "Interventions")):
        entries = keyed(within(changes, name))
        parts = []
        if entries.added:
            parts.append("added " + listing([quoted(entry_words(k)) for k in entries.added], sep=", "))
        if entries.removed:
            parts.append("removed " + listing([quoted(entry_words(k)) for k in entries.removed], sep=", "))
        if entries.edited:
            parts.append(listing([f"{quoted(entry_words(k))} edited ({_fields_words(f)})" for k, f in entries.edited.items()], sep=", "))
        if parts:
            field = "arm_groups" if name == "groups" else name
            before, after = (old.get(name) or {}), (new.get(name) or {})
            names = entries.added + entries.removed + list(entries.edited)
            events.append(event(kind, field, {k: before.get(k) for k in names}, {k: after.get(k) for k in names},
                                 f"{label}: " + "; ".join(parts), Level.LOW))
    return events


def _outcome_edit(key: str, fields: set[str], before: dict[str, Any], after: dict[str, Any]) -> str:
    details = []
    if "time_frame" in fields:
        details.append(f"time frame {inline(before.get('time_frame'), 60)} → {inline(after.get('time_frame'), 60)}")
    if "description" in fields:
        details.append("description edited")
    return quoted(key) + (": " + ", ".join(details) if details else "")


def outcome_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """LOW events: primary/secondary/other outcome measures added, removed or edited."""
    events = []
    for tier, label in OUTCOME_LABELS.items():
        entries = keyed(within(changes, tier))
        before, after = old.get(tier) or {}, new.get(tier) or {}
        parts = []
        if entries.added:
            parts.append(f"{len(entries.added)} added ({listing([quoted(k) for k in entries.added], 3)})")
        if entries.removed:
            parts.append(f"{len(entries.removed)} removed ({listing([quoted(k) for k in entries.removed], 3)})")
        if entries.edited:
            edits = [_outcome_edit(k, f, before.get(k) or {}, after.get(k) or {}) for k, f in entries.edited.items()]
            parts.append(f"{len(edits)} edited ({listing(edits, 3)})")
        if parts:
            names = entries.added + entries.removed + list(entries.edited)
            events.append(event("outcomes", f"{tier}_outcomes", {k: before.get(k) for k in names},
                                 {k: after.get(k) for k in names}, f"{label}: " + ", ".join(parts), Level.LOW))
    return events


# ── sponsors and publications ───────────────────────────────────────────────────────────


def sponsor_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """LOW events: lead sponsor, collaborators, responsible party."""
    fields, events = touched(changes), []

    def change(field: str, label: str, words: Callable[[Any], str]) -> None:
        before, after = old.get(field), new.get(field)
        events.append(event("sponsors", field, before, after, f"{label}: {words(before)} → {words(after)}", Level.LOW))

    if "lead" in fields:
        change("lead", "Lead sponsor", lambda name: inline(name, 100))
    elif "lead_class" in fields:
        change("lead_class", "Lead sponsor class", code_words)
    if "collaborators" in fields:
        before, after = set(old.get("collaborators") or []), set(new.get("collaborators") or [])
        parts = []
        if after - before:
            parts.append("added " + listing([quoted(n) for n in sorted(after - before)], sep=", "))
        if before - after:
            parts.append("removed " + listing([quoted(n) for n in sorted(before - after)], sep=", "))
        if parts:
            events.append(event("sponsors", "collaborators", sorted(before), sorted(after),
                                 "Collaborators: " + "; ".join(parts), Level.LOW))
    if "responsible_party" in fields:
        change("responsible_party", "Responsible party", lambda party: inline(entry_words(party), 100) if party else "not given")
    return events


def publication_words(key: str, entry: dict[str, Any] | None) -> str:
    """A linked publication for people: ``PMID 123 — citation…``."""
    citation = inline((entry or {}).get("citation") or "no citation", 120)
    return f"PMID {md_escape(key)} — {citation}" if key.isdigit() else citation


def publication_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """LOW events: publications newly linked (one each, up to five) or no longer linked."""
    entries, events = keyed(changes), []
    for key in entries.added[:5]:
        text = f"New linked publication: {publication_words(key, new.get(key))}"
        events.append(event("publications", "publication_added", None, {key: new.get(key)}, text, Level.LOW))
    if len(entries.added) > 5:
        more = entries.added[5:]
        text = f"{count_words(len(more), 'more linked publication')}: " + listing([publication_words(k, new.get(k))[:40] for k in more], 3)
        events.append(event("publications", "publication_added", None, {k: new.get(k) for k in more}, clip(text, 300), Level.LOW))
    if entries.removed:
        names = [f"PMID {md_escape(k)}" if k.isdigit() else quoted((old.get(k) or {}).get("citation"), 60) for k in entries.removed]
        text = "Publication no longer linked: " + listing(names, sep=", ")
        events.append(event("publications", "publication_removed", {k: old.get(k) for k in entries.removed}, None, text, Level.LOW))
    return events

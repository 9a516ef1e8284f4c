"""Protocol events: eligibility, arms and interventions, outcomes, sponsors, publications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from monitor.core.events.base import Changes, Keyed, earlier, event, keyed_text, touched, within
from monitor.core.events.citations import added_words, is_results, publication_words
from monitor.core.events.criteria import criteria_changes, criteria_edits, criteria_words
from monitor.core.model import ChangeEvent, Level
from monitor.core.words import (
    clip,
    code_words,
    count_words,
    day_words,
    inline,
    listing,
    md_escape,
    quoted,
    same_text,
    text_key,
    yes_no,
)

__all__ = ["arm_events", "criteria_edits", "eligibility_events", "outcome_events", "publication_events",
           "publication_words", "sponsor_events", "started_before", "switch_events"]

OUTCOME_LABELS = {"primary": "Primary outcomes", "secondary": "Secondary outcomes", "other": "Other outcomes"}
FIELD_WORDS = {"time_frame": "time frame", "other_names": "other names", "interventions": "interventions"}


ELIGIBILITY_LABELS = {"sex": "Sex", "min_age": "Minimum age", "max_age": "Maximum age",
                      "healthy_volunteers": "Healthy volunteers", "std_ages": "Age groups"}


def eligibility_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """LOW events: criteria added, removed or edited (criterion by criterion), sex, ages, healthy
    volunteers; nothing for an edit of case, spacing or Markdown escaping only."""
    fields, events = touched(changes), []
    if "criteria" in fields and not same_text(old.get("criteria"), new.get("criteria")):
        before, after = old.get("criteria"), new.get("criteria")
        if before and after:  # nothing when only the layout moved (blank lines, bullet marks)
            moved = criteria_changes(before, after)
            text = criteria_words(moved) if moved else None
        else:
            text = "Eligibility criteria added" if after else "Eligibility criteria removed"
        if text:
            events.append(event("eligibility", "criteria", before, after, text, Level.LOW))
    for name, label in ELIGIBILITY_LABELS.items():
        before, after = old.get(name), new.get(name)
        if name not in fields or same_text(before, after):
            continue
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
        before, after = (old.get(name) or {}), (new.get(name) or {})
        entries = keyed_text(before, after, within(changes, name))
        parts = []
        if entries.added:
            parts.append("added " + listing([quoted(entry_words(k)) for k in entries.added], sep=", "))
        if entries.removed:
            parts.append("removed " + listing([quoted(entry_words(k)) for k in entries.removed], sep=", "))
        if entries.edited:
            parts.append(listing([f"{quoted(entry_words(k))} edited ({_fields_words(f)})" for k, f in entries.edited.items()], sep=", "))
        if parts:
            field = "arm_groups" if name == "groups" else name
            names = entries.added + entries.removed + list(entries.edited)
            events.append(event(kind, field, {k: before.get(entries.old_key(k)) for k in names}, {k: after.get(k) for k in names},
                                 f"{label}: " + "; ".join(parts), Level.LOW))
    return events


def _outcome_edit(key: str, fields: set[str], before: dict[str, Any], after: dict[str, Any]) -> str:
    details = []
    if "time_frame" in fields:
        details.append(f"time frame {inline(before.get('time_frame'), 60)} → {inline(after.get('time_frame'), 60)}")
    if "description" in fields:
        details.append("description edited")
    return quoted(key) + (": " + ", ".join(details) if details else "")


def outcome_events(
    old: dict[str, Any], new: dict[str, Any], changes: Changes, start: dict[str, Any] | None = None,
    updated: str | None = None,
) -> list[ChangeEvent]:
    """LOW events: primary/secondary/other outcome measures added, removed or edited. A primary outcome
    added, removed or edited after the trial started (``start``, the new view's start date, is actual and
    earlier than ``updated``, the change's "last update posted") is outcome switching instead: HIGH
    ``outcome_switch`` events, one per outcome (:func:`switch_events`)."""
    events = []
    started = started_before(start, updated)
    for tier, label in OUTCOME_LABELS.items():
        before, after = old.get(tier) or {}, new.get(tier) or {}
        entries = keyed_text(before, after, within(changes, tier))
        if tier == "primary" and started:
            events += switch_events(before, after, entries, started)
            continue
        parts = []
        if entries.added:
            parts.append(f"{len(entries.added)} added ({listing([quoted(k) for k in entries.added], 3)})")
        if entries.removed:
            parts.append(f"{len(entries.removed)} removed ({listing([quoted(k) for k in entries.removed], 3)})")
        if entries.edited:
            edits = [_outcome_edit(k, f, before.get(entries.old_key(k)) or {}, after.get(k) or {})
                     for k, f in entries.edited.items()]
            parts.append(f"{len(edits)} edited ({listing(edits, 3)})")
        if parts:
            names = entries.added + entries.removed + list(entries.edited)
            events.append(event("outcomes", f"{tier}_outcomes", {k: before.get(entries.old_key(k)) for k in names},
                                 {k: after.get(k) for k in names}, f"{label}: " + ", ".join(parts), Level.LOW))
    return events


# ── outcome switching: the primary outcomes edited after the trial started ───────────────

SWITCHES_SHOWN = 5  # primary outcomes told one by one in one change; beyond, one line for the rest


def started_before(start: dict[str, Any] | None, updated: str | None) -> str | None:
    """The trial's start date when it is actual and known to come before ``updated`` (the change's
    "last update posted", compared at the coarser precision: a start in ``2024-03`` is not before
    ``2024-03-15``); None otherwise (estimated, not given, or not known to be earlier)."""
    if not isinstance(start, dict) or str(start.get("type") or "").upper() != "ACTUAL":
        return None
    day = start.get("date")
    return day if isinstance(day, str) and earlier(day, updated) else None


def _renamed(before: dict[str, Any], after: dict[str, Any], added: list[str], removed: list[str]) -> dict[str, str]:
    """Primary outcomes whose title was edited (new title → old): the ones whose description stayed the
    same, or the only one removed and the only one added."""
    pairs: dict[str, str] = {}
    left = list(removed)
    for new_key in added:
        described = text_key((after.get(new_key) or {}).get("description"))
        twin = next((k for k in left if described and text_key((before.get(k) or {}).get("description")) == described),
                    None)
        if twin is not None:
            pairs[new_key] = twin
            left.remove(twin)
    rest = [k for k in added if k not in pairs]
    if len(rest) == 1 and len(left) == 1:
        pairs[rest[0]] = left[0]
    return pairs


def _switch_details(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    details = []
    if not same_text(before.get("time_frame"), after.get("time_frame")):
        details.append(f"time frame {quoted(before.get('time_frame'), 60)} → {quoted(after.get('time_frame'), 60)}")
    if not same_text(before.get("description"), after.get("description")):
        details.append("description edited")
    return details


def switch_events(before: dict[str, Any], after: dict[str, Any], entries: Keyed, started: str) -> list[ChangeEvent]:
    """HIGH ``outcome_switch`` events: each primary outcome whose title, description or time frame was
    edited, or that was added or removed, after the trial started (up to five; then one for the rest)."""
    when = f"after the trial started (started {day_words(started)})"
    renamed = _renamed(before, after, entries.added, entries.removed)
    told: list[tuple[str, Any, Any, str]] = []  # (outcome, old, new, sentence)
    for new_key, old_key in renamed.items():
        details = [f"title {quoted(old_key)} → {quoted(new_key)}",
                   *_switch_details(before.get(old_key) or {}, after.get(new_key) or {})]
        told.append((new_key, {old_key: before.get(old_key)}, {new_key: after.get(new_key)},
                     f"Primary outcome changed {when}: " + ", ".join(details)))
    for key in entries.edited:
        was = entries.old_key(key)
        details = _switch_details(before.get(was) or {}, after.get(key) or {}) or ["edited"]
        told.append((key, {was: before.get(was)}, {key: after.get(key)},
                     f"Primary outcome changed {when}: {', '.join(details)} for {quoted(key)}"))
    for key in entries.added:
        if key not in renamed:
            told.append((key, None, {key: after.get(key)}, f"Primary outcome added {when}: {quoted(key)}"))
    for key in entries.removed:
        if key not in renamed.values():
            told.append((key, {key: before.get(key)}, None, f"Primary outcome removed {when}: {quoted(key)}"))
    events = [event("outcome_switch", "primary_outcomes", old, new, text, Level.HIGH)
              for _, old, new, text in told[:SWITCHES_SHOWN]]
    if len(told) > SWITCHES_SHOWN:
        rest = told[SWITCHES_SHOWN:]
        olds = {k: v for _, old, _, _ in rest for k, v in (old or {}).items()}
        news = {k: v for _, _, new, _ in rest for k, v in (new or {}).items()}
        text = f"{count_words(len(rest), 'more primary outcome')} changed {when}: " + listing(
            [quoted(name) for name, _, _, _ in rest], 3)
        events.append(event("outcome_switch", "primary_outcomes", olds or None, news or None, text, Level.HIGH))
    return events


# ── sponsors and publications ───────────────────────────────────────────────────────────


def sponsor_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """LOW events: lead sponsor, collaborators, responsible party (not for case or spacing only)."""
    fields, events = touched(changes), []

    def change(field: str, label: str, words: Callable[[Any], str]) -> bool:
        before, after = old.get(field), new.get(field)
        if same_text(before, after):
            return False
        events.append(event("sponsors", field, before, after, f"{label}: {words(before)} → {words(after)}", Level.LOW))
        return True

    if not ("lead" in fields and change("lead", "Lead sponsor", lambda name: inline(name, 100))) and "lead_class" in fields:
        change("lead_class", "Lead sponsor class", code_words)
    if "collaborators" in fields:
        before, after = old.get("collaborators") or [], new.get("collaborators") or []
        kept_before, kept_after = {text_key(n) for n in before}, {text_key(n) for n in after}
        came = sorted({n for n in after if text_key(n) not in kept_before})
        went = sorted({n for n in before if text_key(n) not in kept_after})
        parts = []
        if came:
            parts.append("added " + listing([quoted(n) for n in came], sep=", "))
        if went:
            parts.append("removed " + listing([quoted(n) for n in went], sep=", "))
        if parts:
            events.append(event("sponsors", "collaborators", sorted(before), sorted(after),
                                 "Collaborators: " + "; ".join(parts), Level.LOW))
    if "responsible_party" in fields:
        change("responsible_party", "Responsible party", lambda party: inline(entry_words(party), 100) if party else "not given")
    return events


def _short(key: str, entry: dict[str, Any] | None) -> str:
    return f"PMID {md_escape(key)}" if key.isdigit() else quoted((entry or {}).get("citation"), 60)


def publication_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """Publications newly linked (one each, up to five; the trial's own results first, MEDIUM, the
    rest LOW) or no longer linked (LOW)."""
    entries, events = keyed_text(old, new, changes), []
    # A reference keyed on its citation's text (no PMID) that is only re-cased is the same reference.
    cited = {text_key((old.get(k) or {}).get("citation")): k for k in entries.removed if not k.isdigit()}
    same = {k: cited[c] for k in entries.added if not k.isdigit() and (c := text_key((new.get(k) or {}).get("citation"))) in cited}
    added = sorted((k for k in entries.added if k not in same), key=lambda k: not is_results(new.get(k)))
    removed = [k for k in entries.removed if k not in same.values()]
    for key in added[:5]:
        level = Level.MEDIUM if is_results(new.get(key)) else Level.LOW
        events.append(event("publications", "publication_added", None, {key: new.get(key)}, added_words(key, new.get(key)), level))
    if len(added) > 5:
        more = added[5:]
        level = Level.MEDIUM if any(is_results(new.get(k)) for k in more) else Level.LOW
        text = f"{count_words(len(more), 'more linked publication')}: " + listing([_short(k, new.get(k)) for k in more], 3)
        events.append(event("publications", "publication_added", None, {k: new.get(k) for k in more}, clip(text, 300), level))
    if removed:
        names = [_short(k, old.get(k)) for k in removed]
        text = "Publication no longer linked: " + listing(names, sep=", ")
        events.append(event("publications", "publication_removed", {k: old.get(k) for k in removed}, None, text, Level.LOW))
    return events

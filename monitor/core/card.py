"""A trial at a glance: the facts a trial's page and the dashboard show, from its view (or its facts).

Pure: a view (``core/view.py``) or the few facts kept on the trial row in, plain values out (the
page escapes them). ``today`` is passed in, never read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor.core.expectations import results_due
from monitor.core.expectations.rules import last_day
from monitor.core.searches import phase_words
from monitor.core.status import overall_status_words
from monitor.core.words import code_words

DATES = (("start", "Study start"), ("primary_completion", "Primary completion"), ("completion", "Study completion"))


@dataclass(frozen=True)
class Milestone:
    label: str  # "Primary completion"
    date: str | None  # as the registry gives it: 2027, 2027-06 or 2027-06-30
    kind: str | None  # "estimated" | "actual"

    def words(self) -> str:
        if not self.date:
            return "not given"
        return f"{self.date} ({self.kind})" if self.kind else self.date


@dataclass(frozen=True)
class Card:
    """A trial's card."""

    trial_id: str
    title: str | None
    acronym: str | None
    status: str | None  # the neutral code
    status_words: str
    why_stopped: str | None
    phase: str
    study_type: str | None
    enrollment: str
    milestones: tuple[Milestone, ...]
    sponsor: str | None
    collaborators: tuple[str, ...]
    sites: int
    countries: tuple[str, ...]
    conditions: tuple[str, ...]
    results: str  # "posted on 2024-05-01", "submitted on …, in quality review", "not posted"


def card_of(view: Mapping[str, Any]) -> Card:
    """The card of a trial from its current view."""
    status = view.get("status") or {}
    dates = view.get("dates") or {}
    about = view.get("about") or {}
    sponsors = view.get("sponsors") or {}
    sites = view.get("sites") or {}
    enrollment = view.get("enrollment") or {}
    countries = sorted({str(s.get("country")) for s in sites.values() if isinstance(s, Mapping) and s.get("country")})
    count, kind = enrollment.get("count"), enrollment.get("type")
    return Card(
        trial_id=str(view.get("id") or ""),
        title=view.get("title"),
        acronym=view.get("acronym"),
        status=status.get("overall"),
        status_words=overall_status_words(status),
        why_stopped=status.get("why_stopped"),
        phase=phase_words(tuple(about.get("phases") or ())),
        study_type=code_words(about.get("study_type")) if about.get("study_type") else None,
        enrollment="not given" if count is None else f"{count} participants" + (f" ({str(kind).lower()})" if kind else ""),
        milestones=tuple(_milestone(label, dates.get(name)) for name, label in DATES),
        sponsor=sponsors.get("lead"),
        collaborators=tuple(sponsors.get("collaborators") or ()),
        sites=len(sites),
        countries=tuple(countries),
        conditions=tuple(about.get("conditions") or ()),
        results=_results(view.get("results") or {}),
    )


def _milestone(label: str, struct: Any) -> Milestone:
    if not isinstance(struct, Mapping):
        return Milestone(label, None, None)
    kind = struct.get("type")
    return Milestone(label, struct.get("date"), str(kind).lower() if kind else None)


def _results(results: Mapping[str, Any]) -> str:
    if results.get("has_results"):
        return f"posted on {results['first_posted']}" if results.get("first_posted") else "posted"
    submitted = [s.get("release") for s in results.get("submissions") or [] if s.get("release") and not s.get("unrelease")]
    if submitted:
        return f"submitted on {max(submitted)}, in quality review"
    if results.get("first_submitted"):
        return f"submitted on {results['first_submitted']}"
    return "waived" if results.get("waived") else "not posted"


def results_state(facts: Mapping[str, Any] | None, overdue: bool) -> str:
    """A trial's results in a word or three, from its stored facts: posted, submitted, overdue."""
    facts = facts or {}
    if facts.get("results_posted"):
        return f"posted {facts['posted_on']}" if facts.get("posted_on") else "posted"
    if facts.get("submitted_on"):
        return f"submitted {facts['submitted_on']}"
    if overdue:
        due = results_due(facts)
        return f"overdue (due {due[1].isoformat()})" if due else "overdue"
    return ""


def next_expected(facts: Mapping[str, Any] | None, today: dt.date) -> Milestone | None:
    """The next estimated milestone not passed yet (start, primary completion, completion)."""
    facts = facts or {}
    for name, label in DATES:
        struct = facts.get(name) or {}
        end = last_day(struct.get("date"))
        if struct.get("type") == "ESTIMATED" and end is not None and end >= today:
            return _milestone(label, struct)
    return None

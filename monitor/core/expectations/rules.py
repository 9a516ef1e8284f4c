"""Expectations: alerts that need no record update, worked out from a trial's stored facts and the date.

A record can say nothing new for months while what it says becomes wrong or overdue: results
due a year after primary completion never arrive, a trial still "recruiting" long after its
primary completion, a status nobody has verified for almost two years. Each expectation below
is a condition on a few facts of the record (``facts_of``, stored beside the trial) and *now*:

=====================================  ===================================================================
``results_overdue``                    primary completion (or, without one, study completion) + 1 year +
                                       30 days has passed, no results are posted or submitted, and the
                                       trial started (not withdrawn, not still "Not yet recruiting": the
                                       FDAAA TrialsTracker rule; estimated dates count; a submission in
                                       quality review counts as submitted)
``completion_passed_still_recruiting`` primary completion has passed but the status still says Not yet
                                       recruiting, Recruiting or Enrolling by invitation
``status_unverified``                  an ongoing trial's status not verified for 21 months (the registry
                                       turns it "Unknown status" at 24), or already "Unknown status"
``start_soon``                         opt-in (``milestone_days``): an estimated study start within N days
``primary_completion_soon``            opt-in: an estimated primary completion within N days
=====================================  ===================================================================

Partial dates: a month-only date (``2026-12``) counts as the month's *last* day (a year-only one as
31 December) for deadlines, so nothing is called overdue or passed early; for a milestone within N
days it counts from the month's *first* day, so the heads-up is never late.

Each expectation fires once when it turns true and once when it clears (``transitions``); both are
MEDIUM change events of kind ``expectation`` whose ``field`` is the expectation's name. Only what was
told clears aloud: an expectation already true at the trial's baseline was recorded, never pushed, so
its clearing is silent too; so is a clearing that says nothing worth saying (a status lapsing into
"Unknown status" is no news that it is up to date) or that the same message already says (results
posted or submitted, told by the record's own change).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from monitor.core.model import ChangeEvent, Level
from monitor.core.status import ONGOING, RECRUITING, STOPPED, UNKNOWN, status_words
from monitor.core.words import date_words, day_words, parse_partial_date

RESULTS_OVERDUE = "results_overdue"
STILL_RECRUITING = "completion_passed_still_recruiting"
UNVERIFIED = "status_unverified"
START_SOON = "start_soon"
PRIMARY_COMPLETION_SOON = "primary_completion_soon"
NAMES = (RESULTS_OVERDUE, STILL_RECRUITING, UNVERIFIED, START_SOON, PRIMARY_COMPLETION_SOON)
SHORT_WORDS = {
    RESULTS_OVERDUE: "results overdue",
    STILL_RECRUITING: "recruiting past completion",
    UNVERIFIED: "status unverified",
    START_SOON: "start soon",
    PRIMARY_COMPLETION_SOON: "completion soon",
}

FACTS_VERSION = 1
RULES_VERSION = 2  # what ``expected`` makes of the facts: a new version evaluates every trial again
RESULTS_DUE_GRACE_DAYS = 30  # on top of the year FDAAA allows (the TrialsTracker's allowance for posting)
UNVERIFIED_AFTER_MONTHS = 21  # our warning: three months before the registry's lapse
UNKNOWN_AFTER_MONTHS = 24  # the registry's "Unknown status": not verified within the past 2 years
LABELS = {"start": "Study start", "primary_completion": "Primary completion", "completion": "Study completion"}


@dataclass(frozen=True)
class ExpectationOptions:
    """The watchlist's ``expectations:`` key: which expectations are on, and the milestone horizon."""

    results_overdue: bool = True
    still_recruiting: bool = True
    unverified: bool = True
    milestone_days: int = 0  # 0: milestones off (the default)

    @property
    def key(self) -> str:
        """What the stored evaluations were made under: a change makes every trial be evaluated again."""
        return (f"f{FACTS_VERSION} e{RULES_VERSION} o{self.results_overdue:d} r{self.still_recruiting:d} "
                f"u{self.unverified:d} m{self.milestone_days}")

    @cached_property
    def enabled(self) -> frozenset[str]:
        on = {RESULTS_OVERDUE: self.results_overdue, STILL_RECRUITING: self.still_recruiting,
              UNVERIFIED: self.unverified, START_SOON: self.milestone_days > 0,
              PRIMARY_COMPLETION_SOON: self.milestone_days > 0}
        return frozenset(name for name, yes in on.items() if yes)


@dataclass(frozen=True)
class Expectation:
    """One expectation true now: its name and the sentence a trial follower would write."""

    name: str
    text: str


# ── facts ───────────────────────────────────────────────────────────────────────────────


def facts_of(view: Mapping[str, Any]) -> dict[str, Any]:
    """The few facts of a trial view the expectations need (a small JSON object stored on the trial)."""
    status = view.get("status") or {}
    dates = view.get("dates") or {}
    results = view.get("results") or {}
    submitted = [s.get("release") for s in results.get("submissions") or [] if s.get("release") and not s.get("unrelease")]
    if not results.get("submissions") and results.get("first_submitted"):
        submitted.append(results["first_submitted"])
    return {
        "v": FACTS_VERSION,
        "status": status.get("overall"),
        "last_known": status.get("last_known"),
        "verified": status.get("verified"),
        "start": dates.get("start"),
        "primary_completion": dates.get("primary_completion"),
        "completion": dates.get("completion"),
        "results_posted": bool(results.get("has_results")),
        "posted_on": results.get("first_posted"),
        "submitted_on": max(submitted) if submitted else None,
    }


def current_facts(facts: Any) -> bool:
    """Facts written by this version of ``facts_of`` (older or missing ones are rebuilt from the snapshot)."""
    return isinstance(facts, dict) and facts.get("v") == FACTS_VERSION


# ── dates ───────────────────────────────────────────────────────────────────────────────


def last_day(text: str | None) -> dt.date | None:
    """The last day a partial date can mean: ``2026-12`` → 2026-12-31, ``2026`` → 2026-12-31."""
    parts = parse_partial_date(text)
    if parts is None:
        return None
    year, month, day = parts
    try:
        if month is None:
            return dt.date(year, 12, 31)
        return dt.date(year, month, day or calendar.monthrange(year, month)[1])
    except ValueError:
        return None


def first_day(text: str | None) -> dt.date | None:
    """The first day a partial date can mean: ``2026-12`` → 2026-12-01."""
    parts = parse_partial_date(text)
    if parts is None:
        return None
    year, month, day = parts
    try:
        return dt.date(year, month or 1, day or 1)
    except ValueError:
        return None


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, kept within the month (31 Jan + 1 month → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def results_due(facts: Mapping[str, Any]) -> tuple[str, dt.date] | None:
    """Which date results are due from (``primary_completion`` or ``completion``) and the due date."""
    for name in ("primary_completion", "completion"):
        end = last_day((facts.get(name) or {}).get("date"))
        if end is not None:
            return name, add_months(end, 12) + dt.timedelta(days=RESULTS_DUE_GRACE_DAYS)
    return None


def _primary_completion(facts: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    for name in ("primary_completion", "completion"):
        struct = facts.get(name) or {}
        if last_day(struct.get("date")) is not None:
            return name, struct
    return None


NOT_STARTED = frozenset({"NOT_YET_RECRUITING", "WITHDRAWN"})  # no participant enrolled (yet, or ever)


def started(facts: Mapping[str, Any]) -> bool:
    """Has the trial started (enrolled anyone)? Not while "Not yet recruiting", never when withdrawn; an
    "Unknown status" trial by its last known status. Results are due only from a trial that started."""
    status = facts.get("status")
    if status == UNKNOWN:
        status = facts.get("last_known")
    return status not in NOT_STARTED


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(dt.UTC).date() if now.tzinfo else now.date()


# ── what is expected now ────────────────────────────────────────────────────────────────


def expected(facts: Mapping[str, Any], now: dt.datetime, options: ExpectationOptions) -> dict[str, Expectation]:
    """The expectations true for these facts today (only the enabled ones), in a stable order."""
    today, on, found = _today(now), options.enabled, {}
    status = facts.get("status")
    if RESULTS_OVERDUE in on:
        text = _overdue(facts, today)
        if text:
            found[RESULTS_OVERDUE] = text
    if STILL_RECRUITING in on and status in RECRUITING:
        completion = _primary_completion(facts)
        if completion and today > (last_day(completion[1].get("date")) or today):
            name, struct = completion
            found[STILL_RECRUITING] = (f"Status out of date: {LABELS[name].lower()} {date_words(struct)} has passed "
                                       f"but the status still says {status_words(status)}")
    if UNVERIFIED in on:
        text = _unverified(facts, today)
        if text:
            found[UNVERIFIED] = text
    for name, key in ((START_SOON, "start"), (PRIMARY_COMPLETION_SOON, "primary_completion")):
        if name in on:
            text = _soon(facts, key, today, options.milestone_days)
            if text:
                found[name] = text
    return {name: Expectation(name, text) for name, text in found.items()}


def _overdue(facts: Mapping[str, Any], today: dt.date) -> str | None:
    due = results_due(facts)
    if due is None or not started(facts) or facts.get("results_posted") or facts.get("submitted_on"):
        return None
    name, when = due
    if today <= when:
        return None
    return (f"Results overdue: {LABELS[name].lower()} was {date_words(facts.get(name))}; results were due by "
            f"{when.isoformat()} and none are posted or submitted")


def _unverified(facts: Mapping[str, Any], today: dt.date) -> str | None:
    status, verified = facts.get("status"), facts.get("verified")
    if status == UNKNOWN:
        known = facts.get("last_known")
        tail = f" (last known: {status_words(known)})" if known else ""
        since = f"since {day_words(verified)}" if verified else "for 2 years"
        return f"Status not verified {since}: the registry shows it as Unknown status{tail}"
    checked = last_day(verified)
    if status not in ONGOING or checked is None or today <= add_months(checked, UNVERIFIED_AFTER_MONTHS):
        return None
    lapse = add_months(checked, UNKNOWN_AFTER_MONTHS)
    if today > lapse:
        return (f"Status not verified since {day_words(verified)}, over 2 years ago: the registry shows such "
                f"a trial as Unknown status")
    lapse_words = lapse.isoformat() if len(verified or "") > 7 else lapse.isoformat()[:7]
    return (f"Status not verified since {day_words(verified)}: unless the sponsor verifies it, the registry "
            f"will show it as Unknown status from {lapse_words}")


def _soon(facts: Mapping[str, Any], key: str, today: dt.date, days: int) -> str | None:
    struct = facts.get(key) or {}
    earliest, latest = first_day(struct.get("date")), last_day(struct.get("date"))
    if (earliest is None or latest is None or struct.get("type") != "ESTIMATED" or facts.get("status") in STOPPED
            or not earliest - dt.timedelta(days=days) <= today <= latest):
        return None
    if earliest == latest:
        left = (earliest - today).days
        when = "today" if left == 0 else "tomorrow" if left == 1 else f"in {left} days"
        return f"{LABELS[key]} expected {when}: {date_words(struct)}"
    return f"{LABELS[key]} expected within {days} days: {date_words(struct)}"


def next_change(facts: Mapping[str, Any], now: dt.datetime, options: ExpectationOptions) -> dt.datetime | None:
    """The first midnight (UTC) after ``now`` at which ``expected`` could answer differently for these facts.

    Only the date moves what is expected of unchanged facts, at a few known days; a cycle evaluates a
    trial again on that day (or when its facts or the options change), not every trial every cycle.
    """
    today, on, days = _today(now), options.enabled, []
    due = results_due(facts)
    if RESULTS_OVERDUE in on and due and started(facts):
        days.append(due[1] + dt.timedelta(days=1))
    completion = _primary_completion(facts)
    if STILL_RECRUITING in on and completion:
        days.append((last_day(completion[1].get("date")) or today) + dt.timedelta(days=1))
    checked = last_day(facts.get("verified"))
    if UNVERIFIED in on and checked:
        days.append(add_months(checked, UNVERIFIED_AFTER_MONTHS) + dt.timedelta(days=1))
    for name, key in ((START_SOON, "start"), (PRIMARY_COMPLETION_SOON, "primary_completion")):
        when = (facts.get(key) or {}).get("date")
        earliest, latest = first_day(when), last_day(when)
        if name in on and earliest and latest:
            days += [earliest - dt.timedelta(days=options.milestone_days), latest + dt.timedelta(days=1)]
    later = [day for day in days if day > today]
    return dt.datetime.combine(min(later), dt.time(0), dt.UTC) if later else None


# ── transitions ─────────────────────────────────────────────────────────────────────────


# the record's own events that say results arrived (posted, or submitted for quality review)
RESULTS_ARRIVED = frozenset({"has_results", "first_submitted", "submission"})


def transitions(
    before: Iterable[str], now_true: Mapping[str, Expectation], facts: Mapping[str, Any], now: dt.datetime,
    options: ExpectationOptions, *, untold: Collection[str] = (), told: Iterable[ChangeEvent] = (),
) -> list[ChangeEvent]:
    """Events for the enabled expectations that turned true or cleared since ``before`` (names true then).

    A disabled expectation says nothing either way: turning one off is not a change in the trial.
    ``untold``: names recorded true at the baseline, never pushed: their clearing is not told either.
    ``told``: the events of the same message (the record's changes): a clearing they already say is left out.
    """
    was, events = set(before), []
    arrived = any(e.kind == "results" and e.field in RESULTS_ARRIVED and e.new for e in told)
    for name in NAMES:
        if name not in options.enabled:
            continue
        if name in now_true and name not in was:
            events.append(ChangeEvent("expectation", name, False, True, now_true[name].text, Level.MEDIUM))
        elif name in was and name not in now_true and name not in untold:
            if name == RESULTS_OVERDUE and arrived and (facts.get("results_posted") or facts.get("submitted_on")):
                continue  # "Results posted on …" is in the message already: said once
            text = cleared_text(name, facts, _today(now), options)
            if text is not None:
                events.append(ChangeEvent("expectation", name, True, False, text, Level.MEDIUM))
    return events


def _not_started_words(facts: Mapping[str, Any]) -> str:
    """``the trial never enrolled anyone (the status now says Withdrawn)`` and the like."""
    status, known = facts.get("status"), facts.get("last_known")
    says = f"the status now says {status_words(status)}"
    if status == UNKNOWN:
        says += f", last known: {status_words(known)}" if known else ""
        status = known
    if status == "WITHDRAWN":
        return f"the trial never enrolled anyone ({says})"
    return f"the trial has not started ({says})"


def cleared_text(name: str, facts: Mapping[str, Any], today: dt.date, options: ExpectationOptions) -> str | None:
    """Why an expectation no longer holds, in words; None when that is nothing worth telling."""
    status = facts.get("status")
    now_says = f"the status now says {status_words(status)}"
    if name == RESULTS_OVERDUE:
        lead = "Results no longer overdue"
        if facts.get("results_posted"):
            posted = facts.get("posted_on")
            return f"{lead}: results posted on {day_words(posted)}" if posted else f"{lead}: results posted"
        if facts.get("submitted_on"):
            return f"{lead}: results submitted on {day_words(facts['submitted_on'])}, in quality review"
        if not started(facts):
            return f"Results no longer due: {_not_started_words(facts)}"
        due = results_due(facts)
        if due is None:
            return f"{lead}: the record gives no completion date any more"
        return f"{lead}: {LABELS[due[0]].lower()} is now {date_words(facts.get(due[0]))}, so results are due by {due[1].isoformat()}"
    if name == STILL_RECRUITING:
        completion = _primary_completion(facts)
        if status == UNKNOWN:
            return None  # a lapse into "Unknown status" is no sign the status is up to date
        if status not in RECRUITING:
            return f"Status no longer out of date: {now_says}"
        if completion is None:
            return "Status no longer out of date: the record gives no completion date any more"
        return f"Status no longer out of date: {LABELS[completion[0]].lower()} is now {date_words(completion[1])}"
    if name == UNVERIFIED:
        if status in ONGOING or status == UNKNOWN:
            return f"Status verified again: {day_words(facts.get('verified'))}"
        return f"Status verification no longer due: {now_says}"
    key = "start" if name == START_SOON else "primary_completion"
    struct = facts.get(key) or {}
    label = LABELS[key]
    if status in STOPPED:
        return f"{label} no longer expected soon: {now_says}"
    if struct.get("type") == "ACTUAL":
        return f"{label} no longer expected: it is now {date_words(struct)}"
    latest = last_day(struct.get("date"))
    if latest is not None and today > latest:
        return f"{label} date passed: {date_words(struct)}"
    return f"{label} no longer within {options.milestone_days} days: it is now {date_words(struct)}"

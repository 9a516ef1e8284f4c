"""Expectations: alerts that need no record update, worked out from a trial's stored facts and the date.

``rules`` says what is expected of a trial's facts on a given day; ``evaluate`` turns one
evaluation into a value (events to tell, rows to keep) that the check applies through the store.
"""

from monitor.core.expectations.evaluate import ExpectationChange, evaluate, evaluated, note
from monitor.core.expectations.rules import (
    FACTS_VERSION,
    NAMES,
    PRIMARY_COMPLETION_SOON,
    RESULTS_OVERDUE,
    RULES_VERSION,
    SHORT_WORDS,
    START_SOON,
    STILL_RECRUITING,
    UNVERIFIED,
    Expectation,
    ExpectationOptions,
    add_months,
    cleared_text,
    current_facts,
    expected,
    facts_of,
    first_day,
    last_day,
    next_change,
    results_due,
    started,
    transitions,
)

__all__ = [
    "FACTS_VERSION",
    "NAMES",
    "PRIMARY_COMPLETION_SOON",
    "RESULTS_OVERDUE",
    "RULES_VERSION",
    "SHORT_WORDS",
    "START_SOON",
    "STILL_RECRUITING",
    "UNVERIFIED",
    "Expectation",
    "ExpectationChange",
    "ExpectationOptions",
    "add_months",
    "cleared_text",
    "current_facts",
    "evaluate",
    "evaluated",
    "expected",
    "facts_of",
    "first_day",
    "last_day",
    "next_change",
    "note",
    "results_due",
    "started",
    "transitions",
]

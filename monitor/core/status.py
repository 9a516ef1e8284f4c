"""The registry-neutral overall statuses of a trial, and their words.

The vocabulary is ClinicalTrials.gov's (the most detailed registry); another registry's adapter
maps its own statuses onto these codes. A code this list does not know is kept as given and
worded from its spelling (``code_words``).
"""

from __future__ import annotations

from typing import Any

from monitor.core.words import code_words

# code -> the words people read (ClinicalTrials.gov's own spelling of them)
STATUS_WORDS: dict[str, str] = {
    "RECRUITING": "Recruiting",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "SUSPENDED": "Suspended",
    "TERMINATED": "Terminated",
    "COMPLETED": "Completed",
    "WITHDRAWN": "Withdrawn",
    "UNKNOWN": "Unknown status",
    "AVAILABLE": "Available",
    "NO_LONGER_AVAILABLE": "No longer available",
    "TEMPORARILY_NOT_AVAILABLE": "Temporarily not available",
    "APPROVED_FOR_MARKETING": "Approved for marketing",
    "WITHHELD": "Withheld",
}
STATUSES: tuple[str, ...] = tuple(STATUS_WORDS)

# A move into one of these is what people following a trial wait for (or dread).
HIGH_STATUSES = frozenset({"SUSPENDED", "TERMINATED", "WITHDRAWN", "COMPLETED", "RECRUITING"})
RECRUITING = frozenset({"NOT_YET_RECRUITING", "RECRUITING", "ENROLLING_BY_INVITATION"})
ONGOING = RECRUITING | {"ACTIVE_NOT_RECRUITING"}  # what a registry lapses to "Unknown status" when unverified
STOPPED = frozenset({"WITHDRAWN", "TERMINATED", "COMPLETED"})
UNKNOWN = "UNKNOWN"


def status_words(code: str | None) -> str:
    """The words for a status code: ``"ACTIVE_NOT_RECRUITING"`` → ``"Active, not recruiting"``."""
    if not code:
        return "not given"
    return STATUS_WORDS.get(code, code_words(code))


def overall_status_words(status: dict[str, Any] | None) -> str:
    """Overall status of a view's ``status`` block, spelling out the registry's "unknown" lapse."""
    if not status:
        return "not given"
    overall = status.get("overall")
    if overall == UNKNOWN:
        last_known = status.get("last_known")
        tail = f"; last known: {status_words(last_known)}" if last_known else ""
        return f"Unknown (status not verified for 2 years{tail})"
    return status_words(overall)

"""Registry outages without spam: told once after N failed checks in a row, and once when over.

urlwatch's ``max_tries`` and webchanges' ``error,repeated`` lessons, as one pure function. The
notice is a value; its words are the ``outage.md`` template's, rendered at delivery.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

OUTAGE = "outage"  # the notice's kind, for targets' filters (`kinds: [outage]`)


@dataclass(frozen=True)
class Notice:
    """A notice about the monitor itself: the registry is unavailable (``recovered`` False), or back.

    ``failed`` counts the failed checks in a row; ``since`` is when they began (words, UTC);
    ``error`` the last one's reason.
    """

    recovered: bool
    failed: int
    since: str = ""
    error: str = ""

    def details(self) -> dict[str, Any]:
        """What the store keeps of it (JSON), and what its template is given."""
        return asdict(self)


def outage_notice(
    failed_before: int, failed_now: bool, *, outage_after: int, error: str = "", since: str = ""
) -> Notice | None:
    """The notice this check owes the targets, if any.

    ``failed_before`` counts the failed checks in a row just before this one.
    """
    streak = failed_before + 1 if failed_now else 0
    if failed_now and streak == outage_after:
        return Notice(recovered=False, failed=streak, since=since, error=error)
    if not failed_now and failed_before >= outage_after:
        return Notice(recovered=True, failed=failed_before)
    return None

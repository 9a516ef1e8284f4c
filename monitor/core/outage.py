"""Registry outages without spam: told once after N failed checks in a row, and once when over.

urlwatch's ``max_tries`` and webchanges' ``error,repeated`` lessons, as one pure function.
"""

from __future__ import annotations

from monitor.core.model import Message


def outage_notice(
    failed_before: int, failed_now: bool, *, outage_after: int, error: str = "", since: str = ""
) -> Message | None:
    """The notice this check owes the targets, if any.

    ``failed_before`` counts the failed checks in a row just before this one.
    """
    streak = failed_before + 1 if failed_now else 0
    if failed_now and streak == outage_after:
        checks = "check" if streak == 1 else f"{streak} checks in a row"
        return Message(
            title="ClinicalTrials.gov unavailable: trial-monitor cannot check your trials",
            body=(
                f"The registry could not be reached or answered garbage for {checks}"
                f"{f' (since {since})' if since else ''}.\n\n"
                f"Last error: {error or 'unknown'}\n\n"
                "Nothing is recorded from a failed check, so no false change will follow. "
                "You will get one more message when the registry answers again."
            ),
        )
    if not failed_now and failed_before >= outage_after:
        return Message(
            title="ClinicalTrials.gov is answering again: trial-monitor is back to checking",
            body=f"The registry answered again after {failed_before} failed checks in a row. "
            "Changes made meanwhile are in this check's alerts.",
        )
    return None

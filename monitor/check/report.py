"""What one check did, as a value, and in words (the CLI prints them, the daemon logs them)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from monitor.core.model import Decision, Outcome
from monitor.delivery.worker import DeliveryReport


@dataclass(frozen=True)
class CheckReport:
    """The outcome of one check: quiet | checked | failed | crashed (only the first two count as good)."""

    outcome: str
    cycle_id: int = 0
    data_timestamp: str | None = None
    requests: int = 0
    counts: Counter[Outcome] = field(default_factory=Counter)
    decisions: tuple[Decision, ...] = ()  # all of them, or only the notable ones (a whole registry)
    error: str = ""
    watched: int = 0
    since: str | None = None  # the registry date updates were listed from
    notes: tuple[str, ...] = ()  # what the searches and expectations found, one line each
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    @property
    def exit_code(self) -> int:
        return 1 if self.outcome == "failed" else 0

    def count(self, outcome: Outcome) -> int:
        return self.counts[outcome]

    def lines(self, verbose: bool = False) -> list[str]:
        """What the check did, in words: a summary line, then one line per notable trial and delivery."""
        said: list[str] = []
        say = said.append
        if self.outcome == "failed":
            say(f"Registry unavailable: {self.error}. Nothing was recorded; the next check tries again.")
        elif self.outcome == "quiet":
            say(f"No registry refresh since the last check (data of {self.data_timestamp}); {self.requests} request.")
        elif not self.counts:
            say(f"Registry refreshed (data of {self.data_timestamp}): none of the watched trials was updated "
                f"since {self.since}; {self.requests} requests.")
        else:
            counts = ", ".join(f"{self.count(o)} {o.value.replace('_', ' ')}" for o in Outcome if self.count(o))
            decided = self.counts.total()
            of = f" of {self.watched}" if self.watched > decided else ""
            say(f"Checked {decided}{of} trials against registry data of {self.data_timestamp}: "
                f"{counts or 'nothing to do'} ({self.requests} requests).")
        said += [f"  {note}" for note in self.notes]
        for decision in self.decisions:
            if decision.outcome is Outcome.CHANGED:
                first = decision.events[0].text if decision.events else ""
                more = f" (+{len(decision.events) - 1} more)" if len(decision.events) > 1 else ""
                say(f"  {decision.trial_id} changed: {first}{more}")
            elif decision.outcome is Outcome.NOT_FOUND:
                say(f"  {decision.trial_id} is not known to the registry (check the id)")
            elif decision.outcome is Outcome.ERROR:
                say(f"  {decision.trial_id} skipped: {decision.note}")
            elif verbose:
                say(f"  {decision.trial_id} {decision.outcome.value}")
        d = self.delivery
        if d.sent or d.failed or d.dropped:
            say(f"Deliveries: {d.sent} sent, {d.failed} failed (kept for retry), {d.dropped} dropped.")
        for error in d.errors:
            say(f"  delivery failed: {error}")
        return said

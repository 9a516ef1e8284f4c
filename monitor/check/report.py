"""What one check did, as a value, and in words (the CLI prints them, the daemon logs them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from monitor.core.model import Decision, Outcome, pushed
from monitor.core.words import count_words
from monitor.delivery.worker import DeliveryReport

# an outcome counted in the summary line: ``3 baseline, 1 changed, 1 not found``
_COUNTED = {Outcome.BASELINE: "baseline", Outcome.UNCHANGED: "unchanged", Outcome.CHANGED: "changed",
            Outcome.NOT_FOUND: "not found", Outcome.ERROR: "skipped"}
UPDATED = "updated with no compared change"  # a record updated with nothing compared changed: not "changed"


def quietly_updated(decision: Decision) -> bool:
    """A record the registry updated with nothing worth an alert in the compared fields."""
    return decision.outcome is Outcome.CHANGED and not decision.alerts


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

    def summary(self) -> str:
        """``3 baseline, 1 changed, 1 updated with no compared change``: what the check decided, counted."""
        updated = sum(1 for d in self.decisions if quietly_updated(d))
        words = []
        for outcome, word in _COUNTED.items():
            count = self.count(outcome) - (updated if outcome is Outcome.CHANGED else 0)
            if count:
                words.append(f"{count} {word}")
            if outcome is Outcome.CHANGED and updated:
                words.append(f"{updated} {UPDATED}")
        return ", ".join(words) or "nothing to do"

    def lines(self, verbose: bool = False, *, watching: Sequence[str] = (), said: set[str] | None = None) -> list[str]:
        """What the check did, in words: a summary line, then one line per notable trial and delivery.

        ``verbose``: a line for every trial, ``watching`` naming those the registry had no update
        of (not fetched). ``said``: the trials already said to be unknown to the registry (the
        daemon's memory: it says so once per process, a person's check every time); updated here.
        """
        said_lines: list[str] = []
        say = said_lines.append
        requests = count_words(self.requests, "request")
        if self.outcome == "failed":
            stop = "" if self.error.endswith(("?", ".")) else "."
            say(f"Registry unavailable: {self.error}{stop} Nothing was recorded; the next check tries again.")
        elif self.outcome == "quiet":
            say(f"No registry refresh since the last check (data of {self.data_timestamp}); {requests}.")
        elif not self.counts:
            say(f"Registry refreshed (data of {self.data_timestamp}): none of the watched trials was updated "
                f"since {self.since}; {requests}.")
        else:
            decided = self.counts.total()
            trials = f"{decided} of {self.watched} trials" if self.watched > decided else count_words(decided, "trial")
            say(f"Checked {trials} against registry data of {self.data_timestamp}: {self.summary()} ({requests}).")
        said_lines += [f"  {note}" for note in self.notes]
        for decision in self.decisions:
            line = self._line(decision, verbose, said)
            if line:
                say(f"  {decision.trial_id} {line}")
        if verbose and self.outcome == "checked":
            decided = {d.trial_id for d in self.decisions}
            since = f" since {self.since}" if self.since else ""
            said_lines += [f"  {trial_id} not updated in the registry{since} (not fetched)"
                           for trial_id in watching if trial_id not in decided]
        d = self.delivery
        if d.sent or d.failed or d.dropped:
            say(f"Deliveries: {d.sent} sent, {d.failed} failed (kept for retry), {d.dropped} dropped.")
        for error in d.errors:
            say(f"  delivery failed: {error}")
        return said_lines

    @staticmethod
    def _line(decision: Decision, verbose: bool, said: set[str] | None) -> str:
        """What happened to one trial, after its id; "" when it is not worth a line."""
        outcome, events = decision.outcome, decision.events
        if outcome is Outcome.NOT_FOUND:
            if said is not None:
                if decision.trial_id in said:
                    return ""
                said.add(decision.trial_id)
            return "is not known to the registry (check the id)"
        if said is not None:
            said.discard(decision.trial_id)  # found again: said again if it goes missing
        if outcome is Outcome.CHANGED and decision.alerts:
            more = f" (+{len(events) - 1} more)" if len(events) > 1 else ""
            return f"changed: {pushed(events)[0].text}{more}"
        if outcome is Outcome.ERROR:
            return f"skipped: {decision.note}"
        if not verbose:
            return ""
        if outcome is Outcome.CHANGED:  # updated, nothing compared changed: "record updated on …"
            return events[0].text[:1].lower() + events[0].text[1:] if events else "updated"
        if outcome is Outcome.BASELINE:
            return decision.note or "baseline recorded"
        return "unchanged" + (f" ({decision.note})" if decision.note else "")

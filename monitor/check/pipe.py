"""Decide a page of fetched records and store the decisions: the core decides, the store keeps.

A page's stored state is read once, as plain values; the core decides each trial; the page's
decisions are stored in one transaction (``trials.record_page``: each trial's snapshot, the one
update :func:`monitor.core.decide.next_state` says, its expectations, events, alert and deliveries).
A transaction per trial cost a commit and five statements a trial, most of a baseline's time in
the store; a crash before the page's commit leaves its trials as they were, so the next check
decides them again and nothing is told twice or lost.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.core.choices import TargetRef, recipients
from monitor.core.decide import decide, join_events, next_state
from monitor.core.events.context import NO_HISTORY, history_of
from monitor.core.expectations import ExpectationOptions, evaluate, evaluated, note
from monitor.core.identity import match
from monitor.core.model import ChangeEvent, Decision, Outcome, Record, pushed
from monitor.core.places import Place
from monitor.registry.base import Registry
from monitor.store import expectations as expecting
from monitor.store import history, trials

log = logging.getLogger("monitor.check")

Progress = Callable[[int, int], None]  # (fetched, to fetch) while fetching whole records


@dataclass(frozen=True)
class Context:
    """What every decision of one check is made against."""

    registry: str  # the registry's key
    compare: tuple[str, ...]
    expectations: ExpectationOptions
    targets: tuple[TargetRef, ...]
    now: datetime
    cycle_id: int
    near: tuple[Place, ...] = ()  # the watchlist's `near:` places, for every trial
    near_trial: Mapping[str, tuple[Place, ...]] = field(default_factory=dict)  # a trial's own, added to those

    def places(self, trial_id: str) -> tuple[Place, ...]:
        """The places this trial's sites are told as near: the watchlist's, then the trial's own."""
        return tuple(dict.fromkeys(self.near + tuple(self.near_trial.get(trial_id, ()))))


@dataclass
class Tally:
    """What a check decided: counts, and the decisions its report names.

    ``compact`` (a whole registry) keeps only the decisions worth a line (changed, not found,
    error), so memory follows what changed, not the size of the registry.
    """

    compact: bool = False
    counts: Counter[Outcome] = field(default_factory=Counter)
    decisions: list[Decision] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, decided: Sequence[Decision], notes: Sequence[str] = ()) -> None:
        for decision in decided:
            self.counts[decision.outcome] += 1
            if not self.compact or decision.outcome not in (Outcome.BASELINE, Outcome.UNCHANGED):
                self.decisions.append(decision)
        self.notes += notes


class Pipe:
    """Decides and stores pages of records for one check, and keeps its own account (``tally``) of
    what it decided, which the check's report reads, failed or not. ``news`` (search news of
    followed trials) joins the decision of its trial; ``joined`` says which did."""

    def __init__(self, engine: Engine, context: Context, news: Mapping[str, Sequence[ChangeEvent]], *,
                 compact: bool = False) -> None:
        self.engine, self.context, self.news = engine, context, news
        self.joined: set[str] = set()
        self.tally = Tally(compact=compact)

    def __call__(self, page: Mapping[str, Record | None]) -> None:
        """Decide and store one page ({watched trial id: its record, or None when the registry lacks it})."""
        if not page:
            return
        c = self.context
        decided, notes, verdicts = [], [], []
        with Session(self.engine, expire_on_commit=False) as session:
            before = trials.states(session, c.registry, list(page))
            differ = [i for i, r in page.items() if r is not None and r.fingerprint and before[i].snapshot_hash
                      and r.fingerprint != before[i].snapshot_hash]
            views = trials.snapshot_views(session, [before[i].snapshot_hash or "" for i in differ])
            pasts = {i: history_of(*found) for i, found in history.past(session, c.registry, differ).items()}
            was = expecting.true_names(session, c.registry, list(page)) if c.expectations.enabled else {}
            untold = expecting.true_names(session, c.registry, list(page), untold=True) if was else {}
            for trial_id, record in page.items():
                state = before[trial_id]
                decision = decide(
                    trial_id, record, previous_fingerprint=state.snapshot_hash,
                    previous_view=views.get(state.snapshot_hash or ""), compare_groups=c.compare,
                    missing_reported=state.missing_since is not None, history=pasts.get(trial_id, NO_HISTORY),
                    near=c.places(trial_id),
                )
                if decision.view is not None and trial_id in self.news:
                    decision = join_events(decision, self.news[trial_id])
                    self.joined.add(trial_id)
                after, change = next_state(state, decision, c.now), None
                if decision.view is not None and decision.outcome is not Outcome.ERROR and c.expectations.enabled:
                    change = evaluate(after.expectation_facts or {}, was.get(trial_id, set()), now=c.now,
                                      evaluated_since=state.expectations_since, options=c.expectations,
                                      silent=decision.outcome is Outcome.BASELINE,
                                      untold=untold.get(trial_id, set()), told=decision.events)
                    decision, after = join_events(decision, change.events), evaluated(after, change)
                    notes += [note(trial_id, event) for event in change.events]
                told = recipients(c.targets, [(e.kind, e.level) for e in pushed(decision.events)])
                verdicts.append(trials.Verdict(state, after, decision, change, told))
                # the tally keeps what the report says (outcome, events), not the record views
                decided.append(replace(decision, view=None))
                if decision.outcome is Outcome.ERROR:
                    log.warning("%s skipped: %s", trial_id, decision.note)
            trials.record_page(session, c.registry, verdicts, now=c.now, cycle_id=c.cycle_id)  # one transaction
        self.tally.add(decided, notes)


async def fetch_whole(
    registry: Registry, pipe: Pipe, wanted: Sequence[str], *, served: Mapping[str, str], known: Mapping[str, str],
    progress: Progress | None = None,
) -> None:
    """Fetch these trials' records whole (by the id each is served under); decide every page; a
    trial absent from the complete answer is not found."""
    wanted = list(dict.fromkeys(wanted))
    found: set[str] = set()
    async for records in registry.fetch(list(dict.fromkeys(served[i] for i in wanted))):
        page = match(records, known)
        found.update(page)
        pipe(page)
        records.clear()  # this page's views go before the next page is fetched: one page in memory, not two
        page.clear()
        if progress:
            progress(len(found), len(wanted))
    pipe({i: None for i in wanted if i not in found})


def prune(pipe: Pipe, *, keep_snapshots: int, keep_days: int) -> None:
    """Retention: old snapshots of the trials that changed in this check (and any past ``keep_days``)."""
    with Session(pipe.engine) as session:
        changed = [d.trial_id for d in pipe.tally.decisions if d.outcome is Outcome.CHANGED]
        trials.prune_snapshots(session, pipe.context.registry, changed, keep=keep_snapshots, keep_days=keep_days,
                               now=pipe.context.now)

"""The cycles ``bench/cycle_cost.py`` measures, in the order it runs them, and each one's targets.

    day -4   baseline                 the first check of the N watched trials
             quiet                    no registry refresh since
    day -3   refreshed-unchanged      a refresh posting K updates of other trials (the day before: none)
    day -2   refreshed-steady         the next refresh, the same: the day before had its K too
    day -1   refreshed-1pct-changed   1 % of the N watched changed, among that day's K updates
             small-baseline           a second watchlist (S trials, default 50) in the same registry
    day  0   small-refreshed          one of those S changed, among that day's K updates

K is ``--churn`` (3,000 by default): the real registry posts a few thousand updates a refresh day.
With ``--everything`` (``trials: all``) there is no churn and no small watchlist: baseline, quiet,
refreshed with nothing changed, 1 % changed.

Request counts are exact. The floor of a refreshed check is /version, then the cheaper of the
registry-wide listing (⌈K / 1,000⌉ pages) and one listing per batch of 500 watched ids (which
brings the updated records whole); after a registry-wide listing, one whole fetch per 500 changed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

MIB = 2**20
PAGE, BATCH, WHOLE = 1000, 500, 500  # the adapter's listing page, ids per request, whole records a page


def floor(watched: int, updates: int) -> int:
    """The fewest requests a refreshed check of ``watched`` trials can cost when ``updates`` records were
    updated that day (none of them watched)."""
    batches = math.ceil(watched / BATCH)
    return 1 + (1 if batches <= 1 else min(math.ceil(updates / PAGE), batches))


def changed_floor(watched: int, updates: int, changed: int) -> int:
    """The same with ``changed`` of the watched among those updates: their whole fetches after a
    registry-wide listing."""
    batches = math.ceil(watched / BATCH)
    wide = batches > 1 and math.ceil(updates / PAGE) <= batches
    return floor(watched, updates) + (math.ceil(changed / BATCH) if wide else 0)


def run_scenario(bench: Any, say: Callable[[str], None]) -> list[Any]:
    """Every cycle of the scenario, each judged (``cycle.targets``)."""
    a, reg, store = bench.args, bench.registry, bench.store
    env = bench.prepare()
    cycles = []

    def refresh(days_ago: int, churn: int) -> None:
        reg.churn(churn, among=bench.unwatched, seed=a.seed)
        reg.refresh(bench.stamp(days_ago))

    reg.refresh(bench.stamp(4))
    say("baseline …")
    cycles.append(bench.check("baseline", env))
    say("quiet (no registry refresh) …")
    cycles.append(bench.check("quiet", env))
    say(f"refreshed, nothing watched changed, {a.churn:,} other trials updated …")
    refresh(3, a.churn)
    cycles.append(bench.check("refreshed-unchanged", env))
    if not a.everything:
        say("the same the next day: the steady state, every day churned …")
        refresh(2, a.churn)
        cycles.append(bench.check("refreshed-steady", env))
    say(f"refreshed, {a.changed_share:.0%} of the watched changed …")
    rng = random.Random(a.seed + 1)
    picked = sorted(rng.sample(range(a.trials), round(a.changed_share * a.trials)))
    changed = [store.mutate(i, date=bench.today - timedelta(days=1)) for i in picked]
    refresh(1, max(0, a.churn - len(changed)))
    cycles.append(bench.check("refreshed-1pct-changed", env, changed))
    if bench.small:
        small = bench.prepare(bench.small, "small")
        say(f"a second watchlist of {len(bench.small)} trials: its baseline …")
        cycles.append(bench.check("small-baseline", small, watched=len(bench.small)))
        say(f"… and 1 of them changed, among {a.churn:,} updates that day …")
        one = [store.mutate(bench.small[len(bench.small) // 2], date=bench.today)]
        refresh(0, max(0, a.churn - 1))
        cycles.append(bench.check("small-refreshed", small, one, watched=len(bench.small)))
    reg.churn(0)
    for cycle in cycles:
        judge(cycle, a)
    return cycles


def judge(c: Any, a: Any) -> None:
    """The targets of one cycle (issue 14's where it has one)."""
    n, updates = c.watched, a.churn
    if a.everything and c.name != "quiet":
        # whole records come 500 a page: the baseline reads the registry once, a refreshed check the
        # records updated since the cursor (what changed, not what is watched)
        limit = math.ceil(n / WHOLE) + 2 if c.name == "baseline" else 2 + math.ceil(len(c.expected_changes) / WHOLE)
        c.targets.append((f"≤ {limit} requests", c.requests <= limit))
    elif c.name.endswith("baseline"):
        limit = math.ceil(n / BATCH) + 2
        c.targets.append((f"≤ {limit} requests", c.requests <= limit))
    elif c.name == "quiet":
        c.targets.append(("1 request", c.requests == 1))
    elif c.name in ("refreshed-unchanged", "refreshed-steady"):
        c.targets.append((f"≤ {floor(n, updates)} requests", c.requests <= floor(n, updates)))
    else:
        limit = changed_floor(n, updates, len(c.expected_changes))
        c.targets.append((f"≤ {limit} requests", c.requests <= limit))
    if c.expected_changes:
        c.targets.append((f"all {len(c.expected_changes)} changed trials alerted", not c.missed))
    c.targets.append(("no 429", c.throttled == 0))
    c.targets.append(("peak < 400 MiB", 0 < c.peak_rss < 400 * MIB))
    c.targets.append(("check exit 0", c.exit_code == 0))

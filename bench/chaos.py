"""Chaos soak (issue 15 §1): faults together and repeated, and nothing lost.

The daemon (``trial-monitor run``) on a 1 s schedule against the stand-in registry of the real records;
every watched trial changes at random (status, dates, results, sites, enrollment), each change with a
new value of its own; a third of registry requests fail at random (5xx, 429 with Retry-After, resets,
truncated bodies, hangs); the json:// target is down a third of the time (500/503, or not listening);
the daemon is SIGKILLed at a random moment every 2 to 8 s and started again. Then, on PostgreSQL, two
daemons on one database, the leader killed and the stand-by taking over. A third daemon on a database
of its own is never killed: its resident memory is the one measured. At the end every change is
matched against what the receiver accepted, by its new value.

    python bench/chaos.py --changes 1000     # the full run (~10 minutes); writes docs/reliability.md
    python bench/chaos.py --changes 100 --postgres-share 0   # the test suite's run (tests/test_chaos.py)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.chaos_daemons import Daemons, Observer, Store, home_for, watchlist_text
from bench.chaos_parts import Change, ChaosRegistry, FlakyTarget, Matched, change_of, kinds_for, match
from bench.report import machine
from monitor.registry.ctgov.standin.registry import fixture_studies
from tests.scenarios.harness import Home, wait_until
from tests.support.receivers import JsonReceiver

DOCS = ROOT / "docs" / "reliability.md"
ROUND_TIMEOUT = 120.0  # seconds a round's changes may take to be stored before the next round is made


@dataclass
class Phase:
    """One part of the run: a backend, a number of daemons, the changes made and what came of them."""

    name: str
    daemons: int
    changes: list[Change] = field(default_factory=list)
    rounds: int = 0
    rounds_timed_out: int = 0
    messages: int = 0
    matched: Matched = field(default_factory=Matched)
    kills: int = 0
    takeovers: int = 0
    tracebacks: int = 0
    integrity: str = ""
    outbox: dict[str, int] = field(default_factory=dict)
    drain_seconds: float = 0.0
    exit_codes: list[int | None] = field(default_factory=list)
    seconds: float = 0.0
    waiting: list[str] = field(default_factory=list)  # the oldest deliveries left pending, when any

    @property
    def stuck(self) -> int:
        return self.outbox.get("pending", 0) + self.outbox.get("held", 0)

    @property
    def kinds(self) -> str:
        counted = Counter(c.kind for c in self.changes)
        return " ".join(f"{kind} {counted[kind]}" for kind in sorted(counted))


@dataclass
class ChaosFigures:
    seed: int
    trials: int
    phases: list[Phase] = field(default_factory=list)
    seconds: float = 0.0
    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    target_down: float = 0.0
    target_spells: Counter[str] = field(default_factory=Counter)
    standin_errors: int = 0
    rss_kib: tuple[int, int, int] = (0, 0, 0)  # the never-killed daemon: after warm-up, at the end, highest
    observer_tracebacks: int = 0
    observer_alive: bool | None = None

    @property
    def changes(self) -> int:
        return sum(len(p.changes) for p in self.phases)

    @property
    def tracebacks(self) -> int:
        return sum(p.tracebacks for p in self.phases) + self.observer_tracebacks + self.standin_errors

    @property
    def rss_growth(self) -> float | None:
        start, end, _ = self.rss_kib
        return (end - start) / start if start else None

    def rows(self) -> list[tuple[str, list[str]]]:
        """The figures, a row each: a label and one value per phase."""
        p = self.phases

        def each(get: Callable[[Phase], object]) -> list[str]:
            return [str(get(phase)) for phase in p]

        return [
            ("changes made", each(lambda x: f"{len(x.changes)} ({x.kinds})")),
            ("rounds (timed out)", each(lambda x: f"{x.rounds} ({x.rounds_timed_out})")),
            ("SIGKILLs of the leader", each(lambda x: x.kills)),
            ("takeovers by the stand-by", each(lambda x: x.takeovers if x.daemons > 1 else "–")),
            ("messages accepted", each(lambda x: x.messages)),
            ("lost", each(lambda x: len(x.matched.lost))),
            ("announced twice", each(lambda x: x.matched.duplicates)),
            ("… after de-duplication by alert id", each(
                lambda x: "alert id: absent" if x.matched.duplicates_by_id is None
                else f"{x.matched.duplicates_by_id} (alert id {x.matched.alert_ids})")),
            ("out of order for one trial", each(lambda x: x.matched.out_of_order)),
            ("overtaken by a later round", each(lambda x: x.matched.overtaken)),
            ("alert latency, median / max", each(
                lambda x: f"{x.matched.latency_median:.1f} s / {x.matched.latency_max:.1f} s")),
            ("tracebacks in the daemons' output", each(lambda x: x.tracebacks)),
            ("integrity_check", each(lambda x: x.integrity)),
            ("outbox left pending after drain", each(
                lambda x: f"{x.stuck} ({x.drain_seconds:.0f} s to drain; {_states(x.outbox)})")),
            ("exit codes at the end (SIGTERM)", each(lambda x: " ".join(map(str, x.exit_codes)))),
        ]

    def _head(self) -> list[str]:
        start, end, top = self.rss_kib
        growth = self.rss_growth
        rss = (f"{start / 1024:.1f} MiB after warm-up → {end / 1024:.1f} MiB at the end"
               f" ({growth * 100:+.1f} %; highest {top / 1024:.1f} MiB)" if growth is not None else "not measured")
        faults = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items()))
        spells = ", ".join(f"{kind} {n}" for kind, n in sorted(self.target_spells.items()))
        return [
            (f"chaos soak: {self.changes} changes in {self.trials} trials, {self.seconds:.0f} s, seed {self.seed};"
             " 1 s schedule, SIGKILL every 2–8 s"),
            f"  registry requests   {self.requests} ({sum(self.faults.values())} failed at random: {faults})",
            f"  target down         {self.target_down * 100:.0f} % of the time (spells: {spells})",
            f"  never-killed daemon RSS {rss}; alive throughout: {self.observer_alive}",
            f"  tracebacks          {self.tracebacks} (daemons, never-killed daemon, stand-in)",
        ]

    def lines(self) -> list[str]:
        rows = self.rows()
        width = max([len(p.name) for p in self.phases] + [len(v) for _, values in rows for v in values]) + 2
        out = self._head() + ["  " + f"{'':<36}" + "".join(f"{p.name:<{width}}" for p in self.phases).rstrip()]
        out += [f"  {label:<36}" + "".join(f"{v:<{width}}" for v in values).rstrip() for label, values in rows]
        for phase in self.phases:
            out += [f"  lost in {phase.name}: {detail}" for detail in phase.matched.lost_detail[:20]]
            out += [f"  left pending in {phase.name}: {row}" for row in phase.waiting]
        return out

    def markdown(self) -> list[str]:
        out = ["| figure | " + " | ".join(p.name for p in self.phases) + " |",
               "|---|" + "---|" * len(self.phases)]
        out += [f"| {label} | " + " | ".join(values) + " |" for label, values in self.rows()]
        return out


def _states(outbox: dict[str, int]) -> str:
    return ", ".join(f"{state} {n}" for state, n in sorted(outbox.items())) or "empty"


def chaos(changes: int = 1000, *, postgres_changes: int = 0, database_url: str | None = None, seed: int = 1,
          observer: bool = True, drain_timeout: float = 240.0, say: Callable[[str], None] = print,
          keep: Path | None = None) -> ChaosFigures:
    """The soak: ``changes`` in all, the last ``postgres_changes`` of them on ``database_url`` (PostgreSQL,
    two daemons). With ``changes == postgres_changes`` only the PostgreSQL part runs. ``keep``: a folder for the
    databases and the daemons' logs, left in place (default: a temporary one)."""
    rng = random.Random(seed)
    trials = sorted(str(s["protocolSection"]["identificationModule"]["nctId"]) for s in fixture_studies())
    figures = ChaosFigures(seed, len(trials))
    began = time.monotonic()
    with contextlib.ExitStack() as stack:
        folder = keep or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chaos-")))
        registry = stack.enter_context(ChaosRegistry(fixture_studies()))
        hook, quiet = stack.enter_context(JsonReceiver()), stack.enter_context(JsonReceiver())
        flaky = FlakyTarget(hook, seed=seed)
        watcher = None
        if observer:
            home = home_for(folder / "observer", registry.base_url)
            home.watchlist.write_text(watchlist_text(trials, quiet.url()))
            watcher = Observer(home).start()
            stack.callback(watcher.stop)
        parts = [("SQLite, one daemon", changes - postgres_changes, None, 1),
                 ("PostgreSQL, leader and stand-by", postgres_changes, database_url, 2)]
        for number, (name, count, url, daemons) in enumerate(parts):
            if count <= 0:
                continue
            if daemons > 1 and url is None:
                say(f"{name}: skipped (no PostgreSQL database)")
                continue
            home = home_for(folder / f"part-{number}", registry.base_url, url)
            home.watchlist.write_text(watchlist_text(trials, hook.url()))
            phase = Phase(name, daemons)
            figures.phases.append(phase)
            run_phase(phase, home, registry, hook, flaky, trials, count, rng, seed + number, drain_timeout, say,
                      start=sum(len(p.changes) for p in figures.phases))
        figures.requests = registry.count()
        figures.faults = Counter(registry.faults_picked)
        figures.target_down, figures.target_spells = flaky.down_share, Counter(flaky.spells)
        figures.standin_errors = len(registry.errors)
        if watcher is not None:
            watcher.stop()
            figures.rss_kib = watcher.rss()
            figures.observer_alive = watcher.alive_throughout
            figures.observer_tracebacks = watcher.log.read_text(errors="replace").count("Traceback")
    figures.seconds = time.monotonic() - began
    return figures


def run_phase(phase: Phase, home: Home, registry: ChaosRegistry, hook: JsonReceiver, flaky: FlakyTarget,
              trials: list[str], count: int, rng: random.Random, seed: int, drain_timeout: float,
              say: Callable[[str], None], start: int = 0) -> None:
    began, first_message = time.monotonic(), len(hook.messages)
    store = Store(home.env["MONITOR_DATABASE_URL"])
    registry.chaos(1 / 3, seed)
    flaky.start()
    daemons = Daemons(home, phase.daemons, rng).start()
    try:
        if not wait_until(lambda: store.baselines() >= len(trials), timeout=180, interval=0.5):
            say(f"{phase.name}: no baseline within 180 s")
        number = start  # changes are numbered across the run: each new value is the run's only one
        while len(phase.changes) < count:
            phase.rounds += 1
            chosen = [t for t in trials if rng.random() < 0.6] or [rng.choice(trials)]
            chosen = chosen[:count - len(phase.changes)]
            edits, made = {}, []
            for trial in chosen:
                number += 1
                kind = rng.choice(kinds_for(registry.get(trial)))
                change, edit = change_of(kind, number, trial, phase.rounds, rng)
                edits[trial] = edit
                made.append(change)
            registry.revise(edits)
            stamp = time.monotonic()
            for change in made:
                change.made_at = stamp
            phase.changes += made
            if not wait_until(lambda m=made: _stored(store, m), timeout=ROUND_TIMEOUT, interval=0.3):
                phase.rounds_timed_out += 1
            if phase.rounds % 10 == 0:
                say(f"  {phase.name}: {len(phase.changes)} of {count} changes, {daemons.kills} kills,"
                    f" {len(hook.messages) - first_message} messages, {time.monotonic() - began:.0f} s")
        daemons.calm()  # drain: no more kills, the registry well, the target up
        registry.chaos(0)
        flaky.stop()
        drained = time.monotonic()
        wait_until(lambda: _drained(store, phase.changes, hook, first_message), timeout=drain_timeout, interval=1)
        phase.drain_seconds = time.monotonic() - drained
        time.sleep(2)  # what was in flight lands
        phase.outbox = store.outbox()
        phase.waiting = [f"{dt.datetime.now(dt.UTC):%H:%M:%S} UTC: {row}" for row in store.waiting()]
    finally:
        phase.exit_codes = daemons.stop()
        registry.chaos(0)
        flaky.stop()
        store.close()
    phase.kills, phase.takeovers = daemons.kills, daemons.count_in_logs("taking over the schedule")
    phase.tracebacks = daemons.count_in_logs("Traceback")
    phase.integrity = store.integrity()
    messages = hook.messages[first_message:]
    phase.messages = len(messages)
    phase.matched = match(phase.changes, messages)
    phase.seconds = time.monotonic() - began


def _stored(store: Store, changes: list[Change]) -> bool:
    store.new_events()
    return all(any(c.told_in(words) for words in store.events.get(c.trial, ())) for c in changes)


def _drained(store: Store, changes: list[Change], hook: JsonReceiver, first: int) -> bool:
    outbox = store.outbox()
    if outbox.get("pending", 0) or outbox.get("held", 0) or not outbox:
        return False
    return not match(changes, hook.messages[first:]).lost


# ------------------------------------------------------------------ PostgreSQL for the bench, and the docs
@contextlib.contextmanager
def throwaway_postgres(say: Callable[[str], None]) -> Iterator[str | None]:
    """An empty database on a throwaway cluster (tests/support/postgres.py's), or None when there is none."""
    import pytest

    from tests.support.postgres import _admin, _Cluster, _ensure_bindir

    try:
        cluster = _Cluster(_ensure_bindir())
        base = cluster.start()
    except (RuntimeError, OSError, pytest.skip.Exception) as exc:
        say(f"PostgreSQL unavailable: {exc}")
        yield None
        return
    try:
        with _admin(base) as conn:
            conn.execute('CREATE DATABASE "chaos"')
        yield base + "/chaos"
    finally:
        cluster.stop()


def write_docs(path: Path, figures: ChaosFigures, command: str) -> None:
    """The dated table between markers in ``path`` (the rest of the file is kept)."""
    begin, end = "<!-- chaos -->", "<!-- /chaos -->"
    section = [begin, f"Measured **{dt.date.today().isoformat()}** with `{command}` on {machine()}.", "",
               "```", *figures._head(), "```", "", *figures.markdown(), end]
    current = path.read_text() if path.exists() else "# Reliability\n\n" + begin + "\n" + end + "\n"
    head, _, rest = current.partition(begin)
    _, _, tail = rest.partition(end)
    path.write_text(head + "\n".join(section) + tail)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=1000, help="changes in all (default 1000)")
    parser.add_argument("--postgres-share", type=float, default=0.3,
                        help="the share of them made on PostgreSQL, two daemons (default 0.3; 0: SQLite only)")
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database (default: a throwaway cluster)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drain-timeout", type=float, default=240.0)
    parser.add_argument("--keep", type=Path, help="keep the databases and the daemons' logs in this folder")
    parser.add_argument("--docs", type=Path, help=f"write the table there (default with 1000 changes or more: {DOCS})")
    args = parser.parse_args()
    if args.changes < 1 or not 0 <= args.postgres_share <= 1:
        print("chaos.py: --changes must be 1 or more and --postgres-share within 0 and 1", file=sys.stderr)
        return 2
    postgres_changes = round(args.changes * args.postgres_share)
    with contextlib.ExitStack() as stack:
        url = args.postgres_url
        if postgres_changes and url is None:
            url = stack.enter_context(throwaway_postgres(print))
        figures = chaos(args.changes, postgres_changes=postgres_changes if url else 0, database_url=url,
                        seed=args.seed, drain_timeout=args.drain_timeout, keep=args.keep)
    print("\n".join(figures.lines()))
    docs = args.docs or (DOCS if args.changes >= 1000 else None)
    if docs is not None:
        write_docs(docs, figures, "python bench/chaos.py " + " ".join(sys.argv[1:]))
        print(f"written into {docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

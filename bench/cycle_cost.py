"""Cycle cost at scale: what one `trial-monitor check` costs with N watched trials, per cycle.

Starts the stand-in registry in this process (127.0.0.1): a registry of --registry-size synthetic
trials built from the real fixtures (100,000 by default), the first N of them watched, the rest
posting --churn updates with every refresh (3,000 by default, as the real registry posts a few
thousand a day), with a per-minute rate limit and some latency. Runs the real ``trial-monitor
check`` as a subprocess for each cycle of the scenario (``bench/scenario.py``: baseline, quiet,
refreshed with nothing changed, the same in the steady state, 1 % changed; then a second watchlist
of 50 trials with 1 changed), then times the per-record approach (one ``GET /studies/{id}`` per
trial, as a generic monitor would do) on a sample and extrapolates.

    make bench                                # the defaults, and the table written into bench/README.md
    make bench ARGS="--trials 100000 --pause 0 --rate-limit 0"
    .venv/bin/python bench/cycle_cost.py --help

Prints issue 14's table (each figure against its target) and the table of cycles; with --readme
writes them into that file's marked section. How each figure is measured: bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.databases import Databases  # noqa: E402
from bench.report import report, write_readme  # noqa: E402
from bench.scenario import run_scenario  # noqa: E402
from monitor.registry.ctgov.api import STUDY_FIELDS  # noqa: E402
from monitor.registry.ctgov.standin.registry import StandInRegistry  # noqa: E402
from monitor.registry.ctgov.standin.synthetic import SyntheticStudies  # noqa: E402

MIB = 2**20
# Runs `python -m monitor <args>` and, at exit, writes its own CPU time and peak RSS: getrusage of a
# process covers all its threads; its peak is VmHWM, the high-water mark of the process image since
# exec. (ru_maxrss is not used when VmHWM is there: Linux carries the forking parent's RSS into it,
# so every check would report at least this bench's own size.)
WRAPPER = r"""
import atexit, json, os, resource, runpy, sys

def _report():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    hwm = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    with open(os.environ["BENCH_RUSAGE_FILE"], "w") as out:
        json.dump({"user": ru.ru_utime, "sys": ru.ru_stime, "maxrss_kib": ru.ru_maxrss, "vmhwm_kib": hwm}, out)

atexit.register(_report)
if os.environ.get("BENCH_AS_LIMIT"):  # --memory-limit: fail with MemoryError rather than swamp the machine
    limit = int(os.environ["BENCH_AS_LIMIT"])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.argv = ["trial-monitor", *sys.argv[1:]]
runpy.run_module("monitor", run_name="__main__", alter_sys=True)
"""
TITLE_RULE = re.compile(r"^=+$")
CHEAP = "NCTId|NCTIdAlias|LastUpdatePostDate"
FULL = STUDY_FIELDS  # what the monitor fetches
PROTOCOL_ONLY = "ProtocolSection|DerivedSection|HasResults"  # what it fetched before results were summarised
WHOLE = "ProtocolSection|ResultsSection|DocumentSection|DerivedSection|AnnotationSection|HasResults"
NCT = re.compile(r"NCT\d{8}")


@dataclass
class Cycle:
    name: str
    watched: int = 0  # trials the watchlist of this cycle names (N, or the small watchlist's)
    exit_code: int = 0
    requests: int = 0  # received by the stand-in (exact)
    fetched: int = 0  # bytes of the stand-in's answers (bodies)
    monitor_requests: int | None = None  # as the check reported them
    throttled: int = 0  # 429s the rate limit sent during this cycle
    wall: float = 0.0
    cpu: float = 0.0  # user + sys of the check process
    peak_rss: int = 0  # bytes
    db_size: int = 0  # bytes: the SQLite file + -wal + -shm, or PostgreSQL's (bench/databases.py)
    standin_cpu: float = 0.0  # user + sys of this process (the stand-in's threads) during the cycle
    summary: str = ""
    changed: int = 0  # trials the check reported as changed
    alerts: int = 0  # alert messages written to stdout (no notify target: the console)
    alerted_ids: set[str] = field(default_factory=set)
    expected_changes: list[str] = field(default_factory=list)
    targets: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def missed(self) -> list[str]:
        return [i for i in self.expected_changes if i not in self.alerted_ids]


@dataclass
class PerRecord:
    sample: int
    trials: int
    requests: int = 0
    throttled: int = 0
    wall: float = 0.0

    @property
    def extrapolated_wall(self) -> float:
        return self.wall / max(1, self.sample) * self.trials


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.scratch = (args.scratch or ROOT / ".bench" / f"cycle-cost-{stamp}").resolve()
        self.today = dt.date.today()
        t0 = time.perf_counter()
        # watched: the first args.trials; the small watchlist: the last args.small; the churn: the others
        self.size = max(args.trials + args.small, args.registry_size)
        self.store = SyntheticStudies(self.size, seed=args.seed, start_date=self.today - dt.timedelta(days=30))
        self.watched = list(self.store.ids()[: args.trials])
        self.small = list(self.store.ids()[self.size - args.small:]) if args.small else []
        self.unwatched = range(args.trials, self.size - args.small)
        self.build_seconds = time.perf_counter() - t0
        self.registry = StandInRegistry(store=self.store, data_timestamp=self.stamp(2))
        self.registry.rate_limit(args.rate_limit or None, burst=args.burst)
        self.registry.latency(args.latency)
        self.probe_lines: list[str] = []
        self.databases = Databases(args.postgres, args.postgres_url)

    def stamp(self, days_ago: int) -> str:
        return f"{self.today - dt.timedelta(days=days_ago)}T09:00:05"

    # ------------------------------------------------------------ setup
    def prepare(self, ids: list[str] | None = None, folder: str = "") -> dict[str, str]:
        """The environment of one user's folder (``folder`` under the scratch one) watching ``ids``
        (default: the N watched trials, or the whole registry with --everything)."""
        home = self.scratch / folder
        home.mkdir(parents=True, exist_ok=True)
        watchlist = home / "watchlist.yaml"
        ids = self.watched if ids is None else ids
        with watchlist.open("w") as out:
            out.write(f"# {len(ids)} synthetic trials (bench/cycle_cost.py)\ninterval: 6h\n"
                      f"request_pause: {self.args.pause}\n")
            if self.args.everything and ids is self.watched:
                out.write("trials: all\n")
            else:
                out.write("trials:\n" + "".join(f"  - {nct_id}\n" for nct_id in ids))
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        return env | {
            "MONITOR_CTGOV_URL": self.registry.base_url,
            "MONITOR_WATCHLIST": str(watchlist),
            "MONITOR_DATABASE_URL": self.databases.url(home, folder),
            "MONITOR_HEARTBEAT": str(home / "heartbeat.json"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            "BENCH_HOME": str(home),
        } | ({"BENCH_AS_LIMIT": str(self.args.memory_limit * MIB)} if self.args.memory_limit else {})

    def db_size(self, env: dict[str, str]) -> int:
        return self.databases.size(env["MONITOR_DATABASE_URL"])

    # ------------------------------------------------------------ one check
    def check(self, name: str, env: dict[str, str], expected_changes: list[str] | None = None, *,
              watched: int | None = None) -> Cycle:
        cycle = Cycle(name, self.args.trials if watched is None else watched, expected_changes=expected_changes or [])
        home = Path(env["BENCH_HOME"])
        usage_file = home / f"rusage-{name}.json"
        usage_file.unlink(missing_ok=True)
        first, throttled0 = len(self.registry.requests), self.registry.throttled
        self_cpu0 = _cpu(resource.getrusage(resource.RUSAGE_SELF))
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", WRAPPER, "check"], cwd=home, text=True,
                              env=env | {"BENCH_RUSAGE_FILE": str(usage_file)}, capture_output=True,
                              timeout=self.args.check_timeout)
        cycle.wall = time.perf_counter() - t0
        cycle.standin_cpu = _cpu(resource.getrusage(resource.RUSAGE_SELF)) - self_cpu0
        cycle.exit_code = proc.returncode
        (home / f"check-{name}.out").write_text(proc.stdout)
        (home / f"check-{name}.err").write_text(proc.stderr)
        served = self.registry.requests[first:]
        cycle.requests, cycle.fetched = len(served), sum(r.size for r in served)
        cycle.throttled = self.registry.throttled - throttled0
        if usage_file.exists():
            usage = json.loads(usage_file.read_text())
            cycle.cpu = usage["user"] + usage["sys"]
            cycle.peak_rss = (usage["vmhwm_kib"] or usage["maxrss_kib"]) * 1024
        cycle.db_size = self.db_size(env)
        self.parse_output(cycle, proc.stdout)
        if proc.returncode != 0:
            print(f"  ! {name}: exit {proc.returncode}; stderr tail:\n" + _tail(proc.stderr), file=sys.stderr)
        return cycle

    @staticmethod
    def parse_output(cycle: Cycle, stdout: str) -> None:
        lines = stdout.splitlines()
        cycle.summary = next((ln for ln in lines if ln.startswith(("Checked ", "No registry refresh", "Registry "))), "")
        if m := re.search(r"(\d+) changed", cycle.summary):
            cycle.changed = int(m.group(1))
        if m := re.search(r"\((\d+) requests?\)|; (\d+) requests?\.", cycle.summary):
            cycle.monitor_requests = int(m.group(1) or m.group(2))
        for above, line in zip(lines, lines[1:]):  # console alerts: a title, then a rule of '='
            if TITLE_RULE.match(line) and above.strip():
                cycle.alerts += 1
                if m := NCT.match(above.strip()):  # the title starts with the trial's id
                    cycle.alerted_ids.add(m.group(0))

    # ------------------------------------------------------------ the stand-in alone
    def probe(self) -> list[str]:
        """Time the queries an incremental sync would send, against the stand-in alone (no limit,
        no latency; these requests are not counted in any cycle)."""
        self.registry.rate_limit(None)
        self.registry.latency(0)
        out = []
        try:
            with httpx.Client(base_url=self.registry.base_url, timeout=120) as client:
                def timed(params: dict[str, str]) -> tuple[float, httpx.Response]:
                    t0 = time.perf_counter()
                    response = client.get("/studies", params=params)
                    response.raise_for_status()
                    return time.perf_counter() - t0, response

                since = f"AREA[LastUpdatePostDate]RANGE[{self.today - dt.timedelta(days=60)},MAX]"
                secs, r = timed({"filter.advanced": since, "fields": CHEAP, "countTotal": "true", "pageSize": "1000"})
                out.append(f"range query + countTotal {secs * 1000:.0f} ms ({r.json()['totalCount']:,} hits)")
                params, pages, t0 = {"fields": CHEAP, "pageSize": "1000"}, 0, time.perf_counter()
                token: str | None = None
                while True:
                    page = client.get("/studies", params=params | ({"pageToken": token} if token else {})).json()
                    pages += 1
                    token = page.get("nextPageToken")
                    if not token:
                        break
                out.append(f"cheap projection of all {self.size:,} trials: {pages} page{'s' * (pages > 1)} in "
                           f"{time.perf_counter() - t0:.2f} s")
                batch = "|".join(random.Random(1).sample(self.watched, min(500, self.args.trials)))
                secs, r = timed({"filter.ids": batch, "fields": FULL, "pageSize": "1000"})
                sizes = {name: len(timed({"filter.ids": batch, "fields": fields, "pageSize": "1000"})[1].content)
                         for name, fields in (("protocol only", PROTOCOL_ONLY), ("whole records", WHOLE))}
                out.append(f"filter.ids batch of {min(500, self.args.trials)}, the monitor's fields: "
                           f"{secs * 1000:.0f} ms, {len(r.content) / MIB:.1f} MiB (protocol only, as before results "
                           f"were summarised: {sizes['protocol only'] / MIB:.1f} MiB; whole records: "
                           f"{sizes['whole records'] / MIB:.1f} MiB)")
        finally:  # back on, with a full bucket, before the first cycle
            self.registry.rate_limit(self.args.rate_limit or None, burst=self.args.burst)
            self.registry.latency(self.args.latency)
        return out

    # ------------------------------------------------------------ the per-record approach
    def per_record(self) -> PerRecord:
        ids = self.watched
        sample = random.Random(self.args.seed).sample(ids, min(self.args.per_record_sample, len(ids)))
        result = PerRecord(len(sample), len(ids))
        throttled0 = self.registry.throttled
        last_end = 0.0
        t0 = time.perf_counter()
        with httpx.Client(base_url=self.registry.base_url, timeout=30) as client:
            for nct_id in sample:
                while True:
                    wait = last_end + self.args.pause_seconds - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                    response = client.get(f"/studies/{nct_id}")
                    last_end = time.monotonic()
                    result.requests += 1
                    if response.status_code != 429:
                        response.raise_for_status()
                        response.json()
                        break
                    time.sleep(1.0)  # a polite generic client backs off, then tries again
        result.wall = time.perf_counter() - t0
        result.throttled = self.registry.throttled - throttled0
        return result

    def run(self) -> tuple[list[Cycle], PerRecord | None]:
        with self.registry, self.databases:
            _say(f"stand-in: {self.size:,} synthetic trials ({self.args.trials:,} watched) at {self.registry.base_url} "
                 f"(built in {self.build_seconds:.2f} s, {self.store.state_bytes() / MIB:.1f} MiB of per-trial state)")
            self.probe_lines = self.probe()
            _say("stand-in alone: " + "; ".join(self.probe_lines))
            cycles = run_scenario(self, _say)
            per_record = None
            if self.args.per_record_sample:
                _say(f"per-record approach: GET /studies/{{id}} for {min(self.args.per_record_sample, self.args.trials)}"
                     f" of {self.args.trials:,} trials …")
                per_record = self.per_record()
        return cycles, per_record


def _cpu(ru: resource.struct_rusage) -> float:
    return ru.ru_utime + ru.ru_stime


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join("    " + ln for ln in text.splitlines()[-lines:])


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="bench/cycle_cost.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=5000, help="N watched synthetic trials (default 5000)")
    ap.add_argument("--rate-limit", type=int, default=60, help="stand-in limit, requests a minute (0: off)")
    ap.add_argument("--burst", type=int, default=None, help="token bucket size (default: the per-minute figure)")
    ap.add_argument("--latency", type=float, default=0.05, help="seconds before each answer (default 0.05)")
    ap.add_argument("--pause", default="1s", help="the watchlist's request_pause (default 1s, the product default)")
    ap.add_argument("--per-record-sample", type=int, default=20, metavar="K",
                    help="trials timed for the per-record approach, about one a second (default 20; 0: skip it)")
    ap.add_argument("--changed-share", type=float, default=0.01, help="share of trials changed (default 0.01)")
    ap.add_argument("--registry-size", type=int, default=None, metavar="M",
                    help="trials in the registry (default 100,000; with --everything: --trials); only the first "
                         "--trials are watched, and the last --small by the small watchlist")
    ap.add_argument("--churn", type=int, default=None, metavar="K",
                    help="unwatched trials updated with each refresh, as the real registry posts a few thousand "
                         "a day (default 3,000; 0: a registry where nothing else changes)")
    ap.add_argument("--small", type=int, default=None, metavar="S",
                    help="a second watchlist of S trials in the same registry: a baseline, then one changed under "
                         "the same churn (default 50; 0: skip it)")
    ap.add_argument("--readme", type=Path, default=None, metavar="FILE",
                    help="write the tables into FILE's section for these options (make bench: bench/README.md)")
    ap.add_argument("--everything", action="store_true",
                    help="watch the whole registry (`trials: all`) instead of a list of N ids")
    ap.add_argument("--postgres", action="store_true",
                    help="keep the checks' databases on PostgreSQL (a throwaway cluster, durable settings) instead "
                         "of SQLite")
    ap.add_argument("--postgres-url", default=None, metavar="URL",
                    help="the PostgreSQL server to use for --postgres (postgresql+psycopg://user@host:port/db; "
                         "the user creates and drops databases named bench_*)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check-timeout", type=float, default=3600.0, help="seconds one check may take")
    ap.add_argument("--memory-limit", type=int, default=0, metavar="MIB",
                    help="cap each check's address space (RLIMIT_AS) at MIB: a safety net for big runs (0: none)")
    ap.add_argument("--scratch", type=Path, default=None, help="scratch folder (default .bench/cycle-cost-<time>)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder (database, outputs, watchlist)")
    args = ap.parse_args(argv)
    if args.trials < 1:
        ap.error("--trials must be >= 1")
    if args.everything and (args.registry_size or args.churn or args.small):
        ap.error("--everything watches the whole registry: it is N trials, with no unwatched churn or small watchlist")
    default = {"registry_size": args.trials if args.everything else 100_000,
               "churn": 0 if args.everything else 3000, "small": 0 if args.everything else 50}
    given = list(sys.argv[1:] if argv is None else argv)
    for name, takes in (("--readme", 1), ("--scratch", 1), ("--keep", 0)):  # the options the tables were
        if name in given:  # measured with name their section; where the files went does not
            del given[given.index(name):given.index(name) + 1 + takes]
    args.options = " ".join(a for a in given if not a.startswith(("--readme=", "--scratch="))) or "the defaults"
    for name, value in default.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    from monitor.watchlist import parse_pause

    try:
        args.pause_seconds = parse_pause(args.pause)
    except ValueError as exc:
        ap.error(f"--pause: {exc}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bench = Bench(args)
    started = time.perf_counter()
    try:
        cycles, per_record = bench.run()
    finally:
        if not args.keep:
            shutil.rmtree(bench.scratch, ignore_errors=True)
    text = report(bench, cycles, per_record)
    print(text)
    if args.readme:
        write_readme(args.readme, args.options, text)
        _say(f"written into {args.readme}")
    _say(f"done in {time.perf_counter() - started:,.0f} s"
         + (f"; scratch kept in {bench.scratch}" if args.keep else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

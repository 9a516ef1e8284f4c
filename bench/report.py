"""The benchmark's printed report: issue 14's table (each figure against its target), the table of
cycles, and the section of bench/README.md they are written into (``make bench``)."""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
from pathlib import Path
from typing import Any

from bench.scenario import changed_floor, floor

MIB = 1024 * 1024
EVERYTHING = "`make bench ARGS=\"--everything --trials 570000 --pause 0 --rate-limit 0\"`"
LARGE = "`make bench ARGS=\"--trials 100000 --pause 0 --rate-limit 0\"`"


def _mib(n: int) -> str:
    return f"{n / MIB:.1f} MiB"


def _secs(s: float) -> str:
    return f"{s:,.0f} s" if s >= 100 else f"{s:.2f} s"


def machine() -> str:
    """The machine in a few words: CPU model and count, memory, system, Python, SQLite."""
    model, memory = platform.processor() or platform.machine(), 0
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
        memory = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal"))) * 1024
    except (OSError, StopIteration, ValueError):
        pass
    ram = f", {memory / 2**30:.0f} GiB RAM" if memory else ""
    return (f"{model}, {os.cpu_count()} CPUs{ram}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def _row(figure: str, measured: str, target: str, met: bool | None) -> str:
    verdict = "–" if met is None else ("met" if met else "**NOT met**")
    return f"| {figure} | {measured} | {target} | {verdict} |"


def issue_table(bench: Any, cycles: list[Any]) -> list[str]:
    """Every row of issue 14's table this bench measures (in this run, or with the options it names)."""
    a, by = bench.args, {c.name: c for c in cycles}
    n, k = a.trials, a.churn
    out = ["| figure (issue 14) | measured | target | |", "|---|---:|---|---|"]

    def requests(figure: str, name: str, limit: int, target: str = "") -> None:
        c = by.get(name)
        if c is None:
            out.append(_row(figure, "not in this run", target or f"≤ {limit}", None))
            return
        made = len(c.expected_changes)
        told = f", {made - len(c.missed)} of {made} alerted" if made else ""
        out.append(_row(figure, f"{c.requests} requests{told}", target or f"≤ {limit}",
                        c.requests <= limit and not c.missed))

    if not a.everything:
        requests(f"refreshed cycle, nothing watched changed, N = {n:,}, {k:,} unwatched updates a refresh day",
                 "refreshed-unchanged", floor(n, k))
        requests(f"the same, every day churned (steady state: the day before had its {k:,} too)",
                 "refreshed-steady", floor(n, k))
        made = len(by["refreshed-1pct-changed"].expected_changes)
        more = changed_floor(n, k, made)
        requests(f"refreshed cycle, {a.changed_share:.0%} changed, {k:,} updates that day of which {made:,} watched",
                 "refreshed-1pct-changed", more, f"≤ {more}, all {made:,} alerted")
        s = len(bench.small)
        requests(f"refreshed cycle, N = {s or 50}, 1 changed, same churn", "small-refreshed", floor(s or 50, k))
    base = by["baseline"]
    per_trial = base.db_size / max(1, n)
    backend = bench.databases.version.split()[0]  # SQLite | PostgreSQL
    whole = a.everything and n >= 570_000  # the whole registry's rows are judged on the whole registry only
    if a.everything:
        out.append(_row(f"database per watched trial ({backend}, whole registry: {n:,} records)",
                        f"{per_trial / 1024:.1f} KB ({_mib(base.db_size)})", "≤ 4 KB (≤ 2.5 GiB)",
                        per_trial <= 4096 if whole else None))
        out.append(_row(f"whole-registry baseline, CPU ({n:,} records)", _secs(base.cpu), "≤ 600 s",
                        base.cpu <= 600 if whole else None))
    else:
        out.append(_row(f"database per watched trial ({backend}, whole registry)", f"not in this run: {EVERYTHING}",
                        "≤ 4 KB (≤ 2.5 GiB)", None))
        out.append(_row(f"database per watched trial, N = {n:,} ({backend}; synthetic, from the small and large real records)",
                        f"{per_trial / 1024:.1f} KB ({_mib(base.db_size)})", "≤ 2.5 KB", per_trial <= 2560))
        out.append(_row("whole-registry baseline, CPU", f"not in this run: {EVERYTHING}", "≤ 600 s", None))
    for name, label, limit in (("quiet", "quiet check", 1.5), ("refreshed-unchanged", "refreshed unchanged check", 2.0)):
        c, at = by[name], "" if n == 100_000 else f" at N = {n:,} (the target's N: {LARGE})"
        out.append(_row(f"{label} at N = 100,000, CPU", f"{c.cpu:.2f} s{at}", f"≤ {limit} s",
                        c.cpu <= limit if n == 100_000 else None))
    out.append(_row("peak memory, whole-registry baseline", _mib(base.peak_rss) if a.everything else
                    f"not in this run: {EVERYTHING}", "≤ 300 MiB", base.peak_rss <= 300 * MIB if whole else None))
    return out


def report(bench: Any, cycles: list[Any], per_record: Any) -> str:
    a = bench.args
    limit = f"{a.rate_limit}/min (burst {a.burst or a.rate_limit})" if a.rate_limit else "off"
    small = f"; a second watchlist of the last {len(bench.small)}" if bench.small else ""
    out = [
        f"### Cycle cost: {a.trials:,} watched trials, {a.churn:,} other updates a refresh day"
        + (", on PostgreSQL" if bench.databases.postgres else ""),
        "",
        f"Measured **{bench.today}** by `make bench` ({a.options}) on {machine()}. Stand-in registry: "
        f"{bench.size:,} synthetic trials from the {len(bench.store.templates)} fixture records, the first "
        f"{a.trials:,} watched{small}"
        + (f", {a.churn:,} of the others updated with each refresh" if a.churn else ", nothing else updated")
        + f"; rate limit {limit}, latency {a.latency * 1000:.0f} ms; request_pause {a.pause}; "
        + (f"{bench.databases.version}, durable settings, a database's size less that of the database when "
           "created (its system catalogs)." if bench.databases.postgres else f"{bench.databases.version}."),
        "",
        *issue_table(bench, cycles),
        "",
        "| cycle | N | requests | fetched | 429s | wall | CPU | peak RSS | database | changed / alerts | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for c in cycles:
        marks = "; ".join(f"{t}: {'met' if ok else '**NOT met**'}" for t, ok in c.targets)
        alerts = f"{c.changed} / {c.alerts}" + (f" (of {len(c.expected_changes)} made)" if c.expected_changes else "")
        out.append(f"| {c.name} | {c.watched:,} | {c.requests} | {_mib(c.fetched)} | {c.throttled} | {_secs(c.wall)} | "
                   f"{c.cpu:.2f} s | {_mib(c.peak_rss)} | {_mib(c.db_size)} | {alerts} | {marks} |")
    p = per_record
    if p is not None:
        out.append(f"| per-record (GET /studies/{{id}} each) | {p.trials:,} | {p.trials} (exact) | | {p.throttled} in "
                   f"sample | {_secs(p.extrapolated_wall)} (extrapolated from {p.sample}: {_secs(p.wall)}) | | | | | |")
    out.append("")
    if p is not None:
        for c in cycles:
            if c.name.startswith("refreshed"):
                out.append(f"- per-record vs {c.name}: {p.trials / max(1, c.requests):,.0f}× the requests "
                           f"({p.trials} / {c.requests}), {p.extrapolated_wall / max(c.wall, 1e-9):,.0f}× the wall "
                           f"time ({_secs(p.extrapolated_wall)} extrapolated / {_secs(c.wall)}).")
    else:
        out.append("- the per-record approach was not timed (`--per-record-sample 0`).")
    out.append("- stand-in side (this process, serving): " + ", ".join(f"{c.name} {c.standin_cpu:.2f} s CPU" for c in cycles)
               + f"; store built in {bench.build_seconds:.2f} s, {_mib(bench.store.state_bytes())} per-trial state; "
               f"bench process peak RSS {_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)}; "
               + "; ".join(bench.probe_lines) + ".")
    for c in cycles:
        if c.monitor_requests is not None and c.monitor_requests != c.requests:
            out.append(f"- note: {c.name}: the check reported {c.monitor_requests} requests, "
                       f"the stand-in received {c.requests}.")
        if c.missed:
            out.append(f"- {c.name}: {len(c.missed)} changed trials not alerted, e.g. {', '.join(c.missed[:5])}.")
    out.append("- check summaries: " + " | ".join(f"{c.name}: {c.summary or '(none)'}" for c in cycles))
    return "\n".join(out)


ANCHOR = "<!-- cycle_cost: the newest run of each set of options, written by make bench; older dated tables below -->"


def write_readme(path: Path, options: str, text: str) -> None:
    """Put ``text`` into ``path``'s section for these options: replaced when there is one, else added first
    after the anchor line (or at the end). The older dated tables, outside the sections, stay as they are."""
    start, end = f"<!-- cycle_cost ({options}) -->", f"<!-- /cycle_cost ({options}) -->"
    block = f"{start}\n{text}\n{end}"
    old = path.read_text()
    if start in old and end in old:
        new = old[: old.index(start)] + block + old[old.index(end) + len(end):]
    elif ANCHOR in old:
        at = old.index(ANCHOR) + len(ANCHOR)
        new = old[:at] + "\n\n" + block + old[at:]
    else:
        new = old.rstrip("\n") + f"\n\n{ANCHOR}\n\n{block}\n"
    path.write_text(new)

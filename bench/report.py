"""The benchmark's printed report: one markdown table, ready for the README's Performance section."""

from __future__ import annotations

import os
import platform
import resource
from typing import Any

MIB = 1024 * 1024


def _mib(n: int) -> str:
    return f"{n / MIB:.1f} MiB"


def _secs(s: float) -> str:
    return f"{s:,.0f} s" if s >= 100 else f"{s:.2f} s"


def report(bench: Any, cycles: list[Any], per_record: Any) -> str:
    a = bench.args
    limit = f"{a.rate_limit}/min (burst {a.burst or a.rate_limit})" if a.rate_limit else "off"
    out = [
        f"### Cycle cost: {a.trials:,} watched trials",
        "",
        f"Stand-in registry: {bench.size:,} synthetic trials"
        + (f" ({a.trials:,} watched; {a.churn:,} unwatched ones updated with each refresh)" if bench.size > a.trials
           else " (all watched)")
        + f" from the {len(bench.store.templates)} fixture records, "
        f"rate limit {limit}, latency {a.latency * 1000:.0f} ms; request_pause {a.pause}; "
        f"SQLite; Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; {bench.today}.",
        "",
        "| cycle | requests | fetched | 429s | wall | CPU | peak RSS | database | changed / alerts | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for c in cycles:
        marks = "; ".join(f"{t}: {'met' if ok else '**NOT met**'}" for t, ok in c.targets)
        alerts = f"{c.changed} / {c.alerts}"
        if c.expected_changes:
            alerts += f" (of {len(c.expected_changes)} made)"
        out.append(f"| {c.name} | {c.requests} | {_mib(c.fetched)} | {c.throttled} | {_secs(c.wall)} | {c.cpu:.2f} s | "
                   f"{_mib(c.peak_rss)} | {_mib(c.db_size)} | {alerts} | {marks} |")
    p = per_record
    out.append(f"| per-record (GET /studies/{{id}} each) | {p.trials} (exact) | {p.throttled} in sample | "
               f"{_secs(p.extrapolated_wall)} (extrapolated from {p.sample}: {_secs(p.wall)}) | – | – | – | – | – |")
    out.append("")
    for c in cycles[2:]:
        out.append(f"- per-record vs {c.name}: {p.trials / max(1, c.requests):,.0f}× the requests "
                   f"({p.trials} / {c.requests}), {p.extrapolated_wall / max(c.wall, 1e-9):,.0f}× the wall time "
                   f"({_secs(p.extrapolated_wall)} extrapolated / {_secs(c.wall)}).")
    out.append("")
    out.append("Stand-in side (this process, serving): " + ", ".join(
        f"{c.name} {c.standin_cpu:.2f} s CPU" for c in cycles)
        + f"; store built in {bench.build_seconds:.2f} s, {_mib(bench.store.state_bytes())} per-trial state; "
        f"bench process peak RSS {_mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)}; "
        + "; ".join(bench.probe_lines) + ".")
    for c in cycles:
        if c.monitor_requests is not None and c.monitor_requests != c.requests:
            out.append(f"- note: {c.name}: the check reported {c.monitor_requests} requests, "
                       f"the stand-in received {c.requests}.")
        if c.missed:
            out.append(f"- {c.name}: {len(c.missed)} changed trials not alerted, e.g. {', '.join(c.missed[:5])}.")
    out.append("")
    out.append("Check summaries: " + " | ".join(f"{c.name}: {c.summary or '(none)'}" for c in cycles))
    return "\n".join(out)



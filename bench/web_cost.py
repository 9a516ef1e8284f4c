"""What the web face costs: server time to render the dashboard and the API's trial list at N watched trials.

    .venv/bin/python bench/web_cost.py [--trials 5000] [--runs 20]

Builds a real database the way a user gets one: the stand-in registry with N synthetic trials from
the real fixtures, ``trial-monitor check`` for the baselines, 1 % of the trials changed and checked
again (so trials have a latest change). Then it serves the real web app in this process and times
each page through its ASGI interface (httpx's ASGI transport: server time, no network), best, median
and 95th percentile of ``--runs`` requests. Figures: bench/README.md ("web_cost.py").
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.registry.ctgov.standin.registry import StandInRegistry  # noqa: E402
from monitor.registry.ctgov.standin.synthetic import SyntheticStudies  # noqa: E402
from monitor.settings import Settings  # noqa: E402
from monitor.store.db import open_engine  # noqa: E402
from monitor.watchlist import load_watchlist  # noqa: E402
from monitor.web.app import make_app  # noqa: E402
from monitor.web.host import Host  # noqa: E402

TOKEN = "bench-token"
PAGES = (
    ("/", "the dashboard (50 trials a page)"),
    ("/?page=40", "the dashboard, page 40"),
    ("/?status=RECRUITING&changed=7", "the dashboard, filtered"),
    ("/api/v1/trials", "GET /api/v1/trials (1,000 a page)"),
    ("/api/v1/trials?limit=5000", "GET /api/v1/trials?limit=5000"),
    ("/trials/NCT10000042", "a trial's page"),
    ("/metrics", "/metrics"),
)


def build(folder: Path, trials: int, everything: bool = False) -> dict[str, str]:
    """A database of ``trials`` watched trials (``trials: all`` of an N-record registry when ``everything``)
    with their baselines and a day of changes."""
    today = dt.date.today()
    store = SyntheticStudies(trials, seed=1, start_date=today - dt.timedelta(days=30))
    registry = StandInRegistry(store=store, data_timestamp=f"{today - dt.timedelta(days=1)}T09:00:05")
    with registry:
        listed = "trials: all\n" if everything else "trials:\n" + "".join(f"  - {i}\n" for i in store.ids())
        (folder / "watchlist.yaml").write_text("interval: 6h\nrequest_pause: 0s\n" + listed)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")} | {
            "MONITOR_CTGOV_URL": registry.base_url, "MONITOR_WATCHLIST": str(folder / "watchlist.yaml"),
            "MONITOR_DATABASE_URL": f"sqlite:///{folder / 'monitor.db'}",
            "MONITOR_HEARTBEAT": str(folder / "heartbeat.json"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        for step in ("baselines", "a day of changes"):
            if step != "baselines":
                store.mutate_share(0.01, date=today, seed=2)
                registry.refresh(f"{today}T09:00:05")
            done = subprocess.run([sys.executable, "-m", "monitor", "check"], cwd=folder, env=env,
                                  capture_output=True, text=True, timeout=3600)
            said = (done.stdout or done.stderr).strip().splitlines()
            summary = next((line for line in said if line.startswith(("Checked", "Registry", "No registry"))), None)
            print(f"  {step}: {summary or f'exit {done.returncode}'}", file=sys.stderr)
    return env


async def measure(app: object, runs: int) -> list[tuple[str, str, int, list[float]]]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    rows = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                 headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        for path, words in PAGES:
            times, size = [], 0
            for _ in range(runs):
                started = time.perf_counter()
                answer = await client.get(path)
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
                size = len(answer.content)
            rows.append((path, words, size, times))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--everything", action="store_true", help="watch `trials: all` of an N-record registry")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="web-cost-") as scratch:
        folder = Path(scratch)
        print(f"building a database of {args.trials:,} watched trials …", file=sys.stderr)
        env = build(folder, args.trials, args.everything)
        settings = Settings.from_env(env)
        watchlist = load_watchlist(settings.watchlist_path)
        app = make_app(Host(open_engine(settings.database_url), settings, lambda: watchlist, TOKEN))
        rows = asyncio.run(measure(app, args.runs))
    mode = "`trials: all`, " if args.everything else ""
    print(f"\n| page ({mode}N = {args.trials:,}, {args.runs} requests each) | best | median | p95 | size |")
    print("|---|---:|---:|---:|---:|")
    for _, words, size, times in rows:
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"| {words} | {1000 * ordered[0]:.0f} ms | {1000 * statistics.median(ordered):.0f} ms | "
              f"{1000 * p95:.0f} ms | {size / 1024:.0f} KiB |")


if __name__ == "__main__":
    main()

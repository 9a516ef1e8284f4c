"""Serve the fixtures by hand: ``python -m monitor.registry.ctgov.standin --port 8765 [--fixtures DIR] [--synthetic N]``."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from monitor.registry.ctgov.standin.registry import FIXTURES_DIR, StandInRegistry, fixture_histories, fixture_studies
from monitor.registry.ctgov.standin.synthetic import SyntheticStudies


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m monitor.registry.ctgov.standin", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765, help="0 = any free port")
    ap.add_argument("--fixtures", type=Path, default=FIXTURES_DIR, help="directory of ctgov JSON fixtures")
    ap.add_argument("--timestamp", default="2026-11-20T09:00:05", help="dataTimestamp served by /version")
    ap.add_argument("--synthetic", type=int, default=0, metavar="N",
                    help="also serve N synthetic trials NCT10000000… built from the fixtures")
    ap.add_argument("--rate-limit", type=int, default=0, metavar="PER_MINUTE", help="429 beyond this (0: off)")
    ap.add_argument("--latency", type=float, default=0.0, metavar="SECONDS", help="delay before each answer")
    args = ap.parse_args(argv)
    store = SyntheticStudies(args.synthetic) if args.synthetic else None
    reg = StandInRegistry(fixture_studies(args.fixtures), args.timestamp, host=args.host, port=args.port,
                          histories=fixture_histories(args.fixtures), store=store)
    reg.rate_limit(args.rate_limit or None)
    reg.latency(args.latency)
    with reg:
        print(f"stand-in ClinicalTrials.gov API serving {len(reg.ids())} studies at {reg.base_url}", flush=True)
        print(f"  e.g. curl '{reg.base_url}/studies?filter.ids=NCT02513394&fields=NCTId|OverallStatus'", flush=True)
        print("Ctrl-C to stop", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping", flush=True)


if __name__ == "__main__":
    main()

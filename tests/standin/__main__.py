"""Serve the fixtures by hand: ``python -m tests.standin --port 8765 [--fixtures DIR]``."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from tests.standin.registry import FIXTURES_DIR, StandInRegistry, fixture_histories, fixture_studies


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m tests.standin", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765, help="0 = any free port")
    ap.add_argument("--fixtures", type=Path, default=FIXTURES_DIR, help="directory of ctgov JSON fixtures")
    ap.add_argument("--timestamp", default="2026-11-20T09:00:05", help="dataTimestamp served by /version")
    args = ap.parse_args(argv)
    reg = StandInRegistry(fixture_studies(args.fixtures), args.timestamp, host=args.host, port=args.port,
                          histories=fixture_histories(args.fixtures))
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

"""What reading, fingerprinting and comparing one large real record costs (CPU, best of N runs).

    .venv/bin/python bench/diff_cost.py [--runs 20]

NCT02513394 (1.4 MB of JSON, 437 sites) is the largest bundled record (monitor/registry/ctgov/standin/
records). Its view is made twice (old and new), fingerprinted, then compared with a site removed and the
primary completion moved: the work a check does for one changed trial, without I/O.
Figures: bench/README.md ("diff_cost.py").
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.core.diff import compare  # noqa: E402
from monitor.core.view import fingerprint  # noqa: E402
from monitor.registry.ctgov.record import view_of  # noqa: E402

RECORD = Path(__file__).resolve().parents[1] / "monitor/registry/ctgov/standin/records/NCT02513394.json"


def best(runs: int, work) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    raw = RECORD.read_bytes()
    old, new = orjson.loads(raw), orjson.loads(raw)
    new["protocolSection"]["contactsLocationsModule"]["locations"].pop(7)
    new["protocolSection"]["statusModule"]["primaryCompletionDateStruct"] = {"date": "2022-05", "type": "ESTIMATED"}
    old_view, new_view = view_of(old), view_of(new)
    assert [e.kind for e in compare(old_view, new_view)] == ["date", "sites"]
    rows = [
        ("view of the record (view_of)", best(args.runs, lambda: view_of(new))),
        ("fingerprint of the view", best(args.runs, lambda: fingerprint(new_view))),
        ("compare (a date and a site changed)", best(args.runs, lambda: compare(old_view, new_view))),
        ("compare (nothing changed)", best(args.runs, lambda: compare(old_view, old_view))),
    ]
    print(f"| NCT02513394, best of {args.runs} | CPU ms |\n|---|---:|")
    for name, seconds in rows:
        print(f"| {name} | {1000 * seconds:.2f} |")


if __name__ == "__main__":
    main()

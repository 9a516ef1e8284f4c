"""What a stored view costs in bytes, encoded each way we considered; and the shipped dictionary, rebuilt.

    .venv/bin/python bench/storage_cost.py [--synthetic 280]          # the table of bench/README.md "Storage"
    .venv/bin/python bench/storage_cost.py --build-dictionary FILE    # monitor/store/views-2.zdict, byte for byte
    .venv/bin/python bench/storage_cost.py --build-dictionary FILE --layout 1   # views-1.zdict (the view as it is)

The views are those of the 14 real records the stand-in serves (``view_of``), and of the first N
trials of the synthetic registry (``SyntheticStudies``: each a fixture record with its own id, title,
status, enrollment and dates, so they share most of their text with the fixtures). A dictionary
trained on the fixtures has seen the synthetic trials' templates: their figures flatter it. The
column "held out" is the honest one for records it has never seen: each fixture packed with a
dictionary trained on the 13 others (leave one out).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.core.expectations.rules import facts_of  # noqa: E402
from monitor.registry.ctgov.record import view_of  # noqa: E402
from monitor.registry.ctgov.standin.fixtures import fixture_studies  # noqa: E402
from monitor.registry.ctgov.standin.synthetic import SyntheticStudies  # noqa: E402
from monitor.store import codec  # noqa: E402
from monitor.store.compact import compact  # noqa: E402

View = dict[str, Any]
Encode = Callable[[View], bytes]
SIZE = 65536  # the shipped dictionary's size


LAYOUTS: dict[int, Callable[[View], View]] = {1: lambda view: view, 2: compact}  # views-N.zdict: N
IDS = {1: codec.FIRST_DICTIONARY_ID, 2: codec.DICTIONARY_ID}


def samples(views: Sequence[View], layout: int = 2) -> list[bytes]:
    """What the dictionary learns from: one sample per view group (as the layout writes it), one per
    view's expectation facts."""
    lay = LAYOUTS[layout]
    return ([orjson.dumps({key: group}) for view in views for key, group in lay(view).items()]
            + [orjson.dumps(facts_of(view)) for view in views])


def train(views: Sequence[View], size: int = SIZE, layout: int = 2) -> zstandard.ZstdCompressionDict:
    """COVER with fixed parameters, single-threaded: the same views give the same bytes."""
    return zstandard.train_dictionary(size, samples(views, layout), k=1024, d=8, threads=0, level=codec.LEVEL,
                                      dict_id=IDS[layout])


# the records views-1.zdict was trained on (the stand-in's 14 full records on 2026-12-02): a fixture added
# later does not change it; a new dictionary is a new file with a new id, views-1 staying for its rows
TRAINED_ON = ("NCT00763412", "NCT00973089", "NCT02210780", "NCT02513394", "NCT02552212", "NCT03064438",
              "NCT03281889", "NCT03418623", "NCT03630471", "NCT04207047", "NCT04431453", "NCT05594173",
              "NCT06171568", "NCT06388018")


def fixture_views() -> list[View]:
    """The views of the records the shipped dictionary was trained on, in id order."""
    views = {view["id"]: view for view in (view_of(study) for study in fixture_studies())}
    return [views[trial_id] for trial_id in TRAINED_ON]


def zstd(level: int, dictionary: zstandard.ZstdCompressionDict | None = None, layout: int = 1) -> Encode:
    compressor = (zstandard.ZstdCompressor(level=level, dict_data=dictionary, write_checksum=False)
                  if dictionary is not None else zstandard.ZstdCompressor(level=level, write_checksum=False))
    lay = LAYOUTS[layout]
    return lambda view: compressor.compress(orjson.dumps(lay(view)))


KEYS: dict[str, int] = {}


def keyless(view: Any) -> Any:
    """A shared-structure encoding: every dict as [keys' index in one shared key table, values] (the
    key table is the same for every row, so only indexes are stored)."""
    if isinstance(view, dict):
        return [[KEYS.setdefault(k, len(KEYS)) for k in view], [keyless(v) for v in view.values()]]
    if isinstance(view, list):
        return [keyless(v) for v in view]
    return view


def choices(first: zstandard.ZstdCompressionDict, second: zstandard.ZstdCompressionDict) -> dict[str, Encode]:
    structured = zstandard.ZstdCompressor(level=3, write_checksum=False)
    return {
        "JSON as stored before (json.dumps)": lambda v: json.dumps(v).encode(),
        "orjson, uncompressed": orjson.dumps,
        "zstd level 3": zstd(3),
        "zstd level 9": zstd(9),
        "zstd level 19": zstd(19),
        "shared structure (one key table, dicts as index arrays) + zstd 3": lambda v: structured.compress(orjson.dumps(keyless(v))),
        "zstd 3 + 64 KiB dictionary (views-1, shipped 2026-12-02)": zstd(3, first),
        "zstd 9 + 64 KiB dictionary": zstd(9, first),
        "zstd 19 + 64 KiB dictionary": zstd(19, first),
        "groups by column, site keys dropped (compact) + zstd 3 + 64 KiB dictionary (views-2, shipped)":
            zstd(3, second, layout=2),
        "compact + zstd 9 + 64 KiB dictionary (views-2)": zstd(9, second, layout=2),
    }


def held_out(fixtures: list[View], level: int, layout: int = 1, size: int = SIZE) -> list[int]:
    """Each fixture packed with a dictionary trained on the others."""
    return [len(zstd(level, train(fixtures[:i] + fixtures[i + 1:], size, layout), layout)(view))
            for i, view in enumerate(fixtures)]


def table(n_synthetic: int) -> str:
    fixtures = fixture_views()
    synthetic = SyntheticStudies(n_synthetic)
    others = [view_of(synthetic.build(i)) for i in range(n_synthetic)]
    first, second = codec.dictionary(codec.FIRST_DICTIONARY_ID), codec.dictionary(codec.DICTIONARY_ID)
    lines = ["| encoding | fixtures: mean | median | smallest 7: mean | held out: mean | held out: smallest 7 "
             "| synthetic: mean | pack µs/view |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    small = sorted(range(len(fixtures)), key=lambda i: len(orjson.dumps(fixtures[i])))[:7]
    for name, encode in choices(first, second).items():
        sizes = [len(encode(v)) for v in fixtures]
        began = time.process_time()
        synth = [len(encode(v)) for v in others]
        micros = (time.process_time() - began) / len(others) * 1e6
        loo = small_loo = ""
        if "dictionary" in name:
            out = held_out(fixtures, int(name.split("zstd ")[1].split()[0]), 2 if "compact" in name else 1)
            loo, small_loo = f"{statistics.mean(out):,.0f}", f"{statistics.mean(out[i] for i in small):,.0f}"
        lines.append(f"| {name} | {statistics.mean(sizes):,.0f} | {statistics.median(sizes):,.0f} | "
                     f"{statistics.mean(sizes[i] for i in small):,.0f} | {loo} | {small_loo} | "
                     f"{statistics.mean(synth):,.0f} | {micros:,.0f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dictionary", type=Path, metavar="FILE",
                    help="write the dictionary trained on the fixtures")
    ap.add_argument("--layout", type=int, choices=sorted(LAYOUTS), default=2,
                    help="the layout the dictionary is for (1: views-1.zdict, the view as it is; 2: views-2.zdict)")
    ap.add_argument("--synthetic", type=int, default=280, help="synthetic trials measured (default 280: 20 a template)")
    args = ap.parse_args()
    if args.build_dictionary:
        args.build_dictionary.write_bytes(train(fixture_views(), layout=args.layout).as_bytes())
        print(f"wrote {args.build_dictionary} ({args.build_dictionary.stat().st_size:,} bytes)")
        return
    print(table(args.synthetic))


if __name__ == "__main__":
    main()

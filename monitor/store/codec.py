"""How a snapshot's view is kept: its JSON, compressed by zstandard with a dictionary shipped here.

``pack(view)`` is one zstandard frame of the view's JSON (orjson, keys in the view's own order),
compressed at level 3 with a shipped dictionary; ``unpack(data)`` reads any frame this module ever
wrote: the frame header names its dictionary (0: none), and the dictionary says the layout:

- ``views-2.zdict`` (``DICTIONARY_ID``, what ``pack`` writes since 2026-12-02): the view laid out by
  ``monitor.store.compact`` (its groups of records by column, a site's key, which repeats its own
  fields, left out), the dictionary trained on that layout;
- ``views-1.zdict`` (``FIRST_DICTIONARY_ID``): the view as it is; what ``pack`` wrote before, and still
  writes for a view ``compact`` cannot lay out.

A later dictionary is added beside these, never in their place, so every row stays readable. Each was
trained by zstandard's COVER trainer (k=1024, d=8, single-threaded: deterministic) on the views of the
14 real records the stand-in registry serves (``monitor/registry/ctgov/standin/records/``), one sample
per view group and one per view's expectation facts. ``bench/storage_cost.py --build-dictionary FILE
[--layout 1]`` rebuilds either byte for byte; ``tests/store/test_codec.py`` pins their digests. Why
this encoding and not another, with the measurements: bench/README.md, "Storage".

No decision is made here: what is packed is what the core decided to keep.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
import zstandard

from monitor.store import compact

HERE = Path(__file__).resolve().parent
FIRST_DICTIONARY_ID = 0x544D0001  # "TM", dictionary 1: the view as it is
DICTIONARY_ID = 0x544D0002  # dictionary 2: the view laid out by monitor.store.compact (what pack writes)
DICTIONARY_FILES = {FIRST_DICTIONARY_ID: HERE / "views-1.zdict", DICTIONARY_ID: HERE / "views-2.zdict"}
LEVEL = 3  # zstandard's default, ~300 MB/s here; level 9 packs 11 % smaller for 4× the CPU (bench/README.md)
_local = threading.local()  # zstandard's (de)compressors are not to be shared between threads


class CodecError(ValueError):
    """Bytes that are not a snapshot this module wrote (or a dictionary it does not have)."""


@lru_cache(maxsize=4)
def dictionary(dict_id: int = DICTIONARY_ID) -> zstandard.ZstdCompressionDict:
    """A shipped dictionary by its id (loaded once)."""
    if dict_id not in DICTIONARY_FILES:
        raise CodecError(f"snapshot packed with dictionary {dict_id}, which this trial-monitor does not have")
    return zstandard.ZstdCompressionDict(DICTIONARY_FILES[dict_id].read_bytes(),
                                         dict_type=zstandard.DICT_TYPE_FULLDICT)


def dictionary_digest(dict_id: int = DICTIONARY_ID) -> str:
    return hashlib.sha256(DICTIONARY_FILES[dict_id].read_bytes()).hexdigest()


def _compressor(dict_id: int) -> zstandard.ZstdCompressor:
    cache: dict[int, zstandard.ZstdCompressor] | None = getattr(_local, "compressors", None)
    if cache is None:
        cache = _local.compressors = {}
    found = cache.get(dict_id)
    if found is None:
        found = cache[dict_id] = zstandard.ZstdCompressor(
            level=LEVEL, dict_data=dictionary(dict_id), write_checksum=False, write_content_size=True,
            write_dict_id=True)
    return found


def _decompressor(dict_id: int) -> zstandard.ZstdDecompressor:
    cache: dict[int, zstandard.ZstdDecompressor] | None = getattr(_local, "decompressors", None)
    if cache is None:
        cache = _local.decompressors = {}
    found = cache.get(dict_id)
    if found is None:
        found = cache[dict_id] = (zstandard.ZstdDecompressor(dict_data=dictionary(dict_id)) if dict_id
                                  else zstandard.ZstdDecompressor())
    return found


def pack(value: Any) -> bytes:
    """A view (any JSON value) as one zstandard frame: laid out when it can be (dictionary 2), else as it is."""
    if isinstance(value, dict):
        try:
            return _compressor(DICTIONARY_ID).compress(orjson.dumps(compact.compact(value)))
        except compact.NotCompactable:
            pass
    return _compressor(FIRST_DICTIONARY_ID).compress(orjson.dumps(value))


def unpack(data: bytes | memoryview) -> Any:
    """The value ``pack`` was given; CodecError for anything else."""
    raw = bytes(data)
    try:
        dict_id = zstandard.get_frame_parameters(raw).dict_id
        value = orjson.loads(_decompressor(dict_id).decompress(raw))
    except (zstandard.ZstdError, orjson.JSONDecodeError) as exc:
        raise CodecError(f"not a packed snapshot: {exc}") from None
    return compact.expand(value) if dict_id == DICTIONARY_ID and isinstance(value, dict) else value


def stored_view(view: Any, packed: bytes | memoryview | None) -> Any:
    """A snapshot row's view, whichever way it was stored: the JSON of rows stored before snapshots were
    packed (``view``, until the conversion reaches them), else the packed frame."""
    if view is not None:
        return orjson.loads(view) if isinstance(view, str | bytes) else view
    return unpack(packed) if packed is not None else None

"""Snapshots packed (monitor/store/codec.py): every real view round-trips, the dictionary is the one shipped and
can be rebuilt byte for byte, and the sizes are what bench/README.md "Storage" says (sizes are exact)."""

from __future__ import annotations

import json

import orjson
import pytest
import zstandard

from bench.storage_cost import TRAINED_ON, fixture_views, train
from monitor.core.view import fingerprint
from monitor.registry.ctgov.record import view_of
from monitor.registry.ctgov.standin.synthetic import SyntheticStudies
from monitor.store import codec

# views-1.zdict is fixed for good: rows packed with it are read with it. A new dictionary is a new file
# and a new id beside it (codec.dictionary), never a change to this one.
SHIPPED_SHA256 = "5800eaa781b99cdcf3aa15da2ae3c37059d56c52558838bd9d363cf1dde9241a"


@pytest.fixture(scope="module")
def views() -> list[dict[str, object]]:
    return fixture_views()


def test_every_fixture_view_round_trips_to_the_same_view_and_fingerprint(views: list[dict[str, object]]) -> None:
    assert [v["id"] for v in views] == list(TRAINED_ON)
    for view in views:
        back = codec.unpack(codec.pack(view))
        assert back == view and fingerprint(back) == fingerprint(view)
        assert list(back) == list(view)  # the view's own order too


def test_synthetic_views_and_odd_values_round_trip() -> None:
    synthetic = SyntheticStudies(30)
    for i in range(30):
        view = view_of(synthetic.build(i))
        assert codec.unpack(codec.pack(view)) == view
    odd = {"v": 1, "title": "é ü ≥ 中文 \u2028", "n": [0, -1, 2**53, 1.5, None, True], "nested": {"": {}}}
    assert codec.unpack(codec.pack(odd)) == odd


def test_the_shipped_dictionary_is_the_one_trained_on_the_fixtures(views: list[dict[str, object]]) -> None:
    assert codec.dictionary_digest() == SHIPPED_SHA256, "views-1.zdict changed: rows packed with it would not read"
    assert codec.dictionary().dict_id() == codec.DICTIONARY_ID
    rebuilt = train(views).as_bytes()
    assert rebuilt == codec.DICTIONARY_FILE.read_bytes(), (
        "bench/storage_cost.py no longer rebuilds views-1.zdict from the fixtures (did view_of change?); "
        "keep the shipped file as it is")


def test_a_frame_names_its_dictionary_and_plain_frames_read_too() -> None:
    packed = codec.pack({"v": 1})
    assert zstandard.get_frame_parameters(packed).dict_id == codec.DICTIONARY_ID
    plain = zstandard.ZstdCompressor().compress(orjson.dumps({"v": 1, "plain": True}))
    assert codec.unpack(plain) == {"v": 1, "plain": True}


def test_what_is_not_a_packed_snapshot_is_refused_in_one_line() -> None:
    with pytest.raises(codec.CodecError, match="not a packed snapshot"):
        codec.unpack(b"{}")
    stranger = zstandard.train_dictionary(1024, [orjson.dumps({"k": i, "t": "text " * (i % 7)}) for i in range(400)],
                                          dict_id=12345)
    foreign = zstandard.ZstdCompressor(dict_data=stranger).compress(b'{"a": 1}')
    with pytest.raises(codec.CodecError, match="dictionary 12345"):
        codec.unpack(foreign)


def test_old_rows_read_as_stored() -> None:
    view = {"v": 1, "title": "Kept", "sites": {"a": {"city": "Lyon"}}}
    assert codec.stored_view(view, None) == view  # the JSON column, as the driver decoded it
    assert codec.stored_view(json.dumps(view), None) == view  # JSON text
    assert codec.stored_view(None, codec.pack(view)) == view
    assert codec.stored_view(None, memoryview(codec.pack(view))) == view  # PostgreSQL's bytea
    assert codec.stored_view(None, None) is None


def test_the_fixtures_views_pack_to_the_sizes_measured(views: list[dict[str, object]]) -> None:
    """Exact (zstandard and the dictionary are pinned): 43,588 bytes for the 14 views, against 280,751
    bytes of their JSON; the smallest views gain the most from the dictionary."""
    sizes = {v["id"]: len(codec.pack(v)) for v in views}
    raw = {v["id"]: len(orjson.dumps(v)) for v in views}
    assert sum(sizes.values()) <= 44_000 and sum(raw.values()) >= 280_000
    assert all(sizes[i] <= raw[i] * 0.35 for i in sizes), {i: (sizes[i], raw[i]) for i in sizes}
    plain = zstandard.ZstdCompressor(level=codec.LEVEL)
    small = sorted(sizes, key=raw.__getitem__)[:7]
    assert sum(sizes[i] for i in small) <= 0.7 * sum(len(plain.compress(orjson.dumps(v))) for v in views
                                                      if v["id"] in small)

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
from monitor.store import codec, compact

# the shipped dictionaries are fixed for good: rows packed with one are read with it. A new dictionary is a new
# file and a new id beside them (codec.dictionary), never a change to one of these.
SHIPPED_SHA256 = {
    codec.FIRST_DICTIONARY_ID: "5800eaa781b99cdcf3aa15da2ae3c37059d56c52558838bd9d363cf1dde9241a",  # views-1
    codec.DICTIONARY_ID: "ff96075479488d0dc0e3a6cba5d846d8a043f2e81758f69464e6c9caf30e6cbb",  # views-2
}
LAYOUT = {codec.FIRST_DICTIONARY_ID: 1, codec.DICTIONARY_ID: 2}


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


@pytest.mark.parametrize("dict_id", sorted(SHIPPED_SHA256))
def test_the_shipped_dictionaries_are_the_ones_trained_on_the_fixtures(views: list[dict[str, object]],
                                                                       dict_id: int) -> None:
    file = codec.DICTIONARY_FILES[dict_id]
    assert codec.dictionary_digest(dict_id) == SHIPPED_SHA256[dict_id], f"{file.name} changed: its rows would not read"
    assert codec.dictionary(dict_id).dict_id() == dict_id
    rebuilt = train(views, layout=LAYOUT[dict_id]).as_bytes()
    assert rebuilt == file.read_bytes(), (
        f"bench/storage_cost.py no longer rebuilds {file.name} from the fixtures (did view_of or compact change?); "
        "keep the shipped file as it is")


def test_rows_packed_with_the_first_dictionary_still_read(views: list[dict[str, object]]) -> None:
    """What databases packed before views-2 hold: the view as it is, with views-1."""
    first = zstandard.ZstdCompressor(level=codec.LEVEL, dict_data=codec.dictionary(codec.FIRST_DICTIONARY_ID))
    for view in views:
        old = first.compress(orjson.dumps(view))
        assert zstandard.get_frame_parameters(old).dict_id == codec.FIRST_DICTIONARY_ID
        assert codec.unpack(old) == view and list(codec.unpack(old)) == list(view)


def test_a_view_compact_cannot_lay_out_is_packed_as_it_is() -> None:
    odd = {"v": 1, "sites": [compact.TABLE, ["k"], ["city"], ["Lyon"]]}
    packed = codec.pack(odd)
    assert zstandard.get_frame_parameters(packed).dict_id == codec.FIRST_DICTIONARY_ID
    assert codec.unpack(packed) == odd


def test_a_frame_names_its_dictionary_and_plain_frames_read_too() -> None:
    packed = codec.pack({"v": 1})
    assert zstandard.get_frame_parameters(packed).dict_id == codec.DICTIONARY_ID
    assert zstandard.get_frame_parameters(codec.pack([1, 2])).dict_id == codec.FIRST_DICTIONARY_ID
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
    """Exact (zstandard and the dictionaries are pinned): 32,483 bytes for the 14 views (43,588 with views-1 and
    the view as it is), against 280,751 bytes of their JSON; the smallest views gain the most from the
    dictionary."""
    sizes = {v["id"]: len(codec.pack(v)) for v in views}
    raw = {v["id"]: len(orjson.dumps(v)) for v in views}
    assert sum(sizes.values()) <= 32_500 and sum(raw.values()) >= 280_000
    assert all(sizes[i] <= raw[i] * 0.35 for i in sizes), {i: (sizes[i], raw[i]) for i in sizes}
    plain = zstandard.ZstdCompressor(level=codec.LEVEL)
    small = sorted(sizes, key=raw.__getitem__)[:7]
    assert sum(sizes[i] for i in small) <= 0.7 * sum(len(plain.compress(orjson.dumps(v))) for v in views
                                                      if v["id"] in small)

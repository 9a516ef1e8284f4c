"""A view laid out by column and back (monitor/store/compact.py): the same view, keys and order, on every real
record and on what no registry would serve but a view could hold."""

from __future__ import annotations

import orjson
import pytest

from bench.storage_cost import fixture_views
from monitor.registry.ctgov.record import view_of
from monitor.registry.ctgov.standin.synthetic import SyntheticStudies
from monitor.store.compact import JOINED, TABLE, NotCompactable, compact, expand


def same(a: object, b: object) -> bool:
    """Equal, and in the same order (orjson keeps dicts' order)."""
    return orjson.dumps(a) == orjson.dumps(b)


def through_json(view: dict[str, object]) -> dict[str, object]:
    return expand(orjson.loads(orjson.dumps(compact(view))))


def test_every_real_view_comes_back_the_same_in_the_same_order() -> None:
    views = fixture_views() + [view_of(SyntheticStudies(40).build(i)) for i in range(40)]
    for view in views:
        assert same(through_json(view), view)


def test_sites_are_written_by_column_without_the_keys_their_fields_make() -> None:
    view = max(fixture_views(), key=lambda v: len(v["sites"]))  # the record with 437 sites
    laid = compact(view)
    tag, keys, fields, *columns = laid["sites"]
    assert tag == TABLE and keys[0] == JOINED and [fields[i] for i in keys[1:]] == ["facility", "city", "country"]
    assert len(columns) == len(fields) and all(len(column) == len(view["sites"]) for column in columns)
    assert len(orjson.dumps(laid["sites"])) < 0.6 * len(orjson.dumps(view["sites"]))


@pytest.mark.parametrize("group", [
    {"a | b": {"x": "a", "y": "b"}, "c | d": {"x": "c", "y": "e"}},  # one key is not its fields
    {"a | b": {"x": "a", "y": "b"}, "c | d": {"y": "d", "x": "c"}},  # fields in another order
    {"a": {"x": "a"}, "b": {"x": None}},  # a field that is not text
    {"a": {"x": 1}, "b": "not a record"},
    {"a": {}, "b": {}},
    {"a | b | c": {"x": "a | b", "y": "c"}, "d": {"x": "d", "y": ""}},  # a separator inside a field
    {"": {"x": ""}, "y": {"x": "y"}},
    {"a": {"x": {"deep": [1, {"k": "v"}]}}, "b": {"x": [TABLE]}},  # markers inside records are values
])
def test_groups_that_are_not_tables_of_their_keys_come_back_exactly(group: dict[str, object]) -> None:
    view = {"v": 1, "sites": group, "title": "t"}
    assert same(through_json(view), view)


@pytest.mark.parametrize("view", [
    {"v": 1, "sites": [TABLE, ["k"], ["city"], ["Lyon"]]},
    {"v": 1, "sites": [JOINED, 0]},
    {"v": 1, "sites": {JOINED: {"x": "a"}, "b": {"x": "b"}}},
])
def test_a_view_holding_a_marker_cannot_be_laid_out(view: dict[str, object]) -> None:
    with pytest.raises(NotCompactable):
        compact(view)

"""`searches:` and `trials: all` in the watchlist: what loads, and the one-line errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from monitor.registry.ctgov.search import query
from monitor.watchlist import load_watchlist
from tests.support.watchlists import load_error, write


def test_a_search_becomes_registry_query_parameters(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        searches:
          - condition: androgenetic  alopecia
            intervention: stem cells
            status: [recruiting, Not yet recruiting]
            add: true
          - sponsor: Pfizer
            name: Pfizer's trials
        """)
    first, second = load_watchlist(path, env={}).searches
    assert tuple(query(first.criteria).items()) == (
        ("filter.overallStatus", "NOT_YET_RECRUITING|RECRUITING"),
        ("query.cond", "androgenetic alopecia"),
        ("query.intr", "stem cells"),
    )
    assert first.add and not second.add
    assert first.name == 'status "not yet recruiting or recruiting" + condition "androgenetic alopecia" + ' \
        'intervention "stem cells"'
    assert second.name == "Pfizer's trials" and tuple(query(second.criteria).items()) == (("query.spons", "Pfizer"),)


def test_the_same_criteria_keep_the_same_key_whatever_their_order(tmp_path: Path) -> None:
    one = write(tmp_path, "searches:\n  - {condition: x, sponsor: y}\n", "one.yaml")
    two = write(tmp_path, "searches:\n  - {sponsor: y, condition: x, name: mine}\n", "two.yaml")
    assert load_watchlist(one, env={}).searches[0].key == load_watchlist(two, env={}).searches[0].key


def test_a_search_keeps_the_key_the_first_release_gave_it(tmp_path: Path) -> None:
    """The key names a search's stored matches: it must not change when the code does."""
    path = write(tmp_path, "searches:\n  - {condition: x, sponsor: y, status: recruiting}\n")
    first_release = hashlib.sha256(b"filter.overallStatus=RECRUITING&query.cond=x&query.spons=y").hexdigest()[:16]
    assert load_watchlist(path, env={}).searches[0].key == first_release


@pytest.mark.parametrize(("text", "expected"), [
    ("searches: brain\n", ":1: searches must be a list of searches (mappings), not text"),
    ("searches:\n  - brain\n", ":2: a search must be a mapping of criteria"),
    ("searches:\n  - {condition: x, colour: red}\n", ":2: unknown key 'colour' in a search"),
    ("searches:\n  - {name: nothing}\n", ":2: a search needs at least one of: condition, intervention, term"),
    ("searches:\n  - condition: x\n    status: [recruting]\n", ":3: status: unknown overall status 'recruting'"),
    ("searches:\n  - condition: x\n    add: yes please\n", ":3: add must be true or false"),
    ("searches:\n  - condition: ''\n", ":2: condition must be non-empty search text"),
    ("searches:\n  - condition: [a, b]\n", ":2: condition must be non-empty search text, not a list"),
])
def test_a_wrong_search_is_one_line_with_its_line_number(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in load_error(write(tmp_path, text))


def test_trials_all_watches_everything_and_sweeps_only_when_asked(tmp_path: Path) -> None:
    everything = load_watchlist(write(tmp_path, "trials: all\n"), env={})
    assert everything.everything and everything.trial_ids == () and everything.sweep_seconds == 0
    swept = load_watchlist(write(tmp_path, "trials: ALL\nsweep: 7d\n"), env={})
    assert swept.everything and swept.sweep_seconds == 7 * 86400
    assert not load_watchlist(write(tmp_path, "trials: [NCT06764329]\n"), env={}).everything
    assert "'everything' is not a valid NCT id" in load_error(write(tmp_path, "trials: everything\n"))

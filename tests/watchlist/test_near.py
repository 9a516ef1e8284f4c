"""The watchlist's ``near:``: places at the top level and per trial, their one-line errors and warnings,
and a running daemon keeping its last good watchlist when an edit of them is bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.core.places import read_place
from monitor.watchlist import LiveWatchlist, TrialEntry, load_watchlist
from tests.support.watchlists import load_error, write

GOOD = """\
    near:
      - Paris, France
      - California, United States
      - Pakistan
    trials:
      - id: NCT06171568
        label: my trial
        near: ["Lyon, France", "Korea, Republic of"]
      - NCT02513394
    """


def test_near_at_the_top_and_per_trial(tmp_path: Path) -> None:
    wl = load_watchlist(write(tmp_path, GOOD), env={})
    assert [p.written for p in wl.near] == ["Paris, France", "California, United States", "Pakistan"]
    assert wl.near == tuple(map(read_place, ("paris, france", "california, USA", "pakistan")))
    mine, other = wl.trials
    assert mine == TrialEntry("NCT06171568", "my trial", near=(read_place("Lyon, France"), read_place("South Korea")))
    assert other.near == () and wl.warnings == ()


def test_no_near_is_no_places(tmp_path: Path) -> None:
    assert load_watchlist(write(tmp_path, "trials: [NCT06171568]\n"), env={}).near == ()
    assert load_watchlist(write(tmp_path, "near:\ntrials: [NCT06171568]\n"), env={}).near == ()
    assert load_watchlist(write(tmp_path, "near: []\ntrials: [NCT06171568]\n"), env={}).near == ()


def test_a_lone_place_and_repeated_places(tmp_path: Path) -> None:
    wl = load_watchlist(write(tmp_path, "near: Paris, France\ntrials: [NCT06171568]\n"), env={})
    assert wl.near == (read_place("Paris, France"),)
    wl = load_watchlist(write(tmp_path, "near: [France, FRANCE, ' france ']\ntrials: [NCT06171568]\n"), env={})
    assert wl.near == (read_place("France"),)


FORMS = "(write a country ('Pakistan'), a city or state with its country ('Paris, France'), or a city, state and country)"


@pytest.mark.parametrize(("text", "line", "message"), [
    ("near: {Paris: France}\n", 1,
     "near must be a list of places (e.g. [Paris, France] or [California, United States, Pakistan]), not a mapping"),
    ("near: 33\n", 1,
     "near must be a list of places (e.g. [Paris, France] or [California, United States, Pakistan]), not a number"),
    ("near:\n  - Paris, France\n  - 75015\n", 3, "near: a place must be text such as 'Paris, France', not a number"),
    ("near:\n  - Paris, France\n  - ''\n", 3, f"near: a place cannot be empty {FORMS}"),
    ("near:\n  - [Paris, France]\n", 2, "near: a place must be text such as 'Paris, France', not a list"),
    ("near:\n  -\n", 2, "near: a place must be text such as 'Paris, France', not empty"),
    ("near:\n  - Hôpital Necker, Paris, Ile-de-France, France\n", 2,
     f"near: 'Hôpital Necker, Paris, Ile-de-France, France' has too many parts to read as a place {FORMS}"),
    ("near:\n  - Paris,, France\n", 2, f"near: 'Paris,, France' has an empty part between its commas {FORMS}"),
    ("trials:\n  - id: NCT06171568\n    near: Lyon, France, Europe, Earth\n", 3,
     f"near: 'Lyon, France, Europe, Earth' has too many parts to read as a place {FORMS}"),
    ("trials:\n  - id: NCT06171568\n    near:\n      - France\n      - 12\n", 5,
     "near: a place must be text such as 'Paris, France', not a number"),
])
def test_a_bad_near_is_one_line_naming_its_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path, text)
    assert load_error(path) == f"{path}:{line}: {message}"


def test_places_without_a_country_load_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        near: [Lyon, France, "Boston, Massachusetts", Georgia]
        trials: [NCT06171568]
        """)
    wl = load_watchlist(path, env={})
    assert [p.written for p in wl.near] == ["Lyon", "France", "Boston, Massachusetts", "Georgia"]
    assert wl.warnings == (
        (f"{path}:1: warning: near: 'Lyon' does not end in a country the registry names, so no site will match it; "
         "a city or state needs its country, e.g. 'Lyon, France' (in a [ ] list, quoted: [\"Lyon, France\"])"),
        (f"{path}:1: warning: near: 'Boston, Massachusetts' ends in the US state Massachusetts, not a country; "
         "write 'Boston, Massachusetts, United States' to match sites there"),
    )


def test_a_running_daemon_keeps_its_last_good_near(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    live = LiveWatchlist(load_watchlist(path, env={}))
    path.write_text(path.read_text().replace("  - Pakistan\n", "  - Pakistan\n  - {city: Paris}\n"))
    new, error = live.poll()
    assert new is None and error is not None
    assert str(error) == f"{path}:5: near: a place must be text such as 'Paris, France', not a mapping"
    assert [p.written for p in live.current.near] == ["Paris, France", "California, United States", "Pakistan"]
    path.write_text(path.read_text().replace("  - {city: Paris}\n", "  - Lahore, Pakistan\n"))
    new, error = live.poll()
    assert error is None and new is not None and new.near[-1] == read_place("Lahore, Pakistan")

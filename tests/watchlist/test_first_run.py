"""A newcomer's watchlist: the starter `init` writes, warnings for what loads but looks wrong, the line
of a YAML mistake, and intervals in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.watchlist import STARTER, WatchlistError, add_trials, load_watchlist, parse_interval, write_starter
from tests.support.watchlists import BUNDLED, load_error, write

# ---------------------------------------------------------------- the starter watchlist


def test_the_starter_loads_with_no_trials_and_the_bundled_examples(tmp_path: Path) -> None:
    path = tmp_path / "config" / "watchlist.yaml"  # its folder is made
    write_starter(path)
    assert path.read_text(encoding="utf-8") == STARTER
    loaded = load_watchlist(path, env={})
    assert loaded.trials == () and loaded.targets == () and loaded.interval_seconds == 6 * 3600
    examples = [line for line in BUNDLED.read_text(encoding="utf-8").splitlines()
                if line.startswith(("#   - ", "#     - url:", "#       ", "# compare:", "# timezone:"))]
    assert len(examples) >= 10  # every example of the bundled watchlist, worded as it words them
    assert [line for line in examples if line not in STARTER.splitlines()] == []


def test_the_starter_accepts_a_first_trial_from_add(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    write_starter(path)
    assert add_trials(path, ["NCT06171568"], {"NCT06171568": "my note"}) == [("NCT06171568", True)]
    loaded = load_watchlist(path, env={})
    assert loaded.trial_ids == ("NCT06171568",) and loaded.trials[0].label == "my note"
    assert loaded.warnings == ()
    assert "# What to compare (default: everything):" in path.read_text(encoding="utf-8")  # comments kept


def test_the_starter_never_overwrites(tmp_path: Path) -> None:
    path = write(tmp_path, "trials: [NCT06171568]\n")
    with pytest.raises(WatchlistError) as info:
        write_starter(path)
    assert str(info.value) == (f"{path}: already exists; init leaves it as it is (edit it, or name another file "
                               "with --watchlist)")
    assert path.read_text() == "trials: [NCT06171568]\n"


# ---------------------------------------------------------------- warnings


@pytest.mark.parametrize("text", ["", "# only comments\n", "trials: []\n", "interval: 6h\ntrials:\n"])
def test_an_empty_watchlist_loads_with_a_warning(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    assert load_watchlist(path, env={}).warnings == (
        f"{path}: warning: no trials to watch yet (add one with `trial-monitor add NCT…`)",)


def test_a_watchlist_of_searches_or_of_everything_is_not_empty(tmp_path: Path) -> None:
    searches = write(tmp_path, "searches:\n  - condition: glioblastoma\n", "searches.yaml")
    everything = write(tmp_path, "trials: all\n", "all.yaml")
    assert load_watchlist(searches, env={}).warnings == () and load_watchlist(everything, env={}).warnings == ()


def test_a_duplicate_id_is_watched_once_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "trials:\n  - NCT06171568\n  - NCT00973089\n  - {id: nct06171568, label: again}\n")
    loaded = load_watchlist(path, env={})
    assert loaded.trial_ids == ("NCT06171568", "NCT00973089") and loaded.trials[0].label is None
    assert loaded.warnings == (
        f"{path}:4: warning: NCT06171568 is listed twice (first on line 2); it is watched once",)


# ---------------------------------------------------------------- a YAML mistake: the line where it is


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("interval: 6h\ntrials: [NCT06171568, NCT00973089\nnotify: []\n\n\n", 2,
         ("malformed YAML: the list opened with '[' on this line is never closed with ']' "
          "(on line 3: expected ',' or ']', but got ':')")),
        ("interval: 6h\nnotify:\n  - \"json://127.0.0.1/hook\ntrials: []\n\n", 3,
         "malformed YAML: a quoted text starts on this line and is never closed (the end of the file came first)"),
        ("interval: 6h\ntrials:\n  - {id: NCT06171568, label: my note\n  - NCT00973089\n\n", 3,
         ("malformed YAML: the mapping opened with '{' on this line is never closed with '}' "
          "(the end of the file came first)")),
        ("interval: 6h\ntrials\n  - NCT06171568\nnotify: []\n", 2,
         "malformed YAML: a key on this line has no ':' after it (on line 4: could not find expected ':')"),
    ],
)
def test_an_unclosed_bracket_or_quote_is_named_where_it_opens(tmp_path: Path, text: str, line: int,
                                                              message: str) -> None:
    path = write(tmp_path, text)
    assert load_error(path) == f"{path}:{line}: {message}"


def test_a_misplaced_item_is_named_where_it_is(tmp_path: Path) -> None:
    path = write(tmp_path, "interval: 6h\ntrials:\n  - NCT06171568\n - NCT00973089\nnotify: []\n")
    assert load_error(path).startswith(f"{path}:4: malformed YAML: ")


# ---------------------------------------------------------------- intervals in words


@pytest.mark.parametrize(("text", "seconds"), [("6 hours", 21600), ("1 day", 86400), ("90 minutes", 5400),
                                               ("1 hour 30 minutes", 5400), ("2 weeks", 1209600)])
def test_an_interval_in_words(tmp_path: Path, text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds
    loaded = load_watchlist(write(tmp_path, f"interval: {text}\ntrials: [NCT06171568]\n"), env={})
    assert loaded.interval_seconds == seconds


def test_an_interval_that_is_not_one_says_what_is(tmp_path: Path) -> None:
    path = write(tmp_path, "interval: 6 hrs and a bit\n")
    assert load_error(path) == (f"{path}:1: interval: '6 hrs and a bit' is not a duration "
                                "(use e.g. 30s, 15m, 6h, 6 hours, 1d, 1h30m or a number of seconds)")

"""The other commands as a user runs them: bad input, add/remove, list, history, notify-test, SIGKILL."""

from __future__ import annotations

import signal
import time

import pytest

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit, wait_until
from tests.support.receivers import JsonReceiver


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("interval: 6h\ntrials: [NCT06171568\n", "malformed YAML"),
        ("interval: 6h\nintervall: 5m\ntrials: []\n", "unknown key 'intervall'"),
        ("interval: 6h\ntrials:\n  - NCT06171568\n  - NCT123\n", "NCT123"),
        ("interval: 6h\nnotify:\n  - notaservice://x\ntrials: []\n", "notaservice://"),
        ("interval: often\ntrials: []\n", "interval"),
    ],
)
def test_bad_watchlist_is_one_clear_line_and_exit_2(home: Home, content: str, expected: str) -> None:
    home.watchlist.write_text(content)
    for command in (["check"], ["list"], ["run"]):
        result = home.run(*command)
        assert result.code == 2, result.text
        assert expected in result.err
        assert len(result.err.strip().splitlines()) == 1, result.err
        assert "watchlist.yaml" in result.err


@pytest.mark.parametrize(
    ("command", "options"),
    [("check", ("--watchlist", "--database")), ("run", ("--watchlist", "--database")),
     ("serve", ("--watchlist", "--database")), ("list", ("--watchlist", "--database")),
     ("status", ("--watchlist", "--database")), ("site", ("--watchlist", "--database")),
     ("history", ("--database",)), ("feed", ("--database",)), ("init", ("--watchlist",)),
     ("add", ("--watchlist", "--label", "--offline")), ("remove", ("--watchlist",)), ("notify-test", ("--watchlist",))],
)
def test_every_command_takes_the_files_it_reads(home: Home, command: str, options: tuple[str, ...]) -> None:
    shown = home.run(command, "--help")
    assert shown.code == 0
    assert [option for option in options if option not in shown.out] == []


def test_secret_in_a_bad_url_is_never_shown(home: Home) -> None:
    home.watchlist.write_text("notify:\n  - notaservice://alice:hunter2@example.org\ntrials: []\n")
    result = home.run("check")
    assert result.code == 2 and "hunter2" not in result.text


def test_invalid_id_on_the_command_line(home: Home) -> None:
    home.write_watchlist(["NCT06171568"])
    for command in (["add", "NCT123"], ["remove", "NCT123"], ["history", "NCT123"]):
        result = home.run(*command)
        assert result.code == 2 and "NCT123" in result.err and len(result.err.strip().splitlines()) == 1


def test_add_and_remove_keep_comments(home: Home) -> None:
    home.watchlist.write_text(
        "# comments are mine and must survive\ninterval: 6h   # every six hours\nnotify: []\n"
        "trials:\n  - NCT06171568   # the one I care about\n  # a lonely comment\n  - NCT00973089\n"
    )
    before = home.watchlist.read_text()
    added = home.run("add", "nct04207047")
    assert added.code == 0 and "NCT04207047 added" in added.out
    again = home.run("add", "NCT04207047")
    assert again.code == 0 and "already" in again.out
    after = home.watchlist.read_text()
    assert after.startswith(before.rstrip("\n")) and after.count("NCT04207047") == 1
    for comment in ("# comments are mine", "# every six hours", "# the one I care about", "# a lonely comment"):
        assert comment in after
    removed = home.run("remove", "NCT04207047")
    assert removed.code == 0 and "NCT04207047 removed" in removed.out
    assert home.watchlist.read_text() == before
    missing = home.run("remove", "NCT04207047")
    assert missing.code == 0 and "not watched" in missing.out


def test_list_and_history(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT06171568", "NCT04207047", "NCT00973089"])
    assert "awaiting" in home.run("list").out
    assert home.run("check").code == 0
    listing = home.run("list")
    assert listing.code == 0
    lines = listing.out.strip().splitlines()
    assert len(lines) == 3
    assert "NCT06171568" in lines[0] and "Not yet recruiting" in lines[0]
    assert "Withdrawn" in lines[2]

    def recruit(study: dict) -> None:
        study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"

    sponsor_edit(registry, "NCT06171568", recruit)
    registry.refresh()
    checked = home.run("check")  # no target: the alert goes to the command's output
    assert "Overall status: Not yet recruiting → Recruiting" in checked.out
    assert "Recruiting" in home.run("list").out.splitlines()[0]
    history = home.run("history", "NCT06171568")
    assert history.code == 0
    lines = history.out.strip().splitlines()
    assert "Overall status: Not yet recruiting → Recruiting" in lines[0]
    assert "baseline" in lines[-1]


def test_notify_test_says_which_target_failed(home: Home, hook: JsonReceiver) -> None:
    home.write_watchlist([], [hook.url(), "json://user:s3cret@127.0.0.1:9/dead"])
    result = home.run("notify-test")
    assert result.code == 1
    assert "ok" in result.out and "FAILED" in result.out
    assert "s3cret" not in result.text
    assert len(hook.wait_for(1)) == 1


def test_sigkill_mid_check_then_exactly_one_alert(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.write_watchlist(["NCT06171568", "NCT00973089"], [hook.url()])
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT06171568", lambda s: s["protocolSection"]["statusModule"].update(overallStatus="RECRUITING"))
    registry.refresh()
    registry.fault("hang", path="/studies", times=1)
    registry.reset_log()
    process = home.start("check")
    assert wait_until(lambda: registry.count("/studies") >= 1)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    registry.clear_faults()
    result = home.run("check")
    assert result.code == 0, result.text
    hook.wait_for(1)
    registry.refresh()
    assert home.run("check").code == 0
    time.sleep(0.3)
    assert len(hook.messages) == 1

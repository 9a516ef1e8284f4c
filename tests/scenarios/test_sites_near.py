"""`near:` end to end: a site opening near the follower reaches the targets that want it, through the real
check against the stand-in registry and real apprise deliveries; a bad `near:` is one line and exit 2."""

from __future__ import annotations

import time

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.scenarios.test_targets import by_path, entry
from tests.support.receivers import JsonReceiver

TRIAL = "NCT06171568"  # one site, in Paris; the trial is not yet recruiting
NEAR = 'near:\n  - Paris, France\n  - "California, United States"\n'


def open_necker(study: dict) -> None:
    study["protocolSection"]["contactsLocationsModule"]["locations"].append({
        "facility": "Hôpital Necker", "city": "Paris", "state": "Ile-de-France", "zip": "75015", "country": "France",
        "status": "RECRUITING"})


def test_a_site_opening_near_you_reaches_the_targets_that_want_it(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist([TRIAL], [
        entry(hook.url("/near"), kinds="[site_near]", min_level="high"),
        entry(hook.url("/status"), kinds="[status]"),
        entry(hook.url("/sites"), kinds="[sites]"),
    ], extra=NEAR)
    assert home.run("check").code == 0
    sponsor_edit(registry, TRIAL, open_necker)
    registry.refresh()
    result = home.run("check")
    assert result.code == 0, result.text
    assert f"{TRIAL} changed: New recruiting site near you: Hôpital Necker, Paris, France" in result.out
    hook.wait_for(2)
    time.sleep(0.3)
    assert sorted(m.path for m in hook.messages) == ["/near", "/sites"]
    for path in ("/near", "/sites"):
        [message] = by_path(hook, path)
        assert "New recruiting site near you: Hôpital Necker, Paris, France" in message.message
        assert "Sites:" not in message.message  # said once, as near


def test_a_bad_near_is_one_line_and_exit_2(home: Home) -> None:
    home.write_watchlist([TRIAL], extra="near:\n  - Hôpital Necker, Paris, Ile-de-France, France\n")
    result = home.run("check")
    assert result.code == 2, result.text
    [line] = result.err.strip().splitlines()
    assert line == (f"trial-monitor: {home.watchlist}:8: near: 'Hôpital Necker, Paris, Ile-de-France, France' has too many parts "
                    "to read as a place (write a country ('Pakistan'), a city or state with its country "
                    "('Paris, France'), or a city, state and country)")

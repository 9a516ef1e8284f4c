"""Search watches end to end: the baseline, new trials, trials that leave, `add: true`, failures."""

from __future__ import annotations

import time
from datetime import date, timedelta

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.support.receivers import JsonReceiver

BRAIN = 'searches:\n  - condition: brain\n'


def register(registry: StandInRegistry, template: str, new_id: str, title: str) -> None:
    """A sponsor registers a new trial (first posted with the next refresh)."""
    study = registry.get(template)
    ident = study["protocolSection"]["identificationModule"]
    ident.update(nctId=new_id, briefTitle=title, nctIdAliases=[])
    posted = (date.fromisoformat(registry.data_timestamp[:10]) + timedelta(days=1)).isoformat()
    study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": posted, "type": "ACTUAL"}
    registry.put(study)


def quiet(hook: JsonReceiver, seconds: float = 0.5) -> bool:
    time.sleep(seconds)
    return not hook.messages


def test_a_search_baselines_then_tells_of_new_and_leaving_trials(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist([], [hook.url()], extra=BRAIN)
    first = home.run("check")
    assert first.code == 0, first.text
    assert 'Search condition "brain": 2 matching trials recorded as its baseline' in first.out
    assert quiet(hook)  # the matches at the first run are the baseline: nothing sent

    register(registry, "NCT03281889", "NCT09990001", "Proton therapy for brain metastases")
    registry.refresh()
    second = home.run("check")
    assert second.code == 0 and "1 new (NCT09990001)" in second.out, second.text
    [message] = hook.wait_for(1)
    assert "NCT09990001" in message.title and "New trial matching the search" in message.message
    assert "Proton therapy for brain metastases" in message.message
    assert "phase" in message.message and "Massachusetts General Hospital" in message.message
    assert "sites in" in message.message or "no sites listed yet" in message.message

    sponsor_edit(registry, "NCT03281889", lambda s: s["protocolSection"]["conditionsModule"].update(
        conditions=["Glioma"], keywords=[]))
    registry.refresh()
    third = home.run("check")
    assert third.code == 0 and "1 no longer matching (NCT03281889)" in third.out, third.text
    messages = hook.wait_for(2)
    assert "No longer matches the search" in messages[1].message and "NCT03281889" in messages[1].title

    registry.refresh()
    fourth = home.run("check")
    assert fourth.code == 0 and "no change" in fourth.out, fourth.text
    assert quiet(hook, 0.3) is False and len(hook.messages) == 2  # nothing more


def test_add_true_watches_what_the_search_finds(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    searches = "searches:\n  - condition: brain\n    status: [recruiting]\n    name: brain, recruiting\n    add: true\n"
    home.write_watchlist([], [hook.url()], extra=searches)
    assert home.run("check").code == 0
    listed = home.run("list")
    assert "search brain, recruiting: 1 matching" in listed.out, listed.text
    assert "NCT03281889" in listed.out and "[found by brain, recruiting]" in listed.out
    assert "NCT06171568" not in listed.out  # not yet recruiting: not a match
    assert quiet(hook)

    sponsor_edit(registry, "NCT03281889", lambda s: s["protocolSection"]["designModule"].update(
        enrollmentInfo={"count": 4321, "type": "ESTIMATED"}))
    registry.refresh()
    result = home.run("check")
    assert result.code == 0 and "NCT03281889 changed" in result.out, result.text
    [message] = hook.wait_for(1)
    assert "4321" in message.message

    sponsor_edit(registry, "NCT06171568", lambda s: s["protocolSection"]["statusModule"].update(
        overallStatus="RECRUITING"))
    registry.refresh()
    result = home.run("check")
    assert result.code == 0 and "1 new (NCT06171568)" in result.out, result.text
    messages = hook.wait_for(2)
    assert "it is watched from now on" in messages[1].message
    assert "NCT06171568" in home.run("list").out


def test_a_failed_search_is_a_failed_check_not_an_empty_result(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist([], [hook.url()], extra=BRAIN)
    home.env["MONITOR_RETRY_ATTEMPTS"] = "1"
    assert home.run("check").code == 0
    registry.refresh()
    registry.fault("status", path="/studies", status=503, times=None)
    assert home.run("check").code == 1
    registry.clear_faults()
    registry.fault("empty_page", times=1)  # an empty page in the middle is followed, not taken as the end
    result = home.run("check")
    assert result.code == 0 and "no change" in result.out, result.text
    assert quiet(hook)


def test_a_new_search_costs_requests_only_once(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT00763412"], extra=BRAIN)
    assert home.run("check").code == 0
    registry.reset_log()
    result = home.run("check")  # no registry refresh: the search has its baseline, nothing to ask
    assert result.code == 0 and registry.count() == 1, result.text


def test_a_followed_trial_leaving_a_search_is_told_in_its_one_message(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(["NCT03281889"], [hook.url()], extra=BRAIN)
    assert home.run("check").code == 0

    def edit(study: dict) -> None:
        study["protocolSection"]["conditionsModule"].update(conditions=["Medulloblastoma"], keywords=[])
        study["protocolSection"]["designModule"]["enrollmentInfo"] = {"count": 4321, "type": "ESTIMATED"}

    sponsor_edit(registry, "NCT03281889", edit)
    registry.refresh()
    result = home.run("check")
    assert result.code == 0 and "1 no longer matching (NCT03281889)" in result.out, result.text
    [message] = hook.wait_for(1)
    assert "No longer matches the search" in message.message and "4321" in message.message
    assert quiet(hook, 0.3) is False and len(hook.messages) == 1


def test_search_news_of_a_followed_trial_that_did_not_change_still_goes_out(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(["NCT06171568"], [hook.url()], extra="searches:\n  - condition: brain\n    status: recruiting\n")
    assert home.run("check").code == 0  # NCT06171568 is not yet recruiting: not a match

    registry.update("NCT06171568", lambda s: s["protocolSection"]["statusModule"].update(overallStatus="RECRUITING"))
    registry.refresh()  # a change the date filter cannot see: only the search notices it
    result = home.run("check")
    assert result.code == 0 and "1 new (NCT06171568)" in result.out, result.text
    [message] = hook.wait_for(1)
    assert "NCT06171568" in message.title and "New trial matching the search" in message.message
    assert "Lariboisière" in message.message  # the followed trial's title, from its record

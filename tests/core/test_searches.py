"""Search watches' pure part: reading listing entries, what arrived and left, the sentences."""

from __future__ import annotations

from monitor.core.model import Level
from monitor.core.searches import SearchHit, left_event, match_changes, new_trial_event, search_news
from monitor.registry.ctgov.search import read_hit
from tests.support.messages import chat_message
from tests.support.records import fixture_studies


def entry(nct_id: str) -> dict:
    study = next(s for s in fixture_studies() if s["protocolSection"]["identificationModule"]["nctId"] == nct_id)
    return study


def test_a_real_record_reads_as_a_search_hit() -> None:
    hit = read_hit(entry("NCT03281889"))
    assert hit is not None and hit.trial_id == "NCT03281889" and hit.status == "RECRUITING"
    assert hit.sponsor == "Massachusetts General Hospital" and hit.title
    assert len(hit.countries) == len(set(hit.countries))  # each country once


def test_odd_entries_never_crash() -> None:
    assert read_hit({}) is None
    assert read_hit({"protocolSection": {"identificationModule": {"nctId": 42}}}) is None
    odd = read_hit({"protocolSection": {"identificationModule": {"nctId": "nct00000001"}, "designModule": "x",
                                        "contactsLocationsModule": {"locations": [1, {"country": 2}]}}})
    assert odd == SearchHit("NCT00000001")


def test_arrivals_and_departures() -> None:
    changes = match_changes({"NCT1", "NCT2"}, [SearchHit("NCT2"), SearchHit("NCT3")])
    assert [h.trial_id for h in changes.arrived] == ["NCT3"] and changes.left == ("NCT1",)
    unchanged = match_changes({"NCT2"}, [SearchHit("NCT2")])
    assert unchanged.arrived == () and unchanged.left == ()


def test_the_new_trial_sentence_says_what_the_trial_is() -> None:
    hit = SearchHit("NCT09990001", "Stem cells for hair loss", ("PHASE1", "PHASE2"), "Acme_Bio", "NOT_YET_RECRUITING",
                    ("United States", "Japan"))
    event = new_trial_event(hit, 'condition "alopecia"', watched=True)
    assert event.kind == "new_trial" and event.level is Level.MEDIUM
    assert event.text == ('New trial matching the search condition "alopecia": phase 1/2; '
                          "sponsor Acme\\_Bio; not yet recruiting; sites in United States, Japan; "
                          "it is watched from now on")
    message = chat_message({"id": hit.trial_id, "title": hit.title}, [event], Level.MEDIUM)
    assert message is not None and message.title.startswith("NCT09990001 · Stem cells for hair loss: new trial matching")
    assert "https://clinicaltrials.gov/study/NCT09990001" in message.body


def test_phase_words() -> None:
    from monitor.core.searches import phase_words
    assert phase_words(("NA",)) == "phase not applicable"
    assert phase_words(("EARLY_PHASE1",)) == "early phase 1"
    assert phase_words(("PHASE2", "PHASE3")) == "phase 2/3"
    assert phase_words(()) == "phase not given"


def test_the_leaving_sentence() -> None:
    event = left_event("mine")
    assert event.kind == "no_longer_matches" and event.old == "mine" and event.text.startswith(
        "No longer matches the search mine")


def test_search_news_tells_followed_trials_in_their_own_message() -> None:
    changes = match_changes({"NCT1", "NCT2"}, [SearchHit("NCT2"), SearchHit("NCT3"), SearchHit("NCT4")])
    news = search_news("mine", changes, add=False, has_baseline=True, followed={"NCT1", "NCT3"})
    assert [(trial_id, e.kind) for trial_id, e in news.alerts] == [("NCT4", "new_trial")]
    assert [(trial_id, e.kind) for trial_id, e in news.held] == [("NCT3", "new_trial"), ("NCT1", "no_longer_matches")]
    first = search_news("mine", changes, add=False, has_baseline=False, followed={"NCT3"})
    assert first.alerts == () and first.held == () and first.changes == changes  # a baseline tells nobody

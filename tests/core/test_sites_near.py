"""Sites near the follower (the watchlist's ``near:``): places read and matched, and the ``site_near``
events on real records edited as the registry edits them, through the real view, compare and decide."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from monitor.core.changes import what_changed
from monitor.core.choices import Choices, kinds_from
from monitor.core.decide import decide
from monitor.core.diff import compare
from monitor.core.model import COMPARE_GROUPS, ChangeEvent, Level, Outcome, Record
from monitor.core.places import Place, known_country, read_place, us_state_as_country
from monitor.registry.ctgov.record import view_of
from tests.support.records import module, study

SMALL = "NCT06171568"  # one site: Neurosurgery - Lariboisière hospital, Paris (Ile-de-France), France; no site status
BIG = "NCT02513394"  # 437 sites in 21 countries (33 in California, 3 in Seoul), none with a per-site status
NECKER = {"facility": "Hôpital Necker", "city": "Paris", "state": "Ile-de-France", "zip": "75015",
          "country": "France", "status": "RECRUITING"}
LARIBOISIERE = "Neurosurgery - Lariboisière hospital, Paris, France"


def locations(record: dict[str, Any]) -> list[dict[str, Any]]:
    return module(record, "contactsLocationsModule")["locations"]


def near_changes(name: str, edit: Any, near: list[str], before: Any = None) -> list[ChangeEvent]:
    """Events between a real record (optionally prepared by ``before``) and a copy edited by ``edit``,
    read through the real view, for a follower near ``near``."""
    old = study(name)
    if before:
        before(old)
    new = orjson.loads(orjson.dumps(old))
    edit(new)
    return compare(view_of(old), view_of(new), COMPARE_GROUPS, near=[read_place(text) for text in near])


def lines(events: list[ChangeEvent]) -> list[tuple[str, Level, str]]:
    return [(event.kind, event.level, event.text) for event in events]


def add_necker(record: dict[str, Any], status: str | None = "RECRUITING") -> None:
    locations(record).append({**NECKER, "status": status} if status else {k: v for k, v in NECKER.items() if k != "status"})


def recruiting(record: dict[str, Any]) -> None:
    locations(record)[0]["status"] = "RECRUITING"


# ── 1. places read from the watchlist ────────────────────────────────────────────────────


@pytest.mark.parametrize(("text", "place"), [
    ("Pakistan", Place("pakistan")),
    ("Paris, France", Place("france", "paris", "paris")),
    ("  paris ,   FRANCE ", Place("france", "paris", "paris")),
    ("California, United States", Place("united states", "california", "california")),
    ("CA, USA", Place("united states", "ca", "california")),
    ("Boston, Massachusetts, United States", Place("united states", "boston", state="massachusetts")),
    ("Korea, Republic of", Place("republic of korea")),  # the registry's own name, its comma and all
    ("Republic of Korea", Place("republic of korea")),
    ("South Korea", Place("republic of korea")),
    ("Seoul, Korea, Republic of", Place("republic of korea", "seoul", "seoul")),
    ("Virgin Islands, U.S.", Place("virgin islands u s")),
    ("São Paulo, Brazil", Place("brazil", "sao paulo", "sao paulo")),
    ("St. Louis, Missouri, USA", Place("united states", "saint louis", state="missouri")),
])
def test_places_are_read_whatever_their_spelling(text: str, place: Place) -> None:
    assert read_place(text) == place
    assert read_place(text).written == " ".join(text.split())


@pytest.mark.parametrize(("text", "problem"), [
    ("", "a place cannot be empty"),
    ("  ", "a place cannot be empty"),
    ("Paris,, France", "'Paris,, France' has an empty part between its commas"),
    ("France,", "'France,' has an empty part between its commas"),
    ("Hôpital Necker, Paris, Ile-de-France, France", "has too many parts to read as a place"),
    (3, "a place is a text"),
])
def test_a_place_that_cannot_be_read_says_why(text: Any, problem: str) -> None:
    with pytest.raises((ValueError, TypeError), match=problem) as info:
        read_place(text)
    assert "write a country ('Pakistan'), a city or state with its country ('Paris, France')" in str(info.value)


def test_what_ends_in_no_country_is_told_apart() -> None:
    assert known_country(read_place("Korea, Republic of").country) and known_country(read_place("Türkiye").country)
    assert not known_country(read_place("Lyon").country)  # YAML's [Lyon, France] is two places
    assert us_state_as_country(read_place("Boston, Massachusetts")) == "Massachusetts"
    assert us_state_as_country(read_place("California")) == "California"
    assert us_state_as_country(read_place("Georgia")) is None  # a country too
    assert us_state_as_country(read_place("Paris, France")) is None


# ── 2. which sites are in a place ────────────────────────────────────────────────────────

PARIS = {"facility": "Hôpital Necker", "city": "Paris Cedex 15", "state": "Ile-de-France", "country": "France"}
CEDARS = {"facility": "Cedars Sinai Medical Center", "city": "Los Angeles", "state": "California",
          "country": "United States"}
SEOUL = {"facility": "Seoul National University Hospital", "city": "Seoul", "country": "Korea, Republic of"}


@pytest.mark.parametrize(("place", "site", "held"), [
    ("Paris, France", PARIS, True),  # a postal "Cedex 15" is still Paris
    ("PARIS, france", PARIS, True),
    ("Ile de France, France", PARIS, True),  # a region, by the site's state
    ("Lyon, France", PARIS, False),
    ("Paris, United States", PARIS, False),
    ("France", PARIS, True),
    ("California, United States", CEDARS, True),
    ("CA, US", CEDARS, True),
    ("Los Angeles, California, USA", CEDARS, True),
    ("Los Angeles, Nevada, USA", CEDARS, False),
    ("Texas, United States", CEDARS, False),
    ("Korea, Republic of", SEOUL, True),
    ("Seoul, South Korea", SEOUL, True),
    ("Pakistan", SEOUL, False),
])
def test_a_site_is_in_a_place(place: str, site: dict[str, Any], held: bool) -> None:
    assert read_place(place).holds(site) is held


def test_a_site_without_a_country_is_nowhere() -> None:
    assert not read_place("Paris, France").holds({"facility": "Somewhere", "city": "Paris"})


# ── 3. sites near you opening: high ──────────────────────────────────────────────────────


def test_a_recruiting_site_added_near_you_is_high_and_said_once() -> None:
    events = near_changes(SMALL, add_necker, ["Paris, France"])
    assert lines(events) == [("site_near", Level.HIGH, "New recruiting site near you: Hôpital Necker, Paris, France")]
    assert events[0].new == {"added": ["Hôpital Necker | Paris | France"]}


def test_without_near_the_same_site_is_the_generic_low_sentence() -> None:
    assert lines(near_changes(SMALL, add_necker, [])) == [
        ("sites", Level.LOW, "Sites: 1 added (Hôpital Necker, Paris, France)")]
    assert lines(near_changes(SMALL, add_necker, ["California, United States", "Pakistan"])) == [
        ("sites", Level.LOW, "Sites: 1 added (Hôpital Necker, Paris, France)")]


def test_a_site_near_you_starting_to_recruit_is_high_and_not_in_the_generic_sentence() -> None:
    assert lines(near_changes(SMALL, recruiting, ["paris, FRANCE"])) == [
        ("site_near", Level.HIGH, f"Site near you now recruiting: {LARIBOISIERE}")]
    assert lines(near_changes(SMALL, recruiting, ["Pakistan"])) == [
        ("sites", Level.LOW, "Site status: Neurosurgery - Lariboisière hospital, Paris: now recruiting")]


def test_many_sites_opening_in_a_state_are_counted_and_the_others_stay_generic() -> None:
    def open_sites(record: dict[str, Any]) -> None:
        for site in locations(record):
            if site.get("state") in ("California", "Texas"):
                site["status"] = "RECRUITING"

    events = near_changes(BIG, open_sites, ["California, United States"])
    assert lines(events) == [
        ("site_near", Level.HIGH,
         ("33 sites near you now recruiting: Cedars Sinai Medical Center, Los Angeles, United States; Kaiser Permanente "
          "Anaheim Medical Center, Anaheim, United States; Kaiser Permanente Baldwin Park Medical Center, Baldwin Park, "
          "United States; Kaiser Permanente Bellflower Medical Center, Bellflower, United States; Kaiser Permanente "
          "Cadillac Medical Center, West Los Angeles, United States; and 28 more")),
        ("sites", Level.LOW,
         ("Site status: 4 sites now recruiting (Baylor College of Medicine/Dan L Duncan Comprehensive Cancer Center, "
          "Houston; Doctors Hospital of Laredo, Laredo; Houston Methodist Hospital Cancer Center, Houston; and 1 more)")),
    ]
    assert len(events[0].new["status"]) == 33
    assert lines(near_changes(BIG, open_sites, ["CA, USA"])) == lines(events)  # the state's code is the state


def test_a_place_whose_country_has_a_comma() -> None:
    def open_seoul(record: dict[str, Any]) -> None:
        for site in locations(record):
            if site.get("city") == "Seoul":
                site["status"] = "RECRUITING"

    for near in (["Korea, Republic of"], ["Seoul, Korea, Republic of"], ["Seoul, South Korea"]):
        [event] = near_changes(BIG, open_seoul, near)
        assert (event.kind, event.level) == ("site_near", Level.HIGH)
        assert event.text == (  # a long facility name is clipped, never the place
            "3 sites near you now recruiting: Samsung Medical Centre, Breast Cancer Center, Department of…, Seoul, "
            "Republic of Korea; Seoul National University Hospital, Hematology-Medical…, Seoul, Republic of Korea; "
            "Severance Hospital Medical Doctor at Department of Medical…, Seoul, Republic of Korea")


# ── 4. sites near you closing, or not recruiting yet: medium ─────────────────────────────


def test_a_site_near_you_added_but_not_yet_recruiting_is_medium() -> None:
    assert lines(near_changes(SMALL, lambda r: add_necker(r, "NOT_YET_RECRUITING"), ["Paris, France"])) == [
        ("site_near", Level.MEDIUM, "New site near you (not yet recruiting): Hôpital Necker, Paris, France")]
    assert lines(near_changes(SMALL, lambda r: add_necker(r, None), ["France"])) == [
        ("site_near", Level.MEDIUM, "New site near you (no recruitment status given): Hôpital Necker, Paris, France")]


def test_sites_near_you_added_with_different_statuses_say_each() -> None:
    def two(record: dict[str, Any]) -> None:
        add_necker(record, "NOT_YET_RECRUITING")
        locations(record).append({"facility": "Hôpital Cochin", "city": "Paris", "country": "France"})

    assert lines(near_changes(SMALL, two, ["Paris, France"])) == [("site_near", Level.MEDIUM,
        ("2 new sites near you, not recruiting: Hôpital Cochin, Paris, France (no recruitment status given); "
         "Hôpital Necker, Paris, France (not yet recruiting)"))]


def test_a_site_near_you_that_stops_recruiting_is_medium() -> None:
    def complete(record: dict[str, Any]) -> None:
        locations(record)[0]["status"] = "COMPLETED"

    def drop(record: dict[str, Any]) -> None:
        locations(record)[0].pop("status")

    assert lines(near_changes(SMALL, complete, ["Paris, France"], before=recruiting)) == [
        ("site_near", Level.MEDIUM, f"Site near you no longer recruiting: {LARIBOISIERE} (now completed)")]
    assert lines(near_changes(SMALL, drop, ["Paris, France"], before=recruiting)) == [
        ("site_near", Level.MEDIUM, f"Site near you no longer recruiting: {LARIBOISIERE}")]


def test_a_site_near_you_removed_is_medium() -> None:
    assert lines(near_changes(SMALL, lambda r: locations(r).clear(), ["Paris, France"])) == [
        ("site_near", Level.MEDIUM, f"Site near you removed: {LARIBOISIERE}")]
    assert lines(near_changes(SMALL, lambda r: locations(r).clear(), ["Paris, France"], before=recruiting)) == [
        ("site_near", Level.MEDIUM, f"Site near you removed: {LARIBOISIERE} (was recruiting)")]


def test_other_status_moves_near_you_stay_in_the_generic_sentence() -> None:
    def active(record: dict[str, Any]) -> None:
        locations(record)[0]["status"] = "ACTIVE_NOT_RECRUITING"

    def waiting(record: dict[str, Any]) -> None:
        locations(record)[0]["status"] = "NOT_YET_RECRUITING"

    assert lines(near_changes(SMALL, active, ["Paris, France"], before=waiting)) == [
        ("sites", Level.LOW, ("Site status: Neurosurgery - Lariboisière hospital, Paris: Not yet recruiting → "
                              "Active, not recruiting"))]


# ── 5. near and elsewhere in one change; new countries ───────────────────────────────────


def test_a_site_removed_near_you_is_not_counted_again_with_the_others() -> None:
    def close_some(record: dict[str, Any]) -> None:
        locations(record)[:] = [s for s in locations(record) if s.get("country") != "Israel"
                                and s.get("facility") != "Cedars Sinai Medical Center"]

    events = near_changes(BIG, close_some, ["Los Angeles, California, United States"])
    assert lines(events) == [
        ("site_near", Level.MEDIUM, "Site near you removed: Cedars Sinai Medical Center, Los Angeles, United States"),
        ("sites", Level.MEDIUM, ("Sites: 3 removed (Rabin Medical Center (RMC), Petah Tikva, Israel; Sheba Medical "
                                 "Center Tel Hashomer, Ramat Gan, Israel; Sourasky Medical Center, Tel-Aviv, Israel); "
                                 "no sites left in Israel")),
    ]
    assert "Cedars Sinai Medical Center | Los Angeles | United States" not in events[1].old["removed"]


@pytest.mark.parametrize("near", [[], ["Pakistan"], ["California, United States"]])
def test_a_first_site_in_a_new_country_elsewhere_is_medium_with_or_without_near(near: list[str]) -> None:
    assert lines(near_changes(BIG, add_necker, near)) == [
        ("sites", Level.MEDIUM, "Sites: new country: France; 1 added (Hôpital Necker, Paris, France)")]


def test_a_first_site_in_a_new_country_near_you_is_said_by_the_near_event_alone() -> None:
    def two(record: dict[str, Any]) -> None:
        add_necker(record)
        locations(record).append({"facility": "Oslo University Hospital", "city": "Oslo", "country": "Norway"})

    assert lines(near_changes(BIG, add_necker, ["Paris, France"])) == [
        ("site_near", Level.HIGH, "New recruiting site near you: Hôpital Necker, Paris, France")]
    assert lines(near_changes(BIG, two, ["Paris, France"])) == [
        ("site_near", Level.HIGH, "New recruiting site near you: Hôpital Necker, Paris, France"),
        ("sites", Level.MEDIUM, "Sites: new country: Norway; 1 added (Oslo University Hospital, Oslo, Norway)"),
    ]


# ── 6. through decide; filtered by targets; shown on a trial's page ─────────────────────


def test_decide_passes_the_places_on() -> None:
    old, new = study(SMALL), study(SMALL)
    add_necker(new)
    before, after = view_of(old), view_of(new)
    record = Record((SMALL,), after, "fingerprint-after")
    places = (read_place("Paris, France"),)
    decision = decide(SMALL, record, previous_fingerprint="fingerprint-before", previous_view=before,
                      compare_groups=COMPARE_GROUPS, near=places)
    assert decision.outcome is Outcome.CHANGED and decision.alerts
    assert lines(list(decision.events)) == [
        ("site_near", Level.HIGH, "New recruiting site near you: Hôpital Necker, Paris, France")]
    plain = decide(SMALL, record, previous_fingerprint="fingerprint-before", previous_view=before,
                   compare_groups=COMPARE_GROUPS)
    assert [(e.kind, e.level) for e in plain.events] == [("sites", Level.LOW)]
    without_sites = decide(SMALL, record, previous_fingerprint="fingerprint-before", previous_view=before,
                           compare_groups=("status",), near=places)
    assert (without_sites.outcome, without_sites.events) == (Outcome.UNCHANGED, ())  # near needs sites compared


def test_targets_filter_site_near_like_any_kind() -> None:
    assert kinds_from(["sites"]) == ("sites", "site_near")  # a target that wanted sites still hears of them
    only_near = Choices(kinds=kinds_from(["site_near"]))
    assert only_near.passes("site_near", Level.MEDIUM) and not only_near.passes("sites", Level.MEDIUM)
    high = Choices(min_level=Level.HIGH)
    assert high.passes("site_near", Level.HIGH) and not high.passes("site_near", Level.MEDIUM)


def test_a_near_event_reads_on_the_trial_s_page() -> None:
    [added] = near_changes(SMALL, add_necker, ["Paris, France"])
    [opened] = near_changes(SMALL, recruiting, ["Paris, France"])
    assert [(c.label, c.added) for c in what_changed(added.kind, added.field, added.old, added.new)] == [
        ("Sites", ("Hôpital Necker, Paris, France",))]
    assert [(c.label, c.before, c.after) for c in what_changed(opened.kind, opened.field, opened.old, opened.new)] == [
        (f"Site status: {LARIBOISIERE}", None, "Recruiting")]

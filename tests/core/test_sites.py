"""Site events on real records edited as the registry edits them: sites opening to recruitment,
re-encoded names, many new countries, and which site changes are worth a message by default."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.core.events.sites import country_words, match_sites
from monitor.core.model import ChangeEvent, Level
from monitor.registry.ctgov.record import view_of
from tests.support.records import changes, module, study

BIG = "NCT02513394"  # 437 sites in 21 countries, none with a per-site status


def locations(record: dict[str, Any]) -> list[dict[str, Any]]:
    return module(record, "contactsLocationsModule")["locations"]


def _lines(events: list[ChangeEvent]) -> list[tuple[str, Level, str]]:
    return [(event.field, event.level, event.text) for event in events]


# ── 1. sites gaining, changing or losing their recruitment status ────────────────────────


def test_a_trial_opening_176_of_its_sites_says_so() -> None:
    def open_sites(record: dict[str, Any]) -> None:
        for location in locations(record)[:176]:
            location["status"] = "RECRUITING"

    events = changes(BIG, open_sites)
    assert _lines(events) == [("site_status", Level.MEDIUM,
        ("Site status: 176 sites now recruiting (Advent Health Orlando, Orlando; Advocate Lutheran General Hospital, "
        "Park Ridge; Allegheny General Hospital, Pittsburgh; and 173 more)"))]
    assert len(events[0].new["status"]) == 176 and set(events[0].new["status"].values()) == {"RECRUITING"}
    assert set(events[0].old["status"].values()) == {None}


def test_one_site_opening_and_one_closing_are_named() -> None:
    def before(record: dict[str, Any]) -> None:
        locations(record)[1]["status"] = "RECRUITING"

    def edit(record: dict[str, Any]) -> None:
        locations(record)[0]["status"] = "NOT_YET_RECRUITING"
        locations(record)[1]["status"] = "COMPLETED"

    sites = locations(study(BIG))
    assert [(s["facility"], s["city"]) for s in sites[:2]] == [
        ("University of South Alabama Mitchell Cancer Institute", "Mobile"), ("Southern Cancer Center PC - Providence", "Mobile")]
    assert _lines(changes(BIG, edit, before=before)) == [("site_status", Level.LOW,
        ("Site status: Southern Cancer Center PC - Providence, Mobile: Recruiting → Completed; "
        "University of South Alabama Mitchell Cancer Institute, Mobile: listed as not yet recruiting"))]


def test_sites_losing_their_status_when_a_trial_closes() -> None:
    def drop_statuses(record: dict[str, Any]) -> None:
        for location in locations(record):
            location.pop("status", None)

    assert _lines(changes("search-page-2", drop_statuses)) == [("site_status", Level.LOW,
        ("Site status: MD Anderson Cancer Center, Houston: no longer listed as recruiting; "
        "Massachusetts General Hospital, Boston: no longer listed as recruiting"))]


def test_many_site_status_moves_are_counted_by_move() -> None:
    def recruiting(record: dict[str, Any]) -> None:
        for location in locations(record):
            location["status"] = "RECRUITING"

    def closed(record: dict[str, Any]) -> None:
        for number, location in enumerate(locations(record)):
            location["status"] = "COMPLETED" if number % 6 else "ACTIVE_NOT_RECRUITING"

    [event] = changes("NCT02210780", closed, before=recruiting)
    assert event.text == (
        "Site status: 35 sites Recruiting → Completed (Ann Arbor; Austin; Boston; and 32 more); "
        "7 sites Recruiting → Active, not recruiting (Albuquerque; Arlington; Birmingham; and 4 more)")


# ── 2. re-encoded and re-cased names are the same site ───────────────────────────────────


def _rename(record: dict[str, Any], start: str, spelled: Any) -> None:
    for location in locations(record):
        if location.get("facility", "").startswith(start):
            location["facility"] = spelled(location["facility"])


def test_a_site_name_cleaned_of_mojibake_is_the_same_site() -> None:
    def mangled(record: dict[str, Any]) -> None:  # as the registry held them: UTF-8 read as Latin-1 / cp1250
        _rename(record, "Grand Hopital de Charleroi", lambda name: name.encode().decode("latin-1"))
        _rename(record, "Universitätsklinikum St. Pölten", lambda name: name.encode().decode("cp1250").title())

    def cleaned(record: dict[str, Any]) -> None:
        module(record, "contactsLocationsModule")["locations"] = locations(study(BIG))

    events = changes(BIG, cleaned, before=mangled)
    assert _lines(events) == [("site_names", Level.INFO,
        ("2 sites renamed: Grand Hopital de Charleroi - Oncologie-hÃ©matologie, Charleroi, Belgium → "
        "Grand Hopital de Charleroi - Oncologie-hématologie, Charleroi, Belgium; "
        "Universită¤Tsklinikum St. Pă¶Lten, Innere Medizin, St. Pölten, Austria → "
        "Universitätsklinikum St. Pölten, Innere Medizin, St. Pölten, Austria"))]


def test_accents_case_and_punctuation_do_not_make_another_site() -> None:
    def respelled(record: dict[str, Any]) -> None:
        _rename(record, "Grand Hopital de Charleroi", lambda name: name.replace("Hopital", "Hôpital"))
        _rename(record, "Salzkammergut-Klinikum", lambda name: name.upper().replace("-", " "))

    events = changes(BIG, respelled)
    assert [(e.field, e.level) for e in events] == [("site_names", Level.INFO)]
    assert events[0].text.startswith("2 sites renamed: Grand Hopital de Charleroi")
    edited = study(BIG)
    respelled(edited)
    matched = match_sites(view_of(study(BIG))["sites"], view_of(edited)["sites"])
    assert (matched.added, matched.removed, len(matched.pairs)) == ([], [], 437)


def test_a_different_site_in_the_same_city_is_not_a_rename() -> None:
    def moved(record: dict[str, Any]) -> None:
        _rename(record, "Grand Hopital de Charleroi", lambda name: "Hôpital Civil Marie Curie")

    [event] = changes(BIG, moved)
    assert (event.field, event.level) == ("sites", Level.LOW)
    assert event.text == ("Sites: 1 added (Hôpital Civil Marie Curie, Charleroi, Belgium); 1 removed "
                          "(Grand Hopital de Charleroi - Oncologie-hématologie, Charleroi, Belgium)")


# ── 3. and 7. new countries are named, and large changes are MEDIUM ──────────────────────

NINE = ("Ireland", "Netherlands", "Portugal", "Taiwan", "Hungary", "Poland", "Mexico", "Israel", "Korea, Republic of")


def test_43_sites_in_9_new_countries_name_every_country() -> None:
    def before(record: dict[str, Any]) -> None:
        locations(record)[:] = [s for s in locations(record) if s.get("country") not in NINE]

    def add(record: dict[str, Any]) -> None:
        locations(record).extend(s for s in locations(study(BIG)) if s.get("country") in NINE)

    [event] = changes(BIG, add, before=before)
    assert event.level == Level.MEDIUM
    assert event.text == (
        "Sites: new countries: Hungary, Ireland, Israel, Mexico, Netherlands, Poland, Portugal, Republic of Korea, "
        "Taiwan; 43 added (Beaumont Hospital - Cancer Clinical Trials Unit, Dublin, Ireland; Bon Secours Hospital, "
        "Cork, Cork, Ireland; Centro Clinico Champalimaud, Lisbon, Portugal; Centro Médico Zambrano Hellion, "
        "Monterrey, Mexico; Centro Oncológico Estatal ISSEMYM, Toluca de Lerdo, Mexico; and 38 more)")
    assert len(event.new["added"]) == 43


def test_more_than_ten_new_countries_end_in_a_count() -> None:
    def before(record: dict[str, Any]) -> None:
        locations(record)[:] = [s for s in locations(record) if s.get("country") == "United States"]

    [event] = changes(BIG, lambda r: module(r, "contactsLocationsModule").__setitem__("locations", locations(study(BIG))),
                      before=before)
    assert event.text.startswith(
        "Sites: new countries: Australia, Austria, Belgium, Canada, Germany, Hungary, Ireland, Israel, Italy, Japan, "
        "+10 more; 245 added (")


def test_the_last_site_in_a_country_gone_is_medium() -> None:
    def close_israel(record: dict[str, Any]) -> None:
        locations(record)[:] = [s for s in locations(record) if s.get("country") != "Israel"]

    [event] = changes(BIG, close_israel)
    assert event.level == Level.MEDIUM
    assert event.text == ("Sites: 3 removed (Rabin Medical Center (RMC), Petah Tikva, Israel; Sheba Medical Center Tel "
                          "Hashomer, Ramat Gan, Israel; Sourasky Medical Center, Tel-Aviv, Israel); no sites left in Israel")


def test_five_sites_gone_is_medium_four_is_low() -> None:
    def spanish(record: dict[str, Any], keep: int) -> None:
        spain = [s for s in locations(record) if s.get("country") == "Spain"]
        for site in spain[keep:]:
            locations(record).remove(site)

    four = changes(BIG, lambda r: spanish(r, 42))
    five = changes(BIG, lambda r: spanish(r, 41))
    assert [(e.level, e.text.split(" (")[0]) for e in four + five] == [
        (Level.LOW, "Sites: 4 removed"), (Level.MEDIUM, "Sites: 5 removed")]


def test_one_site_in_a_new_country_is_medium() -> None:
    def add_oslo(record: dict[str, Any]) -> None:
        locations(record).append({"facility": "Oslo University Hospital", "city": "Oslo", "zip": "0424", "country": "Norway"})

    [event] = changes(BIG, add_oslo)
    assert (event.level, event.text) == (
        Level.MEDIUM, "Sites: new country: Norway; 1 added (Oslo University Hospital, Oslo, Norway)")


def test_country_names_read_in_a_list() -> None:
    assert [country_words(c) for c in ("Korea, Republic of", "Iran, Islamic Republic of", "France", "Virgin Islands, U.S.")] == [
        "Republic of Korea", "Islamic Republic of Iran", "France", "Virgin Islands, U.S."]


@pytest.mark.parametrize(("opened", "level"), [(4, Level.LOW), (5, Level.MEDIUM)])
def test_five_sites_opening_at_once_is_medium(opened: int, level: Level) -> None:
    def open_sites(record: dict[str, Any]) -> None:
        for location in locations(record)[:opened]:
            location["status"] = "RECRUITING"

    [event] = changes(BIG, open_sites)
    assert (event.field, event.level) == ("site_status", level)

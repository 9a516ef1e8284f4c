"""Places a trial follower can reach (the watchlist's ``near:``), and whether a trial's site is in one.

A place is a country (``Pakistan``), a city or a state with its country (``Paris, France``,
``California, United States``), or a city, its state and its country (``Boston, Massachusetts,
United States``). Countries are written as the registry writes them, some with a comma of their own
(``Korea, Republic of``), or as people say them (``Republic of Korea``, ``South Korea``, ``USA``);
a whole text is first tried as a country, so the comma inside a country's name never splits it.

Matching sets case, accents, punctuation and spacing aside (``words.folded``): ``sao paulo, brazil``
is ``São Paulo, Brazil``. A US state is its name or its two-letter code (``CA``); a city may carry
a French postal ``Cedex`` and district number (``Paris Cedex 15``), and ``St``/``Saint`` are one word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from monitor.core.words import folded

# "Korea, Republic of", "Iran, Islamic Republic of", "Congo, The Democratic Republic of the"
_INVERTED = re.compile(r"^(?P<name>[^,]+),\s*(?P<title>[^,]*\bof(?: the)?)$", re.IGNORECASE)

# what people call a country (folded) -> the registry's name for it (folded, inverted names put in order)
_COUNTRY_ALIASES: dict[str, str] = {
    **dict.fromkeys(("usa", "us", "u s", "u s a", "united states of america", "america"), "united states"),
    **dict.fromkeys(("uk", "u k", "great britain", "britain"), "united kingdom"),
    **dict.fromkeys(("south korea", "korea"), "republic of korea"),
    "north korea": "democratic people s republic of korea",
    "russia": "russian federation",
    "iran": "islamic republic of iran",
    "czech republic": "czechia",
    **dict.fromkeys(("holland", "the netherlands"), "netherlands"),
    "turkiye": "turkey",
    "viet nam": "vietnam",
    "moldova": "republic of moldova",
    "syria": "syrian arab republic",
    "laos": "lao people s democratic republic",
    **dict.fromkeys(("dr congo", "drc", "democratic republic of the congo", "democratic republic of congo"),
                    "the democratic republic of the congo"),
    "united republic of tanzania": "tanzania",
}

# the countries registries name (ISO 3166 short names as ClinicalTrials.gov writes them, with their older
# spellings), for a warning only: a place whose country is none of these probably lacks its country
COUNTRIES = """Afghanistan;Åland Islands;Albania;Algeria;American Samoa;Andorra;Angola;Anguilla;Antarctica;
Antigua and Barbuda;Argentina;Armenia;Aruba;Australia;Austria;Azerbaijan;Bahamas;Bahrain;Bangladesh;Barbados;
Belarus;Belgium;Belize;Benin;Bermuda;Bhutan;Bolivia;Bonaire, Sint Eustatius and Saba;Bosnia and Herzegovina;
Botswana;Brazil;British Indian Ocean Territory;Brunei Darussalam;Bulgaria;Burkina Faso;Burundi;Cabo Verde;
Cape Verde;Cambodia;Cameroon;Canada;Cayman Islands;Central African Republic;Chad;Chile;China;Christmas Island;
Colombia;Comoros;Congo;Congo, The Democratic Republic of the;Cook Islands;Costa Rica;Côte d'Ivoire;Croatia;Cuba;
Curaçao;Cyprus;Czechia;Denmark;Djibouti;Dominica;Dominican Republic;Ecuador;Egypt;El Salvador;Equatorial Guinea;
Eritrea;Estonia;Eswatini;Swaziland;Ethiopia;Falkland Islands (Malvinas);Faroe Islands;Fiji;Finland;France;
French Guiana;French Polynesia;Gabon;Gambia;Georgia;Germany;Ghana;Gibraltar;Greece;Greenland;Grenada;Guadeloupe;
Guam;Guatemala;Guernsey;Guinea;Guinea-Bissau;Guyana;Haiti;Holy See (Vatican City State);Honduras;Hong Kong;
Hungary;Iceland;India;Indonesia;Iran, Islamic Republic of;Iraq;Ireland;Isle of Man;Israel;Italy;Jamaica;Japan;
Jersey;Jordan;Kazakhstan;Kenya;Kiribati;Korea, Democratic People's Republic of;Korea, Republic of;Kosovo;Kuwait;
Kyrgyzstan;Lao People's Democratic Republic;Latvia;Lebanon;Lesotho;Liberia;Libya;Libyan Arab Jamahiriya;
Liechtenstein;Lithuania;Luxembourg;Macao;Macau;North Macedonia;Macedonia, The Former Yugoslav Republic of;
Madagascar;Malawi;Malaysia;Maldives;Mali;Malta;Marshall Islands;Martinique;Mauritania;Mauritius;Mayotte;Mexico;
Micronesia, Federated States of;Moldova, Republic of;Monaco;Mongolia;Montenegro;Montserrat;Morocco;Mozambique;
Myanmar;Namibia;Nauru;Nepal;Netherlands;Netherlands Antilles;New Caledonia;New Zealand;Nicaragua;Niger;Nigeria;
Niue;Norfolk Island;Northern Mariana Islands;Norway;Oman;Pakistan;Palau;Palestine, State of;Palestinian
Territory, occupied;Panama;Papua New Guinea;Paraguay;Peru;Philippines;Poland;Portugal;Puerto Rico;Qatar;Réunion;
Romania;Russian Federation;Rwanda;Saint Barthélemy;Saint Helena;Saint Kitts and Nevis;Saint Lucia;Saint Martin;
Saint Pierre and Miquelon;Saint Vincent and the Grenadines;Samoa;San Marino;Sao Tome and Principe;Saudi Arabia;
Senegal;Serbia;Serbia and Montenegro;Seychelles;Sierra Leone;Singapore;Sint Maarten;Slovakia;Slovenia;
Solomon Islands;Somalia;South Africa;South Sudan;Spain;Sri Lanka;Sudan;Suriname;Sweden;Switzerland;
Syrian Arab Republic;Taiwan;Tajikistan;Tanzania;Thailand;Timor-Leste;Togo;Tokelau;Tonga;Trinidad and Tobago;
Tunisia;Turkey;Türkiye;Turkmenistan;Turks and Caicos Islands;Tuvalu;Uganda;Ukraine;United Arab Emirates;
United Kingdom;United States;United States Minor Outlying Islands;Uruguay;Uzbekistan;Vanuatu;Venezuela;Vietnam;
Virgin Islands, British;Virgin Islands (U.S.);Virgin Islands, U.S.;Wallis and Futuna;Western Sahara;Yemen;
Zambia;Zimbabwe"""
UNITED_STATES = "united states"
US_STATES: dict[str, str] = {  # two-letter code -> name
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip
_US_STATE_KEYS = {folded(code): folded(name) for code, name in US_STATES.items()} | {
    folded(name): folded(name) for name in US_STATES.values()} | {"d c": "district of columbia"}
_COMMA_COUNTRIES = frozenset({folded(name) for name in COUNTRIES.split(";") if "," in name})
_CITY_WORDS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}
_CITY_TAIL = re.compile(r"(?: cedex)?(?: \d+)*$")  # "paris cedex 15", "lyon 03"
FORMS = "write a country ('Pakistan'), a city or state with its country ('Paris, France'), or a city, state and country"


def country_key(name: str | None) -> str:
    """A country as it identifies one: ``"Korea, Republic of"``, ``"Republic of Korea"`` and ``"South Korea"``
    are ``"republic of korea"``; ``"USA"`` is ``"united states"``."""
    text = (name or "").strip()
    inverted = _INVERTED.match(text)
    key = folded(f"{inverted['title']} {inverted['name']}" if inverted else text)
    return _COUNTRY_ALIASES.get(key, key)


def known_country(key: str) -> bool:
    """Is this country key (``country_key``) one of the countries registries name?"""
    return key in _COUNTRY_KEYS


def _is_country(text: str) -> bool:
    """Could this whole text (commas and all) be one country's name?"""
    return "," not in text or bool(_INVERTED.match(text.strip())) or folded(text) in _COMMA_COUNTRIES


_COUNTRY_KEYS = frozenset(country_key(" ".join(name.split())) for name in COUNTRIES.split(";"))


def city_key(name: str | None) -> str:
    """A city as it identifies one: ``"Paris Cedex 15"`` is ``"paris"``, ``"St. Louis"`` is ``"saint louis"``."""
    words = [_CITY_WORDS.get(word, word) for word in folded(name).split()]
    return _CITY_TAIL.sub("", " ".join(words)) or " ".join(words)


def state_key(name: str | None, country: str) -> str:
    """A state as it identifies one; a US state by its name or its code (``"CA"`` is ``"california"``)."""
    key = folded(name)
    return _US_STATE_KEYS.get(key, key) if country == UNITED_STATES else key


@dataclass(frozen=True)
class Place:
    """A place in the watchlist's ``near:``: a ``country``; inside it, for "X, Country", X as a city
    (``city``) or as a state (``region``); for "City, State, Country", the ``city`` in that ``state``.
    ``written`` is the place as the watchlist has it (for messages; not part of what it is)."""

    country: str
    city: str = ""
    region: str = ""
    state: str = ""
    written: str = field(default="", compare=False)

    def holds(self, site: Mapping[str, Any]) -> bool:
        """Is this site (a view's site: facility, city, state, country) in this place?"""
        if not site.get("country") or country_key(site["country"]) != self.country:
            return False
        if not self.city:
            return True
        city, state = city_key(site.get("city")), state_key(site.get("state"), self.country)
        if self.state:
            return city == self.city and state == self.state
        return city == self.city or state == self.region


def read_place(text: Any) -> Place:
    """A place from the watchlist's text; ValueError (one line) when it cannot be read as one
    (TypeError when it is not a text)."""
    if not isinstance(text, str):
        raise TypeError(f"a place is a text ({FORMS})")
    written = " ".join(text.split())
    if not folded(written):
        raise ValueError(f"a place cannot be empty ({FORMS})")
    parts = [part.strip() for part in written.split(",")]
    if any(not folded(part) for part in parts):
        raise ValueError(f"'{written}' has an empty part between its commas ({FORMS})")
    if _is_country(written):
        return Place(country_key(written), written=written)
    # the country is the last part, or the last two when they are one name ("Seoul, Korea, Republic of")
    size = 2 if len(parts) > 2 and _is_country(", ".join(parts[-2:])) else 1
    country, inside = country_key(", ".join(parts[-size:])), parts[:-size]
    if len(inside) == 1:
        return Place(country, city_key(inside[0]), state_key(inside[0], country), written=written)
    if len(inside) == 2:
        return Place(country, city_key(inside[0]), state=state_key(inside[1], country), written=written)
    raise ValueError(f"'{written}' has too many parts to read as a place ({FORMS})")


_US_STATE_NAMES = {folded(name): name for name in US_STATES.values()}


def us_state_as_country(place: Place) -> str | None:
    """The US state a place ends in where its country should be (``"California"``, ``"Boston, Massachusetts"``),
    unless that is a country's name too (Georgia); None for a place that ends in a country."""
    return None if place.country == "georgia" else _US_STATE_NAMES.get(place.country)


def near_places(places: Iterable[Place], site: Mapping[str, Any]) -> bool:
    """Is this site in any of these places?"""
    return any(place.holds(site) for place in places)

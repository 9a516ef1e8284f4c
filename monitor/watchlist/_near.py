"""The watchlist's ``near:`` key: the places a trial follower can reach, at the top level and per trial.

::

    near:                           # a site opening in one of these places is a high alert
      - Paris, France
      - California, United States
      - Pakistan
    trials:
      - id: NCT06171568
        near: ["Lyon, France"]      # this trial only: added to the places above (quoted inside [ ])

A place is a country, a city or a US state with its country, or a city, state and country
(``core.places``). A lone text counts as a one-place list. A place that cannot be read is a
one-line error naming its line; one that does not end in a country the registry names (``Lyon``,
``Boston, Massachusetts``) loads with a warning: in YAML's ``[Lyon, France]`` the comma splits the
place in two, and ``["Lyon, France"]`` is what was meant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from monitor.core.places import Place, known_country, read_place, us_state_as_country

from ._base import WatchlistError, item_line, kind, value_line

KEY = "near"
EXAMPLE = "e.g. [Paris, France] or [California, United States, Pakistan]"

Fail = Callable[[str, int | None], WatchlistError]
Warn = Callable[[str, int | None], None]


def parse_near(owner: Mapping[str, Any], fail: Fail, warn: Warn, line: int | None = None) -> tuple[Place, ...]:
    """The places of ``owner``'s ``near:`` (the watchlist's top level, or one trial's entry); () when absent.
    ``line`` is where ``owner`` starts, for a culprit whose own line is unknown."""
    value = owner.get(KEY)
    where = value_line(owner, KEY) or line
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[tuple[Any, int | None]] = [(value, where)]
    elif isinstance(value, list):
        items = [(item, item_line(value, i) or where) for i, item in enumerate(value)]
    else:
        raise fail(f"{KEY} must be a list of places ({EXAMPLE}), not {kind(value)}", where)
    places: dict[Place, None] = {}
    for item, at in items:
        if not isinstance(item, str):
            raise fail(f"{KEY}: a place must be text such as 'Paris, France', not {kind(item)}", at)
        try:
            place = read_place(item)
        except ValueError as e:
            raise fail(f"{KEY}: {e}", at) from None
        state = us_state_as_country(place)
        if state:
            warn(f"{KEY}: '{place.written}' ends in the US state {state}, not a country; "
                 f"write '{place.written}, United States' to match sites there", at)
        elif not known_country(place.country):
            warn(f"{KEY}: '{place.written}' does not end in a country the registry names, so no site will match it; "
                 "a city or state needs its country, e.g. 'Lyon, France' (in a [ ] list, quoted: [\"Lyon, France\"])", at)
        places.setdefault(place)
    return tuple(places)

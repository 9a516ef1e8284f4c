"""The check's context gives each trial its places: the watchlist's `near:`, then the trial's own."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.check.pipe import Context
from monitor.core.expectations import ExpectationOptions
from monitor.core.model import COMPARE_GROUPS
from monitor.core.places import read_place


def test_a_trial_s_places_add_to_the_watchlist_s() -> None:
    paris, lyon = read_place("Paris, France"), read_place("Lyon, France")
    context = Context("ctgov", COMPARE_GROUPS, ExpectationOptions(), (), datetime(2026, 1, 5, tzinfo=UTC), 1,
                      near=(paris,), near_trial={"NCT06171568": (lyon, read_place("PARIS, france"))})
    assert context.places("NCT06171568") == (paris, lyon)  # the same place twice is one place
    assert context.places("NCT02513394") == (paris,)
    assert Context("ctgov", COMPARE_GROUPS, ExpectationOptions(), (), datetime(2026, 1, 5, tzinfo=UTC), 1
                   ).places("NCT06171568") == ()

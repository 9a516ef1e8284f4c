"""Outage notices as values: told once after N failed checks in a row, and once when over."""

from monitor.core.outage import Notice, outage_notice


def test_told_once_after_n_failures_and_once_on_recovery() -> None:
    notices = []
    failed_before = 0
    for failed in [True, True, True, True, False, False, True]:
        notices.append(outage_notice(failed_before, failed, outage_after=3, error="HTTP 503"))
        failed_before = failed_before + 1 if failed else 0
    kinds = [None if n is None else ("back" if n.recovered else "outage") for n in notices]
    assert kinds == [None, None, "outage", None, "back", None, None]
    assert notices[2] == Notice(recovered=False, failed=3, error="HTTP 503")
    assert notices[4] == Notice(recovered=True, failed=4)
    assert notices[2].details() == {"recovered": False, "failed": 3, "since": "", "error": "HTTP 503"}


def test_a_short_blip_below_the_threshold_says_nothing() -> None:
    assert outage_notice(1, False, outage_after=3) is None
    assert outage_notice(0, True, outage_after=1) is not None

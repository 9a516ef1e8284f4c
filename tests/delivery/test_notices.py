"""A notice about the registry (``outage.txt``), rendered from its stored values at delivery."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.core.outage import outage_notice
from monitor.delivery.messages import message_for, notice_of
from monitor.delivery.notify import ConsoleTarget
from monitor.store.tables import Alert
from monitor.watchlist import load_watchlist

WHEN = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
UNAVAILABLE = "ClinicalTrials.gov unavailable: trial-monitor cannot check your trials"
TAIL = ("Nothing is recorded from a failed check, so no false change will follow. "
        "You will get one more message when the registry answers again.")


def notice(failed_before: int, failed_now: bool, outage_after: int, error: str = "", since: str = "") -> Alert:
    found = outage_notice(failed_before, failed_now, outage_after=outage_after, error=error, since=since)
    assert found is not None
    return Alert(kind="notice", details={**found.details(), "registry": "ctgov"}, created_at=WHEN)


@pytest.mark.parametrize(("alert", "title", "body"), [
    (notice(2, True, 3, "HTTP 503", "2026-11-20 07:00 UTC"), UNAVAILABLE,
     "The registry could not be reached or answered garbage for 3 checks in a row (since 2026-11-20 07:00 UTC).\n\n"
     f"Last error: HTTP 503\n\n{TAIL}"),
    (notice(0, True, 1), UNAVAILABLE,
     f"The registry could not be reached or answered garbage for check.\n\nLast error: unknown\n\n{TAIL}"),
    (notice(4, False, 3), "ClinicalTrials.gov is answering again: trial-monitor is back to checking",
     "The registry answered again after 4 failed checks in a row. Changes made meanwhile are in this check's alerts."),
], ids=["outage", "first-failure", "recovery"])
def test_notices_read_as_the_first_release_worded_them(alert: Alert, title: str, body: str) -> None:
    assert (notice_of(alert).title, notice_of(alert).body) == (title, body)


def test_the_error_line_is_shown_as_written_never_as_markup(tmp_path: Path) -> None:
    alert = notice(2, True, 3, "the registry refused /studies (HTTP 400: <b>bad</b> [x](y) a_b)")
    (tmp_path / "w.yaml").write_text("notify:\n  - discord://1234/abcd\n")
    (chat,) = load_watchlist(tmp_path / "w.yaml", env={}).targets
    sent = message_for(None, alert, chat)  # type: ignore[arg-type]  # a notice reads no rows
    assert sent is not None and sent.style == "markdown"
    assert "Last error: the registry refused /studies (HTTP 400: \\<b\\>bad\\</b\\> \\[x\\](y) a\\_b)" in sent.body
    plain = message_for(None, alert, ConsoleTarget())  # type: ignore[arg-type]
    assert plain is not None and plain.style == "text"
    assert "Last error: the registry refused /studies (HTTP 400: <b>bad</b> [x](y) a_b)" in plain.body


def test_a_notice_stored_before_notices_had_values_keeps_its_words() -> None:
    legacy = Alert(kind="notice", title="Registry unavailable", body="Tried 3 times.", created_at=WHEN)
    assert (notice_of(legacy).title, notice_of(legacy).body) == ("Registry unavailable", "Tried 3 times.")

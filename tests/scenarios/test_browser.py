"""The web face in a real browser (Debian's Chromium): sign in with the token, see the trials, add one
through the form and see it after its baseline, follow a status change to its old → new, and a
hostile title that runs nothing. Screenshots: .artifacts/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit, wait_until
from tests.support.receivers import JsonReceiver
from tests.support.web import running

HOSTILE = "<script>window.hacked = 1; alert(1)</script><img src=x onerror=\"window.hacked = 2; alert(2)\">"


@pytest.mark.sqlite_only
def test_a_newcomer_signs_in_adds_a_trial_and_follows_a_change(
    home: Home, registry: StandInRegistry, hook: JsonReceiver, browser: Any, screenshots: Path
) -> None:
    registry.update("NCT00973089", lambda s: s["protocolSection"]["identificationModule"].update(briefTitle=HOSTILE))
    home.write_watchlist(["NCT06171568", "NCT00973089", "NCT02513394"], [hook.url()], interval="1h")
    with running(home) as web:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

        # signing in with the token, through the form (the printed URL carries it too)
        page.goto(f"{web.base}/")
        assert page.url.startswith(f"{web.base}/login")
        page.fill("#token", web.token)
        page.click("button[type=submit]")
        page.wait_for_url(f"{web.base}/")
        assert wait_until(lambda: _reloaded(page) and "Not yet recruiting" in page.inner_text("table"), timeout=30)
        rows = page.inner_text("table")
        assert all(trial_id in rows for trial_id in ("NCT06171568", "NCT00973089", "NCT02513394"))
        assert HOSTILE in rows  # the registry's markup shows as text
        assert page.evaluate("window.hacked") is None and dialogs == []
        page.screenshot(path=str(screenshots / "dashboard.png"), full_page=True)

        # adding a trial through the form: the daemon takes the edit, its baseline follows
        page.fill("input[name=id]", "NCT03281889")
        page.fill("input[name=label]", "added in the browser")
        page.click("form.add button")
        page.wait_for_url(f"{web.base}/?added=NCT03281889")
        assert "NCT03281889 is watched from now on" in page.inner_text(".notice")
        assert wait_until(lambda: _reloaded(page) and "added in the browser" in page.inner_text("table")
                          and "awaiting" not in _row(page, "NCT03281889"), timeout=30), page.inner_text("table")
        assert "Recruiting" in _row(page, "NCT03281889")

        # a status change, followed to its trial page: the sentence, and the old → new
        sponsor_edit(registry, "NCT06171568", lambda s: s["protocolSection"]["statusModule"].update(overallStatus="RECRUITING"))
        registry.refresh()
        assert home.run("check").code == 0
        hook.wait_for(1)
        page.goto(f"{web.base}/")
        page.click("a[href='/trials/NCT06171568']")
        page.wait_for_url(f"{web.base}/trials/NCT06171568")
        timeline = page.inner_text(".timeline")
        assert "Overall status: Not yet recruiting → Recruiting" in timeline
        assert page.inner_text(".timeline .old") == "Not yet recruiting"
        assert page.inner_text(".timeline .new") == "Recruiting"
        assert "Recruiting" in page.inner_text(".card")
        page.screenshot(path=str(screenshots / "trial.png"), full_page=True)

        page.goto(f"{web.base}/trials/NCT00973089")
        assert HOSTILE in page.inner_text("h1")
        assert page.evaluate("window.hacked") is None and dialogs == []
        page.screenshot(path=str(screenshots / "hostile-title.png"), full_page=True)


def _reloaded(page: Any) -> bool:
    page.reload()
    return True


def _row(page: Any, trial_id: str) -> str:
    return page.inner_text(f"tr:has(a[href='/trials/{trial_id}'])")

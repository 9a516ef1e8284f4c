"""The default chat message (``chat.md``, ``not_found.md``, ``test.md``): the alert body people read,
status and date words, and Markdown safety of record text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitor.core.model import ChangeEvent, Level
from monitor.core.status import STATUS_WORDS, status_words
from monitor.core.words import date_words, md_escape
from monitor.delivery.messages import default_template, sample_message_for
from monitor.delivery.render import AlertContent, Rendered, render
from monitor.registry.ctgov.facts import CTGOV
from monitor.registry.ctgov.record import view_of
from monitor.watchlist import load_watchlist
from tests.support.messages import chat_message, trial_item
from tests.support.records import changes, status_module, study


def render_change(view: dict[str, Any], events: list[ChangeEvent]) -> Rendered:
    """The alert a chat target that takes every pushed level (down to low) gets."""
    message = chat_message(view, events, Level.LOW)
    assert message is not None
    return message

HOSTILE = '<script>alert(1)</script> [click here](javascript:alert(1)) <img src=x onerror=alert(1)> ![x](http://e/x.png)'


def _markdown_to_html(text: str) -> list[str]:
    """The HTML apprise would make for email, and what plain Python-Markdown would make."""
    import markdown
    from apprise.conversion.format import markdown_to_html

    return [markdown_to_html(text), markdown.markdown(text)]


def test_md_escape_neutralises_html_and_links() -> None:
    escaped = md_escape(HOSTILE)
    assert "<" not in escaped.replace("\\<", "")
    assert "[" not in escaped.replace("\\[", "")
    for html in _markdown_to_html(f"- Why stopped: {escaped}"):
        assert "<script" not in html and "<img" not in html and "<a " not in html
        assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a*b_c", r"a\*b\_c"),
        ("# Heading", r"\# Heading"),
        ("`code`", r"\`code\`"),
        ("back\\slash", "back\\\\slash"),
        ("AT&T", "AT&T"),
        ("&amp; &#60;", r"\&amp; \&\#60;"),
        ("> quote", r"\> quote"),
        ("Stage III–IV, 18–75 years", "Stage III–IV, 18–75 years"),
    ],
)
def test_md_escape_examples(text: str, escaped: str) -> None:
    assert md_escape(text) == escaped


def _status_change() -> tuple[dict[str, Any], list[ChangeEvent]]:
    def recruit(record: dict[str, Any]) -> None:
        status_module(record)["overallStatus"] = "RECRUITING"
        status_module(record)["lastUpdatePostDateStruct"]["date"] = "2026-11-21"

    new = study("NCT06171568")
    recruit(new)
    return view_of(new), changes("NCT06171568", recruit)


def test_render_change_for_a_status_change() -> None:
    view, events = _status_change()
    message = render_change(view, events)
    assert message.title == (
        "NCT06171568 · Lariboisière Cognitive Assessment: Evaluation of the 1-year Outcomes: "
        "overall status Not yet recruiting → Recruiting"
    )
    assert message.body == (
        "**Lariboisière Cognitive Assessment: Evaluation of the 1-year Outcomes** (NCT06171568)\n"
        "\n"
        "- Overall status: Not yet recruiting → Recruiting\n"
        "\n"
        "Last update posted 2026-11-21 · https://clinicaltrials.gov/study/NCT06171568"
    )


def test_render_change_leads_with_the_most_important_and_counts_the_rest() -> None:
    view, _ = _status_change()
    events = [
        ChangeEvent("date", "primary_completion", None, None,
                    "Primary completion: 2026-12 (estimated) → 2028-06-30 (estimated) (slipped 18 months)", Level.MEDIUM),
        ChangeEvent("results", "has_results", False, True, "Results posted on 2026-11-21", Level.HIGH),
        ChangeEvent("sites", "sites", None, None, "Sites: 1 added (Clinic, Oslo, Norway)", Level.LOW),
        ChangeEvent("status_verified", "status_verified", None, None, "Status verified: 2025-10 → 2026-11", Level.INFO),
    ]
    message = render_change(view, events)
    assert message.title.endswith(": results posted on 2026-11-21 (+2 more)")
    assert "Status verified" not in message.body
    assert message.body.count("\n- ") == 3


def test_info_events_alone_are_recorded_never_sent() -> None:
    view, _ = _status_change()
    events = changes("NCT06171568", lambda r: status_module(r)["lastUpdatePostDateStruct"].__setitem__("date", "2026-11-21"))
    assert [e.text for e in events] == ["Record updated on 2026-11-21 (no change in the compared fields)"]
    assert all(chat_message(view, events, level) is None for level in (Level.HIGH, Level.MEDIUM, Level.LOW))


def test_long_and_hostile_titles_are_cut_and_escaped() -> None:
    view, events = _status_change()
    view = dict(view, title="A Randomised <b>Phase 3</b> Trial of [Drug](http://evil) " + "Versus Placebo " * 10)
    message = render_change(view, events)
    shown_title = message.title.split(" · ", 1)[1].split(": overall status")[0]
    assert len(shown_title) <= 90 and shown_title.endswith("…")
    for html in _markdown_to_html(message.body):
        assert "<b>" not in html and "<a " not in html


def test_hostile_record_text_never_becomes_html_in_the_message() -> None:
    def stop(record: dict[str, Any]) -> None:
        status_module(record)["overallStatus"] = "TERMINATED"
        status_module(record)["whyStopped"] = HOSTILE

    new = study("NCT06171568")
    stop(new)
    message = render_change(view_of(new), changes("NCT06171568", stop))
    for html in _markdown_to_html(message.body):
        assert "<script" not in html and "<img" not in html and "<a " not in html


def test_render_not_found() -> None:
    content = AlertContent(trials=(trial_item({"id": "NCT09999999"}, []),))
    message = render(content, default_template("not_found.md"))
    assert message.title == "NCT09999999 · not found on ClinicalTrials.gov"
    assert message.body.startswith("ClinicalTrials.gov answered but has no study NCT09999999.\n\nCheck the id")
    assert "mistyped" in message.body and "withdrawn before" in message.body
    assert message.body.endswith("https://clinicaltrials.gov/study/NCT09999999")


def test_study_link() -> None:
    assert CTGOV.study_url("NCT06764329") == "https://clinicaltrials.gov/study/NCT06764329"
    assert CTGOV.study_url("NCT_[x](y)") == "https://clinicaltrials.gov/study/NCT\\_\\[x\\](y)"  # never trusted


def test_status_words_cover_the_registry_enum() -> None:
    assert len(STATUS_WORDS) == 14
    assert status_words("NOT_YET_RECRUITING") == "Not yet recruiting"
    assert status_words("ACTIVE_NOT_RECRUITING") == "Active, not recruiting"
    assert status_words("ENROLLING_BY_INVITATION") == "Enrolling by invitation"
    assert status_words("UNKNOWN") == "Unknown status"
    assert status_words("APPROVED_FOR_MARKETING") == "Approved for marketing"
    assert status_words("SOMETHING_NEW") == "Something new"
    assert status_words(None) == "not given"


def test_date_words() -> None:
    assert date_words({"date": "2026-12", "type": "ESTIMATED"}) == "2026-12 (estimated)"
    assert date_words({"date": "2028-06-30", "type": "ACTUAL"}) == "2028-06-30 (actual)"
    assert date_words({"date": "2016-07", "type": None}) == "2016-07"
    assert date_words(None) == "not given"


def test_render_test_message(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text("notify:\n  - discord://1234/abcd\n")
    (chat,) = load_watchlist(tmp_path / "w.yaml", env={}).targets
    message = sample_message_for(chat, alert_id="0123456789abcdef")
    assert message.title == "trial-monitor · test message: alerts reach you here"
    assert message.body == (
        "**This is a test message from trial-monitor** (NCT00000000)\n\n"
        "- Overall status: Not yet recruiting → Recruiting\n"
        "- Primary completion: 2026-12 (estimated) → 2028-06-30 (estimated) (slipped 18 months)\n\n"
        "If you can read this, alerts will reach you here. No trial has changed.\n\n"
        "alert 0123456789abcdef"  # the footer every message carries (issue 15 §2)
    )  # as the first release worded it

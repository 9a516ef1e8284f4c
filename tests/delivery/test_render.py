"""Per-target messages: filtering by level and kind, the default layouts, custom templates, their errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.core.choices import EVENT_KINDS, Choices, kinds_from, level_from
from monitor.core.model import ChangeEvent, Level
from monitor.core.words import md_escape
from monitor.delivery.render import (
    AlertContent,
    EventItem,
    NoticeItem,
    TemplateProblem,
    TemplateSource,
    TrialItem,
    compile_template,
    for_target,
    highest_first,
    md_unescape,
    render,
)
from monitor.registry.ctgov.record import view_of
from tests.support.messages import trial_item
from tests.support.records import changes, status_module, study

TEMPLATES = Path(__file__).resolve().parents[2] / "monitor" / "delivery" / "templates"
CHAT = TemplateSource("chat.md", (TEMPLATES / "chat.md").read_text(), "markdown")
EMAIL = TemplateSource("email.html", (TEMPLATES / "email.html").read_text(), "html")
FOUND = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script> [x](javascript:alert(1)) *bold*"


def item(event: ChangeEvent, when: datetime = FOUND) -> EventItem:
    return EventItem(event.kind, event.level.value, event.text, event.old, event.new, when)


def terminated_and_slipped() -> tuple[dict, list[ChangeEvent]]:
    """A real record stopped (why-stopped given), its completion slipped and its sites edited."""

    def edit(record: dict) -> None:
        status = status_module(record)
        status["overallStatus"] = "TERMINATED"
        status["whyStopped"] = "Sponsor decision <b>funding</b>"
        status["primaryCompletionDateStruct"] = {"date": "2029-01-31", "type": "ESTIMATED"}
        record["protocolSection"]["contactsLocationsModule"]["locations"].append(
            {"facility": "New Site", "city": "Madrid", "country": "Spain"})  # a country it has: a low change

    edited = study("NCT02513394")
    edit(edited)
    return view_of(edited), changes("NCT02513394", edit)


def trial_of(view: dict, events: list[ChangeEvent], when: datetime = FOUND) -> TrialItem:
    return trial_item(view, events, when)


def link(trial_id: str) -> str:
    return f"https://clinicaltrials.gov/study/{trial_id}"


# ---------------------------------------------------------------- choices


def test_known_kinds_and_families() -> None:
    assert kinds_from(["status", "results"]) == ("status", "why_stopped", "status_verified", "results", "results_updated")
    assert kinds_from(["Dates", "sites"]) == ("date", "sites", "site_near")
    for kind in ("expectation", "new_trial", "no_longer_matches", "outage", "not_found"):
        assert kind in EVENT_KINDS
    with pytest.raises(ValueError, match="unknown kind 'colour' \\(known: status, why_stopped"):
        kinds_from(["colour"])
    assert level_from(" HIGH ") is Level.HIGH
    with pytest.raises(ValueError, match="min_level must be one of high, medium, low, not 'info'"):
        level_from("info")


def test_choices_pass_levels_at_or_above_and_never_info() -> None:
    default, high, low = Choices(), Choices(Level.HIGH), Choices(Level.LOW)
    assert default.passes("status", "high") and default.passes("date", "medium") and not default.passes("sites", "low")
    assert high.passes("status", Level.HIGH) and not high.passes("date", Level.MEDIUM)
    assert low.passes("sites", "low") and not low.passes("record_updated", "info")
    only = Choices(Level.LOW, ("results",))
    assert only.passes("results", "medium") and not only.passes("status", "high")
    assert default.words() == "high and medium" and Choices(Level.LOW, ("sites",)).words() == "high, medium and low; kinds: sites"


def test_for_target_keeps_its_share_of_a_real_change() -> None:
    view, events = terminated_and_slipped()
    kinds = {(e.kind, e.level.value) for e in events}
    assert {("status", "high"), ("why_stopped", "medium"), ("date", "medium"), ("sites", "low")} <= kinds
    content = AlertContent((trial_of(view, events),))

    high = for_target(content, Choices(Level.HIGH))
    assert high is not None and [e.kind for e in high.trials[0].events] == ["status"]
    default = for_target(content, Choices())
    assert default is not None and "sites" not in [e.kind for e in default.trials[0].events]
    assert "why_stopped" in [e.kind for e in default.trials[0].events]
    assert for_target(content, Choices(Level.HIGH, ("enrollment",))) is None  # nothing left: no delivery
    low = for_target(content, Choices(Level.LOW))
    assert low is not None and len(low.trials[0].events) == len(events)


def test_notices_count_as_medium_outage() -> None:
    content = AlertContent(notices=(NoticeItem("Registry unavailable", "…"),), digest=True)
    assert for_target(content, Choices()) is not None
    assert for_target(content, Choices(Level.HIGH)) is None
    assert for_target(content, Choices(Level.LOW, ("status",))) is None
    assert for_target(content, Choices(Level.LOW, ("outage",))) is not None


# ---------------------------------------------------------------- default layouts


def test_default_chat_layout_is_the_alert_people_know() -> None:
    view, events = terminated_and_slipped()
    pushed = [e for e in events if e.level is not Level.INFO]
    rendered = render(AlertContent((trial_of(view, pushed),)), CHAT)
    assert (rendered.title, rendered.body, rendered.style) == (
        "NCT02513394 · PALbociclib CoLlaborative Adjuvant Study: overall status Active, not recruiting → Terminated"
        " (+3 more)",
        "**PALbociclib CoLlaborative Adjuvant Study** (NCT02513394)\n\n"
        "- Overall status: Active, not recruiting → Terminated\n"
        "- Why stopped: “Sponsor decision \\<b\\>funding\\</b\\>”\n"
        "- Primary completion slipped 98 months: 2020-11 (actual) → 2029-01-31 (estimated), 1st slip\n"
        "- Sites: 1 added (New Site, Madrid, Spain)\n\n"
        "Last update posted 2023-06-15 · https://clinicaltrials.gov/study/NCT02513394",
        "markdown",
    )  # the alert as the first release worded it


def test_markdown_values_are_escaped() -> None:
    trial = TrialItem("NCT00000001", HOSTILE, None, None, (EventItem("why_stopped", "medium", f"Why stopped: “{md_escape(HOSTILE)}”"),),
                      link("NCT00000001"))
    rendered = render(AlertContent((trial,)), CHAT)
    assert "<script>" not in rendered.body and "[x](" not in rendered.body
    assert "\\<script\\>" in rendered.body
    assert md_unescape(md_escape(HOSTILE)) == HOSTILE


def test_default_email_is_html_with_record_text_escaped() -> None:
    trial = TrialItem("NCT00000001", f"A & B {HOSTILE}", "TERMINATED", "2027-02-28",
                      (EventItem("why_stopped", "medium", f"Why stopped: “{md_escape(HOSTILE)}”"),), link("NCT00000001"))
    rendered = render(AlertContent((trial,)), EMAIL)
    assert rendered.style == "html"
    # the subject is plain text (a mail client shows it as is): unescaped, never rendered
    assert rendered.title == f"NCT00000001 · A & B {HOSTILE}: why stopped “{HOSTILE}”"
    assert "<script>" not in rendered.body and "&lt;script&gt;" in rendered.body
    assert "A &amp; B" in rendered.body and "Terminated" in rendered.body
    assert '<a href="https://clinicaltrials.gov/study/NCT00000001"' in rendered.body
    assert rendered.body.lstrip().startswith("<!DOCTYPE html>")


def two_trial_digest() -> AlertContent:
    view, events = terminated_and_slipped()
    quiet = TrialItem("NCT06171568", "Lariboisière Cognitive Assessment", "RECRUITING", "2027-02-27", (
        EventItem("enrollment", "medium", "Enrollment: 400 → 999 (estimated)", 400, 999, FOUND),
    ), link("NCT06171568"))
    medium_first = [e for e in events if e.level is not Level.HIGH and e.level is not Level.INFO]
    high_later = [e for e in events if e.level is Level.HIGH]
    loud = trial_of(view, medium_first + high_later, FOUND)
    return AlertContent((quiet, loud), (NoticeItem("Registry unavailable", "Tried 3 times.", "outage", FOUND),),
                        digest=True, period_start=datetime(2027, 2, 28, 7, tzinfo=UTC), period_end=datetime(2027, 3, 1, 7, tzinfo=UTC))


def test_digest_groups_by_trial_highest_level_first() -> None:
    content = highest_first(for_target(two_trial_digest(), Choices()) or AlertContent())
    assert [t.trial_id for t in content.trials] == ["NCT02513394", "NCT06171568"]  # the one with a high event first
    assert [e.level for e in content.trials[0].events][0] == "high"
    rendered = render(content, CHAT, ZoneInfo("Europe/Paris"))
    assert rendered.title == ("trial-monitor digest: 4 changes in 2 trials and 1 notice, "
                              "2027-02-28 08:00 CET → 2027-03-01 08:00 CET")
    body = rendered.body
    assert body.index("NCT02513394") < body.index("NCT06171568") < body.index("Registry unavailable")
    assert "- Overall status: Active, not recruiting → Terminated (high, 2027-03-01)" in body
    html = render(content, EMAIL, ZoneInfo("Europe/Paris"))
    assert html.title == "trial-monitor digest: 4 changes in 2 trials and 1 notice"
    assert "from 2027-02-28 08:00 CET to 2027-03-01 08:00 CET" in html.body


# ---------------------------------------------------------------- custom templates

CUSTOM = """{{ trials|length }} trial(s){% if digest %} since {{ period_start }}{% endif %} · highest {{ highest_level }}
{% for t in trials %}
{{ t.nct_id }} {{ t.title }} ({{ t.status }}) {{ t.link }}
{% for e in t.events %}
* [{{ e.level }}/{{ e.kind }}] {{ e.text }} on {{ e.date }}
{% endfor %}
{% endfor %}"""


def test_custom_text_template() -> None:
    content = for_target(two_trial_digest(), Choices(Level.HIGH)) or AlertContent()
    rendered = render(highest_first(content), TemplateSource("mine.txt", CUSTOM, "text"))
    assert rendered.title == "1 trial(s) since 2027-02-28 07:00 UTC · highest high"
    assert rendered.body.splitlines() == [
        "NCT02513394 PALbociclib CoLlaborative Adjuvant Study (Terminated) https://clinicaltrials.gov/study/NCT02513394",
        "* [high/status] Overall status: Active, not recruiting → Terminated on 2027-03-01",
    ]


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(TemplateProblem) as caught:
        compile_template(TemplateSource("team.html", "Title\n<p>\n{% for t in trials %}\n{{ t.title }\n", "html"))
    assert str(caught.value).startswith("template team.html, line 4: ")
    assert caught.value.line == 4


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Title\n{{ trials[0].titel }}", "UndefinedError"),
        ("Title\n\n{{ trials[0].events[7].text }}", "UndefinedError"),
        ("Title\n{{ ''.__class__.__mro__ }}", "SecurityError"),
        ("Title\n{{ 1 // 0 }}", "ZeroDivisionError"),
    ],
)
def test_runtime_errors_are_a_template_problem(text: str, reason: str) -> None:
    view, events = terminated_and_slipped()
    with pytest.raises(TemplateProblem, match=f"template mine.md, line [23]: {reason}"):
        render(AlertContent((trial_of(view, events),)), TemplateSource("mine.md", text, "markdown"))


def test_an_empty_title_is_a_template_problem() -> None:
    with pytest.raises(TemplateProblem, match="title\\) came out empty"):
        render(AlertContent(), TemplateSource("mine.md", "{% for t in trials %}{{ t.nct_id }}\nbody{% endfor %}", "markdown"))

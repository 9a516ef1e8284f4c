"""Results posted, as each layout shows them: real records, the built-in templates and a user's own."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest

from monitor.core.diff import compare
from monitor.delivery.render import AlertContent, EventItem, TemplateSource, TrialItem, render
from monitor.registry.ctgov.record import view_of
from monitor.registry.ctgov.standin.edits import without_results
from tests.support.records import study

STYLES = {"chat.md": "markdown", "chat.txt": "text", "email.html": "html"}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "targets.md"
# the example template of docs/targets.md ("What results say")
DOCUMENTED_EXAMPLE = DOCS.read_text().split("```jinja\n{% for t in trials %}{{ t.nct_id }}", 1)[1].split("```", 1)[0]
DOCUMENTED_EXAMPLE = "{% for t in trials %}{{ t.nct_id }}" + DOCUMENTED_EXAMPLE


def posted_content(nct_id: str, digest: bool = False) -> AlertContent:
    record = study(nct_id)
    events = [e for e in compare(view_of(without_results(record)), view_of(record)) if e.kind == "results"]
    items = tuple(EventItem(e.kind, e.level.value, e.text, e.old, e.new) for e in events)
    trial = TrialItem(nct_id, view_of(record)["title"], "COMPLETED", "2022-04-13", items,
                      f"https://clinicaltrials.gov/study/{nct_id}", "ClinicalTrials.gov")
    return AlertContent(trials=(trial,), digest=digest)


def built_in(name: str) -> TemplateSource:
    return TemplateSource(name, files("monitor.delivery.templates").joinpath(name).read_text(), STYLES[name])


@pytest.mark.parametrize("digest", [False, True])
@pytest.mark.parametrize("name", ["chat.md", "chat.txt"])
def test_chat_and_webhooks_get_the_short_form(name: str, digest: bool) -> None:
    body = render(posted_content("NCT03064438", digest), built_in(name)).body
    for said in ("Change From Baseline in Total Lesion Count at Week 12 (Baseline, Week 12)",
                 "ACU-D1 Ointment: least squares mean -10.2 number of lesions (SE 1.08)",
                 "ACU-D1 Ointment Vehicle: least squares mean -12.0 number of lesions (SE 1.62)",
                 "p = 0.366", "https://clinicaltrials.gov/study/NCT03064438?tab=results"):
        assert said in body.replace("\\", ""), (said, body)  # (Markdown escapes aside)
    assert "Participants" not in body and "Serious adverse events" not in body  # the short form only
    if name == "chat.txt":
        assert "\\" not in body


def test_markdown_escapes_record_text_in_the_summary() -> None:
    content = posted_content("NCT04431453")
    body = render(content, built_in("chat.md")).body
    assert "Cohort 1: Age 12 to \\<18 Years" in body  # record text cannot become HTML once apprise converts it
    assert "+2 more groups" in body and "+3 more primary outcomes" in body


def test_email_gets_the_whole_summary_as_tables() -> None:
    body = render(posted_content("NCT02552212"), built_in("email.html")).body
    outcomes = re.findall(r"<p style=\"margin: 0.7em 0 0.2em 0\"><b>([^<]+)</b>", body)
    assert outcomes[:3] == [
        "Percentage of Subjects With Ankylosing Spondylitis Disease Activity Score Major Improvement (ASDAS-MI) "
        "Response Criteria Response at Week 52",
        "Percentage of Subjects With Axial SpondyloArthritis International Society 40% Response Criteria (ASAS40) "
        "Response at Week 12",
        "Certolizumab Pegol Plasma Concentration at Baseline",
    ] and outcomes[3:] == ["Participants", "Serious adverse events"]
    assert "+8 more primary outcomes" in body and "No values reported." in body
    assert "odds ratio 15.231 (95 % CI 7.336 to 31.623), p &lt; 0.001, Regression, Logistic" in body  # escaped
    assert ">Placebo (FAS)<" in body and ">7.0 % of subjects<" in body and ">158<" in body  # analysed
    assert ">Placebo->OL CZP (SS)<" not in body and ">Placebo-&gt;OL CZP (SS)<" in body
    assert ">4 / 158<" in body and ">0 / 158<" in body  # serious adverse events and deaths
    assert ">SFE OL CZP 200 mg Q2W<" in body and ">243<" in body and ">206<" in body


def test_a_users_template_lays_out_the_summary_from_its_variables() -> None:
    source = TemplateSource("mine.txt", DOCUMENTED_EXAMPLE, "text")
    rendered = render(posted_content("NCT00763412"), source)
    assert [rendered.title, *rendered.body.splitlines()] == [
        "NCT00763412",
        "Results posted on 2017-06-05",
        "BMI: 1 Placebo mean 19.63 Kg/m² (full range 15.56 to 22.64); 2. Repaglinide mean 21.19 Kg/m² "
        "(full range 20.78 to 21.8);",
        "Body Composition: 1 Placebo mean 19.82 % body mass (full range 12 to 37.8); 2. Repaglinide mean 26.21 % "
        "body mass (full range 8.78 to 34.26);",
        "CRP: 1 Placebo mean 9.6 mg/L (full range 0.7 to 27.5); 2. Repaglinide mean 2 mg/L (full range 0.6 to 3.7);",
    ]

"""Results appear on a real record: every target gets one message that says what the trial found.

The real NCT02513394 (PALLAS) with its results, its earlier version the same record without them
(as the registry served it before the results were posted), then a correction of one value.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from monitor.registry.ctgov.standin.edits import without_results
from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.support.receivers import JsonReceiver, SmtpReceiver

TRIAL = "NCT02513394"


def first_value(study: dict[str, Any]) -> dict[str, Any]:
    primary = [m for m in study["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"] if m["type"] == "PRIMARY"]
    return primary[0]["classes"][0]["categories"][0]["measurements"][0]


def test_results_posted_are_summarised_in_every_form_and_a_correction_says_old_to_new(
    home: Home, registry: StandInRegistry, hook: JsonReceiver, mailbox: SmtpReceiver
) -> None:
    posted = registry.get(TRIAL)
    registry.put(without_results(posted))  # the real record before its results
    home.write_watchlist([TRIAL], [hook.url("/chat"), mailbox.url()])
    assert home.run("check").code == 0  # the baseline: no results yet

    sponsor_edit(registry, TRIAL, lambda study: copy.deepcopy(posted))
    registry.refresh()
    result = home.run("check")
    assert result.code == 0 and f"{TRIAL} changed" in result.out, result.text
    [chat] = hook.wait_for(1)
    [mail] = mailbox.wait_for(1)
    time.sleep(0.3)
    assert len(hook.messages) == 1 and len(mailbox.messages) == 1  # one message per target

    assert "results posted on 2022-04-13" in chat.title
    for said in ("Results posted on 2022-04-13", "Invasive Disease Free Survival (iDFS) (4 years)",
                 "Palbociclib Plus Endocrine Therapy (Arm A): 84.2 % of participants",
                 "Endocrine Therapy Alone (Arm B): 84.5 % of participants",
                 "hazard ratio 0.96 (95 % CI 0.81 to 1.14), p = 0.65",
                 f"https://clinicaltrials.gov/study/{TRIAL}?tab=results"):
        assert said in chat.message, (said, chat.message)
    assert "\\" not in chat.message and "<" not in chat.message  # a webhook gets plain text

    html = mail.message.get_body(preferencelist=("html",))
    assert html is not None
    body = html.get_content()
    for said in ("Invasive Disease Free Survival (iDFS)", "84.2 % of participants", "84.5 % of participants",
                 "hazard ratio 0.96 (95 % CI 0.81 to 1.14), p = 0.65, Log Rank",
                 ">2896<", ">2884<", ">2900<", ">2877<",  # started and completed per group
                 ">369 / 2841<", ">229 / 2902<",  # serious adverse events: affected / at risk
                 ">99 / 2841<", ">76 / 2902<",  # deaths
                 ">2884<", "Participants", "Serious adverse events",
                 f'href="https://clinicaltrials.gov/study/{TRIAL}?tab=results"'):
        assert said in body, (said, body[:3000])

    def correct(study: dict[str, Any]) -> None:
        first_value(study)["value"] = "84.6"

    sponsor_edit(registry, TRIAL, correct)
    registry.refresh()
    assert home.run("check").code == 0
    hook.wait_for(2)
    corrected = hook.messages[-1]
    assert "Results updated: “Invasive Disease Free Survival (iDFS)”, Palbociclib Plus Endocrine Therapy (Arm A): " \
           "84.2 % of participants → 84.6 % of participants" in corrected.message, corrected.message
    assert "Results posted" not in corrected.message

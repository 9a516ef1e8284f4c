"""Per-target choices through the CLI: levels, kinds, HTML email, custom templates, their failures, secrets."""

from __future__ import annotations

import time

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.scenarios.test_sync import enroll
from tests.support.receivers import JsonReceiver, SmtpReceiver

TRIALS = ["NCT06171568", "NCT00973089"]


def recruit(study: dict) -> None:
    study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"


def recruit_and_enroll(study: dict) -> None:
    recruit(study)
    enroll(555)(study)


def entry(url: str, **choices: str) -> str:
    """A notify entry in the mapping form (as `home.write_watchlist` writes it after "  - ")."""
    return "\n    ".join([f"url: {url}", *(f"{key}: {value}" for key, value in choices.items())])


def by_path(hook: JsonReceiver, path: str) -> list:  # type: ignore[type-arg]
    return [m for m in hook.messages if m.path == path]


def test_min_level_high_gets_the_high_change_only(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.write_watchlist(TRIALS, [hook.url("/all"), entry(hook.url("/loud"), min_level="high")])
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT00973089", enroll(999))  # medium
    registry.refresh()
    result = home.run("check")
    assert result.code == 0 and "NCT00973089 changed" in result.out, result.text
    hook.wait_for(1)
    time.sleep(0.3)
    assert [m.path for m in hook.messages] == ["/all"]

    sponsor_edit(registry, "NCT06171568", recruit_and_enroll)  # high + medium
    registry.refresh()
    assert home.run("check").code == 0
    hook.wait_for(3)
    time.sleep(0.3)
    [loud] = by_path(hook, "/loud")
    assert "Overall status: Not yet recruiting → Recruiting" in loud.message
    assert "555" not in loud.message and "(+1 more)" not in loud.title  # its share: the high event only
    everything = by_path(hook, "/all")[-1]
    assert "Overall status" in everything.message and "555" in everything.message


def test_kinds_filter(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.write_watchlist(TRIALS, [
        entry(hook.url("/enrollment"), kinds="[enrollment]"),
        entry(hook.url("/results"), kinds="[results]"),
        entry(hook.url("/low-sites"), min_level="low", kinds="[sites]"),
    ])
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT06171568", recruit_and_enroll)
    registry.refresh()
    assert home.run("check").code == 0
    [message] = hook.wait_for(1)
    time.sleep(0.3)
    assert len(hook.messages) == 1 and message.path == "/enrollment"
    assert "Enrollment" in message.message and "555" in message.message and "Overall status" not in message.message
    assert "NCT06171568" in message.title and "555" in message.title


def test_email_is_html_by_default(home: Home, registry: StandInRegistry, mailbox: SmtpReceiver) -> None:
    home.write_watchlist(TRIALS, [mailbox.url()])
    assert home.run("check").code == 0

    def stop_with_markup(study: dict) -> None:
        study["protocolSection"]["statusModule"].update(overallStatus="SUSPENDED", whyStopped="<b>Funding</b> & staff")

    sponsor_edit(registry, "NCT06171568", stop_with_markup)
    registry.refresh()
    assert home.run("check").code == 0
    [mail] = mailbox.wait_for(1)
    assert mail.subject.startswith("NCT06171568 · ") and "overall status Not yet recruiting → Suspended" in mail.subject
    html = mail.message.get_body(preferencelist=("html",))
    assert html is not None and html.get_content_type() == "text/html"
    body = html.get_content()
    assert "<ul" in body and "Overall status: Not yet recruiting → Suspended" in body
    assert "&lt;b&gt;Funding&lt;/b&gt; &amp; staff" in body and "<b>Funding" not in body  # record text never markup


def test_a_custom_template_is_used(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    (home.folder / "templates").mkdir()
    (home.folder / "templates" / "short.txt").write_text(
        "{% for t in trials %}[{{ t.highest_level|upper }}] {{ t.nct_id }}: {{ t.headline }}{% endfor %}\n"
        "\n"  # a line ending in a {% tag %} loses its newline (Jinja's trim_blocks): an empty line keeps the title apart
        "{% for t in trials %}{% for e in t.events %}{{ e.kind }}: {{ e.text }} ({{ e.date }})\n{% endfor %}{% endfor %}"
        "{{ trials[0].link }}\n"
    )
    home.write_watchlist(TRIALS, [entry(hook.url("/mine"), template="templates/short.txt"), hook.url("/default")],
                         extra="timezone: Europe/Paris\n")
    home.env["MONITOR_NOW"] = "2026-11-22T23:30:00Z"  # already the 23rd in Paris
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT06171568", recruit)
    registry.refresh()
    assert home.run("check").code == 0
    hook.wait_for(2)
    [mine] = by_path(hook, "/mine")
    assert mine.title == "[HIGH] NCT06171568: overall status Not yet recruiting → Recruiting"
    assert mine.message == ("status: Overall status: Not yet recruiting → Recruiting (2026-11-23)\n"
                            # started now, a year and more past its (estimated) primary completion
                            "expectation: Results overdue: primary completion was 2025-02-01 (estimated); results were"
                            " due by 2026-03-03 and none are posted or submitted (2026-11-23)\n"
                            "https://clinicaltrials.gov/study/NCT06171568")
    [default] = by_path(hook, "/default")
    assert default.message.startswith("Lariboisière")  # a webhook is read by a program: plain text
    assert "**" not in default.message and "\\" not in default.message


def test_a_template_that_fails_at_run_time_fails_that_delivery_only(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    (home.folder / "broken.md").write_text("Title\n{{ trials[0].events[5].text }}\n")
    home.write_watchlist(TRIALS, [entry(hook.url("/broken"), template="broken.md"), hook.url("/fine")])
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT06171568", recruit)
    registry.refresh()
    result = home.run("check")
    assert result.code == 0, result.text  # the registry answered; the delivery is kept for retry
    assert "delivery failed: json://127.0.0.1:" in result.out
    assert "/broken: template broken.md, line 2: UndefinedError" in result.out
    [fine] = hook.wait_for(1)
    assert fine.path == "/fine"
    status = home.run("status").out
    assert "1 pending (last error: template broken.md, line 2: UndefinedError" not in status  # masked target first
    assert "/broken: 1 pending (last error: json://" in status and "template broken.md, line 2" in status
    # mended: the next check sends it, once
    (home.folder / "broken.md").write_text("Title\n{{ trials[0].events[0].text }}\n")
    assert home.run("check").code == 0
    [_, mended] = hook.wait_for(2)
    assert mended.path == "/broken" and mended.message == "Overall status: Not yet recruiting → Recruiting"
    assert home.run("check").code == 0
    time.sleep(0.3)
    assert len(hook.messages) == 2


def test_status_shows_choices_and_masks_secrets(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    secret_url = f"json://user:hunter2secret@127.0.0.1:{hook.port}/hook?+X-Token=tok3nsecret"
    home.write_watchlist(TRIALS, [
        entry(secret_url, min_level="high", kinds="[status, results]"),
        entry(hook.url("/digest"), digest="'weekly on monday at 08:00'", min_level="low"),
    ], extra="timezone: Europe/Paris\n")
    home.env["MONITOR_NOW"] = "2026-11-22T10:00:00Z"  # a Sunday
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT06171568", recruit)
    registry.refresh()
    checked = home.run("check")
    [message] = hook.wait_for(1)
    assert message.path == "/hook"
    status = home.run("status")
    assert status.code == 0, status.text
    lines = status.out.splitlines()
    assert "2 trials watched, alerts to 2 targets:" in lines
    [immediate] = [line for line in lines if "user:****@" in line]
    assert immediate.endswith(": high; kinds: status, why_stopped, status_verified, results, results_updated; immediate; plain text")
    [digest] = [line for line in lines if "/digest:" in line and "digest weekly" in line]
    assert digest.endswith("digest weekly on monday at 08:00 (Europe/Paris), next 2026-11-23 08:00 CET, "
                           "1 alert waiting; plain text")
    for text in (checked.text, status.text, home.run("list").text, home.run("notify-test").text):
        assert "hunter2secret" not in text and "tok3nsecret" not in text
    if home.database.exists():
        for file in home.database.parent.glob("monitor.db*"):
            assert b"hunter2secret" not in file.read_bytes() and b"tok3nsecret" not in file.read_bytes()


def test_notify_test_uses_the_target_layout(home: Home, hook: JsonReceiver, mailbox: SmtpReceiver) -> None:
    (home.folder / "mine.md").write_text("Mine: {{ trials[0].headline }}\n{{ trials[0].events|length }} events\n")
    home.write_watchlist([], [entry(hook.url("/mine"), template="mine.md"), mailbox.url(), hook.url("/plain")])
    result = home.run("notify-test")
    assert result.code == 0, result.text
    messages = hook.wait_for(2)
    [mine] = [m for m in messages if m.path == "/mine"]
    assert mine.title == "[test] Mine: overall status Not yet recruiting → Recruiting" and mine.message == "2 events"
    [plain] = [m for m in messages if m.path == "/plain"]
    assert plain.title == "trial-monitor · test message: alerts reach you here"
    [mail] = mailbox.wait_for(1)
    assert mail.subject.startswith("[test] NCT00000000 · This is a test message from trial-monitor")
    assert mail.message.get_body(preferencelist=("html",)) is not None

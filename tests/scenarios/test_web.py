"""The web face of `trial-monitor run`, over real HTTP, on both backends: who may see what, the pages,
edits from the page (CSRF), and what must never show (secrets, markup from the registry)."""

from __future__ import annotations

import re
import signal
import socket
import time

import pytest

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, wait_until
from tests.support.receivers import JsonReceiver
from tests.support.web import TOKEN, checked, running, start_recruiting

WATCHED = ["NCT06171568", "NCT00973089", "NCT02513394"]
SECRET, HEADER_SECRET = "s3cretpw", "h3adersecret"
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def watch(home: Home, hook: JsonReceiver, trials: list[str] = WATCHED) -> None:
    home.env["MONITOR_WEB_TOKEN"] = TOKEN
    hook_url = hook.url().replace("json://", f"json://user:{SECRET}@") + f"?+X-Api-Key={HEADER_SECRET}"
    home.write_watchlist(trials, [hook_url], interval="1h")


def test_every_route_but_healthz_needs_the_token(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    watch(home, hook)
    with running(home) as web:
        anonymous = web.client(bearer=False)
        for path in ("/", "/trials/NCT06171568", "/nowhere", "/?status=RECRUITING"):
            answer = anonymous.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), path
        for path in ("/api/v1/trials", "/api/v1/status", "/api/openapi.json", "/metrics", "/feed.atom",
                     "/trials/NCT06171568/feed.atom"):
            assert anonymous.get(path).status_code == 401, path
        assert anonymous.get("/api/v1/trials").json() == {"error": "the access token is missing or wrong"}
        assert anonymous.post("/trials", data={"id": "NCT06764329"}).status_code == 303  # to sign in, not in
        assert anonymous.get("/healthz").status_code in (200, 503)
        assert anonymous.get("/static/style.css").status_code == 200
        wrong = web.client(bearer=False)
        wrong.headers["Authorization"] = "Bearer not-the-token"
        assert wrong.get("/api/v1/status").status_code == 401
        assert anonymous.get("/metrics", params={"token": TOKEN}).status_code == 401  # ?token= is for feeds only
        assert anonymous.get("/feed.atom", params={"token": TOKEN}).status_code == 200
        assert web.client().get("/api/v1/status").status_code == 200  # Bearer

        # signing in: a wrong token is refused, the right one gives the cookie, and `next` stays on this site
        assert anonymous.get("/login", params={"token": "nope"}).status_code == 401
        signed = web.client(bearer=False)
        answer = signed.get("/login", params={"token": TOKEN, "next": "//evil.example/x"})
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Path=/" in cookie
        assert TOKEN not in cookie
        assert signed.get("/").status_code == 200
        assert signed.get("/nowhere").status_code == 404  # an unknown page only once signed in
        posted = web.client(bearer=False)
        assert posted.post("/login", data={"token": TOKEN, "next": "/trials/NCT06171568"}).headers["location"] \
            == "/trials/NCT06171568"

        page = signed.get("/")
        for header, value in (("content-security-policy", "default-src 'self'"), ("x-content-type-options", "nosniff")):
            assert value in page.headers[header]


def test_forms_need_their_csrf_token(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    watch(home, hook)
    with running(home) as web:
        browser = web.signed_in()
        before = home.watchlist.read_text()
        refused = browser.post("/trials", data={"id": "NCT03281889"})
        assert refused.status_code == 403 and home.watchlist.read_text() == before
        assert browser.post("/trials", data={"id": "NCT03281889", "csrf": "0" * 64}).status_code == 403
        assert browser.post("/api/v1/trials", json={"id": "NCT03281889"}).status_code == 403  # the cookie alone
        added = browser.post("/trials", data={"id": " nct03281889 ", "label": "from the page", "csrf": web.csrf(browser)})
        assert added.status_code == 303 and added.headers["location"] == "/?added=NCT03281889"
        text = home.watchlist.read_text()
        assert text.startswith(before) and '- {id: NCT03281889, label: "from the page"}' in text  # nothing else moved
        assert checked(home, "NCT03281889"), home.run("list").out  # the daemon took the edit: a baseline at once
        assert "NCT03281889 is watched from now on" in browser.get("/?added=NCT03281889").text
        removed = browser.post("/trials/NCT03281889/remove", data={"csrf": web.csrf(browser)})
        assert removed.status_code == 303 and "NCT03281889" not in home.watchlist.read_text()
        bad = browser.post("/trials", data={"id": "NCT123", "csrf": web.csrf(browser)})
        assert bad.status_code == 400 and "NCT123 is not a valid NCT id (NCT followed by 8 digits)" in bad.text


def test_dashboard_and_trial_page_after_a_status_change(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    registry.update("NCT00973089", lambda s: s["protocolSection"]["identificationModule"].update(briefTitle=HOSTILE))
    watch(home, hook)
    with running(home) as web:
        start_recruiting(home, registry)
        browser = web.signed_in()
        board = browser.get("/").text
        for trial_id in WATCHED:
            assert f'href="/trials/{trial_id}"' in board
        assert "Recruiting" in board and "Overall status: Not yet recruiting → Recruiting" in board
        assert "<script>alert(1)" not in board and "&lt;script&gt;alert(1)&lt;/script&gt;" in board
        recruiting = browser.get("/", params={"status": "RECRUITING"}).text
        assert "/trials/NCT06171568" in recruiting and "/trials/NCT00973089" not in recruiting
        assert "/trials/NCT00973089" not in browser.get("/", params={"changed": "7"}).text
        for bad, reason in (({"status": "JOLLY"}, "unknown status"), ({"changed": "3"}, "one of 1, 7, 30, 90, 365"),
                            ({"page": "x"}, "page must be a whole number")):
            answer = browser.get("/", params=bad)
            assert answer.status_code == 400 and reason in answer.text, bad

        trial = browser.get("/trials/NCT06171568").text
        assert "Overall status: Not yet recruiting → Recruiting" in trial
        assert re.search(r'<span class="old">Not yet recruiting</span> → <span class="new">Recruiting</span>', trial)
        assert 'href="https://clinicaltrials.gov/study/NCT06171568"' in trial and "First checked" in trial
        assert browser.get("/trials/NCT09999999").status_code == 404
        assert browser.get("/trials/nonsense").status_code == 400
        hostile = browser.get("/trials/NCT00973089").text
        assert "<img src=x" not in hostile and "&lt;img src=x onerror=alert(2)&gt;" in hostile


def test_what_must_never_show(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    watch(home, hook)
    with running(home) as web:
        start_recruiting(home, registry)
        browser, api = web.signed_in(), web.client()
        seen = [browser.get(p).text for p in ("/", "/trials/NCT06171568", "/feed.atom", "/trials/NCT06171568/feed.atom")]
        seen += [api.get(p).text for p in ("/api/v1/trials", "/api/v1/trials/NCT06171568", "/api/v1/status",
                                            "/api/v1/events?since=2000-01-01T00:00:00Z&min_level=info", "/metrics")]
        for text in seen:
            assert SECRET not in text and HEADER_SECRET not in text and TOKEN not in text
    assert SECRET not in web.output() and HEADER_SECRET not in web.output()


def test_a_page_that_fails_is_a_500_and_the_daemon_goes_on(home: Home, registry: StandInRegistry,
                                                           hook: JsonReceiver) -> None:
    watch(home, hook)
    with running(home) as web:
        assert checked(home, "NCT02513394")
        from sqlalchemy import create_engine, text

        engine = create_engine(home.env["MONITOR_DATABASE_URL"])
        with engine.begin() as conn:  # a stored view of a shape no release ever wrote
            conn.execute(text("UPDATE snapshot SET view = :v WHERE trial_id = 'NCT02513394'"),
                         {"v": '{"v": 1, "sites": [1, 2], "status": "odd"}'})
        engine.dispose()
        browser = web.signed_in()
        failed = browser.get("/trials/NCT02513394")
        assert failed.status_code == 500 and "Something went wrong" in failed.text
        assert browser.get("/").status_code == 200 and web.client().get("/api/v1/status").status_code == 200
        assert web.process.poll() is None
        assert wait_until(lambda: "web: GET /trials/NCT02513394 failed" in web.output())
    assert web.output().count("web: GET /trials/NCT02513394 failed") == 1


@pytest.mark.sqlite_only
def test_the_token_is_made_once_kept_0600_and_said_once(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT06171568"], interval="1h")
    with running(home) as web:
        token_file = home.folder / "snapshots" / "web-token"
        assert token_file.stat().st_mode & 0o777 == 0o600
        assert web.client().get("/api/v1/status").status_code == 200
    assert web.output().count(f"/login?token={web.token}") == 1
    with running(home) as again:  # the same token on the next start
        assert again.token == web.token
    home.env["MONITOR_WEB_TOKEN"] = TOKEN
    with running(home) as given:
        assert given.client().get("/api/v1/status").status_code == 200
    assert TOKEN not in given.output() and "sign in with MONITOR_WEB_TOKEN" in given.output()


@pytest.mark.sqlite_only
def test_serve_alone_and_bad_addresses(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    watch(home, hook)
    assert home.run("check").code == 0
    with running(home, command="serve") as web:
        api = web.client()
        assert api.get("/api/v1/trials").json()["total"] == len(WATCHED)
        assert api.post("/api/v1/trials", json={"id": "NCT03281889"}).status_code == 201
        assert "NCT03281889" in home.watchlist.read_text()  # serve edits the file it is given
        versions = registry.count("/version")
        time.sleep(1)
        assert registry.count("/version") == versions  # and runs no check
    for listen, words in (("nonsense", "is not HOST:PORT"), ("127.0.0.1:99999", "is not HOST:PORT")):
        done = home.run("run", "--listen", listen)
        assert done.code == 2 and words in done.err and len(done.err.strip().splitlines()) == 1, done.err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        done = home.run("serve", "--listen", f"127.0.0.1:{busy.getsockname()[1]}")
    assert done.code == 2 and "cannot listen on 127.0.0.1" in done.err, done.err


@pytest.mark.sqlite_only
def test_sigterm_still_ends_run_promptly_with_the_web_face(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT06171568"], interval="1h")
    with running(home) as web:
        web.client().get("/")
        started = time.monotonic()
        web.process.send_signal(signal.SIGTERM)
        web.process.wait(timeout=10)
        assert time.monotonic() - started < 6 and web.process.returncode == 0

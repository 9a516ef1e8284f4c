"""The stand-in registry's faults on demand, and its server's own robustness."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from monitor.registry.ctgov.standin.query import dig
from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.support.receivers import free_port
from tests.test_standin import ALL_IDS, ids_of

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ faults
def test_fault_status_with_retry_after(registry: StandInRegistry, client: httpx.Client) -> None:
    registry.fault("status", status=429, retry_after=7, times=2)
    registry.fault("status", path="/version", status=503, retry_after="Wed, 21 Oct 2026 07:28:00 GMT")
    for _ in range(2):
        r = client.get("/studies")
        assert r.status_code == 429 and r.headers["retry-after"] == "7"
        assert r.headers["content-type"].startswith("text/plain")
    assert client.get("/studies").status_code == 200
    v = client.get("/version")
    assert v.status_code == 503 and v.headers["retry-after"] == "Wed, 21 Oct 2026 07:28:00 GMT"
    assert client.get("/version").status_code == 200
    f = registry.fault("status", status=500, path="/studies/NCT02210780")
    assert client.get("/studies").status_code == 200  # other paths untouched
    assert client.get("/studies/NCT02210780").status_code == 500 and f.hits == 1 and f.remaining == 0
    assert [r.fault for r in registry.requests].count("status") == 4


def test_fault_truncate(registry: StandInRegistry, client: httpx.Client) -> None:
    registry.fault("truncate", path="/studies/NCT02513394")
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/studies/NCT02513394")
    assert client.get("/studies/NCT02513394").status_code == 200
    registry.fault("truncate")
    with client.stream("GET", "/studies") as r:  # headers look fine, the body is cut short
        assert r.status_code == 200 and int(r.headers["content-length"]) > 0
        with pytest.raises(httpx.RemoteProtocolError):
            r.read()


def test_fault_reset(registry: StandInRegistry, client: httpx.Client) -> None:
    registry.fault("reset", path="/version")
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        client.get("/version")
    assert client.get("/version").status_code == 200
    assert [r.status for r in registry.requests] == [0, 200]


def test_fault_hang_times_out_without_blocking_others(registry: StandInRegistry) -> None:
    registry.fault("hang")
    with httpx.Client(base_url=registry.base_url, timeout=0.5) as slow:
        t0 = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            slow.get("/studies")
        assert time.monotonic() - t0 < 2
        assert slow.get("/version").status_code == 200  # other requests still served
        assert slow.get("/studies").status_code == 200  # the fault was used up
    registry.fault("hang", path="/version", delay=0.3)  # with a delay: a slow answer
    with httpx.Client(base_url=registry.base_url, timeout=3) as c:
        t0 = time.monotonic()
        assert c.get("/version").status_code == 200 and time.monotonic() - t0 >= 0.3
    registry.fault("hang", times=None)
    threads = [threading.Thread(target=_swallow, args=(registry.base_url + "/studies",)) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    registry.stop()
    assert time.monotonic() - t0 < 2
    for t in threads:
        t.join(3)
        assert not t.is_alive()


def _swallow(url: str) -> None:
    try:
        httpx.get(url, timeout=10)
    except httpx.HTTPError:
        pass


def test_fault_garbage(registry: StandInRegistry, client: httpx.Client) -> None:
    registry.fault("garbage", path="/version")
    r = client.get("/version")
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        r.json()


def test_fault_empty_page_keeps_a_valid_token(registry: StandInRegistry, client: httpx.Client) -> None:
    registry.fault("empty_page")
    params = {"pageSize": "5", "fields": "NCTId"}
    client.get("/studies/NCT02210780")  # single-study path does not consume it
    first = client.get("/studies", params=params).json()
    assert first["studies"] == [] and first["nextPageToken"]
    again = client.get("/studies", params={**params, "pageToken": first["nextPageToken"]}).json()
    assert ids_of(again) == ALL_IDS[:5]


def test_fault_bad_shape_and_malformed_records(registry: StandInRegistry, client: httpx.Client) -> None:
    registry.fault("bad_shape", path="/studies/NCT02210780")
    r = client.get("/studies/NCT02210780", params={"fields": "NCTId|OverallStatus"})
    assert dig(r.json(), ("protocolSection", "statusModule", "overallStatus")) == 42
    assert registry.get("NCT02210780")["protocolSection"]["statusModule"]["overallStatus"] == "COMPLETED"
    registry.update("NCT04207047", lambda s: s["protocolSection"].update(statusModule={"overallStatus": 42},
                                                                         conditionsModule=None))
    registry.put({"protocolSection": {"identificationModule": {"nctId": "NCT07000003", "nctIdAliases": "oops"}},
                  "hasResults": "maybe"})
    for params in ({"filter.overallStatus": "UNKNOWN"}, {"query.cond": "x"}, {"query.term": "x"},
                   {"filter.advanced": "RANGE[2020-01-01,MAX]"}, {"filter.ids": "NCT07000003"},
                   {"fields": "NCTId|OverallStatus|Condition|LastUpdatePostDate", "pageSize": 100}):
        assert client.get("/studies", params=params).status_code == 200, params
    assert client.get("/studies/NCT04207047").json()["protocolSection"]["statusModule"] == {"overallStatus": 42}
    assert registry.errors == []


def test_fail_rate_is_seeded_and_can_be_turned_off(registry: StandInRegistry, client: httpx.Client) -> None:
    registry.fail_rate(0.5, seed=3)
    outcomes = []
    for _ in range(30):
        try:
            outcomes.append(client.get("/version").status_code)
        except httpx.TransportError:
            outcomes.append(0)
    assert 5 < sum(o != 200 for o in outcomes) < 25
    assert {0, 429, 503} <= set(outcomes)
    assert [r.status for r in registry.requests] == outcomes  # every attempt is logged
    registry.fail_rate(0)
    assert all(client.get("/version").status_code == 200 for _ in range(10))


def test_server_survives_client_disconnects(registry: StandInRegistry, client: httpx.Client) -> None:
    for payload in (b"GET /api/v2/stud", b"GET /api/v2/studies/NCT02513394 HTTP/1.1\r\nHost: x\r\n\r\n"):
        s = socket.create_connection(("127.0.0.1", registry.port))
        s.sendall(payload)
        if payload.endswith(b"\r\n\r\n"):
            s.recv(100)  # read a little of the 1.5 MB answer, then hang up
        s.close()
    time.sleep(0.1)
    assert client.get("/version").status_code == 200
    assert registry.errors == []


def test_restart_keeps_the_port(registry: StandInRegistry) -> None:
    url = registry.base_url
    registry.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/version")
    registry.start()
    assert registry.base_url == url and httpx.get(url + "/version").status_code == 200


def test_runs_as_a_script() -> None:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "monitor.registry.ctgov.standin", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert f"http://127.0.0.1:{port}/api/v2" in line
        r = httpx.get(f"http://127.0.0.1:{port}/api/v2/studies", params={"pageSize": 100, "fields": "NCTId"})
        assert ids_of(r.json()) == ALL_IDS
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=5) == 0
        if proc.stdout:
            proc.stdout.close()

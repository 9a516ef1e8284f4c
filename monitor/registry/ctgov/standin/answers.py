"""Answers a misbehaving registry gives, on demand: the stand-in's odd replies (issue 15 §3).

Asked for like any fault (``reg.fault("trickle", path="/studies", times=None)``):

    endless_token  /api/v2/studies: each page's nextPageToken points back at the page just served
                   (the first page's at itself), so a client that follows it pages forever
    twice          /api/v2/studies: the page lists its first trial twice, side by side
    total_drift    /api/v2/studies: every page carries a totalCount; the later pages' is the first's
                   plus ``drift`` (the registry moving under a listing)
    bad_utf8       any JSON answer: a byte sequence that is not UTF-8 inside its first title (or string)
    huge           a JSON body of ``size`` bytes (default 1 GiB) in chunked encoding, no Content-Length,
                   streamed block by block from one record (never built in memory)
    huge_declared  likewise, with its Content-Length announced
    trickle        the real answer, its Content-Length announced, one byte every ``pace`` seconds

The request log's ``size`` of a streamed answer is the bytes actually sent before the client hung up.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from monitor.registry.ctgov.standin import query as q
from monitor.registry.ctgov.standin.server import Handler, Reply, RequestRecord, dumpb
from monitor.registry.ctgov.standin.timeline import token_key

if TYPE_CHECKING:
    from monitor.registry.ctgov.standin.faults import Fault

LISTING_KINDS = frozenset({"endless_token", "twice", "total_drift"})
STREAMED_KINDS = frozenset({"huge", "huge_declared", "trickle"})
ANSWER_KINDS = LISTING_KINDS | STREAMED_KINDS | {"bad_utf8"}
BLOCK = 1 << 20  # bytes of a huge body written at a time
NOT_UTF8 = b"\xc3\x28"  # a lead byte of two followed by one that cannot continue it


class Versioned(Protocol):
    data_timestamp: str
    expire_tokens: bool


def rewritten(registry: Versioned, reply: Reply, fault: Fault | None, params: Mapping[str, str]) -> Reply:
    """The answer as the fault has it (the same reply when it changes nothing about the body)."""
    if fault is None or reply.status != 200 or fault.kind not in LISTING_KINDS | {"bad_utf8"}:
        return reply
    if fault.kind == "bad_utf8":
        at = reply.body.find(b'"briefTitle":"')
        at = at + len(b'"briefTitle":"') if at >= 0 else reply.body.find(b'":"') + 3
        return Reply(reply.status, reply.body[:at] + NOT_UTF8 + reply.body[at:], reply.content_type, reply.headers)
    page = json.loads(reply.body)
    if fault.kind == "endless_token":
        qhash = token_key(q.query_hash(params), registry.data_timestamp, expire_on_refresh=registry.expire_tokens)
        page["nextPageToken"] = params.get("pageToken") or q.make_token(0, qhash)
    elif fault.kind == "twice" and page.get("studies"):
        page["studies"].insert(1, page["studies"][0])
    elif fault.kind == "total_drift":
        if "totalCount" in page:
            fault.total = page["totalCount"]
        elif fault.total is not None:
            page["totalCount"] = fault.total + fault.drift
    return Reply(reply.status, dumpb(page), reply.content_type, reply.headers)


def sent(h: Handler, reply: Reply, fault: Fault | None, stopping: threading.Event, rec: RequestRecord) -> bool:
    """Send the answer as the fault has it streamed; False when it is not one of those (send it as usual)."""
    if fault is None or fault.kind not in STREAMED_KINDS:
        return False
    rec.size = 0
    try:
        if fault.kind == "trickle":
            _head(h, reply, length=len(reply.body))
            for at in range(len(reply.body)):
                if stopping.wait(fault.pace):
                    break
                h.wfile.write(reply.body[at:at + 1])
                rec.size += 1
        else:
            _huge(h, reply, fault.size, fault.kind == "huge_declared", stopping, rec)
    except OSError:  # the client hung up, as it should
        pass
    h.abort(reset=False)
    return True


def _head(h: Handler, reply: Reply, *, length: int | None) -> None:
    h.send_response(reply.status)
    h.send_header("Content-Type", reply.content_type)
    h.send_header(*(("Content-Length", str(length)) if length is not None else ("Transfer-Encoding", "chunked")))
    h.end_headers()


def _huge(h: Handler, reply: Reply, size: int, declared: bool, stopping: threading.Event, rec: RequestRecord) -> None:
    _head(h, reply, length=size if declared else None)
    head, block = b'{"studies":[', _block(reply.body)
    left = size
    while left > 0 and not stopping.is_set():
        piece = (head + block)[:left] if head else block[:left]
        head = b""
        h.wfile.write(piece if declared else b"%x\r\n%s\r\n" % (len(piece), piece))
        rec.size += len(piece)
        left -= len(piece)
    if left == 0 and not declared:
        h.wfile.write(b"0\r\n\r\n")


def _block(body: bytes) -> bytes:
    """About a MiB of listing: the page's first record again and again (or padding, when it has none)."""
    try:
        studies: list[Any] = json.loads(body).get("studies") or []
    except (ValueError, AttributeError):
        studies = []
    one = dumpb(studies[0]) + b",\n" if studies else b'{"padding":"' + b"x" * 1000 + b'"},\n'
    return one * max(1, BLOCK // len(one))

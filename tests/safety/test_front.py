"""Slow clients, floods and ``Expect: 100-continue`` against a live ``ccdkg serve`` (issue 13, items 3-5).

The server under test is the default one (``ccdkg serve``, no ``--workers``) with a 2 s query
deadline and a 3 s read timeout, on its own port so that these floods do not disturb the rest of
the safety suite. The cheap ASK that must keep being answered comes from another client: its
connections are bound to 127.0.0.2 (all of 127/8 is loopback on Linux), the attack's to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .helpers import DEADLINE, FIXTURE, Live, Reply, record_figure, start_serve, stop, unique

READ_TIMEOUT = 3.0
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
CHEAP = "ASK {}"
OTHER_CLIENT = ("127.0.0.2", 0)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    live = start_serve(
        tmp_path_factory.mktemp("front"),
        "--data",
        str(FIXTURE),
        "--deadline",
        str(DEADLINE),
        "--read-timeout",
        str(READ_TIMEOUT),
    )
    try:
        yield live
    finally:
        stop(live.proc)


def _request(
    live: Live,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
    source: tuple[str, int] | None = OTHER_CLIENT,
) -> Reply:
    conn = http.client.HTTPConnection(live.host, live.port, timeout=timeout, source_address=source)
    started = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return Reply(
            resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, time.monotonic() - started
        )
    finally:
        conn.close()


def _ask(live: Live, timeout: float = 5.0) -> tuple[int, float]:
    """A cheap ASK from the other client: (status, seconds); status 0 when it got no answer."""
    started = time.monotonic()
    try:
        reply = _request(
            live,
            "POST",
            "/sparql",
            (CHEAP + unique()).encode(),
            {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
            timeout=timeout,
        )
    except OSError:
        return 0, time.monotonic() - started
    assert reply.status != 200 or json.loads(reply.body)["boolean"] is True
    return reply.status, reply.seconds


def _asks_meanwhile(live: Live, seconds: float) -> list[tuple[int, float]]:
    samples = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        samples.append(_ask(live))
        time.sleep(0.2)
    return samples


def _slow_sockets(
    live: Live, count: int, first: bytes, drip: bytes
) -> tuple[list[socket.socket], threading.Event]:
    """``count`` connections that send ``first``, then ``drip`` every 3 s until stopped."""
    socks = []
    for _ in range(count):
        s = socket.create_connection((live.host, live.port), timeout=5)
        s.sendall(first)
        socks.append(s)
    done = threading.Event()

    def drip_all() -> None:
        while not done.wait(3.0):
            for s in socks:
                with contextlib.suppress(OSError):
                    s.sendall(drip)

    threading.Thread(target=drip_all, daemon=True).start()
    return socks, done


def _close(socks: list[socket.socket], done: threading.Event) -> None:
    done.set()
    for s in socks:
        s.close()


SLOW_HEADERS = (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n", b"X-Slow: 1\r\n")
SLOW_BODY = (
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    b"Content-Length: 100000\r\n\r\n",
    b" ",
)


@pytest.mark.parametrize("shape", ["headers", "body"])
def test_slow_clients_do_not_hold_the_server(server, shape):
    """Item 3: 32 slowloris sockets open; another client's cheap ASK answers within 1 s."""
    first, drip = SLOW_HEADERS if shape == "headers" else SLOW_BODY
    socks, done = _slow_sockets(server, 32, first, drip)
    try:
        time.sleep(0.5)
        samples = _asks_meanwhile(server, 2.0)
    finally:
        _close(socks, done)
    record_figure(f"slowloris {shape} x32", {"slowest_ask_seconds": round(max(s for _, s in samples), 3)})
    assert all(status == 200 for status, _ in samples), samples
    assert max(seconds for _, seconds in samples) < 1.0, samples


@pytest.mark.parametrize("shape", ["headers", "body"])
def test_a_slow_client_is_cut_off_at_the_read_timeout(server, shape):
    first, drip = SLOW_HEADERS if shape == "headers" else SLOW_BODY
    s = socket.create_connection((server.host, server.port), timeout=READ_TIMEOUT + 5)
    started = time.monotonic()
    s.sendall(first)
    answer = b""
    try:
        while time.monotonic() - started < READ_TIMEOUT + 5:
            time.sleep(0.5)
            s.sendall(drip)  # a byte every half second: alive, but too slow to finish in time
            s.settimeout(0.01)
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                break
            answer += chunk
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        s.close()
    elapsed = time.monotonic() - started
    record_figure(
        f"slow {shape} at --read-timeout {READ_TIMEOUT:g}",
        {"answer": answer.split(b"\r\n", 1)[0].decode() or "closed", "seconds": round(elapsed, 2)},
    )
    if shape == "body":
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    else:  # hyper closes a connection whose head is late, without an answer
        assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert READ_TIMEOUT - 0.5 <= elapsed <= READ_TIMEOUT + 3


def _heavy(live: Live) -> tuple[int, float, str | None]:
    started = time.monotonic()
    try:
        reply = _request(
            live,
            "POST",
            "/sparql",
            (HEAVY + unique()).encode(),
            {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
            timeout=DEADLINE + 10,
            source=None,
        )
    except OSError:
        return 0, time.monotonic() - started, None
    return reply.status, reply.seconds, reply.headers.get("retry-after")


def test_a_flood_is_answered_quickly_and_cheap_queries_keep_their_lane(server):
    """Item 4: 40 concurrent heavy queries; all answered by the deadline, the excess 503 + Retry-After
    within 1 s; another client's cheap ASK keeps answering within 1 s throughout."""
    with ThreadPoolExecutor(41) as pool:
        heavy = [pool.submit(_heavy, server) for _ in range(40)]
        time.sleep(0.3)
        asks = pool.submit(_asks_meanwhile, server, DEADLINE + 1)
        answers = [f.result() for f in heavy]
        samples = asks.result()
    fast_503 = [a for a in answers if a[0] == 503 and a[1] < 1.0]
    record_figure(
        "flood 40 heavy",
        {
            "statuses": sorted({a[0] for a in answers}),
            "slowest_answer_seconds": round(max(a[1] for a in answers), 3),
            "fast_503": len(fast_503),
            "slowest_cheap_ask_seconds": round(max(s for _, s in samples), 3),
        },
    )
    assert all(a[0] in (200, 503, 504) for a in answers), answers
    assert max(a[1] for a in answers) <= DEADLINE + 3, answers
    assert fast_503, answers
    assert all(a[2] for a in answers if a[0] == 503), answers
    assert all(status == 200 for status, _ in samples), samples
    assert max(seconds for _, seconds in samples) < 1.0, samples


def _expect_continue(live: Live, path: str, headers: dict[str, str], body: bytes) -> tuple[bytes, bool]:
    """Send like curl: headers with ``Expect: 100-continue``, wait up to 1 s for the 100, then the body.
    Returns the final response (head and body) and whether a 100 Continue came first."""
    s = socket.create_connection((live.host, live.port), timeout=10)
    try:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\nExpect: 100-continue\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "Connection: close\r\n\r\n"
        s.sendall(head.encode())
        s.settimeout(1.0)
        got = b""
        with contextlib.suppress(TimeoutError):
            got = s.recv(65536)
        continued = got.startswith(b"HTTP/1.1 100")
        if continued:
            got = got.split(b"\r\n\r\n", 1)[1]
        s.sendall(body)
        s.settimeout(10)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return got, continued
    finally:
        s.close()


TURTLE = (
    "@prefix ex: <http://example.org/> .\n"
    + "".join(f'ex:s{i} ex:p "a literal long enough to pass one kilobyte {i}" .\n' for i in range(40))
).encode()


def test_expect_100_continue_on_validate(server):
    """Item 5: curl sends Expect: 100-continue for bodies over 1 KB; the upload must be read."""
    assert len(TURTLE) > 1024
    answer, continued = _expect_continue(
        server, "/validate", {"Content-Type": "text/turtle", "Accept": "application/json"}, TURTLE
    )
    record_figure(
        "expect 100-continue /validate",
        {"continued": continued, "final": answer.split(b"\r\n", 1)[0].decode()},
    )
    assert continued, answer[:300]
    assert answer.startswith(b"HTTP/1.1 200"), answer[:500]
    assert b"No RDF data" not in answer


def test_expect_100_continue_on_sparql(server):
    query = ("ASK { ?s ?p ?o }\n" + "# padding\n" * 200).encode()
    assert len(query) > 1024
    answer, continued = _expect_continue(
        server,
        "/sparql",
        {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
        query,
    )
    assert continued, answer[:300]
    assert answer.startswith(b"HTTP/1.1 200"), answer[:500]
    assert b'"boolean":true' in answer.replace(b" ", b"")


def test_expect_100_continue_is_not_sent_for_a_body_over_the_cap(server):
    """A body the server would refuse is refused before the client sends it."""
    s = socket.create_connection((server.host, server.port), timeout=5)
    try:
        s.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 50000000\r\nExpect: 100-continue\r\n\r\n"
        )
        answer = s.recv(65536)
    finally:
        s.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            with contextlib.suppress(OSError):
                kids = [int(p) for p in (task / "children").read_text().split()]
                found += kids
                todo += kids
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (a zombie is dead, waiting for init to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_no_server_process_outlives_a_killed_main_process(tmp_path):
    """SIGKILL on ``ccdkg serve`` (the OOM killer, a crashed supervisor): its forked server
    process and query workers must not serve on as orphans."""
    live = start_serve(tmp_path, "--data", str(FIXTURE), "--deadline", str(DEADLINE))
    children: list[int] = []
    try:
        assert _ask(live)[0] == 200
        children = _descendants(live.proc.pid)
        assert len(children) >= 3  # the server process, the zygote, query workers
        live.proc.kill()
        live.proc.wait(5)
        end = time.monotonic() + 5
        while time.monotonic() < end and any(_running(p) for p in children):
            time.sleep(0.1)
        assert not [p for p in children if _running(p)]
    finally:
        stop(live.proc)
        for pid in [p for p in children if _running(p)]:  # a failed run leaves no orphans behind
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

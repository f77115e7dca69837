"""The query engine (server/engine/): deadlines that hold inside native code, a bounded queue, a cap
on result size, the quick lane, and the channel to the query workers (whole messages, any size, EOF
as EOFError)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from ccdkg.server.engine import Channel

# 52^5 ≈ 380 million rows for Oxigraph to count: far beyond any deadline used here.
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def test_a_query_over_the_deadline_is_killed_and_answered_504_while_others_answer(make_app):
    app = make_app(deadline=1.0, query_workers=2, max_query_workers=3)
    pool = app.extensions["ccdkg"].engine.pool
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    killed_before = pool.killed
    result = {}

    def heavy():
        t0 = time.monotonic()
        r = app.test_client().get("/sparql", query_string={"query": HEAVY})
        result["status"], result["seconds"], result["body"] = r.status_code, time.monotonic() - t0, r.data

    thread = threading.Thread(target=heavy)
    thread.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    quick = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # during"})
    assert quick.status_code == 200
    assert time.monotonic() - t0 < 0.5  # answered by another worker, not queued behind the heavy one
    thread.join(10)
    assert result["status"] == 504
    assert 0.9 <= result["seconds"] < 2.5
    assert b"deadline" in result["body"]
    assert pool.killed == killed_before + 1
    # The pool replaced the killed worker and keeps answering.
    for _ in range(5):
        assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # after"}).status_code == 200


def test_saturated_pool_answers_503_with_retry_after(make_app):
    app = make_app(deadline=1.5, query_workers=1, max_query_workers=1, max_queue=0, queue_wait=0.2)
    threads = []
    statuses: list[int] = []

    def heavy():
        statuses.append(
            app.test_client().get("/sparql", query_string={"query": HEAVY + " # sat"}).status_code
        )

    threads.append(threading.Thread(target=heavy))
    threads[0].start()
    time.sleep(0.3)
    r = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # queued"})
    assert r.status_code == 503
    assert int(r.headers["Retry-After"]) > 0
    threads[0].join(10)
    assert statuses == [504]


def test_result_larger_than_the_cap_is_refused_clearly(make_app):
    client = make_app(max_result_bytes=2000).test_client()
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 503
    assert "Retry-After" not in r.headers
    assert "cap of 2000 bytes" in r.get_data(as_text=True)
    small = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"})
    assert small.status_code == 200


def test_a_worker_killed_from_outside_is_replaced(make_app):
    import os
    import signal

    app = make_app(query_workers=1, max_query_workers=1)
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # k1"}).status_code == 200
    pool = app.extensions["ccdkg"].engine.pool
    victim = pool._idle[0].pid
    os.kill(victim, signal.SIGKILL)
    time.sleep(0.1)
    r = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # k2"})
    assert r.status_code in (200, 503)  # 503 when the dead worker was the one handed the query
    statuses = [
        client.get("/sparql", query_string={"query": f"ASK {{ ?s ?p ?o }} # k3 {i}"}).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 200]
    assert pool._idle[0].pid != victim


def test_a_queued_request_waits_for_a_worker_until_its_own_deadline(make_app):
    # One worker, busy for 2 s with a query that is then killed: a request queued behind it
    # waits (no 503 after a fixed queue time) and is answered within its own deadline.
    app = make_app(deadline=2.0, query_workers=1, max_query_workers=1, max_queue=4)
    statuses: list[int] = []
    thread = threading.Thread(
        target=lambda: statuses.append(
            app.test_client().get("/sparql", query_string={"query": HEAVY + " # hold"}).status_code
        )
    )
    thread.start()
    time.sleep(0.8)
    t0 = time.monotonic()
    r = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # waits"})
    assert r.status_code == 200
    assert time.monotonic() - t0 > 0.5  # it did wait for the one worker
    thread.join(10)
    assert statuses == [504]


def test_a_worker_retires_after_its_quota_and_a_fresh_one_answers(make_app):
    app = make_app(query_workers=1, max_query_workers=1, worker_max_queries=3)
    client = app.test_client()
    pool = app.extensions["ccdkg"].engine.pool
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # r0"}).status_code == 200
    pids = set()
    for i in range(8):
        r = client.get("/sparql", query_string={"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {i + 1}"})
        assert r.status_code == 200
        time.sleep(0.05)  # the replacement is forked off the request's path
        with pool._lock:
            pids.update(w.pid for w in pool._idle)
    assert pool.retired >= 2
    assert len(pids) >= 3
    assert pool._total == 1  # replaced, never more than the cap


def test_a_worker_past_its_private_memory_cap_retires(make_app):
    from ccdkg.server.engine.worker import private_bytes

    assert private_bytes() > 0  # the kernel reports it here (Linux); otherwise the cap is inert
    app = make_app(query_workers=1, max_query_workers=1, worker_max_private_bytes=1)
    client = app.test_client()
    pool = app.extensions["ccdkg"].engine.pool
    before = pool.retired
    # checked after a query that ran ≥ 25 ms: 52^4 rows to count take far longer than that
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    assert client.get("/sparql", query_string={"query": slow}).status_code == 200
    time.sleep(0.1)
    assert pool.retired == before + 1
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # fresh"}).status_code == 200


# ---- the quick lane: heavy queries cannot take every worker from cheap ones ----------------------
# Every shared worker is held by a heavy query; a cheap query from another client is answered by
# the quick lane at once; a heavy query in the quick lane is stopped at the quick budget and moves
# to the shared queue; a client with a query of its own in flight, or one just caught overrunning
# the budget, does not get the quick lane.


def _get(app, query: str, client: str):
    t0 = time.monotonic()
    reply = app.test_client().get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        environ_base={"REMOTE_ADDR": client},
    )
    return reply.status_code, time.monotonic() - t0, reply


def _hold_shared(app, count: int, client: str = "10.0.0.1") -> list[threading.Thread]:
    threads = [
        threading.Thread(target=_get, args=(app, f"{HEAVY} # hold {i}", client), daemon=True)
        for i in range(count)
    ]
    for t in threads:
        t.start()
    time.sleep(0.4)
    return threads


def test_a_cheap_query_from_another_client_takes_the_quick_lane(make_app):
    app = make_app(deadline=2.0, query_workers=1, max_query_workers=2, max_queue=4, quick_budget=0.3)
    pool = app.extensions["ccdkg"].engine.pool
    assert _get(app, "ASK {} # warm", "10.0.0.9")[0] == 200
    threads = _hold_shared(app, 2)
    served = pool.quick_served
    status, seconds, reply = _get(app, "ASK { ?s ?p ?o } # cheap", "10.0.0.2")
    assert status == 200 and reply.json["boolean"] is True
    assert seconds < 0.5
    assert pool.quick_served == served + 1
    # The heavy client's own cheap query waits with its heavy ones (it has queries in flight).
    status, seconds, _ = _get(app, "ASK {} # same client", "10.0.0.1")
    assert seconds > 0.5 and status in (200, 503, 504)
    for t in threads:
        t.join(10)


def test_a_heavy_query_in_the_quick_lane_is_moved_at_the_budget_and_its_client_waits(make_app):
    app = make_app(deadline=2.0, query_workers=1, max_query_workers=1, max_queue=4, quick_budget=0.3)
    pool = app.extensions["ccdkg"].engine.pool
    assert _get(app, "ASK {} # warm", "10.0.0.9")[0] == 200
    threads = _hold_shared(app, 1)
    overruns = pool.quick_overruns
    status, seconds, reply = _get(app, HEAVY + " # heavy in the quick lane", "10.0.0.3")
    assert status in (503, 504), reply.data  # stopped at the budget, then the deadline in the shared lane
    assert seconds < 2.0 + 1.0
    assert pool.quick_overruns == overruns + 1
    # The quick lane still answers other clients (its worker was replaced) ...
    threads += _hold_shared(app, 1)
    status, seconds, _ = _get(app, "ASK {} # after", "10.0.0.4")
    assert status == 200 and seconds < 0.5
    # ... but not, for a while, the client whose query overran it.
    status, seconds, _ = _get(app, "ASK {} # penalized", "10.0.0.3")
    assert seconds > 0.5 or status == 503
    for t in threads:
        t.join(10)


@pytest.fixture()
def pair():
    a, b = socket.socketpair()
    yield Channel(a), Channel(b)
    a.close()
    b.close()


@pytest.mark.parametrize("size", [0, 1, 65_536 - 8, 65_536, 5 * 1024 * 1024 + 3])
def test_a_message_arrives_whole_in_parts_gathered_by_the_sender(pair, size):
    left, right = pair
    body = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    # The reader must run meanwhile: a large message does not fit the socket's buffer.
    sender = threading.Thread(target=left.send, args=(b"head", body))
    sender.start()
    got = right.recv()
    sender.join(10)
    assert bytes(got) == b"head" + body


def test_messages_in_turn_and_a_poll_that_waits(pair):
    left, right = pair
    assert right.poll(0.05) is False
    for i in range(3):
        left.send(f"job {i}".encode())
        assert right.poll(1.0) is True
        assert right.recv() == f"job {i}".encode()
        right.send(b"reply")
        assert left.recv() == b"reply"


def test_the_other_end_closing_is_eof(pair):
    left, right = pair
    left.close()
    assert right.poll(1.0) is True  # readable: EOF
    with pytest.raises(EOFError):
        right.recv()

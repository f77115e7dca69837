"""The query pool's quick lane: heavy queries cannot take every worker from cheap ones.

Every shared worker is held by a heavy query; a cheap query from another client is answered by
the quick lane at once; a heavy query in the quick lane is stopped at the quick budget and moves
to the shared queue; a client with a query of its own in flight, or one just caught overrunning
the budget, does not get the quick lane.
"""

from __future__ import annotations

import threading
import time

from .test_deadline import HEAVY


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

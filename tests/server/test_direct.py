"""server/direct.py: plain GET /sparql answered on the event loop gives what Flask's path gives.

Each case is asked of both paths on one app (one store, one pool, one response cache): the
direct path through :class:`DirectQueries` as the front calls it, Flask's through its test client.
Status, body and every header but the ones the HTTP layer writes must agree, in both orders (so
both a miss and a cache hit are compared on each side). Requests that are not plain fall through.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from urllib.parse import urlencode

import pytest

from ccdkg.server import direct

from ..helpers import Scope, ask_direct
from .test_engine import HEAVY

_HTTP_LAYER = {"date", "server", "content-length"}
_NONCE = itertools.count()


_direct = ask_direct


def _flask(app, params, headers=None):
    reply = app.test_client().get("/sparql?" + urlencode(params), headers=headers or {})
    return reply.status_code, reply.headers, reply.data


def _same(direct_answer, flask_answer) -> None:
    assert direct_answer is not None, "a plain request must be answered on the direct path"
    status, headers, body = direct_answer
    f_status, f_headers, f_body = flask_answer
    assert (status, body) == (f_status, f_body)
    ours = {(k.lower(), v) for k, v in headers if k.lower() not in _HTTP_LAYER}
    theirs = {(k.lower(), v) for k, v in f_headers.items() if k.lower() not in _HTTP_LAYER}
    assert ours == theirs


CITIES = "PREFIX ccd: <https://w3id.org/ccdkg/ontology#> SELECT ?c WHERE { ?c a ccd:City } ORDER BY ?c"
CASES = [
    ([("query", CITIES)], {"Accept": "application/sparql-results+json"}),
    ([("query", CITIES), ("format", "csv")], {}),
    ([("query", "ASK { ?s ?p ?o }")], {"Accept": "application/sparql-results+xml"}),
    ([("query", "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 5")], {"Accept": "text/turtle"}),
    ([("query", "DESCRIBE <https://w3id.org/ccdkg/id/city/shanghai>")], {}),
    ([("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 3")], {}),  # no Accept: the default format
]


@pytest.mark.parametrize("flask_first", [True, False], ids=["flask-then-direct", "direct-then-flask"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_a_plain_query_gets_the_same_answer_on_both_paths(make_app, case, flask_first):
    app = make_app()
    params, headers = CASES[case]
    params = [(k, v + f" # {next(_NONCE)}" if k == "query" else v) for k, v in params]
    if flask_first:
        flask_answer = _flask(app, params, headers)
        direct_answer = _direct(app, params, headers)
    else:
        direct_answer = _direct(app, params, headers)
        flask_answer = _flask(app, params, headers)
    _same(direct_answer, flask_answer)
    assert direct_answer[0] == 200


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",  # refused by the guard
        "SELECT * FROM <http://example.org/other> WHERE { ?s ?p ?o }",  # a graph not served
        "SELECT * WHERE { ?s ?p }",  # the engine's parser words it
        "SELECT (1/0 AS ?x) (STRLEN(?nothing) AS ?y) WHERE {}",  # evaluates to unbound, still 200
    ],
)
def test_an_error_gets_the_same_answer_on_both_paths(make_app, query):
    app = make_app()
    params = [("query", f"{query} # {next(_NONCE)}")]
    _same(_direct(app, params), _flask(app, params))


def test_a_query_past_the_deadline_is_killed_504_and_the_next_query_is_answered(make_app):
    app = make_app(deadline=1.0, query_workers=2, max_query_workers=3)
    pool = app.extensions["ccdkg"].engine.pool
    killed = pool.killed
    status, headers, body = _direct(app, [("query", f"{HEAVY} # {next(_NONCE)}")])
    assert status == 504 and b"deadline" in body
    assert ("retry-after", "1") not in headers
    assert pool.killed == killed + 1
    assert _direct(app, [("query", f"ASK {{}} # {next(_NONCE)}")])[0] == 200


@pytest.mark.parametrize(
    "params, headers, scope",
    [
        ([("query", "ASK {}")], {}, {"method": "POST"}),
        ([("query", "ASK {}")], {}, {"method": "HEAD"}),
        ([("query", "ASK {}")], {}, {"path": "/sparql/"}),
        ([("query", "ASK {}")], {"If-None-Match": '"x"'}, {}),
        ([("query", "ASK {}")], {"Accept": "text/html,*/*;q=0.8"}, {}),  # a browser: maybe the UI
        ([("query", "ASK {}")], {"X_Forwarded_For": "1.2.3.4"}, {}),
        ([("update", "CLEAR ALL")], {}, {}),
        ([("query", "ASK {}"), ("update", "CLEAR ALL")], {}, {}),
        ([("query", "ASK {}"), ("query", "ASK {}")], {}, {}),
        ([], {}, {}),
        ([("query", "")], {}, {}),
        ([("query", "ASK {} #" + "x" * direct.MAX_DIRECT_QUERY)], {}, {}),
        ([("query", "ASK {}"), ("format", "json"), ("format", "xml")], {}, {}),  # disagreeing
        ([("query", "ASK {}")], {"Accept": "text/turtle"}, {}),  # 406: Flask words it
    ],
)
def test_what_is_not_a_plain_query_is_left_to_flask(make_app, params, headers, scope):
    assert _direct(make_app(), params, headers, **scope) is None


def test_no_idle_worker_means_the_pools_own_queue_decides(make_app):
    app = make_app()
    pool = app.extensions["ccdkg"].engine.pool
    app.extensions["ccdkg"].engine.start()
    taken = []
    while pool._idle:
        taken.append(pool._idle.pop())
    try:
        assert _direct(app, [("query", f"ASK {{}} # {next(_NONCE)}")]) is None
    finally:
        for worker in taken:
            pool._release(worker)


def _together(app, *queries: str):
    """Several plain queries from one client, on one event loop, as one front serves them."""
    lane = direct.for_app(app)
    app.extensions["ccdkg"].engine.start()

    async def all_of():
        scopes = [Scope(urlencode([("query", f"{q} # {next(_NONCE)}")])) for q in queries]
        return await asyncio.gather(*(lane.answer(scope) for scope in scopes))

    return asyncio.run(all_of())


def test_requests_wait_on_the_loop_for_a_busy_worker_in_order(make_app):
    app = make_app(query_workers=1, max_query_workers=1, quick_workers=0, max_queue=4)
    answers = _together(app, "ASK { ?s ?p ?o }", "ASK {}", "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert [a[0] for a in answers] == [200, 200, 200]
    assert app.extensions["ccdkg"].engine.pool._waiters == deque()


def test_a_full_queue_is_503_with_retry_after_at_once(make_app):
    app = make_app(query_workers=1, max_query_workers=1, quick_workers=0, max_queue=1)
    answers = _together(app, "ASK {}", "ASK {}", "ASK {}")
    assert [a[0] for a in answers] == [200, 200, 503]
    status, headers, body = answers[2]
    assert ("retry-after", "2") in headers and b"queue is full" in body


def test_a_request_that_waits_past_its_deadline_is_503_and_the_worker_serves_the_next(make_app):
    app = make_app(deadline=1.0, query_workers=1, max_query_workers=1, quick_workers=0, max_queue=4)
    pool = app.extensions["ccdkg"].engine.pool
    heavy, waiting = _together(app, HEAVY, "ASK {}")
    assert heavy[0] == 504
    assert waiting[0] == 503 and b"busy" in waiting[2]
    assert pool._waiters == deque()
    deadline = time.monotonic() + 10
    while not pool._idle and time.monotonic() < deadline:  # the killed worker's replacement
        time.sleep(0.05)
    assert _together(app, "ASK {}")[0][0] == 200


def test_a_volatile_answer_is_stored_by_nobody_on_both_paths(make_app):
    app = make_app()
    params = [("query", f"SELECT (STRUUID() AS ?u) WHERE {{}} # {next(_NONCE)}")]
    status, headers, body = _direct(app, params)
    f_status, f_headers, f_body = _flask(app, params)
    assert status == f_status == 200 and body != f_body  # two runs, two answers
    ours = {(k.lower(), v) for k, v in headers if k.lower() not in _HTTP_LAYER}
    assert ours == {(k.lower(), v) for k, v in f_headers.items() if k.lower() not in _HTTP_LAYER}
    assert ("cache-control", "no-store") in ours and "etag" not in dict(ours)

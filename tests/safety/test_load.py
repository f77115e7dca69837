"""A load run: 2,000 mixed requests at concurrency 16 against a live server, with no errors.

The mix is what a public endpoint sees: SPARQL SELECT/ASK/CONSTRUCT in all three Protocol forms
(half of them unique, so neither response cache can answer), linked-data pages, VoID, the
service description, static files and health checks. Every reply must have its expected status;
the p99 latency is recorded in test-artifacts/safety.json.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from .helpers import record_figure

TOTAL = 2000
CONCURRENCY = 16

QUERIES = [
    "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } LIMIT 20",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 20",
    "PREFIX ccd: <https://w3id.org/ccdkg/ontology#>\n"
    "SELECT ?c (COUNT(?m) AS ?n) WHERE { ?c ccd:hasMemberCity ?m } GROUP BY ?c",
]


def _request(i: int) -> tuple[str, str, bytes | None, dict[str, str], int]:
    """The i-th request of the mix: (method, path, body, headers, expected status)."""
    kind = i % 10
    query = QUERIES[i % len(QUERIES)]
    if i % 2:
        query += f"\n# load {i}"  # unique text: the engine really runs it
    accept = {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}
    if kind in (0, 1, 2):
        return "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), None, accept, 200
    if kind == 3:
        body = urllib.parse.urlencode({"query": query}).encode()
        return "POST", "/sparql", body, {**accept, "Content-Type": "application/x-www-form-urlencoded"}, 200
    if kind == 4:
        return "POST", "/sparql", query.encode(), {**accept, "Content-Type": "application/sparql-query"}, 200
    if kind == 5:
        return "GET", "/id/city/shanghai", None, {"Accept": "text/turtle"}, 200
    if kind == 6:
        return "GET", "/.well-known/void", None, {"Accept": "text/turtle"}, 200
    if kind == 7:
        return "GET", "/sparql", None, {"Accept": "text/turtle"}, 200
    if kind == 8:
        return "GET", "/static/ccdkg.css", None, {}, 200
    return "GET", "/healthz", None, {}, 200


@pytest.mark.slow
def test_two_thousand_mixed_requests_at_concurrency_16_without_errors(live):
    local = threading.local()

    def send(i: int) -> tuple[int, float, bool, str]:
        method, path, body, headers, expected = _request(i)
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection(live.host, live.port, timeout=30)
        started = time.monotonic()
        try:
            local.conn.request(method, path, body=body, headers=headers)
            resp = local.conn.getresponse()
            resp.read()
            status = resp.status
            if resp.getheader("Connection", "").lower() == "close":
                local.conn.close()
                local.conn = None
        except (OSError, http.client.HTTPException) as err:
            local.conn.close()
            local.conn = None
            return -1, time.monotonic() - started, False, f"{method} {path[:60]}: {err!r}"
        return status, time.monotonic() - started, status == expected, f"{method} {path[:60]}: {status}"

    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(send, range(TOTAL)))
    wall = time.monotonic() - started
    latencies = sorted(seconds for _, seconds, _, _ in results)
    errors = [what for _, _, ok, what in results if not ok]
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    record_figure(
        "load run",
        {
            "requests": TOTAL,
            "concurrency": CONCURRENCY,
            "errors": len(errors),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p99_ms": round(p99 * 1000, 1),
            "max_ms": round(latencies[-1] * 1000, 1),
            "wall_seconds": round(wall, 2),
            "requests_per_second": round(TOTAL / wall, 1),
        },
    )
    assert errors == [], errors[:10]
    assert p99 < 2.0
    assert live.alive()

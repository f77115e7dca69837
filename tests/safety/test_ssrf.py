"""SERVICE smuggled past the check (issue 13, item 1): the parser reads ``trueSERVICE`` as ``true``
then ``SERVICE``, so a check that reads it as one word let Oxigraph POST to any URL.

Each query here made the server of 0.1.0 contact the canary; now each is refused, over every form
of the Protocol, and the canary sees nothing.
"""

from __future__ import annotations

import threading

import pytest

from .helpers import record_figure, unique

FORMS = ("get", "form", "body")


def _smuggled(url) -> list[str]:
    return [
        f"SELECT * {{ ?s ?p trueSERVICE<{url('/true')}>{{}} }}",
        f"SELECT * {{ ?s ?p falseSERVICE SILENT <{url('/false')}>{{}} }}",
        f"ASK {{ FILTER(1<2)SERVICE<{url('/filter')}>{{}} }}",
        f"ASK {{ BIND(1 AS ?x)SERVICE<{url('/bind')}>{{}} }}",
        f"ASK {{ VALUES ?x {{1}}SERVICE<{url('/values')}>{{}} }}",
        f"ASK {{ ?s ?p ?o OPTIONAL{{}}SERVICE<{url('/optional')}>{{}} }}",
        f"ASK {{ ?s ?p 1.SERVICE<{url('/number')}>{{}} }}",
        # a prefixed name whose prefix is the keyword: the parser backtracks to SERVICE + ":z"
        f"PREFIX : <{url('/')}> ASK {{ SERVICE:z {{}} }}",
        # "<2)SERVICEc:x#>" has the shape of an IRI; the parser reads "<" as less-than and "#>" as a comment
        f"PREFIX c: <{url('/')}> ASK{{FILTER(1<2)SERVICEc:x#>\n{{}}}}",
    ]


@pytest.mark.parametrize("form", FORMS)
def test_service_run_together_with_a_keyword_is_refused(live, canary, form):
    before = list(canary.hits)
    asks: list[tuple[int, float]] = []
    stop = threading.Event()

    def ask_meanwhile() -> None:
        while not stop.is_set():
            reply = live.query("ASK { ?s ?p ?o }" + unique())
            asks.append((reply.status, reply.seconds))

    asker = threading.Thread(target=ask_meanwhile)
    asker.start()
    seconds = []
    try:
        for query in _smuggled(canary.url):
            reply = live.query(query + unique(), form=form)
            assert reply.status == 403, (form, query, reply.status, reply.text)
            assert "SERVICE" in reply.text
            seconds.append(reply.seconds)
    finally:
        stop.set()
        asker.join()
    assert canary.hits == before
    assert live.alive()
    assert asks and all(status == 200 for status, _ in asks)
    assert max(s for _, s in asks) < 1.0  # other clients are answered meanwhile
    record_figure(
        f"ssrf smuggled SERVICE ({form})",
        {
            "status": 403,
            "worst_seconds": round(max(seconds), 4),
            "canary_hits": 0,
            "concurrent_ask_worst_seconds": round(max(s for _, s in asks), 4),
        },
    )

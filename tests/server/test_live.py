"""A real `ccdkg serve` on a free loopback port, driven by SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import FIXTURE, free_port, stop, wait_http

CCDKG = Path(sys.executable).parent / "ccdkg"


def _serve(*args: str) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [str(CCDKG), "serve", "--port", str(port), "--data", str(FIXTURE), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/sparql"
    wait_http(url + "?query=ASK%7B%7D", proc=proc)
    return proc, url, time.monotonic() - t0


@pytest.fixture(scope="module", params=["default", "two-workers", "disk-two-workers"])
def live(request, tmp_path_factory):
    extra: tuple[str, ...] = {"default": (), "two-workers": ("--workers", "2")}.get(request.param, ())
    if request.param == "disk-two-workers":
        extra = ("--workers", "2", "--store", str(tmp_path_factory.mktemp("live") / "store"))
    proc, url, started = _serve(*extra)
    yield url, started
    stop(proc)
    out, err = proc.communicate(timeout=10)
    assert f"serving http://127.0.0.1:{url.split(':')[2].split('/')[0]}/" in out
    # one access-log line per query, with its duration
    assert any('"GET /sparql"' in line and "ms" in line for line in err.splitlines())


def test_start_to_first_answer_is_quick(live):
    assert live[1] < 10  # generous on a shared 2-core machine; the benchmark measures it exactly


def test_sparqlwrapper_select_ask_construct(live):
    from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

    url = live[0]
    sw = SPARQLWrapper(url)
    sw.setQuery(
        "PREFIX ccd: <https://w3id.org/ccdkg/ontology#> SELECT ?c WHERE { ?c a ccd:City } ORDER BY ?c"
    )
    for fmt in (JSON, XML, CSV):
        sw.setReturnFormat(fmt)
        result = sw.query()
        assert result.response.status == 200
        if fmt == JSON:
            rows = result.convert()["results"]["bindings"]
            assert [r["c"]["value"].rsplit("/", 1)[1] for r in rows] == ["nanjing", "shanghai"]
    sw.setMethod("POST")
    sw.setQuery("ASK { <https://w3id.org/ccdkg/id/city/shanghai> ?p ?o }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    sw.setQuery("CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/ccdkg/ontology#Country> ; ?p ?o }")
    sw.setReturnFormat(TURTLE)
    graph_text = sw.query().convert()
    assert "中國".encode() in graph_text
    sw.setQuery("DESCRIBE <https://w3id.org/ccdkg/id/city/shanghai>")
    sw.setReturnFormat(XML)
    graph = sw.query().convert()  # rdflib Graph parsed from RDF/XML
    assert len(graph) == 9


def test_sparqlwrapper_sees_errors(live):
    from SPARQLWrapper import JSON, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    sw = SPARQLWrapper(live[0])
    sw.setQuery("SELECT ?x WHERE { ?x }")
    sw.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="error at"):
        sw.query()


def test_rdflib_sparqlstore(live):
    from rdflib import Graph, Literal, URIRef
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(live[0], returnFormat="json")
    graph = Graph(store=store)
    labels = {
        str(row.l)
        for row in graph.query(
            "SELECT ?l WHERE { <https://w3id.org/ccdkg/id/country/china> "
            "<http://www.w3.org/2000/01/rdf-schema#label> ?l }"
        )
    }
    assert labels == {"中国", "China", "中國"}
    shanghai = URIRef("https://w3id.org/ccdkg/id/city/shanghai")
    assert (
        shanghai,
        URIRef("http://www.w3.org/2002/07/owl#sameAs"),
        URIRef("http://www.wikidata.org/entity/Q8686"),
    ) in graph
    assert Literal("上海", lang="zh-hans") in set(
        graph.objects(shanghai, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
    )
    assert len(list(graph.triples((None, None, None)))) == 52
    store.close()


def test_a_missing_graph_is_one_clear_line_and_exit_1(tmp_path):
    proc = subprocess.run(
        [str(CCDKG), "serve", "--port", str(free_port()), "--data", str(tmp_path / "missing.trig")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert proc.stderr.startswith("ccdkg: error: data file not found")


def test_plain_queries_skip_the_app_threads_on_the_direct_path():
    """server/direct.py answers plain GET /sparql on granian's loop; the metric says how many."""
    import re
    import urllib.request

    proc, url, _ = _serve()  # one process: its /metrics counts its own answers
    try:

        def direct_count() -> float:
            text = urllib.request.urlopen(url.replace("/sparql", "/metrics"), timeout=10).read().decode()
            return float(re.search(r"^ccdkg_direct_responses_total (\S+)$", text, re.M).group(1))

        before = direct_count()
        for i in range(3):
            with urllib.request.urlopen(f"{url}?query=ASK%7B%7D%20%23%20direct{i}", timeout=10) as reply:
                assert reply.status == 200 and reply.headers["Vary"] == "Accept"
        assert direct_count() == before + 3
    finally:
        stop(proc)
        proc.communicate(timeout=10)

"""The three stores behind one interface, and the same answers from each."""

from __future__ import annotations

import json
import time

import pyoxigraph as ox
import pytest

from ccdkg.errors import StoreError
from ccdkg.server import create_app, open_store

from .helpers import FIXTURE, oxigraph_server

# Queries whose answers must not depend on the store (sorted where order matters).
QUERIES = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "PREFIX ccd: <https://w3id.org/ccdkg/ontology#> SELECT ?c ?l WHERE { ?c a ccd:City ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?c ?l",
    'SELECT ?s WHERE { ?s ?p ?l FILTER(CONTAINS(STR(?l), "三角")) } ORDER BY ?s',
    "SELECT ?s ?o WHERE { ?s <https://w3id.org/ccdkg/ontology#locatedIn> ?o OPTIONAL { ?o ?x ?y } } "
    "ORDER BY ?s LIMIT 1 OFFSET 1",
    "SELECT ?c WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?d } ORDER BY ?c",
    "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/ccdkg/id/graph/links> WHERE { ?s ?p ?o }",
    "ASK { ?s <http://www.w3.org/2002/07/owl#sameAs> ?o }",
    "CONSTRUCT { ?c ?p ?o } WHERE { ?c a <https://w3id.org/ccdkg/ontology#City> ; ?p ?o }",
    "DESCRIBE <https://w3id.org/ccdkg/id/country/china>",
]


def _answer(client, query: str) -> object:
    r = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+json, application/n-triples;q=0.9"},
    )
    assert r.status_code == 200, r.data
    if r.mimetype == "application/n-triples":
        return sorted(set(r.get_data(as_text=True).strip().splitlines()))
    return json.loads(r.data)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stores")
    with oxigraph_server(tmp) as (url, proc):
        apps = {
            "memory": create_app({"data": [FIXTURE], "testing": True}),
            "disk": create_app({"store": str(tmp / "disk"), "data": [FIXTURE], "testing": True}),
            "remote": create_app({"store": url, "testing": True}),
        }
        yield apps, url, proc
        for app in apps.values():
            app.extensions["ccdkg"].close()


@pytest.mark.parametrize("query", QUERIES)
def test_every_store_gives_the_same_answer(stores, query):
    apps, _, _ = stores
    answers = {name: _answer(app.test_client(), query) for name, app in apps.items()}
    assert answers["memory"] == answers["disk"] == answers["remote"]


@pytest.mark.parametrize("name", ["memory", "disk", "remote"])
@pytest.mark.parametrize(
    "accept",
    [
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
        "application/sparql-results+json",
    ],
)
def test_every_store_writes_every_result_format(stores, name, accept):
    client = stores[0][name].test_client()
    r = client.get("/sparql", query_string={"query": QUERIES[2]}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.mimetype == accept
    assert "上海" in r.get_data(as_text=True)


@pytest.mark.parametrize("name", ["memory", "disk", "remote"])
@pytest.mark.parametrize(
    "accept", ["text/turtle", "application/ld+json", "application/rdf+xml", "application/trig"]
)
def test_every_store_writes_every_rdf_format(stores, name, accept):
    client = stores[0][name].test_client()
    r = client.get("/sparql", query_string={"query": QUERIES[-2]}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.mimetype == accept
    triples = list(ox.parse(r.data, format=ox.RdfFormat.from_media_type(accept)))
    assert len(triples) == 15  # both cities, every statement about them


@pytest.mark.parametrize("name", ["memory", "disk", "remote"])
def test_every_store_reports_syntax_errors_as_400(stores, name):
    r = stores[0][name].test_client().get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x }"})
    assert r.status_code == 400
    assert "1:" in r.get_data(as_text=True)


@pytest.mark.parametrize("name", ["memory", "disk", "remote"])
def test_trusted_methods_agree(stores, name):
    store = stores[0][name].extensions["ccdkg"].store
    rows = store.select(
        "SELECT ?l WHERE { <https://w3id.org/ccdkg/id/city/shanghai> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?l"
    )
    assert [r["l"].value for r in rows] == ["Shanghai", "上海", "上海"]
    assert isinstance(rows[0]["l"], ox.Literal)
    assert store.ask("ASK { <https://w3id.org/ccdkg/id/city/shanghai> ?p ?o }")
    assert len(store.construct("DESCRIBE <https://w3id.org/ccdkg/id/city/shanghai>")) == 9
    assert len(store.named_graphs()) == 4


def test_disk_store_is_loaded_once_then_reopened_read_only(tmp_path):
    path = tmp_path / "store"
    first = open_store(str(path), [FIXTURE])
    assert len(first) == 52
    first.close()
    stamp = sorted(p.stat().st_mtime_ns for p in path.iterdir())
    t0 = time.monotonic()
    again = open_store(str(path), [FIXTURE])
    assert len(again) == 52
    assert time.monotonic() - t0 < 5
    with pytest.raises((OSError, RuntimeError), match="read-write"):
        again.native.add(ox.Quad(ox.NamedNode("http://x/s"), ox.NamedNode("http://x/p"), ox.Literal("o")))
    assert sorted(p.stat().st_mtime_ns for p in path.iterdir()) == stamp
    assert not [p for p in tmp_path.iterdir() if ".loading-" in p.name]


def test_missing_or_corrupt_data_is_one_clear_error(tmp_path):
    with pytest.raises(StoreError, match="not found"):
        open_store("memory", [tmp_path / "nope.trig"])
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .")
    with pytest.raises(StoreError, match="cannot load"):
        open_store("memory", [bad])
    with pytest.raises(StoreError, match="cannot load"):
        open_store(str(tmp_path / "disk"), [bad])
    assert not (tmp_path / "disk").exists()  # an interrupted load leaves no half store
    notastore = tmp_path / "junk"
    notastore.mkdir()
    (notastore / "x").write_text("junk")
    with pytest.raises(StoreError):
        open_store(str(notastore), [FIXTURE])
    with pytest.raises(StoreError, match="does not answer"):
        open_store("http://127.0.0.1:9/sparql")


def test_remote_down_is_502_and_slow_is_504_and_the_app_stays_up(tmp_path):
    with oxigraph_server(tmp_path) as (url, proc):
        app = create_app({"store": url, "testing": True, "deadline": 1.0})
        client = app.test_client()
        heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
        t0 = time.monotonic()
        r = client.get("/sparql", query_string={"query": heavy})
        assert r.status_code == 504
        assert time.monotonic() - t0 < 2.5
        assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
        proc.terminate()
        proc.wait(10)
        r = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # down"})
        assert r.status_code == 502
        assert "unreachable" in r.get_data(as_text=True) or "closed" in r.get_data(as_text=True)
        assert client.get("/.well-known/void").status_code == 200  # a remote store is counted at start
        app.extensions["ccdkg"].close()

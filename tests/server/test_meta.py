"""Service description, VoID, downloads with checksums, prefix and proxy settings."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pyoxigraph as ox
import pytest

from ..helpers import page

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"


def triples(response) -> list[ox.Triple]:
    fmt = ox.RdfFormat.from_media_type(response.mimetype)
    return [q.triple for q in ox.parse(response.data, format=fmt)]


def objects(ts, subject: str | None, predicate: str) -> list[str]:
    return sorted(
        t.object.value
        for t in ts
        if t.predicate.value == predicate and (subject is None or t.subject.value == subject)
    )


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", ""])
def test_service_description_at_sparql_without_query(client, accept):
    r = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200
    ts = triples(r)
    endpoint = "http://localhost/sparql"
    assert objects(ts, endpoint, SD + "endpoint") == [endpoint]
    assert SD + "SPARQL11Query" in objects(ts, endpoint, SD + "supportedLanguage")
    assert SD + "UnionDefaultGraph" in objects(ts, endpoint, SD + "feature")
    formats = objects(ts, endpoint, SD + "resultFormat")
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    names = objects(ts, None, SD + "name")
    assert names == [
        f"https://w3id.org/ccdkg/id/graph/{g}" for g in ("interpreted", "links", "ontology", "stated")
    ]


def test_browsers_get_the_query_ui_when_one_is_registered(make_app):
    app = make_app(query_ui_endpoint="sparql_ui_for_test")
    if "sparql_ui_for_test" not in app.view_functions:
        app.add_url_rule("/__ui", "sparql_ui_for_test", lambda: "<!doctype html><title>UI</title>")
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = app.test_client().get("/sparql", headers={"Accept": browser})
    assert r.status_code == 200 and r.mimetype == "text/html"
    r = app.test_client().get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": browser})
    assert r.mimetype == "text/html"  # a query link opened in a browser lands in the UI
    r = app.test_client().get(
        "/sparql", query_string={"query": "ASK {}", "format": "json"}, headers={"Accept": browser}
    )
    assert r.mimetype == "application/sparql-results+json"


def test_void_describes_counts_partitions_endpoint_and_dumps(client):
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    ts = triples(r)
    ds = "https://w3id.org/ccdkg/.well-known/void#dataset"
    assert objects(ts, ds, VOID + "triples") == ["52"]
    assert objects(ts, ds, VOID + "classes") == ["7"]
    assert objects(ts, ds, VOID + "sparqlEndpoint") == ["http://localhost/sparql"]
    assert objects(ts, ds, "http://purl.org/dc/terms/license") == [
        "https://creativecommons.org/licenses/by/4.0/"
    ]
    assert "https://w3id.org/ccdkg/ontology#" in objects(ts, ds, VOID + "vocabulary")
    subsets = objects(ts, ds, VOID + "subset")
    assert len(subsets) == 4
    assert objects(ts, "https://w3id.org/ccdkg/id/graph/links", VOID + "triples") == ["3"]
    city_partition = [
        t.subject.value
        for t in ts
        if t.predicate.value == VOID + "class" and t.object.value == "https://w3id.org/ccdkg/ontology#City"
    ]
    assert objects(ts, city_partition[0], VOID + "entities") == ["2"]
    dumps = objects(ts, ds, VOID + "dataDump")
    assert "http://localhost/downloads/ccdkg.trig" in dumps
    assert "http://localhost/downloads/ontology.ttl" in dumps
    assert all(not isinstance(t.subject, ox.BlankNode) for t in ts)


@pytest.mark.parametrize(
    "name",
    [
        "ccdkg.trig",
        "ccdkg.nq",
        "ccdkg.ttl",
        "ccdkg.nt",
        "ccdkg.jsonld",
        "ontology.ttl",
        "ontology.nt",
        "ontology.jsonld",
        "ontology.trig",
    ],
)
def test_downloads_parse_and_match_their_checksums(client, name):
    r = client.get(f"/downloads/{name}")
    assert r.status_code == 200
    fmt = ox.RdfFormat.from_extension(name.rsplit(".", 1)[1])
    quads = list(ox.parse(r.data, format=fmt))
    expected = {"ccdkg": 52, "ontology": 18}[name.split(".")[0]]
    assert len(quads) == expected
    digest = hashlib.sha256(r.data).digest()
    assert r.headers["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    sums = client.get("/downloads/SHA256SUMS").get_data(as_text=True)
    assert f"{digest.hex()}  {name}" in sums.splitlines()
    assert r.headers["ETag"].strip('"') == digest.hex()
    assert client.get(f"/downloads/{name}", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_ontology_trig_keeps_its_graph_name(client):
    quads = list(ox.parse(client.get("/downloads/ontology.trig").data, format=ox.RdfFormat.TRIG))
    assert {q.graph_name.value for q in quads} == {"https://w3id.org/ccdkg/id/graph/ontology"}


def test_unknown_download_is_404_and_no_traversal(client):
    assert client.get("/downloads/nope.ttl").status_code == 404
    assert client.get("/downloads/..%2fpyproject.toml").status_code == 404


def test_path_prefix_and_public_base(make_app):
    app = make_app(prefix="/ccdkg", base="https://example.org/kg/")
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 404
    r = client.get("/ccdkg/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert r.status_code == 200
    ts = triples(client.get("/ccdkg/.well-known/void", headers={"Accept": "text/turtle"}))
    ds = "https://example.org/kg/.well-known/void#dataset"
    assert objects(ts, ds, VOID + "sparqlEndpoint") == ["http://localhost/ccdkg/sparql"]


def test_proxy_headers_are_honoured_when_trusted(make_app):
    app = make_app(trust_proxy=True)
    r = app.test_client().get(
        "/.well-known/void",
        headers={
            "Accept": "text/turtle",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "kg.example.org",
            "X-Forwarded-Prefix": "/ccdkg",
        },
    )
    ts = triples(r)
    assert "https://kg.example.org/ccdkg/sparql" in objects(ts, None, VOID + "sparqlEndpoint")


def test_the_built_release_is_served_as_built_with_its_checksums():
    from ccdkg.server import create_app
    from ccdkg.server.config import DEFAULT_DATA, RELEASE_DIR

    sums_file = RELEASE_DIR / "SHA256SUMS"
    if not DEFAULT_DATA.is_file() or not sums_file.is_file():
        pytest.skip("graph/release not built")
    app = create_app({"testing": True, "query_workers": 1, "max_query_workers": 1})
    try:
        client = app.test_client()
        graphs = (
            client.get(
                "/sparql",
                query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"},
                headers={"Accept": "text/csv"},
            )
            .get_data(as_text=True)
            .split()[1:]
        )
        assert sorted(graphs) == [
            f"https://w3id.org/ccdkg/id/graph/{g}" for g in ("interpreted", "links", "ontology", "stated")
        ]
        built = dict(reversed(line.split("  ", 1)) for line in sums_file.read_text().splitlines() if line)
        for name in ("ccdkg.trig", "ccdkg.nq", "ccdkg.ttl", "ccdkg.nt", "ccdkg.jsonld"):
            served = client.get(f"/downloads/{name}")
            assert served.status_code == 200
            assert hashlib.sha256(served.data).hexdigest() == built[name]
    finally:
        app.extensions["ccdkg"].close()


def test_counts_wait_for_their_first_use(make_app):
    app = make_app(cache_bytes=0)  # an app of its own: no other test has asked for the counts yet
    meta = app.extensions["ccdkg"].meta
    assert not meta._counted  # create_app does not scan the store
    assert app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"}).status_code == 200
    assert meta._counted and meta.triples > 0 and meta.quads >= meta.triples


def _graph(response):
    import pyoxigraph as ox

    return set(ox.parse(response.data, format=ox.RdfFormat.TURTLE))


def test_the_service_description_describes_the_dataset_as_void_does(client):
    import pyoxigraph as ox

    sd = {q.triple for q in _graph(client.get("/sparql", headers={"Accept": "text/turtle"}))}
    void = {q.triple for q in _graph(client.get("/.well-known/void", headers={"Accept": "text/turtle"}))}
    dataset = ox.NamedNode("https://w3id.org/ccdkg/.well-known/void#dataset")
    about = {t for t in void if t.subject == dataset}
    dumps = {t for t in about if t.predicate.value == "http://rdfs.org/ns/void#dataDump"}
    assert dumps and {t.object.value for t in dumps} >= {"http://localhost/downloads/ccdkg.trig"}
    assert about <= sd  # every statement about the dataset, its dumps included
    sd_about = {t for t in sd if t.subject == dataset}
    assert sd_about == about  # and no other description of the same IRI


def test_the_ontology_json_ld_download_is_one_graph_plain_rdflib_reads(client):
    import pyoxigraph as ox
    from rdflib import Graph

    nt = client.get("/downloads/ontology.nt").data
    want = len({q.triple for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)})
    body = client.get("/downloads/ontology.jsonld").data
    assert want > 0
    assert len(Graph().parse(data=body, format="json-ld")) == want
    assert "@context" in json.loads(body)


def test_downloads_page_lists_links_sizes_formats_and_checksums(c):
    html = page(c, "/downloads/")
    assert 'href="/downloads/ccdkg.trig" download' in html and "application/trig" in html
    assert re.search(r'<code class="hash">[0-9a-f]{64}</code>', html)
    assert re.search(r'<td class="num">[\d.]+ (KB|MB)</td>', html)
    text = c.get("/downloads/", headers={"Accept": "*/*"})
    assert text.mimetype == "text/plain" and "ccdkg.trig" in text.get_data(as_text=True)


def test_void_is_a_readable_page_in_a_browser_and_rdf_for_programs(c):
    html = page(c, "/.well-known/void")
    assert (
        '<header class="site">' in html
        and "void:Dataset" in html
        and 'href="/.well-known/void?format=turtle"' in html
    )
    rdf = c.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert rdf.mimetype == "text/turtle"

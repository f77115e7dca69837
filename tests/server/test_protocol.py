"""The SPARQL 1.1 Protocol on /sparql, through the Flask test client (in-memory store)."""

from __future__ import annotations

import json

import pytest

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CITIES = "PREFIX ccd: <https://w3id.org/ccdkg/ontology#> SELECT ?c WHERE { ?c a ccd:City } ORDER BY ?c"


def n_of(response) -> int:
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def test_get_select_json_sees_the_union_of_all_named_graphs(client):
    r = client.get("/sparql", query_string={"query": COUNT})
    assert r.status_code == 200
    assert r.mimetype == "application/sparql-results+json"
    assert n_of(r) == 52  # every triple of tests/server/fixture.trig, across its four graphs


def test_post_form_and_post_direct_answer_alike(client):
    a = client.post("/sparql", data={"query": CITIES})
    b = client.post("/sparql", data=CITIES.encode(), content_type="application/sparql-query")
    assert a.status_code == b.status_code == 200
    assert a.get_json() == b.get_json()
    cities = [row["c"]["value"] for row in a.get_json()["results"]["bindings"]]
    assert cities == ["https://w3id.org/ccdkg/id/city/nanjing", "https://w3id.org/ccdkg/id/city/shanghai"]


@pytest.mark.parametrize(
    ("accept", "mimetype", "start"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", b"{"),
        ("application/sparql-results+xml", "application/sparql-results+xml", b"<?xml"),
        ("text/csv", "text/csv", b"c\r\n"),
        ("text/tab-separated-values", "text/tab-separated-values", b"?c\n"),
        ("text/csv;q=0.2, text/tab-separated-values;q=0.9", "text/tab-separated-values", b"?c\n"),
        ("application/*", "application/sparql-results+json", b"{"),
        ("", "application/sparql-results+json", b"{"),
    ],
)
def test_select_formats_by_accept_with_q_values(client, accept, mimetype, start):
    r = client.get("/sparql", query_string={"query": CITIES}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.mimetype == mimetype
    assert r.data.startswith(start)


@pytest.mark.parametrize(
    ("fmt", "mimetype"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ],
)
def test_format_parameter_overrides_accept(client, fmt, mimetype):
    r = client.get(
        "/sparql", query_string={"query": "ASK { ?s ?p ?o }", "format": fmt}, headers={"Accept": "text/html"}
    )
    assert r.status_code == 200
    assert r.mimetype == mimetype
    assert b"true" in r.data


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/trig", "application/trig"),
        ("application/n-quads", "application/n-quads"),
        ("application/json", "application/ld+json"),
    ],
)
def test_construct_in_every_rdf_format_parses_back(client, accept, mimetype):
    import pyoxigraph as ox

    q = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l }"
    )
    r = client.get("/sparql", query_string={"query": q}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.mimetype == mimetype
    fmt = ox.RdfFormat.from_media_type(mimetype)
    labels = {q.object.value for q in ox.parse(r.data, format=fmt)}
    assert {"长三角城市群", "Shanghai", "中國"} <= labels


def test_describe_is_the_concise_bounded_description(client):
    r = client.get(
        "/sparql",
        query_string={"query": "DESCRIBE <https://w3id.org/ccdkg/id/city/shanghai>"},
        headers={"Accept": "application/n-triples"},
    )
    assert r.status_code == 200
    lines = r.data.decode().strip().splitlines()
    assert all(line.startswith("<https://w3id.org/ccdkg/id/city/shanghai> ") for line in lines)
    assert any("Q8686" in line for line in lines)  # from the links graph: the union is described


def test_malformed_query_is_400_with_the_parsers_position(client):
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s ?p }"})
    assert r.status_code == 400
    assert r.mimetype == "text/plain"
    assert "2:" in r.get_data(as_text=True)  # line 2, with the column
    assert "error at" in r.get_data(as_text=True)


def test_unacceptable_format_is_406_naming_what_is_offered(client):
    r = client.get("/sparql", query_string={"query": CITIES}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.get_data(as_text=True)
    r = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "csv"})
    assert r.status_code == 406


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(client, method):
    r = client.open("/sparql", method=method)
    assert r.status_code == 405
    assert {"GET", "POST"} <= set(r.headers["Allow"].replace(" ", "").split(","))


def test_unsupported_body_type_is_415(client):
    r = client.post("/sparql", data=b"{}", content_type="application/json")
    assert r.status_code == 415


def test_oversized_body_is_413(make_app):
    small = make_app(max_request_bytes=200).test_client()
    r = small.post(
        "/sparql",
        data=("SELECT * WHERE { ?s ?p ?o } #" + "x" * 500).encode(),
        content_type="application/sparql-query",
    )
    assert r.status_code == 413


def test_update_is_refused_on_every_route(client):
    assert (
        client.post("/sparql", data="DROP ALL", content_type="application/sparql-update").status_code == 403
    )
    assert client.post("/sparql", data={"update": "DROP ALL"}).status_code == 403
    assert client.get("/sparql", query_string={"update": "DROP ALL"}).status_code == 403


def test_invalid_utf8_is_400(client):
    r = client.post("/sparql", data=b"SELECT * WHERE { ?s ?p \xff }", content_type="application/sparql-query")
    assert r.status_code == 400


def test_two_query_parameters_are_400(client):
    r = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert r.status_code == 400


def test_default_graph_uri_restricts_the_dataset(client):
    stated = "https://w3id.org/ccdkg/id/graph/stated"
    r = client.get("/sparql", query_string={"query": COUNT, "default-graph-uri": stated})
    assert n_of(r) == 18  # the stated graph alone
    r = client.get(
        "/sparql",
        query_string=[
            ("query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
            ("named-graph-uri", "https://w3id.org/ccdkg/id/graph/links"),
        ],
    )
    assert n_of(r) == 3


def test_from_in_the_query_is_honoured(client):
    q = "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/ccdkg/id/graph/links> WHERE { ?s ?p ?o }"
    assert n_of(client.get("/sparql", query_string={"query": q})) == 3


def test_graph_not_served_is_refused(client):
    r = client.get("/sparql", query_string={"query": COUNT, "default-graph-uri": "http://127.0.0.1:9/x"})
    assert r.status_code == 400
    assert "not served" in r.get_data(as_text=True)


def test_etag_and_if_none_match(client):
    r = client.get("/sparql", query_string={"query": CITIES})
    etag = r.headers["ETag"]
    assert r.headers["Vary"] == "Accept"
    again = client.get("/sparql", query_string={"query": CITIES}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_volatile_queries_are_not_cached(client):
    q = "SELECT (STRUUID() AS ?u) WHERE {}"
    a = client.get("/sparql", query_string={"query": q}).get_json()
    b = client.get("/sparql", query_string={"query": q}).get_json()
    assert a != b


def test_access_log_one_line_per_query_with_duration(client, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="ccdkg.access"):
        client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o } # log me"})
    lines = [r.getMessage() for r in caplog.records if r.name == "ccdkg.access"]
    assert len(lines) == 1
    assert "log me" in lines[0] and "ms" in lines[0] and " 200 " in lines[0]


def test_select_results_carry_chinese_text_intact(client):
    q = (
        "SELECT ?l WHERE { <https://w3id.org/ccdkg/id/cluster/yangtze-river-delta> ?p ?l "
        'FILTER(lang(?l) = "zh-hant") }'
    )
    r = client.get("/sparql", query_string={"query": q})
    values = {b["l"]["value"] for b in json.loads(r.data)["results"]["bindings"]}
    assert values == {"長三角城市群"}


def test_repeated_get_is_replayed_with_every_header_of_the_first_answer(make_app):
    app = make_app(cache_bytes=1 << 20)
    client = app.test_client()
    replay = app.wsgi_app
    q = {"query": "SELECT ?c WHERE { ?c a <https://w3id.org/ccdkg/ontology#City> } # replay"}
    first = client.get("/sparql", query_string=q, headers={"Accept": "text/csv"})
    hits = replay.hits
    second = client.get("/sparql", query_string=q, headers={"Accept": "text/csv"})
    assert replay.hits == hits + 1
    assert second.data == first.data
    assert dict(second.headers) == dict(first.headers)
    other = client.get("/sparql", query_string=q, headers={"Accept": "text/tab-separated-values"})
    assert other.mimetype == "text/tab-separated-values"  # Accept is part of the key
    not_modified = client.get(
        "/sparql", query_string=q, headers={"Accept": "text/csv", "If-None-Match": first.headers["ETag"]}
    )
    assert not_modified.status_code == 304 and not_modified.data == b""
    # errors are never replayed: the same bad query goes through the checks each time
    for _ in range(2):
        assert client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x }"}).status_code == 400


def _sample(text: str, name: str, **labels: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def test_replayed_answers_are_counted_in_the_metrics(make_app):
    app = make_app(cache_bytes=1 << 20)
    client = app.test_client()
    q = {"query": "ASK { ?s ?p ?o } # counted replay"}
    first = client.get("/sparql", query_string=q)
    before = client.get("/metrics").get_data(as_text=True)
    client.get("/sparql", query_string=q)
    client.get("/sparql", query_string=q, headers={"If-None-Match": first.headers["ETag"]})
    after = client.get("/metrics").get_data(as_text=True)
    ok = {"method": "GET", "route": "/sparql", "status": "200"}
    assert (
        _sample(after, "ccdkg_replayed_responses_total")
        == _sample(before, "ccdkg_replayed_responses_total") + 2
    )
    assert (
        _sample(after, "ccdkg_http_requests_total", **ok)
        == _sample(before, "ccdkg_http_requests_total", **ok) + 1
    )
    not_modified = {**ok, "status": "304"}
    assert (
        _sample(after, "ccdkg_http_requests_total", **not_modified)
        == _sample(before, "ccdkg_http_requests_total", **not_modified) + 1
    )


# ---- negotiation after the query's form is known (issue 13) ------------------------------------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CONSTRUCT = "CONSTRUCT WHERE { ?s a ?t }"


@pytest.mark.parametrize(
    ("query", "accept", "mimetype"),
    [
        (CITIES, "*/*", "application/sparql-results+json"),  # curl's and most libraries' default
        (CITIES, "text/turtle,*/*;q=0.9", "application/sparql-results+json"),
        (CITIES, "application/n-triples,*/*;q=0.9", "application/sparql-results+json"),  # YASGUI
        ("ASK { ?s ?p ?o }", "*/*", "application/sparql-results+json"),
        (CONSTRUCT, "*/*", "text/turtle"),
        (CONSTRUCT, "text/turtle,*/*;q=0.9", "text/turtle"),
        (CONSTRUCT, "application/n-triples,*/*;q=0.9", "application/n-triples"),
        (CITIES, "text/html;q=0.5, */*", "application/sparql-results+json"),
        (CITIES, "application/sparql-results+xml, */*", "application/sparql-results+xml"),
    ],
)
def test_wildcard_clients_get_results_not_the_query_page(client, query, accept, mimetype):
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.mimetype == mimetype


@pytest.mark.parametrize(
    "query", [CITIES, "ASK {}", CONSTRUCT, "DESCRIBE <https://w3id.org/ccdkg/id/city/nanjing>"]
)
def test_a_browser_that_prefers_html_to_every_result_format_gets_the_query_page(client, query):
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.mimetype == "text/html"
    # ... but a format the form has, ranked as high as HTML, wins
    ranked = (
        "text/html, text/turtle" if query.startswith(("CONSTRUCT", "DESCRIBE")) else "text/html, text/csv"
    )
    r = client.get("/sparql", query_string={"query": query}, headers={"Accept": ranked})
    assert r.mimetype != "text/html"


def test_repeated_format_parameters_that_agree_are_fine(client):
    # what SPARQLWrapper sends for TSV
    r = client.get(
        "/sparql",
        query_string=[("query", CITIES), ("format", "tsv"), ("format", "text/tab-separated-values")],
    )
    assert r.status_code == 200 and r.mimetype == "text/tab-separated-values"
    r = client.post("/sparql", data={"query": CITIES, "format": ["csv", "text/csv"]})
    assert r.status_code == 200 and r.mimetype == "text/csv"


def test_repeated_format_parameters_that_disagree_are_400(client):
    r = client.get("/sparql", query_string=[("query", CITIES), ("format", "tsv"), ("format", "json")])
    assert r.status_code == 400
    assert "format" in r.get_data(as_text=True)


def test_unknown_format_name_is_400_and_a_format_the_form_lacks_is_406(client):
    assert client.get("/sparql", query_string={"query": CITIES, "format": "nonsense"}).status_code == 400
    r = client.get("/sparql", query_string={"query": CITIES, "format": "turtle"})
    assert r.status_code == 406
    assert "text/csv" in r.get_data(as_text=True)


# ---- HEAD mirrors GET ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/sparql?query=" + CITIES.replace(" ", "%20"), "text/csv"),
        ("/sparql?query=ASK%7B%7D", "*/*"),
        ("/sparql", "text/turtle"),
        ("/sparql", BROWSER),
        ("/.well-known/void", "text/turtle"),
        ("/downloads/ccdkg.nt", "*/*"),
        ("/id/city/shanghai", "text/turtle"),
        ("/id/city/shanghai", "text/html"),
        ("/ontology", "text/turtle"),
        ("/sparql?query=SELEC", "*/*"),
        ("/id/city/shanghai", "image/png"),
    ],
)
def test_head_answers_as_get_does_without_the_body(client, path, accept):
    get = client.get(path, headers={"Accept": accept})
    head = client.head(path, headers={"Accept": accept})
    assert head.status_code == get.status_code
    assert head.data == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Vary", "Content-Location", "Cache-Control"):
        assert head.headers.get(name) == get.headers.get(name), name


# ---- the dataset as loaded ---------------------------------------------------------------------------


def test_data_files_load_with_their_own_location_as_base(make_app, tmp_path):
    data = tmp_path / "about.rdf"
    data.write_text(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
        '<rdf:Description rdf:about=""><ex:p rdf:resource="other"/></rdf:Description></rdf:RDF>',
        encoding="utf-8",
    )
    client = make_app(data=[data]).test_client()
    r = client.get("/sparql", query_string={"query": "SELECT ?s ?o WHERE { ?s ?p ?o }"})
    row = r.get_json()["results"]["bindings"][0]
    assert row["s"]["value"] == data.resolve().as_uri()
    assert row["o"]["value"] == (tmp_path / "other").resolve().as_uri()


# ---- data for engineers: the released JSON-LD with the published @context -------------------------


def test_the_released_json_ld_dump_carries_the_context():
    from ccdkg.graph.release import RELEASE_DIR
    from ccdkg.jsonld import CONTEXT

    doc = json.loads((RELEASE_DIR / "ccdkg.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == CONTEXT


def test_a_volatile_answer_is_not_replayed_and_tells_caches_not_to_store_it(make_app):
    app = make_app(cache_bytes=1 << 20)
    client = app.test_client()
    replay = app.wsgi_app
    q = {"query": "SELECT (STRUUID() AS ?u) WHERE {} # replay?"}
    first = client.get("/sparql", query_string=q)
    hits = replay.hits
    second = client.get("/sparql", query_string=q)
    assert replay.hits == hits and first.data != second.data
    assert second.headers["Cache-Control"] == "no-store" and "ETag" not in second.headers


def test_the_query_page_on_sparql_varies_by_accept(client):
    """GET /sparql?query=… answers a browser with the query UI and a client with results."""
    page = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "text/html"})
    assert page.mimetype == "text/html" and "Accept" in page.headers["Vary"]
    description = client.get("/sparql", headers={"Accept": "text/html"})
    assert description.mimetype == "text/html" and "Accept" in description.headers["Vary"]

"""Protocol gaps of issue 13: base IRIs, updates sent as queries, a remote store down or hung."""

from __future__ import annotations

import http.server
import threading
import time
import urllib.parse

import pyoxigraph as ox
import pytest

from ccdkg.server import create_app

from .helpers import FIXTURE

BASE = "https://w3id.org/ccdkg/"


@pytest.fixture(scope="module")
def client():
    app = create_app({"data": [FIXTURE], "testing": True, "cache_bytes": 0})
    yield app.test_client()
    app.extensions["ccdkg"].close()


def test_relative_iris_in_a_query_resolve_against_the_public_base(client):
    # as W3C syntax-oneof-03 / protocol query_content_type_construct: no BASE in the query
    r = client.post(
        "/sparql",
        data="CONSTRUCT { <s> <p> 1 } WHERE {}",
        content_type="application/sparql-query",
        headers={"Accept": "application/n-triples"},
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_data(as_text=True).startswith(f"<{BASE}s> <{BASE}p> ")
    r = client.get(
        "/sparql",
        query_string={"query": "ASK { <id/city/shanghai> ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.get_json()["boolean"] is True
    # the query's own BASE still wins
    r = client.get(
        "/sparql",
        query_string={"query": "BASE <http://other/> SELECT (STR(<x>) AS ?x) {}"},
        headers={"Accept": "text/csv"},
    )
    assert r.get_data(as_text=True).splitlines()[1] == "http://other/x"


@pytest.mark.parametrize("update", ["INSERT DATA { <a:s> <a:p> <a:o> }", "DROP ALL", "LOAD <http://x/>"])
def test_an_update_sent_as_query_is_a_malformed_query(client, update):
    r = client.get("/sparql", query_string={"query": update})
    assert r.status_code == 400, r.get_data(as_text=True)
    assert "malformed query" in r.get_data(as_text=True)
    assert client.post("/sparql", data={"update": update}).status_code == 403  # the update operation


def test_data_files_load_with_their_own_iri_as_base(tmp_path):
    rdf = tmp_path / "about.rdf"
    rdf.write_text(
        '<?xml version="1.0"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">'
        '<rdf:Description rdf:about=""><rdfs:label>this file</rdfs:label></rdf:Description>'
        '<rdf:Description rdf:about="#part"><rdfs:label>a part</rdfs:label></rdf:Description>'
        "</rdf:RDF>\n"
    )
    app = create_app({"data": [rdf], "testing": True})
    try:
        rows = app.extensions["ccdkg"].store.select("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s")
        assert [r["s"].value for r in rows] == [rdf.resolve().as_uri(), rdf.resolve().as_uri() + "#part"]
    finally:
        app.extensions["ccdkg"].close()


class _Remote:
    """A SPARQL endpoint over the fixture that answers, hangs or is gone, as the test says."""

    def __init__(self) -> None:
        self.mode = "ok"
        remote = self
        data = ox.Store()
        data.bulk_load(path=str(FIXTURE), format=ox.RdfFormat.TRIG)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                if remote.mode == "hang":
                    time.sleep(30)
                    return
                graphs = {
                    "default_graph": [ox.NamedNode(g) for g in form.get("default-graph-uri", [])],
                    "named_graphs": [ox.NamedNode(g) for g in form.get("named-graph-uri", [])],
                }
                result = data.query(form["query"][0], **{k: v for k, v in graphs.items() if v})
                if isinstance(result, ox.QueryTriples):
                    body, ctype = result.serialize(format=ox.RdfFormat.N_TRIPLES), "application/n-triples"
                else:
                    body = result.serialize(format=ox.QueryResultsFormat.JSON)
                    ctype = "application/sparql-results+json"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(("mode", "status"), [("hang", 504), ("down", 502)])
def test_pages_over_a_remote_store_that_fails_answer_like_the_endpoint(mode, status):
    remote = _Remote()
    app = create_app({"store": remote.url, "testing": True, "deadline": 1.5, "cache_bytes": 0})
    try:
        if mode == "down":
            remote.down()
        else:
            remote.mode = mode
        client = app.test_client()
        for path, accept in (
            ("/id/city/shanghai", "text/html"),
            ("/sparql?query=ASK%7B%7D", "application/sparql-results+json"),
        ):
            started = time.monotonic()
            r = client.get(path, headers={"Accept": accept})
            assert r.status_code == status, (path, r.status_code, r.get_data(as_text=True)[:300])
            assert time.monotonic() - started < 10  # the deadline, not 30 s
    finally:
        app.extensions["ccdkg"].close()
        if mode != "down":
            remote.down()

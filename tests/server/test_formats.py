"""The server's side of the formats (server/formats.py): one wording of every 406, and the ETag,
Cache-Control and 304 of every page of the immutable release."""

from __future__ import annotations

import pytest


def test_406_is_worded_alike_everywhere(client):
    for path in ("/sparql?query=ASK%7B%7D", "/sparql", "/.well-known/void", "/id/city/shanghai"):
        r = client.get(path, headers={"Accept": "image/png"})
        body = r.get_data(as_text=True)
        assert r.status_code == 406 and r.mimetype == "text/plain"
        assert body.startswith("406 Not Acceptable: ") and "(ask with Accept or format=)" in body, body
    # the endpoint names what the query's form can be written as (the query page is no result format)
    body = client.get("/sparql?query=ASK%7B%7D", headers={"Accept": "image/png"}).get_data(as_text=True)
    assert "text/csv" in body and "text/turtle" not in body and "text/html" not in body


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/", "text/html"),
        ("/id/city/shanghai", "text/html"),
        ("/id/city/shanghai", "text/turtle"),
        ("/ontology", "text/html"),
        ("/ontology", "text/turtle"),
        ("/ontology/terms", "text/html"),
        ("/query", "text/html"),
        ("/search?q=shanghai", "text/html"),
        ("/validation", "text/html"),
        ("/downloads/", "*/*"),
        ("/.well-known/void", "text/turtle"),
        ("/context.jsonld", "*/*"),
        ("/sparql", "text/turtle"),
    ],
)
def test_every_page_has_an_etag_and_cache_control_and_answers_304(client, path, accept):
    r = client.get(path, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers.get("ETag")
    assert "max-age=" in r.headers.get("Cache-Control", "") and "no-cache" not in r.headers["Cache-Control"]
    again = client.get(path, headers={"Accept": accept, "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""

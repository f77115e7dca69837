"""Web surface: no reflected script, no path traversal, security headers, CORS for reads.

These use the Flask test client on the shared fixture app (tests/conftest.py): they test the
application's behaviour, not the HTTP server's.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest

SCRIPT = "<script>alert('x')</script>"
ATTR = '"><img src=x onerror=alert(1)>'


@pytest.mark.parametrize(
    "path",
    [
        "/query?" + urllib.parse.urlencode({"query": SCRIPT + ATTR}),
        "/query?" + urllib.parse.urlencode({"query": "</script>" + SCRIPT}),
        "/search?" + urllib.parse.urlencode({"q": SCRIPT + ATTR}),
        "/id/city/" + urllib.parse.quote(SCRIPT + ATTR),
        "/ontology/term/" + urllib.parse.quote(SCRIPT),
        "/no-such-page/" + urllib.parse.quote(SCRIPT + ATTR),
        "/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { " + SCRIPT + " }"}),
    ],
)
@pytest.mark.parametrize("accept", ["text/html", "*/*"])
def test_no_reflected_script(client, path, accept):
    reply = client.get(path, headers={"Accept": accept})
    body = reply.get_data(as_text=True)
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    # An inline JSON block must not be closable from the query string.
    for block in re.findall(r"<script[^>]*>(.*?)</script>", body, flags=re.S):
        assert "alert('x')" not in block or "<\\/script>" not in block


SECRETS = ("root:x:0:0", "[build-system]", "SECRET_KEY")


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../pyproject.toml",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static/..%2f..%2fpyproject.toml",
        "/static/vendor/../../../pyproject.toml",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/downloads/..%2f..%2fpyproject.toml",
        "/downloads/../../pyproject.toml",
        "/downloads/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/downloads//etc/passwd",
        "/id/../../pyproject.toml",
        "/id/%2e%2e/%2e%2e/etc/passwd",
        "/ontology/term/..%2f..%2f..%2fpyproject.toml",
        "/ontology.%2e%2e%2fpyproject.toml",
        "/query/examples/..%2f..%2fpyproject.toml.rq",
        "/query/examples/%2e%2e%2fapp.rq",
    ],
)
def test_static_and_resource_routes_resist_path_traversal(client, path):
    reply = client.get(path)
    body = reply.get_data(as_text=True)
    assert reply.status_code in (400, 404, 308, 301), (reply.status_code, body[:200])
    assert not any(secret in body for secret in SECRETS)


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/", "text/html"),
        ("/query", "text/html"),
        ("/sparql?query=ASK%7B%7D", "application/sparql-results+json"),
        ("/sparql?query=SELEC", "*/*"),
        ("/id/city/shanghai", "text/turtle"),
        ("/no-such-page", "text/html"),
        ("/healthz", "*/*"),
    ],
)
def test_security_headers_on_every_kind_of_response(client, path, accept):
    reply = client.get(path, headers={"Accept": accept})
    headers = reply.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-eval'" not in csp
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in headers


def test_csp_lets_the_query_ui_run(client):
    """Every script the query page loads is same-origin and no script is inline code."""
    page = client.get("/query", headers={"Accept": "text/html"}).get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts
    for attrs, _content in scripts:
        src = re.search(r'src="([^"]+)"', attrs)
        if src:
            assert src.group(1).startswith("/"), src.group(1)
            assert client.get(src.group(1)).status_code == 200
        else:  # data blocks only: a browser never executes these types
            assert re.search(r'type="application/(ld\+)?json"', attrs), attrs
    for href in re.findall(r'<link[^>]+href="([^"]+)"', page):
        assert href.startswith(("/", "data:")), href


def test_cors_preflight_for_queries(client):
    reply = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert reply.status_code == 204
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in reply.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in reply.headers["Access-Control-Allow-Headers"]
    got = client.post(
        "/sparql",
        data="ASK { ?s ?p ?o }",
        headers={"Content-Type": "application/sparql-query", "Origin": "https://example.org"},
    )
    assert got.status_code == 200
    assert got.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in got.headers["Access-Control-Expose-Headers"]

"""What the human-facing pages share (server/web.py): the language of a page, labels for every term,
the site's search box and language switch."""

from __future__ import annotations

HTML = {"Accept": "text/html"}


def test_language_switch_is_remembered(web_client):
    r = web_client.get("/id/cluster/us-northeast?lang=en", headers=HTML)
    assert "<h1>Northeast megalopolis</h1>" in r.get_data(as_text=True)
    assert "ccdkg-lang=en" in r.headers["Set-Cookie"]
    r = web_client.get("/id/cluster/us-northeast", headers=HTML)  # the cookie now says en
    assert "<h1>Northeast megalopolis</h1>" in r.get_data(as_text=True)
    r = web_client.get("/id/cluster/us-northeast?lang=zh-Hant", headers=HTML)
    assert "<h1>美國東北部城市群</h1>" in r.get_data(as_text=True)


def test_accept_language_picks_the_script(web_app):
    c = web_app.test_client()
    html = c.get("/id/city/london", headers={"Accept": "text/html", "Accept-Language": "zh-TW"}).get_data(
        True
    )
    assert "<h1>倫敦</h1>" in html
    html = c.get("/id/city/london", headers={"Accept": "text/html", "Accept-Language": "en-GB"}).get_data(
        True
    )
    assert "<h1>London</h1>" in html
    html = c.get("/id/city/london", headers={"Accept": "text/html"}).get_data(True)
    assert "<h1>伦敦</h1>" in html


def test_every_page_has_the_search_box_and_language_switch(web_client):
    for url in ("/", "/id/city/shanghai", "/search?q=x", "/query", "/ontology/terms", "/id/city/nowhere"):
        html = web_client.get(url, headers=HTML).get_data(as_text=True)
        assert 'action="/search"' in html and 'class="lang-switch' in html, url


def test_every_outside_term_the_graph_uses_has_a_label(release_app):
    from ccdkg.server import web

    store = release_app.extensions["ccdkg"].store
    used = {
        r["t"].value
        for q in (
            "SELECT DISTINCT ?t WHERE { ?s ?t ?o }",
            "SELECT DISTINCT ?t WHERE { ?s a ?t }",
            "SELECT DISTINCT ?t WHERE { ?s ?p ?o FILTER(isLiteral(?o)) BIND(datatype(?o) AS ?t) }",
        )
        for r in store.select(q)
        if r.get("t") is not None
    }
    with release_app.test_request_context("/?lang=zh-Hans"):
        unlabelled = sorted(t for t in used if web.label(t) == web.local_name(t))
    assert unlabelled == []

"""Search (server/search.py): labels in any script or pinyin, and the article's text, by SQLite FTS5."""

from __future__ import annotations

import sqlite3

import pytest

ID = "https://w3id.org/ccdkg/id/"
HTML = {"Accept": "text/html"}


@pytest.mark.parametrize(
    "q",
    ["長三角", "长三角", "changsanjiao", "chángsānjiǎo", "chang2 san1 jiao3", "Yangtze", "CHANG SAN JIAO"],
)
def test_search_across_scripts_and_pinyin(web_client, q):
    r = web_client.get("/search", query_string={"q": q, "format": "json"})
    hits = r.get_json()["results"]
    assert hits and hits[0]["iri"] == ID + "cluster/yangtze-river-delta", q


def test_search_ranks_exact_before_partial_and_serves_html(web_client):
    hits = web_client.get(
        "/search", query_string={"q": "伦敦"}, headers={"Accept": "application/json"}
    ).get_json()["results"]
    assert [h["iri"] for h in hits[:2]] == [ID + "city/london", ID + "cluster/london"]
    html = web_client.get("/search?q=lundun", headers=HTML).get_data(as_text=True)
    assert 'href="/id/city/london"' in html
    assert web_client.get("/search?q=zzzz&format=json").get_json()["count"] == 0
    assert web_client.get("/search?q=", headers=HTML).status_code == 200


@pytest.mark.parametrize("q", ["戈特曼", "Gottmann", "geteman"])
def test_search_finds_the_work_by_its_author(c, q):
    hits = c.get("/search", query_string={"q": q, "format": "json"}).get_json()["results"]
    assert ID + "work/gottmann-1957" in [h["iri"] for h in hits[:3]], q


@pytest.mark.parametrize(
    "q", ["城市群外交是空间集聚的城市群落", "城市群外交是空間集聚的城市群落", "国际金融服务"]
)
def test_search_finds_any_phrase_of_the_text(c, q):
    passages = c.get("/search", query_string={"q": q, "format": "json"}).get_json()["passages"]
    assert passages and all(p["read_href"].startswith("/read/") for p in passages)


def test_search_short_queries_and_the_index_is_sqlite_fts5(c, release_app):
    hits = c.get("/search", query_string={"q": "伦敦", "format": "json"}).get_json()["results"]
    assert hits[0]["iri"] == ID + "city/london"
    from ccdkg.server import search

    with release_app.test_request_context("/search?q=x"):
        index = search.index()
    assert isinstance(index.db, sqlite3.Connection)
    tables = {r[0] for r in index.db.execute("SELECT name FROM sqlite_master WHERE sql LIKE '%fts5%'")}
    assert {"label_keys", "label_grams", "text_keys", "text_grams"} <= tables

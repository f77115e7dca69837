"""The researcher's pages over the built graph, without a browser: the reader, evidence once and clean,
labels for every vocabulary term, one site everywhere (errors, downloads, validation, ontology), the
bibliography, interpretations, map data, full-text search and "cite this"."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest

from .conftest import RELEASE, make_app

pytestmark = pytest.mark.skipif(not RELEASE.exists(), reason="needs the built graph (ccdkg build)")

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ID = "https://w3id.org/ccdkg/id/"
STATIC = Path(__file__).resolve().parents[2] / "server" / "static"


@pytest.fixture(scope="module")
def release_app():
    app = make_app(RELEASE)
    yield app
    app.extensions["ccdkg"].close()


@pytest.fixture()
def c(release_app):
    return release_app.test_client()


def page(c, path: str, **kw) -> str:
    r = c.get(path, headers=HTML, **kw)
    assert r.status_code == 200, (path, r.status_code)
    return r.get_data(as_text=True)


def main_of(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


# --------------------------------------------------------------------------- the reader


def test_reader_part_has_headings_paragraphs_anchors_and_facts(c):
    html = page(c, "/read/s3?lang=zh-Hans")
    assert re.search(r"<h1 class=\"heading\">三、.*城市群外交的政治影响与挑战", html)
    assert '<h2 class="heading">（一）' in html and '<h2 class="heading">（二）' in html
    # every passage anchored by its slug, and the facts drawn from it come with their class
    assert '<span class="sentence" id="s3-1-p2-1" data-passage="s3-1-p2-1">' in html
    facts = html[html.index('<template id="facts-s3-1-p2-1"') :].split("</template>", 1)[0]
    assert 'href="/id/impact/' in facts and 'class="badge kind"' in facts
    assert "/query?query=" in facts and "wasDerivedFrom" in facts.replace("%3A", ":")
    assert 'rel="prev" href="/read/s2"' in html and 'rel="next" href="/read/s4"' in html
    assert "**" not in main_of(html) and "<sup>①" not in html


def test_reader_whole_article_table_footnotes_and_marks(c):
    html = page(c, "/read?lang=zh-Hans")
    for part in ("front", "intro", "s1", "s2", "s3", "s4"):
        assert f'id="part-{part}"' in html
    table = html[html.index('<figure class="table1"') :].split("</figure>", 1)[0]
    assert table.count("<tr id=") == 7 and "国际金融服务" in table and "<table>" in table
    assert 'id="s2-table1-r1-function2"' in table
    # footnote 7: its mark follows the sentence it belongs to, the note links the work it cites
    para = re.search(r'<p class="para" id="s1-4-p1">.*?</p>', html, re.S).group(0)
    assert 'id="s1-4-p1-3"' in para and 'id="ref-fn07" href="#fn07"' in para
    note = re.search(r'<li id="fn07".*?</li>', html, re.S).group(0)
    assert "何亚非" in note and 'href="/id/work/he-2015"' in note and 'href="#ref-fn07"' in note
    assert html.count('class="pagebreak"') >= 3  # the copy's page breaks are kept


@pytest.mark.parametrize(
    ("path", "reader"),
    [
        ("/id/section/s3-1", "/read/s3#s3-1-heading"),
        ("/id/passage/s3-1-p2-1", "/read/s3#s3-1-p2-1"),
        ("/id/footnote/fn07", "/read/s1#fn07"),
        ("/id/source/clean-text", "/read"),
    ],
)
def test_text_pages_open_the_reader_where_they_are(c, path, reader):
    assert f'<a class="read-link" href="{reader}">' in page(c, path)


def test_reader_unknown_part_is_a_styled_404(c):
    r = c.get("/read/s9", headers=HTML)
    assert r.status_code == 404 and '<header class="site">' in r.get_data(as_text=True)


# --------------------------------------------------------------------------- evidence once, clean, labelled


def test_cluster_evidence_once_as_cells_with_a_way_into_the_reader(c):
    html = page(c, "/id/cluster/northeast-megalopolis?lang=zh-Hans")
    body = main_of(html)
    assert "资料来源" not in body  # Table 1's footer is no evidence
    assert "<sup>" not in body and "**" not in body
    assert 'class="read-link" href="/read/s2#s2-table1-r1' in body
    # under each statement its evidence once: the member cities' row once, not once per city
    groups = re.findall(r'<details class="fact-evidence".*?</details>', body, re.S)
    assert groups
    for g in groups:
        figures = re.findall(r"<figure.*?</figure>", g, re.S)
        quotes = [re.sub(r"<figcaption>.*", "", f, flags=re.S) for f in figures]
        assert len(quotes) == len(set(quotes))
    members = next(g for g in groups if "<td><mark>纽约、波士顿、华盛顿、费城等</mark></td>" in g)
    assert members.count("<td><mark>纽约、波士顿、华盛顿、费城等</mark></td>") == 1
    assert "缺失" not in body


def test_city_page_names_properties_in_words_and_keeps_lat_by_long(c):
    html = page(c, "/id/city/shanghai?lang=zh-Hans")
    names = re.findall(r'<th scope="row"><a href="[^"]*" title="([^"]+)">([^<]+)</a>', html)
    labels = [n for _iri, n in names]
    assert "纬度" in labels and "经度" in labels
    assert labels.index("经度") == labels.index("纬度") + 1
    assert not any(n in ("lat", "long", "wasDerivedFrom", "exact") for n in labels)
    en = page(c, "/id/city/shanghai?lang=en")
    assert ">latitude</a>" in en and ">longitude</a>" in en
    assert not re.search(r'<span class="tag"[^>]*>(integer|decimal|gYear)</span>', en)


def test_recommendation_sub_paths_in_the_article_order(c, release_app):
    store = release_app.extensions["ccdkg"].store
    rows = store.select(
        "SELECT ?sub ?n WHERE { <https://w3id.org/ccdkg/id/recommendation/central-city-leadership>"
        " <https://w3id.org/ccdkg/ontology#hasSubRecommendation> ?sub ."
        " ?sub <https://w3id.org/ccdkg/ontology#order> ?n }"
    )
    expected = [r["sub"].value for r in sorted(rows, key=lambda r: int(r["n"].value))]
    html = page(c, "/id/recommendation/central-city-leadership?lang=en")
    shown = [m for m in re.findall(r'href="(/id/recommendation/[^"]+)"', html)]
    positions = [shown.index("/" + s.split("/ccdkg/", 1)[1]) for s in expected]
    assert positions == sorted(positions) and len(expected) >= 3


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


def test_clean_text_strips_the_copys_markup():
    from ccdkg.server.cleantext import plain, rich

    assert plain("发展<sup>①</sup>。") == "发展①。"
    assert plain("**【内容摘要】** 城市群") == "【内容摘要】 城市群"
    assert plain("### （一）全球") == "（一）全球"
    assert plain("参见 *Nature*, 2019") == "参见 Nature, 2019"
    assert plain("美国东北部城市群\t纽约、波士顿等") == "美国东北部城市群 | 纽约、波士顿等"
    assert plain("[https://x.org/a\\_b](https://x.org/a_b)") == "https://x.org/a_b"
    assert plain("GlobalTrends\\\\_2040.pdf") == "GlobalTrends_2040.pdf"  # escaped twice in the text
    assert str(rich("参见 *Nature*, a < b")) == "参见 <i>Nature</i>, a &lt; b"


# --------------------------------------------------------------------------- one site


@pytest.mark.parametrize(
    "path",
    ["/read", "/map", "/works", "/interpretations", "/validation", "/validate", "/ontology", "/downloads/"],
)
def test_every_page_has_the_site_header_language_switch_and_cite_block(c, path):
    html = page(c, path + "?lang=zh-Hant")
    assert '<header class="site">' in html and 'class="lang-switch current" data-lang="zh-Hant"' in html
    assert 'rel="icon"' in html and 'class="cite-this"' in html


def test_validation_page_speaks_the_chosen_language(c):
    html = page(c, "/validation?lang=zh-Hant")
    assert "數據符合約束" in html or "數據不符合約束" in html
    assert "The data conforms" not in html


def test_errors_are_styled_and_bilingual_for_browsers_plain_for_scripts(c):
    r = c.get("/no/such/page?lang=zh-Hans", headers=HTML)
    html = r.get_data(as_text=True)
    assert r.status_code == 404 and '<header class="site">' in html
    assert "未找到" in html and 'lang="en">Not found' in html
    plain = c.get("/no/such/page", headers={"Accept": "*/*"})
    assert plain.status_code == 404 and '<header class="site">' not in plain.get_data(as_text=True)
    sparql = c.post("/sparql", data={"query": "SELEC"}, headers=HTML)
    assert sparql.status_code == 400 and '<header class="site">' not in sparql.get_data(as_text=True)


def test_favicon(c):
    r = c.get("/favicon.ico")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and b"<svg" in r.data


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


def test_ontology_page_is_part_of_the_site_and_links_the_full_docs(c):
    html = page(c, "/ontology")
    assert '<header class="site">' in html and 'href="/ontology/docs"' in html
    assert 'href="/ontology/term/CityCluster"' in html
    docs = c.get("/ontology/docs")
    assert docs.status_code == 200 and b"pyLODE" in docs.data


def test_cite_this_and_the_home_citation_are_complete(c):
    from ccdkg import __version__

    home = page(c, "/?lang=zh-Hans")
    cite = home[home.index('id="cite"') :]
    assert f"(ccdkg) {__version__}. https://w3id.org/ccdkg/" in cite
    assert "韩笑：《全球治理视域下的城市群外交》，《国际展望》2022年第4期，第80–95页。" in cite
    res = page(c, "/id/city/shanghai?lang=en")
    footer = res[res.index('class="cite-this"') :]
    assert "https://w3id.org/ccdkg/id/city/shanghai" in footer and "Han Xiao (2022)" in footer


# --------------------------------------------------------------------------- pages a researcher needs


def test_bibliography_in_footnote_order_with_authors_year_venue_and_citing_sentence(c):
    html = page(c, "/works?lang=zh-Hans")
    order = re.findall(r'<li class="work" id="([^"]+)"', html)
    assert order[0] == "chen-zhao-2017" and order.index("gottmann-1957") < order.index("he-2015")
    entry = re.search(
        r'<li class="work" id="gottmann-1957">.*?</li>\s*(?=<li class="work"|</ol>)', html, re.S
    ).group(0)
    assert "Jean Gottmann" in entry and "1957" in entry and "Economic Geography" in entry
    assert 'href="/read/intro#' in entry  # the sentence that cites it, in the reader
    assert "Jean Gottmann (1957). Megalopolis: or the Urbanization of the Northeastern Seaboard." in entry
    assert "/query?query=" in html


def test_interpretations_listed_and_filterable(c):
    html = page(c, "/interpretations?lang=en")
    total = len(re.findall(r"<tr><td>", html))
    assert total > 30 and "rdfs-schema#label" not in html
    only = page(c, "/interpretations", query_string={"property": "https://w3id.org/ccdkg/ontology#locatedIn"})
    located = len(re.findall(r"<tr><td>", only))
    assert 0 < located < total
    words = page(c, "/interpretations", query_string={"q": "Shanghai", "lang": "en"})
    assert 0 < len(re.findall(r"<tr><td>", words)) < total


def test_map_data_is_the_graphs_coordinates_and_drawn_from_vendored_files(c, release_app):
    html = page(c, "/map?lang=zh-Hans")
    data = json.loads(
        re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S).group(1)
    )
    assert len(data) == 7 and sum(len(x["cities"]) for x in data) >= 20
    store = release_app.extensions["ccdkg"].store
    (row,) = store.select(
        "SELECT ?lat ?long WHERE { GRAPH ?g { <https://w3id.org/ccdkg/id/city/shanghai>"
        " <http://www.w3.org/2003/01/geo/wgs84_pos#lat> ?lat ;"
        " <http://www.w3.org/2003/01/geo/wgs84_pos#long> ?long } }"
    )
    shanghai = next(city for x in data for city in x["cities"] if city["iri"] == ID + "city/shanghai")
    assert (shanghai["lat"], shanghai["long"]) == (float(row["lat"].value), float(row["long"].value))
    for src in re.findall(r'src="/static/(vendor/map/[^"]+)"', html):
        assert (STATIC / src).exists()
    for name in ("d3-geo", "d3-array", "topojson-client", "world-atlas"):
        assert (STATIC / "vendor" / "map" / f"LICENSE.{name}").exists()
    assert not re.search(r'(src|href)="https?://', html.split("<footer", 1)[0].split("</header>", 1)[1])


def test_query_ui_labels_and_evidence_per_node(c):
    data = c.get("/query/labels.json?lang=en").get_json()
    label, href = data["labels"][ID + "cluster/northeast-megalopolis"]
    assert label == "Northeastern US megalopolis" and href == "/id/cluster/northeast-megalopolis"
    ev_href, ev_text = data["evidence"][ID + "cluster/northeast-megalopolis"]
    assert ev_href.startswith("/read/") and ev_text
    zh = c.get("/query/labels.json?lang=zh-Hans").get_json()
    assert zh["labels"][ID + "cluster/northeast-megalopolis"][0] == "美国东北部城市群"
    html = page(c, "/query?lang=zh-Hans")
    assert "简洁视图" in html and "/query/labels.json?lang=zh-Hans" in html


# --------------------------------------------------------------------------- full-text search


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


def test_release_graph_parses():  # the page tests above read the same file the server loads
    assert sum(1 for _ in ox.parse(path=str(RELEASE), format=ox.RdfFormat.TRIG)) > 1000

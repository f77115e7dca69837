"""The web pages through the Flask test client, over tests/ui/fixture.trig."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from .conftest import make_app

ID = "https://w3id.org/ccdkg/id/"
CLUSTER = ID + "cluster/us-northeast"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
HTML = {"Accept": "text/html"}


def jsonld_blocks(html: str) -> list:
    return [
        json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


# --------------------------------------------------------------------------- resource pages


def test_cluster_page_shows_labels_types_evidence_and_its_own_data(client):
    r = client.get("/id/cluster/us-northeast", headers=HTML)
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    for text in ("美国东北部城市群", "Northeast megalopolis", "美國東北部城市群"):  # zh-Hans, en, zh-Hant
        assert text in html
    assert 'lang="zh-Hant"' in html and "城市群" in html  # the type, by its label
    # the evidence: the verbatim Table 1 row, its section, both witnesses, a link to the passage
    assert "国际政治交往、国际金融服务、国际航运交通等" in html
    assert "二、城市群外交的类型与功能" in html
    assert 'href="/id/passage/s2-table1-us-northeast"' in html
    assert "网页副本" in html
    # properties by label, linking on this server
    assert 'href="/id/core-function/international-financial-services"' in html
    assert ">纽约</a>" in html
    # the page's own data as JSON-LD, parseable and about this resource
    (data,) = jsonld_blocks(html)
    assert CLUSTER in json.dumps(data)
    assert r.headers["Content-Location"] == "/id/cluster/us-northeast.html"
    assert "Accept" in r.headers["Vary"]
    # links to each format and a ready SPARQL query about it
    for ext in ("ttl", "jsonld", "nt", "rdf"):
        assert f'href="/id/cluster/us-northeast.{ext}"' in html
    query_link = re.search(r'class="sparql-link" href="([^"]+)"', html).group(1)
    assert query_link.startswith("/query?query=")


@pytest.mark.parametrize(
    ("accept", "mime", "fmt"),
    [
        ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("text/html;q=0.5, text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
    ],
)
def test_content_negotiation(client, accept, mime, fmt):
    r = client.get("/id/cluster/us-northeast", headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == mime
    assert "Accept" in r.headers["Vary"]
    ext = {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/n-triples": "nt"}.get(
        mime, "rdf"
    )
    assert r.headers["Content-Location"] == f"/id/cluster/us-northeast.{ext}"
    triples = {q.triple for q in ox.parse(r.data, format=fmt)}
    assert (
        ox.Triple(ox.NamedNode(CLUSTER), LABEL, ox.Literal("美国东北部城市群", language="zh-hans")) in triples
    )
    # what links to it is in its document too
    fin = ID + "core-function/international-financial-services"
    r = client.get("/id/core-function/international-financial-services", headers={"Accept": accept})
    triples = {q.triple for q in ox.parse(r.data, format=fmt)}
    has_core = ox.NamedNode("https://w3id.org/ccdkg/ontology#hasCoreFunction")
    assert ox.Triple(ox.NamedNode(CLUSTER), has_core, ox.NamedNode(fin)) in triples


def test_format_parameter_and_document_urls(client):
    r = client.get("/id/city/shanghai?format=turtle", headers=HTML)
    assert r.mimetype == "text/turtle"
    r = client.get("/id/city/shanghai.nt", headers=HTML)
    assert r.mimetype == "application/n-triples" and "Content-Location" not in r.headers
    assert client.get("/id/city/shanghai?format=nonsense").status_code == 400
    assert client.get("/id/city/shanghai", headers={"Accept": "image/png"}).status_code == 406


def test_rdf_is_deterministic(client):
    a = client.get("/id/cluster/london.ttl").data
    b = client.get("/id/cluster/london.ttl").data
    assert a == b


def test_unknown_iri_is_a_404_page_with_suggestions(client):
    r = client.get("/id/city/shanghia", headers=HTML)
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "https://w3id.org/ccdkg/id/city/shanghia" in r.get_data(as_text=True)
    r = client.get("/id/cluster/yangtze", headers=HTML)
    assert 'href="/id/cluster/yangtze-river-delta"' in r.get_data(as_text=True)
    r = client.get("/id/city/shanghia", headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and r.mimetype == "text/plain"


def test_interpretations_are_marked(client):
    html = client.get("/id/city/new-york", headers=HTML).get_data(as_text=True)
    # 纽约 → 美国 comes from id:graph/interpreted, so it carries the mark
    row = re.search(r'<li class="value interpreted"><a href="/id/country/united-states".*?</li>', html, re.S)
    assert row and "badge interpreted" in row.group(0)
    html = client.get("/id/city/shanghai", headers=HTML).get_data(as_text=True)
    assert '<li class="value stated"><a href="/id/country/china"' in html


def test_outside_links_are_shown_with_their_source(client):
    html = client.get("/id/city/shanghai", headers=HTML).get_data(as_text=True)
    assert 'href="http://www.wikidata.org/entity/Q8686"' in html
    assert 'href="https://sws.geonames.org/1796236/"' in html
    assert 'href="http://dbpedia.org/resource/Shanghai"' in html
    for source in ("Wikidata", "GeoNames", "DBpedia"):
        assert f'<span class="badge source">{source}</span>' in html
    assert "31.2222, 121.4581" in html


def test_function_page_answers_which_clusters_and_where(client):
    """The question of the issue: which clusters have 国际金融服务, and where does the article say so."""
    html = client.get("/id/core-function/international-financial-services", headers=HTML).get_data(
        as_text=True
    )
    assert 'href="/id/cluster/us-northeast"' in html and 'href="/id/cluster/london"' in html
    assert 'href="/id/cluster/yangtze-river-delta"' not in html
    # each cluster comes with the row of Table 1 that credits it, as the row's cells
    assert "<td>伦敦、利物浦等</td><td>国际政治交往、国际金融服务等</td>" in html
    assert "<td>纽约、波士顿、华盛顿、费城等</td><td>国际政治交往、国际金融服务、国际航运交通等</td>" in html
    # the statement's evidence once, naming the values it supports, not once under every value
    assert html.count("文中依据") == 1 and html.count("<td>伦敦、利物浦等</td>") == 1
    assert "支持: 英国伦敦城市群" in html


def test_language_switch_is_remembered(client):
    r = client.get("/id/cluster/us-northeast?lang=en", headers=HTML)
    assert "<h1>Northeast megalopolis</h1>" in r.get_data(as_text=True)
    assert "ccdkg-lang=en" in r.headers["Set-Cookie"]
    r = client.get("/id/cluster/us-northeast", headers=HTML)  # the cookie now says en
    assert "<h1>Northeast megalopolis</h1>" in r.get_data(as_text=True)
    r = client.get("/id/cluster/us-northeast?lang=zh-Hant", headers=HTML)
    assert "<h1>美國東北部城市群</h1>" in r.get_data(as_text=True)


def test_accept_language_picks_the_script(app):
    c = app.test_client()
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


def test_everything_shown_is_escaped(tmp_path: Path):
    evil = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
    data = tmp_path / "evil.trig"
    data.write_text(
        "@prefix ccd: <https://w3id.org/ccdkg/ontology#> .\n"
        "<https://w3id.org/ccdkg/id/graph/stated> {\n"
        f'  <{ID}city/evil> a ccd:City ; <http://www.w3.org/2000/01/rdf-schema#label> "{evil}"@zh-Hans ;\n'
        f'    <http://www.w3.org/2000/01/rdf-schema#comment> "{evil}" .\n'
        f"  <{ID}cluster/c> ccd:hasMemberCity <{ID}city/evil> ; ccd:hasCoreFunction <{ID}core-function/f> .\n"
        "}\n",
        encoding="utf-8",
    )
    c = make_app(data).test_client()
    for url in (
        "/id/city/evil",
        "/",
        "/search?q=alert",
        "/id/cluster/c",
        "/table1.svg",
        "/query?query=" + evil,
    ):
        body = c.get(url, headers=HTML).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, url
    page = c.get("/id/city/evil", headers=HTML).get_data(as_text=True)
    (data_block,) = jsonld_blocks(page)
    assert evil in json.dumps(data_block, ensure_ascii=False)  # the JSON-LD still carries the label


# --------------------------------------------------------------------------- the ontology


def test_ontology_iri_serves_docs_and_rdf(client):
    r = client.get("/ontology", headers=HTML)
    assert r.status_code == 200 and r.mimetype == "text/html"
    r = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert r.mimetype == "text/turtle"
    triples = {q.triple for q in ox.parse(r.data, format=ox.RdfFormat.TURTLE)}
    assert (
        ox.Triple(
            ox.NamedNode("https://w3id.org/ccdkg/ontology"),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://www.w3.org/2002/07/owl#Ontology"),
        )
        in triples
    )
    assert client.get("/ontology.rdf").mimetype == "application/rdf+xml"


def test_class_page_lists_instances_with_count(client):
    html = client.get("/ontology/term/CityCluster", headers=HTML).get_data(as_text=True)
    assert '<span class="count">3</span>' in html
    for slug in ("us-northeast", "london", "yangtze-river-delta"):
        assert f'href="/id/cluster/{slug}"' in html


def test_property_page_shows_usage_and_examples(client):
    html = client.get("/ontology/term/hasCoreFunction", headers=HTML).get_data(as_text=True)
    assert '<span class="count">5</span>' in html
    assert 'href="/id/core-function/international-financial-services"' in html
    r = client.get("/ontology/term/hasCoreFunction", headers={"Accept": "text/turtle"})
    assert r.mimetype == "text/turtle"


def test_terms_overview_links_every_term_with_counts(client):
    html = client.get("/ontology/terms", headers=HTML).get_data(as_text=True)
    assert 'href="/ontology/term/CityCluster"' in html and 'href="/ontology/term/hasMemberCity"' in html


# --------------------------------------------------------------------------- home and Table 1


def test_home_is_a_fair_landing_page(client):
    r = client.get("/", headers=HTML)
    assert r.status_code == 200
    links = r.headers["Link"]
    assert '<https://w3id.org/ccdkg/>; rel="cite-as"' in links
    assert 'rel="describedby"' in links and "/.well-known/void" in links
    assert '<https://creativecommons.org/licenses/by/4.0/>; rel="license"' in links
    html = r.get_data(as_text=True)
    (dataset,) = jsonld_blocks(html)
    assert dataset["@type"] == "Dataset" and dataset["license"].startswith("https://creativecommons.org/")
    assert {"zh-Hans", "en"} <= {n["@language"] for n in dataset["name"]}
    assert any(d["contentUrl"].endswith("ccdkg.trig") for d in dataset["distribution"])
    for path in ("/query", "/ontology", "/validation", "/downloads/", "/.well-known/void"):
        assert f'href="{path}"' in html, path
    assert "10.13851/j.cnki.gjzw.202204005" in html
    # both languages say what the graph is
    assert "转化为关联数据" in html and "into linked data" in html


def test_home_outline_follows_the_argument(client):
    html = client.get("/", headers=HTML).get_data(as_text=True)
    flow = html[html.index('class="argument-flow"') :]
    order = [flow.index(k) for k in ("part-drivers", "part-functions", "part-impacts", "part-challenges")]
    assert order == sorted(order)
    assert flow.index("/id/driver/city-network-maturation") < flow.index("/id/driver/national-will")
    assert '<ol class="subs"><li><a href="/id/recommendation/metropolis-leadership-1"' in flow


def test_table1_picture_is_drawn_from_the_graph(client):
    r = client.get("/table1.svg")
    assert r.mimetype == "image/svg+xml"
    svg = r.get_data(as_text=True)
    ox.parse  # noqa: B018  (the picture is XML: parse it)
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    edges = root.findall(".//s:path[@class='edge']", ns)
    assert len(edges) == 5  # one per ccd:hasCoreFunction statement in the fixture
    fin = ID + "core-function/international-financial-services"
    assert sorted(e.get("data-cluster") for e in edges if e.get("data-function") == fin) == [
        ID + "cluster/london",
        ID + "cluster/us-northeast",
    ]
    hrefs = {a.get("href") for a in root.findall(".//s:a", ns)}
    assert {
        "/id/cluster/us-northeast",
        "/id/city/new-york",
        "/id/core-function/international-financial-services",
    } <= hrefs
    home = client.get("/", headers=HTML).get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="table1"' in home


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize(
    "q",
    ["長三角", "长三角", "changsanjiao", "chángsānjiǎo", "chang2 san1 jiao3", "Yangtze", "CHANG SAN JIAO"],
)
def test_search_across_scripts_and_pinyin(client, q):
    r = client.get("/search", query_string={"q": q, "format": "json"})
    hits = r.get_json()["results"]
    assert hits and hits[0]["iri"] == ID + "cluster/yangtze-river-delta", q


def test_search_ranks_exact_before_partial_and_serves_html(client):
    hits = client.get(
        "/search", query_string={"q": "伦敦"}, headers={"Accept": "application/json"}
    ).get_json()["results"]
    assert [h["iri"] for h in hits[:2]] == [ID + "city/london", ID + "cluster/london"]
    html = client.get("/search?q=lundun", headers=HTML).get_data(as_text=True)
    assert 'href="/id/city/london"' in html
    assert client.get("/search?q=zzzz&format=json").get_json()["count"] == 0
    assert client.get("/search?q=", headers=HTML).status_code == 200


def test_every_page_has_the_search_box_and_language_switch(client):
    for url in ("/", "/id/city/shanghai", "/search?q=x", "/query", "/ontology/terms", "/id/city/nowhere"):
        html = client.get(url, headers=HTML).get_data(as_text=True)
        assert 'action="/search"' in html and 'class="lang-switch' in html, url


# --------------------------------------------------------------------------- query UI


def test_query_ui_is_self_contained_with_a_gallery(client):
    html = client.get("/query", headers=HTML).get_data(as_text=True)
    assert "/static/vendor/yasgui/yasgui.min.js" in html
    # nothing is fetched from another host
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', html)
    assert "哪些城市群具有“国际金融服务”功能" in html
    html_en = client.get("/query?lang=en", headers=HTML).get_data(as_text=True)
    assert "international financial services" in html_en
    assert client.get("/static/vendor/yasgui/yasgui.min.js").status_code == 200
    assert client.get("/static/vendor/yasgui/LICENSE").status_code == 200


def test_gallery_queries_run_on_the_endpoint(client):
    examples = client.get("/query/examples.json").get_json()
    assert len(examples) >= 6
    for ex in examples:
        r = client.post(
            "/sparql", data={"query": ex["query"]}, headers={"Accept": "application/sparql-results+json"}
        )
        assert r.status_code == 200, (ex["id"], r.data[:300])
    fin = next(e for e in examples if e["id"] == "01-financial-services")
    r = client.post(
        "/sparql", data={"query": fin["query"]}, headers={"Accept": "application/sparql-results+json"}
    )
    clusters = {b["cluster"]["value"] for b in r.get_json()["results"]["bindings"]}
    assert clusters == {ID + "cluster/us-northeast", ID + "cluster/london"}


def test_vendored_yasgui_matches_its_recorded_checksums():
    import hashlib

    vendor = Path(__file__).resolve().parents[2] / "server" / "static" / "vendor" / "yasgui"
    lines = (vendor / "VERSION").read_text().splitlines()
    assert "package=@zazuko/yasgui" in lines and "license=MIT" in lines
    for line in lines:
        if line.startswith("sha256 "):
            _, digest, name = line.split()
            assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == digest, name

"""Linked-data pages (server/pages/): resources and the ontology as HTML and in every RDF format.

``web_client`` serves the web pages' dataset (tests/ui/fixture.trig, shaped as docs/data-model.md
says); ``client`` the endpoint's (tests/server/fixture.trig); both from tests/conftest.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from ..helpers import jsonld_blocks, main_of, page
from ..ui.conftest import make_app

ID = "https://w3id.org/ccdkg/id/"
CLUSTER = ID + "cluster/us-northeast"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
HTML = {"Accept": "text/html"}


def test_resource_json_ld_is_compact_with_the_published_context(client):
    import pyoxigraph as ox
    from rdflib import Graph

    context = client.get("/context.jsonld")
    assert context.status_code == 200 and context.mimetype == "application/ld+json"
    r = client.get("/id/city/shanghai", headers={"Accept": "application/ld+json"})
    doc = r.get_json(force=True)
    assert doc["@context"] == context.get_json(force=True)["@context"]  # embedded: readers fetch nothing
    assert "rdfs:label" in json.dumps(doc, ensure_ascii=False)
    turtle = client.get("/id/city/shanghai", headers={"Accept": "text/turtle"}).data
    expected = {q.triple for q in ox.parse(turtle, format=ox.RdfFormat.TURTLE)}
    assert len(Graph().parse(data=r.data, format="json-ld")) == len(expected)
    assert {q.triple for q in ox.parse(r.data, format=ox.RdfFormat.JSON_LD)} == expected


@pytest.mark.parametrize(("accept", "ext"), [("application/trig", "trig"), ("application/n-quads", "nq")])
def test_resources_in_trig_and_n_quads_keep_their_named_graphs(client, accept, ext):
    import pyoxigraph as ox

    r = client.get("/id/city/shanghai", headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    assert r.headers["Content-Location"] == f"/id/city/shanghai.{ext}"
    quads = list(ox.parse(r.data, format=ox.RdfFormat.from_media_type(accept)))
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    assert {"https://w3id.org/ccdkg/id/graph/stated", "https://w3id.org/ccdkg/id/graph/links"} <= graphs
    assert client.get(f"/id/city/shanghai.{ext}").data == r.data
    turtle = client.get("/id/city/shanghai", headers={"Accept": "text/turtle"}).data
    assert {q.triple for q in quads} == {q.triple for q in ox.parse(turtle, format=ox.RdfFormat.TURTLE)}


def test_cluster_page_shows_labels_types_evidence_and_its_own_data(web_client):
    r = web_client.get("/id/cluster/us-northeast", headers=HTML)
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
def test_content_negotiation(web_client, accept, mime, fmt):
    r = web_client.get("/id/cluster/us-northeast", headers={"Accept": accept})
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
    r = web_client.get("/id/core-function/international-financial-services", headers={"Accept": accept})
    triples = {q.triple for q in ox.parse(r.data, format=fmt)}
    has_core = ox.NamedNode("https://w3id.org/ccdkg/ontology#hasCoreFunction")
    assert ox.Triple(ox.NamedNode(CLUSTER), has_core, ox.NamedNode(fin)) in triples


def test_format_parameter_and_document_urls(web_client):
    r = web_client.get("/id/city/shanghai?format=turtle", headers=HTML)
    assert r.mimetype == "text/turtle"
    r = web_client.get("/id/city/shanghai.nt", headers=HTML)
    assert r.mimetype == "application/n-triples" and "Content-Location" not in r.headers
    assert web_client.get("/id/city/shanghai?format=nonsense").status_code == 400
    assert web_client.get("/id/city/shanghai", headers={"Accept": "image/png"}).status_code == 406


def test_rdf_is_deterministic(web_client):
    a = web_client.get("/id/cluster/london.ttl").data
    b = web_client.get("/id/cluster/london.ttl").data
    assert a == b


def test_unknown_iri_is_a_404_page_with_suggestions(web_client):
    r = web_client.get("/id/city/shanghia", headers=HTML)
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "https://w3id.org/ccdkg/id/city/shanghia" in r.get_data(as_text=True)
    r = web_client.get("/id/cluster/yangtze", headers=HTML)
    assert 'href="/id/cluster/yangtze-river-delta"' in r.get_data(as_text=True)
    r = web_client.get("/id/city/shanghia", headers={"Accept": "text/turtle"})
    assert r.status_code == 404 and r.mimetype == "text/plain"


def test_interpretations_are_marked(web_client):
    html = web_client.get("/id/city/new-york", headers=HTML).get_data(as_text=True)
    # 纽约 → 美国 comes from id:graph/interpreted, so it carries the mark
    row = re.search(r'<li class="value interpreted"><a href="/id/country/united-states".*?</li>', html, re.S)
    assert row and "badge interpreted" in row.group(0)
    html = web_client.get("/id/city/shanghai", headers=HTML).get_data(as_text=True)
    assert '<li class="value stated"><a href="/id/country/china"' in html


def test_outside_links_are_shown_with_their_source(web_client):
    html = web_client.get("/id/city/shanghai", headers=HTML).get_data(as_text=True)
    assert 'href="http://www.wikidata.org/entity/Q8686"' in html
    assert 'href="https://sws.geonames.org/1796236/"' in html
    assert 'href="http://dbpedia.org/resource/Shanghai"' in html
    for source in ("Wikidata", "GeoNames", "DBpedia"):
        assert f'<span class="badge source">{source}</span>' in html
    assert "31.2222, 121.4581" in html


def test_function_page_answers_which_clusters_and_where(web_client):
    """The question of the issue: which clusters have 国际金融服务, and where does the article say so."""
    html = web_client.get("/id/core-function/international-financial-services", headers=HTML).get_data(
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


def test_ontology_iri_serves_docs_and_rdf(web_client):
    r = web_client.get("/ontology", headers=HTML)
    assert r.status_code == 200 and r.mimetype == "text/html"
    r = web_client.get("/ontology", headers={"Accept": "text/turtle"})
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
    assert web_client.get("/ontology.rdf").mimetype == "application/rdf+xml"


def test_class_page_lists_instances_with_count(web_client):
    html = web_client.get("/ontology/term/CityCluster", headers=HTML).get_data(as_text=True)
    assert '<span class="count">3</span>' in html
    for slug in ("us-northeast", "london", "yangtze-river-delta"):
        assert f'href="/id/cluster/{slug}"' in html


def test_property_page_shows_usage_and_examples(web_client):
    html = web_client.get("/ontology/term/hasCoreFunction", headers=HTML).get_data(as_text=True)
    assert '<span class="count">5</span>' in html
    assert 'href="/id/core-function/international-financial-services"' in html
    r = web_client.get("/ontology/term/hasCoreFunction", headers={"Accept": "text/turtle"})
    assert r.mimetype == "text/turtle"


def test_terms_overview_links_every_term_with_counts(web_client):
    html = web_client.get("/ontology/terms", headers=HTML).get_data(as_text=True)
    assert 'href="/ontology/term/CityCluster"' in html and 'href="/ontology/term/hasMemberCity"' in html


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


def test_ontology_page_is_part_of_the_site_and_links_the_full_docs(c):
    html = page(c, "/ontology")
    assert '<header class="site">' in html and 'href="/ontology/docs"' in html
    assert 'href="/ontology/term/CityCluster"' in html
    docs = c.get("/ontology/docs")
    assert docs.status_code == 200 and b"pyLODE" in docs.data

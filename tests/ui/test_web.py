"""The home page, Table 1 and the query UI through the Flask test client, over tests/ui/fixture.trig
(the other pages' tests are beside their modules' in tests/server/)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from ..helpers import jsonld_blocks

ID = "https://w3id.org/ccdkg/id/"
HTML = {"Accept": "text/html"}


# --------------------------------------------------------------------------- resource pages


# --------------------------------------------------------------------------- the ontology


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

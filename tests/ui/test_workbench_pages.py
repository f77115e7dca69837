"""The researcher's pages over the built graph, without a browser: the reader, evidence once and clean,
labels for every vocabulary term, one site everywhere (errors, downloads, validation, ontology), the
bibliography, interpretations, map data, full-text search and "cite this"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from ..helpers import BROWSER as HTML
from ..helpers import page
from .conftest import RELEASE

pytestmark = pytest.mark.skipif(not RELEASE.exists(), reason="needs the built graph (ccdkg build)")


ID = "https://w3id.org/ccdkg/id/"
STATIC = Path(__file__).resolve().parents[2] / "server" / "static"


# --------------------------------------------------------------------------- the reader


# --------------------------------------------------------------------------- evidence once, clean, labelled


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


def test_release_graph_parses():  # the page tests above read the same file the server loads
    assert sum(1 for _ in ox.parse(path=str(RELEASE), format=ox.RdfFormat.TRIG)) > 1000

"""The cited works and the curator's interpretations (server/bibliography.py), over the built graph."""

from __future__ import annotations

import re

from ..helpers import page


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

"""ccdkg.formats: the one format table and the one negotiator."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from ccdkg import formats as f


def test_the_table_is_oxigraphs_own_format_list():
    for fmt in (*f.RESULTS, *f.READABLE):
        assert fmt.media_type == fmt.oxigraph.media_type.split(";")[0]
        assert fmt.extension == fmt.oxigraph.file_extension
        assert fmt.label == fmt.oxigraph.name
    assert f.by_media_type("text/csv; charset=utf-8") is f.CSV
    assert [x.media_type for x in f.RDF] == [
        "text/turtle",
        "application/n-triples",
        "application/ld+json",
        "application/rdf+xml",
        "application/trig",
        "application/n-quads",
    ]
    assert {x.iri for x in f.FORMATS} >= {"http://www.w3.org/ns/formats/SPARQL_Results_JSON"}
    assert f.TRIG.supports_datasets and not f.TURTLE.supports_datasets


@pytest.mark.parametrize(
    ("offers", "accept", "expected"),
    [
        (f.RESULTS, None, f.SRJ),  # no header: the server's first
        (f.RESULTS, "", f.SRJ),
        (f.RESULTS, "*/*", f.SRJ),
        (f.RESULTS, "text/csv;q=0.2, text/tab-separated-values;q=0.9", f.TSV),
        (f.RESULTS, "application/sparql-results+xml, */*", f.SRX),  # named beats */* at equal q
        (f.RESULTS, "text/*", f.CSV),
        (f.RESULTS, "application/json", f.SRJ),  # an alias
        (f.RDF, "application/json", f.JSON_LD),
        (f.RDF, "application/xml;q=0.9, */*;q=0.1", f.RDF_XML),
        (f.RDF, "text/plain", f.N_TRIPLES),
        (f.RESULTS, "image/png", None),
        (f.RESULTS, "text/csv;q=0", None),
        (f.RESULTS, "garbage, , ;q=1, text/csv", f.CSV),  # malformed ranges are skipped
        ((*f.RESULTS, f.HTML), "*/*", f.SRJ),  # HTML last: only when preferred
        ((*f.RESULTS, f.HTML), "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", f.HTML),
        ((*f.RESULTS, f.HTML), "text/turtle,*/*;q=0.9", f.SRJ),
        ((*f.RDF, f.HTML), "application/n-triples,*/*;q=0.9", f.N_TRIPLES),
        (f.PAGES, "*/*", f.HTML),  # a page: HTML first
        (f.PAGES, "text/html;q=0.5, text/turtle", f.TURTLE),
        (f.PAGES, "text/html;q=0.1, */*", f.TURTLE),  # the most specific range gives HTML's q
    ],
)
def test_negotiate_by_q_then_specificity_then_the_servers_order(offers, accept, expected):
    assert f.negotiate(offers, accept) is expected


def test_format_parameter_overrides_accept_and_repeats_must_agree():
    assert f.negotiate(f.RESULTS, "text/csv", "json") is f.SRJ
    assert f.negotiate(f.RESULTS, None, ["tsv", "text/tab-separated-values"]) is f.TSV
    assert f.negotiate(f.RDF, None, ["ttl", "turtle", "text/turtle"]) is f.TURTLE
    assert f.negotiate(f.RDF, None, "csv") is None  # known, but not a graph format: 406
    with pytest.raises(f.FormatConflict):
        f.negotiate(f.RESULTS, None, ["tsv", "json"])
    with pytest.raises(f.UnknownFormat):
        f.negotiate(f.RESULTS, None, "klingon")


@pytest.mark.parametrize(
    ("extension", "expected"),
    [
        ("ttl", f.TURTLE),
        (".nq", f.N_QUADS),
        ("json", f.JSON_LD),
        ("owl", f.RDF_XML),
        ("n3", f.N3),
        ("csv", None),
        ("exe", None),
    ],
)
def test_by_extension(extension, expected):
    assert f.by_extension(extension) is expected


def test_every_406_is_worded_by_one_function():
    text = f.not_acceptable_text(f.RESULTS, "the result")
    assert text.startswith("406 Not Acceptable: the result is available as application/sparql-results+json")
    assert text.endswith("(ask with Accept or format=)\n")


def test_a_format_writes_what_it_says():
    triple = ox.Triple(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"))
    for fmt in f.RDF:
        body = ox.serialize([triple], format=fmt.oxigraph)
        assert {q.triple for q in ox.parse(body, format=ox.RdfFormat.from_media_type(fmt.media_type))} == {
            triple
        }

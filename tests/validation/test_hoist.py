"""Property shapes given their node shape's targets (a pyshacl speed-up) report exactly what nesting does."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

import ccdkg.validation as validation
from ccdkg.namespaces import SH
from ccdkg.validation import hoist_property_shapes, validate

HERE = Path(__file__).resolve().parent
SHAPES = "https://w3id.org/ccdkg/shapes#"


def results(path: Path) -> tuple[set[tuple[str, ...]], str]:
    graph = Graph()
    graph.parse(path, format="turtle")
    report = validate(graph)
    return {(str(r.focus), r.shape, str(r.component), r.message_en) for r in report.results}, report.text()


def test_text_span_properties_are_targeted_and_no_longer_nested() -> None:
    core, _ = validation._split()
    span = URIRef(SHAPES + "TextSpanShape")
    assert not set(core.objects(span, SH.property))
    prefix = URIRef(SHAPES + "TextSpanShape-prefix-1")
    assert set(core.objects(prefix, SH.targetClass)) == {URIRef("https://w3id.org/ccdkg/ontology#TextSpan")}


def test_a_node_shape_used_inside_another_keeps_its_properties() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:Outer a sh:NodeShape ; sh:targetClass ex:A ; sh:property ex:OuterP .
        ex:OuterP sh:path ex:p ; sh:node ex:Inner .
        ex:Inner a sh:NodeShape ; sh:targetClass ex:B ; sh:property ex:InnerP .
        ex:InnerP sh:path ex:q ; sh:minCount 1 .
        """,
        format="turtle",
    )
    hoisted = hoist_property_shapes(shapes)
    ex = "http://example.org/"
    assert (URIRef(ex + "Inner"), SH.property, URIRef(ex + "InnerP")) in hoisted
    assert (URIRef(ex + "Outer"), SH.property, URIRef(ex + "OuterP")) not in hoisted
    assert (URIRef(ex + "OuterP"), SH.targetClass, URIRef(ex + "A")) in hoisted


@pytest.mark.parametrize(
    "name",
    [
        "invalid-passage-wrong-offsets.ttl",
        "invalid-witness-status.ttl",
        "invalid-footnote-empty-exact.ttl",
        "invalid-label-no-language.ttl",
        "invalid-subrecommendation-two-parents.ttl",
        "valid-warning-long-prefix.ttl",
    ],
)
def test_same_results_as_the_nested_shapes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    hoisted = results(HERE / name)
    assert hoisted[0]
    monkeypatch.setattr(validation, "hoist_property_shapes", lambda shapes: shapes)
    validation._split.cache_clear()
    try:
        nested = results(HERE / name)
    finally:
        validation._split.cache_clear()
    assert hoisted == nested

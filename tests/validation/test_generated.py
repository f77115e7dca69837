"""The shapes generated from the ontology: each property's domain, range and functionality is checked on
the triples that use it, whatever classes the hand-written shapes target; the committed file is what the
ontology gives; and the wrong-kind mistakes of issue 15 come out as one violation each, in the released graph
as in a researcher's own file."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ccdkg.namespaces import CCD, ID, WGS
from ccdkg.ontology import load_ontology
from ccdkg.validation import validate
from ccdkg.validation.generate import GENERATED_FILE, generated_shapes

HERE = Path(__file__).resolve().parent
RELEASE = HERE.parents[1] / "graph" / "release" / "ccdkg.trig"
EX = "https://example.org/t/"


def test_committed_generated_shapes_are_what_the_ontology_gives() -> None:
    assert GENERATED_FILE.read_text(encoding="utf-8") == generated_shapes(load_ontology(align=False))


def test_generator_covers_every_object_and_datatype_property() -> None:
    onto = load_ontology(align=False)
    text = generated_shapes(onto)
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in onto.subjects(RDF.type, kind):
            if str(prop).startswith(str(CCD)):
                local = str(prop)[len(str(CCD)) :]
                assert f"ccdsh:Generated-{local}-domain" in text, local
                if (prop, RDFS.range, None) in onto:
                    assert f"ccdsh:Generated-{local}-range" in text, local


def _properties() -> list[tuple[URIRef, bool]]:
    onto = load_ontology(align=False)
    return sorted(
        (p, kind == OWL.DatatypeProperty)
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for p in onto.subjects(RDF.type, kind)
        if isinstance(p, URIRef) and str(p).startswith(str(CCD))
    )


def test_every_generated_shape_catches_an_untyped_use() -> None:
    """One graph, one untyped subject per property with a wrong value (an untyped node, a literal of an
    unknown datatype) and, for functional properties, two values: each property's domain, range and
    functional shapes report it, as one merged violation per use, naming the node and the property."""
    onto = load_ontology(align=False)
    graph = Graph()
    for prop, datatype in _properties():
        local = str(prop)[len(str(CCD)) :]
        subject = URIRef(f"{EX}{local}")
        if datatype:
            values = [
                Literal("x", datatype=URIRef(f"{EX}no-such-type")),
                Literal("y", datatype=URIRef(f"{EX}t2")),
            ]
        else:
            # Untyped individuals of the dataset: even an open range (owl:Thing) asks them for a class.
            values = [ID[f"test/{local.lower()}-value"], ID[f"test/{local.lower()}-value-2"]]
        functional = (prop, RDF.type, OWL.FunctionalProperty) in onto
        for value in values[: 2 if functional else 1]:
            graph.add((subject, prop, value))
    report = validate(graph, profile="reuse")
    for prop, datatype in _properties():
        local = str(prop)[len(str(CCD)) :]
        # An open domain (owl:Thing) asks only for a class: that result is on the node's rdf:type.
        mine = [r for r in report.results if r.focus == URIRef(f"{EX}{local}") and r.path in (prop, RDF.type)]
        shapes = {r.shape for r in mine} | {s for r in mine for s in r.merged}
        assert f"ccdsh:Generated-{local}-domain" in shapes, (local, report.text())
        if (prop, RDFS.range, None) in onto and not (datatype and (prop, RDFS.range, RDFS.Literal) in onto):
            assert f"ccdsh:Generated-{local}-range" in shapes, (local, report.text())
        if (prop, RDF.type, OWL.FunctionalProperty) in onto:
            assert f"ccdsh:Generated-{local}-functional" in shapes, (local, report.text())
        assert all(r.message_en and r.message_zh for r in mine)


def _release_plus(*triples: tuple[URIRef, URIRef, object]) -> Dataset:
    ds = Dataset()
    ds.parse(RELEASE, format="trig")
    for triple in triples:
        ds.add(triple)  # the default graph: what a user adds beside the release
    return ds


SHANGHAI, BEIJING = ID["city/shanghai"], ID["city/beijing"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_city_given_a_city_as_core_function_in_the_release_is_one_violation(lang: str) -> None:
    report = validate(_release_plus((SHANGHAI, CCD.hasCoreFunction, BEIJING)))
    violations = [r for r in report.results if r.severity_name == "Violation"]
    assert len(violations) == 1, report.text()
    (v,) = violations
    assert (v.focus, v.path, v.value) == (SHANGHAI, CCD.hasCoreFunction, BEIJING)
    text = report.text(lang=lang)
    assert "id:city/shanghai" in text and "ccd:hasCoreFunction" in text
    message = v.message_en if lang == "en" else v.message_zh
    assert "ccd:CoreDiplomaticFunction" in message and "ccd:CityCluster" in message


def test_a_city_in_a_second_cluster_without_evidence_is_one_violation_under_the_evidence_profile() -> None:
    cluster = ID["cluster/greater-bay-area"]
    before = validate(_release_plus(), profile="evidence")
    after = validate(_release_plus((cluster, CCD.hasMemberCity, SHANGHAI)), profile="evidence")
    new = [r for r in after.results if r not in before.results]
    assert [(r.focus, r.path, r.value, r.shape) for r in new] == [
        (cluster, CCD.hasMemberCity, SHANGHAI, "ccdsh:RelationEvidenceShape")
    ], after.text()
    assert new[0].message_en and new[0].message_zh


def test_a_latitude_that_is_no_number_in_the_release_is_one_violation() -> None:
    report = validate(_release_plus((SHANGHAI, WGS.lat, Literal("ninety"))))
    violations = [r for r in report.results if r.severity_name == "Violation"]
    assert [(r.focus, r.path, r.value) for r in violations] == [(SHANGHAI, WGS.lat, Literal("ninety"))]
    assert violations[0].merged  # the other shapes that saw it are named, not repeated


def test_reuse_file_under_the_default_profile_still_names_the_real_error() -> None:
    """Without --profile reuse the IRI scheme applies too; the wrong kind is still among the results."""
    graph = Graph().parse(HERE / "invalid-reuse-wrong-kind.ttl", format="turtle")
    report = validate(graph)
    assert any(
        r.focus == URIRef("https://example.org/cities/shanghai") and r.path == CCD.hasCoreFunction
        for r in report.results
    ), report.text()


def test_reports_are_in_a_stable_order_across_formats() -> None:
    graph = Graph().parse(HERE / "invalid-city-latitude-not-number.ttl", format="turtle")
    one, two = validate(graph), validate(graph)
    assert one.json() == two.json() and one.turtle() == two.turtle() and one.text() == two.text()
    assert one.to_dict()["counts"]["Violation"] == 1

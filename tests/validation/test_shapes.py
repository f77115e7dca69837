"""The shapes against the fixtures: valid-*.ttl conform, each invalid-*.ttl fails for its own reason only.

Each fixture lists the results its report must hold in ``# expect:`` lines:
``<severity> <focus> <path or -> <constraint component> <shape>`` (the shape without the ``-<path>-<n>``
suffix given to inline property shapes).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ccdkg.namespaces import CCD, DATA_IRI_PATTERN, SH
from ccdkg.validation import SHAPES, load_shapes, validate
from ccdkg.validation.report import Report, curie

HERE = Path(__file__).resolve().parent
FIXTURES = sorted(HERE.glob("valid-*.ttl")) + sorted(HERE.glob("invalid-*.ttl"))


def expected(path: Path) -> set[tuple[str, ...]]:
    return {
        tuple(line.split(":", 1)[1].split())
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("# expect:")
    }


def profile_of(path: Path) -> str | None:
    """The profile a fixture is validated under (``# profile: reuse``); default: the default profile."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# profile:"):
            return line.split(":", 1)[1].strip()
    return None


def observed(report: Report) -> set[tuple[str, ...]]:
    return {
        (
            r.severity_name,
            curie(r.focus),
            r.path_label or "-",
            curie(r.component),
            re.sub(r"-[A-Za-z0-9-]+-\d+$", "", r.shape),
        )
        for r in report.results
    }


def _validate(path: Path, profile: str | None = None) -> Report:
    graph = Graph()
    graph.parse(path, format="turtle")
    return validate(graph, profile=profile or profile_of(path))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_reports_exactly_what_it_expects(path: Path) -> None:
    report = _validate(path)
    assert observed(report) == expected(path), report.text()
    assert len(report.results) == len(expected(path)), report.text()
    # invalid-* do not conform; valid-* do, whatever warnings or infos they carry.
    assert report.conforms is path.name.startswith("valid-")


@pytest.mark.parametrize("path", [p for p in FIXTURES if profile_of(p) is None], ids=lambda p: p.stem)
def test_fixture_reports_the_same_with_relation_evidence_required(path: Path) -> None:
    """Every relation of the fixtures has its statement record, so requiring them (the evidence profile,
    and the default one once RELATION_EVIDENCE_IN_DEFAULT is on) changes no fixture's report."""
    report = _validate(path, "evidence")
    assert observed(report) == expected(path), report.text()


def test_every_invalid_fixture_expects_a_violation() -> None:
    for path in HERE.glob("invalid-*.ttl"):
        assert any(e[0] == "Violation" for e in expected(path)), path.name


def _node_shape_of(shapes: Graph, shape: URIRef) -> set[URIRef]:
    """The node shapes a (named) shape belongs to: itself, or the node shapes that use it as a property."""
    if (shape, RDF.type, SH.NodeShape) in shapes:
        return {shape}
    return {s for s in shapes.subjects(SH.property, shape) if isinstance(s, URIRef)}


def test_every_targeted_node_shape_has_an_invalid_fixture() -> None:
    shapes = load_shapes("evidence")
    targeted = {
        s
        for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
        for s in shapes.subjects(p, None)
    }
    covered: set[URIRef] = set()
    for path in HERE.glob("*-*.ttl"):
        for exp in expected(path):
            name = exp[4]
            if name.startswith("ccdsh:"):
                covered |= _node_shape_of(shapes, SHAPES[name.split(":", 1)[1]])
    # A Publisher that no work names is only an Info, shown by the built graph's report rather than a fixture.
    # The generated shapes are exercised property by property in test_generated.py.
    missing = {curie(s) for s in targeted - covered if not curie(s).startswith("ccdsh:Generated-")}
    missing -= {"ccdsh:PublisherShape"}
    assert not missing, f"node shapes without a fixture: {sorted(missing)}"


def test_every_ontology_class_has_a_node_shape() -> None:
    from ccdkg.ontology import load_ontology

    ontology, shapes = load_ontology(), load_shapes()
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(str(CCD))}
    targets = set(shapes.objects(None, SH.targetClass))
    assert classes - targets == set(), "classes without a node shape"


def test_every_ontology_property_has_a_property_shape() -> None:
    from ccdkg.ontology import load_ontology

    ontology, shapes = load_ontology(), load_shapes()
    properties = {
        p
        for t in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
        for p in ontology.subjects(RDF.type, t)
        if str(p).startswith(str(CCD))
    }
    # Paths (including inverse ones), SPARQL constraints and sh:targetSubjectsOf all count as "shaped".
    shaped = set(shapes.objects(None, SH.path)) | set(shapes.objects(None, SH.inversePath))
    shaped |= set(shapes.objects(None, SH.targetSubjectsOf))
    for query in shapes.objects(None, SH.select):
        shaped |= {CCD[name] for name in re.findall(r"ccd:(\w+)", str(query))}
    assert properties - shaped == set(), "ontology properties without a shape"


def test_iri_pattern_matches_the_namespace_module() -> None:
    shapes = load_shapes()
    assert str(shapes.value(SHAPES.DataIRIShape, SH.pattern)) == DATA_IRI_PATTERN


def test_every_constraint_speaks_english_and_chinese() -> None:
    """Each shape that reports something carries sh:message in en and zh-Hans."""
    shapes = load_shapes()
    reporting = {s for s in shapes.subjects(SH.severity, None)}
    assert reporting, "no shapes with a severity"
    for shape in reporting:
        langs = {m.language for m in shapes.objects(shape, SH.message)}
        assert {"en", "zh-Hans"} <= langs, curie(shape)


def test_shapes_have_labels_for_the_report() -> None:
    shapes = load_shapes()
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        if isinstance(shape, URIRef):
            langs = {label.language for label in shapes.objects(shape, RDFS.label)}
            if (shape, SH.targetClass, None) in shapes:
                assert {"en", "zh-Hans"} <= langs, curie(shape)

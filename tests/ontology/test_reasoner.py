"""HermiT (through owlready2, needs a JRE) on the ontology: consistent, every class satisfiable,
for the core alone and for core + alignments. And HermiT does reject what our axioms forbid, so a
green result is not HermiT seeing nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import owlready2
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD

from ccdkg.namespaces import CCD, ID

pytestmark = [pytest.mark.reasoner, pytest.mark.slow]  # ≈ 5 s per HermiT run


GRAPH_TRIG = Path(__file__).resolve().parents[2] / "graph" / "release" / "ccdkg.trig"


def _hermit(graph: Graph, tmp_path: Path) -> tuple[set[str], list[str]]:
    """Run HermiT on ``graph``; return (the classes owlready2 loaded, the unsatisfiable ones).
    An inconsistent ontology raises OwlReadyInconsistentOntologyError."""
    assert shutil.which("java"), "HermiT needs a Java runtime (.ci/run installs one)"
    path = tmp_path / "ontology.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load(format="ntriples")
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    loaded = {c.iri for c in world.classes()} | {i.iri for i in world.individuals()}
    unsatisfiable = sorted(c.iri for c in world.inconsistent_classes())
    return loaded, unsatisfiable


@pytest.mark.parametrize("which", ["core", "core+alignments"])
def test_hermit_finds_the_ontology_consistent_and_every_class_satisfiable(
    which: str, core: Graph, full: Graph, tmp_path: Path
) -> None:
    graph = core if which == "core" else full
    loaded, unsatisfiable = _hermit(graph, tmp_path)
    ours = {str(c) for c in graph.subjects(RDF.type, OWL.Class) if str(c).startswith(str(CCD))}
    assert len(ours) >= 29
    assert ours <= loaded  # HermiT saw every class it vouches for
    assert unsatisfiable == []


def test_hermit_rejects_an_individual_that_is_a_driver_and_a_challenge(full: Graph, tmp_path: Path) -> None:
    graph = Graph() + full
    thing = URIRef(ID["driver/both"])
    graph.add((thing, RDF.type, OWL.NamedIndividual))
    graph.add((thing, RDF.type, CCD.Driver))
    graph.add((thing, RDF.type, CCD.Challenge))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _hermit(graph, tmp_path)


def test_hermit_rejects_a_city_in_a_cluster_position(full: Graph, tmp_path: Path) -> None:
    # hasMemberCity's domain is CityCluster, which is disjoint with City.
    graph = Graph() + full
    a, b = URIRef(ID["city/a"]), URIRef(ID["city/b"])
    for x in (a, b):
        graph.add((x, RDF.type, OWL.NamedIndividual))
        graph.add((x, RDF.type, CCD.City))
    graph.add((a, CCD.hasMemberCity, b))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _hermit(graph, tmp_path)


def test_hermit_rejects_two_positions_for_one_item(full: Graph, tmp_path: Path) -> None:
    graph = Graph() + full
    item = URIRef(ID["recommendation/x"])
    graph.add((item, RDF.type, OWL.NamedIndividual))
    graph.add((item, CCD.order, Literal(1)))
    graph.add((item, CCD.order, Literal(2)))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _hermit(graph, tmp_path)


def test_hermit_finds_the_built_graph_consistent_with_the_ontology(full: Graph, tmp_path: Path) -> None:
    """The extracted graph respects the axioms (disjoint kinds of point, one position per item,
    domains and ranges): the stages agree on what the terms mean, not only on their names."""
    if not GRAPH_TRIG.exists():
        pytest.skip("graph/release/ccdkg.trig not built yet (run `ccdkg build`)")
    data = Dataset()
    data.parse(GRAPH_TRIG, format="trig")
    graph = Graph() + full
    for s, p, o, _ in data.quads():
        # xsd:gYear (dcterms:issued, ccd:referenceYear) is outside the OWL 2 datatype map, which
        # HermiT refuses; those values are the SHACL shapes' to check.
        if not (isinstance(o, Literal) and o.datatype == XSD.gYear):
            graph.add((s, p, o))
    # OWL 2 DL wants individuals declared; the dataset only types them.
    for s in {s for s, o in graph.subject_objects(RDF.type) if str(o).startswith(str(CCD))}:
        graph.add((s, RDF.type, OWL.NamedIndividual))
    loaded, unsatisfiable = _hermit(graph, tmp_path)
    assert str(ID["cluster/yangtze-river-delta"]) in loaded
    assert unsatisfiable == []

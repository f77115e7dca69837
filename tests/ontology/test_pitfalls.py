"""Checks for the pitfalls of the OOPS! catalogue (https://oops.linkeddata.es/catalogue.jsp) that
apply to a small domain ontology, plus OWL 2 DL hygiene. The catalogue number is in each name.

Every check is run on the real ontology and, where a check could pass vacuously, on a small
broken graph that it must reject, so that a check that cannot fail does not pass unnoticed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ccdkg.namespaces import CCD
from ccdkg.ontology import ALIGN_FILE, ONTOLOGY_FILE

ROOT = Path(__file__).resolve().parents[2]
GRAPH_TRIG = ROOT / "graph" / "release" / "ccdkg.trig"
SHAPES = ROOT / "validation" / "shapes.ttl"
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
# OWL 2 Structural Specification §4: the datatype map. xsd:gYear, xsd:date … are not in it.
OWL2_DATATYPES = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#PlainLiteral",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
    "http://www.w3.org/2000/01/rdf-schema#Literal",
    "http://www.w3.org/2002/07/owl#real",
    "http://www.w3.org/2002/07/owl#rational",
} | {
    XSD_NS + name
    for name in (
        *("decimal", "integer", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger"),
        *("negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt"),
        *("unsignedShort", "unsignedByte", "double", "float", "string", "normalizedString", "token"),
        *("language", "Name", "NCName", "NMTOKEN", "boolean", "hexBinary", "base64Binary", "anyURI"),
        *("dateTime", "dateTimeStamp"),
    )
}


def ours(term: object) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(str(CCD))


def declared(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, None) if ours(s)}


# --- the checks, as functions over a graph (so they can be shown to fail) ---------------------


def missing_annotations(graph: Graph) -> list[URIRef]:
    """P08: terms without a label or a definition."""
    return sorted(
        t
        for t in declared(graph)
        if graph.value(t, RDFS.label) is None or graph.value(t, SKOS.definition) is None
    )


def missing_domain_or_range(graph: Graph) -> list[URIRef]:
    """P11: object and datatype properties without rdfs:domain or rdfs:range."""
    props = {s for k in (OWL.ObjectProperty, OWL.DatatypeProperty) for s in graph.subjects(RDF.type, k)}
    return sorted(
        p
        for p in props
        if ours(p) and (graph.value(p, RDFS.domain) is None or graph.value(p, RDFS.range) is None)
    )


def inverse_problems(graph: Graph) -> list[str]:
    """P05 wrong inverse (domain/range not swapped), P27-ish inverse stated twice (both ways or
    more than one inverse per property)."""
    problems = []
    pairs = [(p, q) for p, q in graph.subject_objects(OWL.inverseOf) if ours(p)]
    for p, q in pairs:
        if (q, OWL.inverseOf, p) in graph:
            problems.append(f"{p} / {q}: owl:inverseOf declared in both directions")
        if len(set(graph.objects(p, OWL.inverseOf))) + len(set(graph.subjects(OWL.inverseOf, p))) > 1:
            problems.append(f"{p}: more than one inverse")
        if set(graph.objects(p, RDFS.domain)) != set(graph.objects(q, RDFS.range)):
            problems.append(f"{p}: domain is not the range of its inverse {q}")
        if set(graph.objects(p, RDFS.range)) != set(graph.objects(q, RDFS.domain)):
            problems.append(f"{p}: range is not the domain of its inverse {q}")
    return problems


def hierarchy_cycles(graph: Graph) -> list[URIRef]:
    """P06: classes (or properties) that are their own strict ancestor."""
    cyclic = []
    for relation in (RDFS.subClassOf, RDFS.subPropertyOf):
        for start in set(graph.subjects(relation, None)):
            seen: set = set()
            todo = list(graph.objects(start, relation))
            while todo:
                node = todo.pop()
                if node == start:
                    cyclic.append(start)
                    break
                if node not in seen:
                    seen.add(node)
                    todo.extend(graph.objects(node, relation))
    return sorted(cyclic)


def unconnected_classes(graph: Graph) -> list[URIRef]:
    """P04: classes related to nothing else (no super- or subclass, not a domain, range, or the
    type of an individual)."""
    out = []
    for cls in graph.subjects(RDF.type, OWL.Class):
        if not ours(cls):
            continue
        linked = (
            graph.value(cls, RDFS.subClassOf) is not None
            or graph.value(None, RDFS.subClassOf, cls) is not None
            or graph.value(None, RDFS.domain, cls) is not None
            or graph.value(None, RDFS.range, cls) is not None
            or any(s for s in graph.subjects(RDF.type, cls))
        )
        if not linked:
            out.append(cls)
    return sorted(out)


def unused_properties(graph: Graph) -> list[URIRef]:
    """P04 for properties: a property whose domain and range are both owl:Thing connects nothing."""
    return sorted(
        p
        for p in graph.subjects(RDF.type, OWL.ObjectProperty)
        if ours(p) and graph.value(p, RDFS.domain) == OWL.Thing and graph.value(p, RDFS.range) == OWL.Thing
    )


def equivalent_class_misuse(graph: Graph) -> list[tuple]:
    """P02/P30-style: owl:equivalentClass between named classes (ours to an outside class claims
    sameness we cannot guarantee; between two of ours it is a synonym that should be one term)."""
    return [(a, b) for a, b in graph.subject_objects(OWL.equivalentClass) if ours(a) or ours(b)]


def non_dl_datatypes(graph: Graph) -> list[str]:
    """OWL 2 DL: datatypes used in ranges or in literals must be in the OWL 2 datatype map."""
    used = {str(o) for o in graph.objects(None, RDFS.range) if str(o).startswith(XSD_NS)}
    used |= {str(o.datatype) for o in graph.objects() if isinstance(o, Literal) and o.datatype}
    return sorted(used - OWL2_DATATYPES)


def undeclared_terms(graph: Graph) -> list[URIRef]:
    """P (undeclared): IRIs used as class, property or individual in the ontology without a
    declaration of their kind (OWL 2 DL needs declarations)."""
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)
    typed = {s for k in kinds for s in graph.subjects(RDF.type, k)}
    typed |= {s for s, o in graph.subject_objects(RDF.type) if ours(o)}  # individuals of our classes
    builtin = (str(RDF), str(RDFS), str(OWL), XSD_NS)
    used: set[URIRef] = set()
    for s, p, o in graph:
        if p in (RDFS.subClassOf, OWL.disjointWith, RDFS.domain, RDFS.range) or (p == RDF.type and ours(s)):
            used |= {t for t in (s, o) if isinstance(t, URIRef)}
        elif p not in (RDF.type,):
            used.add(p)
    return sorted(t for t in used if not str(t).startswith(builtin) and t not in typed)


# --- on the ontology ----------------------------------------------------------------------------


def test_no_missing_labels_or_definitions_p08(full: Graph) -> None:
    assert missing_annotations(full) == []


def test_no_missing_domain_or_range_p11(full: Graph) -> None:
    assert missing_domain_or_range(full) == []


def test_inverses_declared_once_and_consistently_p05(full: Graph) -> None:
    assert len(list(full.subject_objects(OWL.inverseOf))) == 3
    assert inverse_problems(full) == []


def test_no_cycles_in_the_hierarchy_p06(full: Graph) -> None:
    assert hierarchy_cycles(full) == []


def test_no_unconnected_terms_p04(full: Graph) -> None:
    assert unconnected_classes(full) == []
    assert unused_properties(full) == []


def test_no_equivalent_class_misuse_p02(full: Graph) -> None:
    assert equivalent_class_misuse(full) == []


def test_only_owl2_datatypes_so_the_ontology_stays_dl(full: Graph) -> None:
    assert non_dl_datatypes(full) == []


@pytest.mark.parametrize("path", [ONTOLOGY_FILE, ALIGN_FILE], ids=lambda p: p.name)
def test_every_term_used_is_declared_in_each_module(path: Path) -> None:
    # Each module on its own: the alignment module must be loadable by a DL tool without the core.
    assert undeclared_terms(Graph().parse(path, format="turtle")) == []


def test_alignment_module_is_separate_and_adds_no_terms(core: Graph) -> None:
    align = Graph().parse(ALIGN_FILE, format="turtle")
    assert not list(core.objects(None, OWL.imports))
    assert not list(align.objects(None, OWL.imports))
    # It only relates our terms to outside ones: nothing of ours is introduced there.
    assert declared(align) <= declared(core)
    for s, p, o in align:
        if p in (RDFS.subClassOf, RDFS.subPropertyOf, SKOS.closeMatch):
            assert ours(s) and not ours(o), (s, p, o)


def test_alignment_covers_the_vocabularies_the_issue_names(full: Graph) -> None:
    def sup(term: URIRef) -> set[str]:
        links = (RDFS.subClassOf, RDFS.subPropertyOf, SKOS.closeMatch)
        return {str(o) for p in links for o in full.objects(term, p)}

    assert "http://www.wikidata.org/entity/Q515" in sup(CCD.City)
    assert "https://schema.org/City" in sup(CCD.City)
    assert "https://schema.org/Country" in sup(CCD.Country)
    assert {"https://schema.org/Place", "http://www.opengis.net/ont/geosparql#Feature"} <= sup(CCD.Place)
    assert (CCD.CityCluster, RDFS.subClassOf, CCD.Place) in full
    assert "http://www.w3.org/ns/org#Organization" in sup(CCD.Organisation)
    assert "http://www.w3.org/ns/org#OrganizationalCollaboration" in sup(CCD.CityNetwork)
    assert "http://purl.org/spar/fabio/JournalArticle" in sup(CCD.Article)
    assert "http://purl.org/spar/cito/cites" in sup(CCD.citesWork)
    assert "http://www.w3.org/ns/oa#TextQuoteSelector" in sup(CCD.Passage)
    assert "http://qudt.org/schema/qudt/QuantityValue" in sup(CCD.Statistic)
    assert "http://xmlns.com/foaf/0.1/Person" in sup(CCD.Person)


# --- the checks can fail ------------------------------------------------------------------------


def _broken() -> Graph:
    g = Graph()
    a, b, p, q = CCD.BrokenA, CCD.BrokenB, CCD.brokenP, CCD.brokenQ
    g.add((a, RDF.type, OWL.Class))
    g.add((b, RDF.type, OWL.Class))
    g.add((a, RDFS.subClassOf, b))
    g.add((b, RDFS.subClassOf, a))
    g.add((p, RDF.type, OWL.ObjectProperty))
    g.add((q, RDF.type, OWL.ObjectProperty))
    g.add((p, OWL.inverseOf, q))
    g.add((q, OWL.inverseOf, p))
    g.add((p, RDFS.domain, a))
    g.add((CCD.Lonely, RDF.type, OWL.Class))
    g.add((a, OWL.equivalentClass, URIRef("https://schema.org/Thing")))
    g.add((CCD.year, RDF.type, OWL.DatatypeProperty))
    g.add((CCD.year, RDFS.range, URIRef(XSD_NS + "gYear")))
    g.add((a, RDFS.subClassOf, URIRef("https://schema.org/Place")))
    return g


def test_the_checks_reject_a_broken_ontology() -> None:
    g = _broken()
    assert CCD.BrokenA in missing_annotations(g)
    assert CCD.brokenP in missing_domain_or_range(g)
    assert any("both directions" in m for m in inverse_problems(g))
    assert CCD.BrokenA in hierarchy_cycles(g)
    assert unconnected_classes(g) == [CCD.Lonely]
    assert equivalent_class_misuse(g)
    assert non_dl_datatypes(g) == [XSD_NS + "gYear"]
    assert URIRef("https://schema.org/Place") in undeclared_terms(g)


# --- undeclared ccd: terms in the other stages' files ------------------------------------------


def _ccd_terms_used(path: Path, fmt: str) -> set[URIRef]:
    data = Dataset()
    data.parse(path, format=fmt)
    used = set()
    for quad in data.quads():
        used |= {t for t in quad[:3] if ours(t) and not isinstance(t, BNode)}
    return used


def test_graph_uses_no_undeclared_ccd_terms(full: Graph) -> None:
    if not GRAPH_TRIG.exists():
        pytest.skip(f"{GRAPH_TRIG.relative_to(ROOT)} not built yet (run `ccdkg build`)")
    used = _ccd_terms_used(GRAPH_TRIG, "trig")
    assert CCD.CityCluster in used
    assert sorted(used - declared(full)) == []


def test_shapes_use_no_undeclared_ccd_terms(full: Graph) -> None:
    if not SHAPES.exists():
        pytest.skip(f"{SHAPES.relative_to(ROOT)} not written yet")
    used = _ccd_terms_used(SHAPES, "turtle")
    assert sorted(used - declared(full)) == []

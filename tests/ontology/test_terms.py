"""The ontology's terms: parse, labels, definitions, header, and the vocabulary contract.

Other stages (extraction, SHACL shapes, server) are written against the terms of
docs/vocabulary.md and docs/data-model.md; these tests make the ontology answer for them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ccdkg.labels import to_traditional
from ccdkg.namespaces import CCD, ONTOLOGY_IRI, VANN
from ccdkg.ontology import ALIGN_FILE, ONTOLOGY_FILE, load_ontology

ROOT = Path(__file__).resolve().parents[2]
VOCABULARY_MD = ROOT / "docs" / "vocabulary.md"
DATA_MODEL_MD = ROOT / "docs" / "data-model.md"
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
TERM_TYPES += (OWL.NamedIndividual,)
ONTO = URIRef(ONTOLOGY_IRI)
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # open namespace: pytest probes module globals


def ours(term: object) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(str(CCD))


def terms(graph: Graph) -> set[URIRef]:
    return {s for t in TERM_TYPES for s in graph.subjects(RDF.type, t) if ours(s)}


def langs(graph: Graph, term: URIRef, prop: URIRef) -> list[str]:
    return sorted((o.language or "").lower() for o in graph.objects(term, prop) if isinstance(o, Literal))


def ccd_term(curie: str) -> URIRef:
    return CCD[curie.removeprefix("ccd:")]


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [ONTOLOGY_FILE, ALIGN_FILE], ids=lambda p: p.name)
def test_sources_parse_as_turtle_without_blank_nodes(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    assert len(graph) > 50
    # The dataset promises no blank nodes (byte-identical dumps); the ontology graph is part of it.
    assert not [t for triple in graph for t in triple if t.__class__.__name__ == "BNode"]


def test_core_declares_every_kind_of_term(core: Graph) -> None:
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty):
        assert any(ours(s) for s in core.subjects(RDF.type, kind)), kind
    assert set(core.subjects(RDF.type, CCD.AssertionStatus)) == {CCD.Stated, CCD.Interpreted, CCD.External}


def test_load_ontology_returns_independent_copies() -> None:
    first = load_ontology()
    first.remove((None, None, None))
    assert len(load_ontology()) > 500


# --- labels and definitions -------------------------------------------------------------------


def test_every_term_has_three_labels_and_two_definitions(core: Graph) -> None:
    found = terms(core)
    assert len(found) >= 60
    for term in sorted(found):
        assert langs(core, term, RDFS.label) == ["en", "zh-hans", "zh-hant"], term
        assert langs(core, term, SKOS.definition) == ["en", "zh-hans"], term
        assert (term, RDFS.isDefinedBy, ONTO) in core, term


def test_zh_hant_labels_are_the_opencc_conversion_not_hand_typed(core: Graph) -> None:
    source = Graph().parse(ONTOLOGY_FILE, format="turtle")
    # The source carries none: they are generated, so they cannot drift from the zh-Hans wording.
    assert not [o for o in source.objects(None, RDFS.label) if (o.language or "").lower() == "zh-hant"]
    differing = 0
    for term in terms(core):
        (hans,) = [o for o in core.objects(term, RDFS.label) if o.language.lower() == "zh-hans"]
        (hant,) = [o for o in core.objects(term, RDFS.label) if o.language.lower() == "zh-hant"]
        assert str(hant) == to_traditional(str(hans)), term
        differing += str(hant) != str(hans)
    # The conversion does something: 动力机制 → 動力機制, and 城市群 keeps 群 (s2tw, not 羣).
    assert differing > 20
    assert Literal("動力機制", lang="zh-Hant") in set(core.objects(CCD.Driver, RDFS.label))
    assert Literal("城市群", lang="zh-Hant") in set(core.objects(CCD.CityCluster, RDFS.label))


def test_labels_are_unique_per_language(core: Graph) -> None:
    seen: dict[tuple[str, str], URIRef] = {}
    for term in sorted(terms(core)):
        for label in core.objects(term, RDFS.label):
            key = (str(label), label.language.lower())
            assert key not in seen, f"{term} and {seen[key]} share the label {key}"
            seen[key] = term


def test_zh_hans_labels_of_the_articles_concepts_are_its_wording(core: Graph) -> None:
    text = (ROOT / "graph" / "sources" / "001_7f0eaf4949258080.txt").read_text(encoding="utf-8")
    for term in (
        CCD.CityCluster,
        CCD.CityClusterDiplomacy,
        CCD.CoreDiplomaticFunction,
        CCD.Driver,
        CCD.PoliticalImpact,
        CCD.Challenge,
        CCD.CityNetwork,
        CCD.CityLeague,
        CCD.hasMemberCity,
    ):
        (hans,) = [o for o in core.objects(term, RDFS.label) if o.language.lower() == "zh-hans"]
        assert str(hans) in text, term


# --- header ------------------------------------------------------------------------------------


def test_header_metadata(core: Graph) -> None:
    assert (ONTO, RDF.type, OWL.Ontology) in core
    version_iri = core.value(ONTO, OWL.versionIRI)
    info = str(core.value(ONTO, OWL.versionInfo))
    assert version_iri == URIRef(f"{ONTOLOGY_IRI}/{info}") != ONTO
    assert re.fullmatch(r"\d+\.\d+\.\d+", info)
    assert langs(core, ONTO, DCTERMS.title) == ["en", "zh-hans"]
    assert langs(core, ONTO, DCTERMS.description) == ["en", "zh-hans"]
    for prop in (DCTERMS.creator, DCTERMS.created, DCTERMS.modified, DCTERMS.bibliographicCitation):
        assert core.value(ONTO, prop) is not None, prop
    assert core.value(ONTO, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert core.value(ONTO, DCTERMS.source) == URIRef("https://doi.org/10.13851/j.cnki.gjzw.202204005")
    assert str(core.value(ONTO, VANN.preferredNamespacePrefix)) == "ccd"
    assert str(core.value(ONTO, VANN.preferredNamespaceUri)) == str(CCD)
    assert info in str(core.value(ONTO, DCTERMS.bibliographicCitation))
    prior = core.value(ONTO, OWL.priorVersion)
    assert prior is None or prior != version_iri


# --- the contract ------------------------------------------------------------------------------


def _table(markdown: str, heading: str) -> list[list[str]]:
    """The rows (cells) of the first table under ``heading``."""
    section = markdown.split(heading, 1)[1]
    rows = []
    for line in section.splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not re.match(r"\|\s*-", line):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:]  # without the header row


def _contract_properties() -> list[tuple[URIRef, URIRef | None, URIRef]]:
    """(property, domain, range) as docs/vocabulary.md states them; "likewise" repeats the row
    above, and "the article's subject" is ccd:CityClusterDiplomacy (the text under the table)."""
    markdown = VOCABULARY_MD.read_text(encoding="utf-8")
    assert "one individual of class `ccd:CityClusterDiplomacy`" in markdown
    out = []
    domain: URIRef | None = None
    for term, spec in _table(markdown, "## Properties"):
        curies = re.findall(r"`((?:ccd|xsd):\w+)`", spec)
        if "→" in spec:
            left, right = spec.split("→", 1)
            left_terms = re.findall(r"`(ccd:\w+)`", left)
            if left_terms:
                domain = ccd_term(left_terms[0])
            elif "article's subject" in left:
                domain = CCD.CityClusterDiplomacy
            elif "likewise" not in left:
                raise AssertionError(f"cannot read the domain of {term}: {spec}")
            (rng,) = re.findall(r"`((?:ccd|xsd):\w+)`", right)
        else:  # e.g. ccd:order: "… 1-based `xsd:integer`"
            domain, (rng,) = None, curies
        rng_iri = XSD[rng[4:]] if rng.startswith("xsd:") else ccd_term(rng)
        out.append((ccd_term(term.strip("`")), domain, rng_iri))
    return out


def test_vocabulary_md_is_read_completely() -> None:
    props = _contract_properties()
    assert len(props) == 10
    assert (CCD.hasRecommendation, CCD.CityClusterDiplomacy, CCD.Recommendation) in props
    assert (CCD.order, None, XSD.integer) in props


def test_every_contract_class_exists(full: Graph) -> None:
    rows = _table(VOCABULARY_MD.read_text(encoding="utf-8"), "## Classes")
    assert len(rows) == 10
    for term, meaning in rows:
        cls = ccd_term(term.strip("`"))
        assert (cls, RDF.type, OWL.Class) in full, cls
        if "rdfs:subClassOf" in meaning:
            (sup,) = re.findall(r"rdfs:subClassOf `?(\w+:\w+)", meaning)
            prefix, local = sup.split(":")
            assert (cls, RDFS.subClassOf, URIRef(dict(full.namespaces())[prefix] + local)) in full


@pytest.mark.parametrize("prop,domain,rng", _contract_properties(), ids=lambda v: str(v).rsplit("#")[-1])
def test_every_contract_property_has_its_domain_and_range(
    full: Graph, prop: URIRef, domain: URIRef | None, rng: URIRef
) -> None:
    kind = OWL.DatatypeProperty if str(rng).startswith(str(XSD)) else OWL.ObjectProperty
    assert (prop, RDF.type, kind) in full
    if domain is not None:
        assert set(full.objects(prop, RDFS.domain)) == {domain}
    assert set(full.objects(prop, RDFS.range)) == {rng}


def test_every_ccd_term_the_data_model_mentions_is_declared(core: Graph) -> None:
    mentioned = set(re.findall(r"\bccd:([A-Za-z]\w*)", DATA_MODEL_MD.read_text(encoding="utf-8")))
    mentioned |= set(re.findall(r"\bccd:([A-Za-z]\w*)", VOCABULARY_MD.read_text(encoding="utf-8")))
    assert len(mentioned) > 50
    missing = sorted(m for m in mentioned if not terms(core) & {CCD[m]})
    assert missing == []


def test_data_model_inverses_and_the_interpretation_marker(core: Graph) -> None:
    assert (CCD.isMemberCityOf, OWL.inverseOf, CCD.hasMemberCity) in core
    assert (CCD.isCoreFunctionOf, OWL.inverseOf, CCD.hasCoreFunction) in core
    assert (CCD.subRecommendationOf, OWL.inverseOf, CCD.hasSubRecommendation) in core
    # One property marks stated / interpreted / external; it is an annotation so it can mark graphs.
    assert (CCD.assertionStatus, RDF.type, OWL.AnnotationProperty) in core
    assert core.value(CCD.assertionStatus, RDFS.range) == CCD.AssertionStatus

"""The ontology header carries what vocabulary registries ask for (LOV's recommendations, Widoco's
checklist), so the ontology can be registered and reused as it is."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from ccdkg.namespaces import ONTOLOGY_IRI

VANN = "http://purl.org/vocab/vann/"
VOAF = "http://purl.org/vocommons/voaf#"
MOD = "https://w3id.org/mod#"
ONT = URIRef(ONTOLOGY_IRI)

REQUIRED = [
    DCTERMS.title,
    DCTERMS.description,
    DCTERMS.creator,
    DCTERMS.publisher,
    DCTERMS.license,
    DCTERMS.created,
    DCTERMS.issued,
    DCTERMS.modified,
    DCTERMS.bibliographicCitation,
    OWL.versionIRI,
    OWL.versionInfo,
    URIRef(VANN + "preferredNamespacePrefix"),
    URIRef(VANN + "preferredNamespaceUri"),
    URIRef(MOD + "status"),
]


@pytest.mark.parametrize("prop", REQUIRED, ids=lambda p: str(p).rsplit("/", 1)[-1].rsplit("#", 1)[-1])
def test_the_header_has_each_registry_field(core: Graph, prop: URIRef) -> None:
    assert core.value(ONT, prop) is not None, prop


def test_it_is_typed_as_a_vocabulary_with_a_consistent_namespace(core: Graph) -> None:
    assert (ONT, RDF.type, URIRef(VOAF + "Vocabulary")) in core
    assert core.value(ONT, URIRef(VANN + "preferredNamespaceUri")) == Literal(ONTOLOGY_IRI + "#")
    version = str(core.value(ONT, OWL.versionInfo))
    assert str(core.value(ONT, OWL.versionIRI)) == f"{ONTOLOGY_IRI}/{version}"
    assert version in str(core.value(ONT, DCTERMS.bibliographicCitation))


def test_title_and_description_in_both_languages(core: Graph) -> None:
    for prop in (DCTERMS.title, DCTERMS.description):
        langs = {o.language.lower() for o in core.objects(ONT, prop) if isinstance(o, Literal) and o.language}
        assert {"zh-hans", "en"} <= langs, prop


def test_the_licence_is_an_iri_registries_recognise(core: Graph) -> None:
    assert core.value(ONT, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")

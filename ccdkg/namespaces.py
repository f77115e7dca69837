"""The IRIs every stage shares: namespaces, named graphs and the data IRI scheme.

Fixed by shared/design/vocabulary.md and docs/data-model.md; renaming anything here
breaks researchers' queries.
"""

from __future__ import annotations

import hashlib
import re

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/ccdkg/"
CCD = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = BASE + "ontology"
ID = Namespace(BASE + "id/")

# Named graphs of the dataset; the default graph served is their union.
GRAPH_ONTOLOGY = ID["graph/ontology"]
GRAPH_STATED = ID["graph/stated"]
GRAPH_INTERPRETED = ID["graph/interpreted"]
GRAPH_LINKS = ID["graph/links"]

OA = Namespace("http://www.w3.org/ns/oa#")
CITO = Namespace("http://purl.org/spar/cito/")
FABIO = Namespace("http://purl.org/spar/fabio/")
PRISM = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
VANN = Namespace("http://purl.org/vocab/vann/")
SCHEMA = Namespace("https://schema.org/")
WGS = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
ORG = Namespace("http://www.w3.org/ns/org#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
WD = Namespace("http://www.wikidata.org/entity/")
SH = Namespace("http://www.w3.org/ns/shacl#")

# Every individual is ID/<kind>/<slug>; slugs are lower-case ASCII words joined by hyphens.
SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
DATA_IRI_PATTERN = "^" + re.escape(str(ID)) + SLUG + "/" + SLUG + "$"

PREFIXES: dict[str, str] = {
    "ccd": str(CCD),
    "id": str(ID),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "oa": str(OA),
    "cito": str(CITO),
    "fabio": str(FABIO),
    "prism": str(PRISM),
    "vann": str(VANN),
    "schema": str(SCHEMA),
    "wgs": str(WGS),
    "geo": str(GEO),
    "org": str(ORG),
    "foaf": str(FOAF),
    "qudt": str(QUDT),
    "void": str(VOID),
    "sd": str(SD),
    "wd": str(WD),
    "sh": str(SH),
}


def data_iri(kind: str, slug: str) -> str:
    """The IRI of an individual; raises ValueError on a kind or slug outside the scheme."""
    iri = f"{ID}{kind}/{slug}"
    if not re.match(DATA_IRI_PATTERN, iri):
        raise ValueError(f"not a valid ccdkg data IRI: {iri}")
    return iri


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace above, for queries shipped with the project."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def statement_iri(s: str, p: str, o: str) -> str:
    """The IRI of the ccd:StatementRecord of the triple (s, p, o) between two IRIs: id:statement/ and
    the first 16 hex digits of the SHA-256 of its N-Triples line ``<s> <p> <o> .``."""
    line = f"<{s}> <{p}> <{o}> ."
    return f"{ID}statement/{hashlib.sha256(line.encode('utf-8')).hexdigest()[:16]}"

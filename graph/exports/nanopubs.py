"""Every claim-level statement as a nanopublication with a trusty URI (graph/release/nanopubs.trig).

A claim-level statement is a ``ccd:StatementRecord`` (one stated relation with the passages behind it)
or a ``ccd:Claim`` of the argument (its own statements in the stated graph). Each becomes a
nanopublication of four graphs:

- *assertion*: the statement itself (for a claim: every stated triple whose subject it is);
- *provenance*: the assertion ``prov:wasDerivedFrom`` W3C Web Annotation specific resources, one per
  evidence passage, each with a ``TextQuoteSelector`` and a ``TextPositionSelector`` over the article
  text, identified by its SHA-256 (``ni:///sha-256;…``, RFC 6920), so the quote can be checked
  against the very bytes it was taken from;
- *publication info*: creator, licence, date, the dataset version it belongs to;
- *head*: the usual links between them.

The trusty URI (module RA: SHA-256 over the normalized quads) is computed by the nanopub library's
own trusty-URI code, so anyone can recompute it; nothing is signed or published to outside servers.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from ccdkg import __version__
from ccdkg.graph.exports.crate import spec as crate_spec
from ccdkg.namespaces import CCD, GRAPH_STATED, OA

NANOPUBS_FILE = "nanopubs.trig"
INDEX_FILE = "nanopubs.tsv"
NP_BASE = "https://w3id.org/ccdkg/np/"
NP = "http://www.nanopub.org/nschema#"
NPX = "http://purl.org/nanopub/x/"
PREFIXES = {
    "np": NP,
    "npx": NPX,
    "prov": str(PROV),
    "oa": str(OA),
    "dcterms": str(DCTERMS),
    "ccd": str(CCD),
    "xsd": str(XSD),
    "rdf": str(RDF),
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}

RECORDS = f"""
PREFIX rdf: <{RDF}>
PREFIX prov: <{PROV}>
PREFIX ccd: <{CCD}>
SELECT ?record ?s ?p ?o ?evidence WHERE {{
  GRAPH ?g {{ ?record a ccd:StatementRecord ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
                      prov:wasDerivedFrom ?evidence }}
}} ORDER BY ?record ?evidence
"""
CLAIMS = f"""
PREFIX prov: <{PROV}>
PREFIX ccd: <{CCD}>
SELECT ?claim ?p ?o WHERE {{
  GRAPH <{GRAPH_STATED}> {{ ?claim a ccd:Claim ; ?p ?o }}
}} ORDER BY ?claim ?p ?o
"""
EVIDENCE = f"""
PREFIX oa: <{OA}>
SELECT ?e ?exact ?start ?end ?prefix ?suffix WHERE {{
  ?e oa:exact ?exact ; oa:start ?start ; oa:end ?end .
  OPTIONAL {{ ?e oa:prefix ?prefix }} OPTIONAL {{ ?e oa:suffix ?suffix }}
}}
"""


@dataclass(frozen=True)
class Statement:
    """One claim-level statement: what it is about, its triples and its evidence passages."""

    about: str
    kind: str  # "relation" | "claim"
    triples: tuple[tuple[URIRef, URIRef, URIRef | Literal], ...]
    evidence: tuple[str, ...]


def _rdflib(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value != str(XSD.string):
            return Literal(term.value, datatype=URIRef(term.datatype.value))
        return Literal(term.value)
    raise ValueError(f"no blank nodes in a nanopublication: {term}")


def statements(store: ox.Store) -> list[Statement]:
    """The claim-level statements of the dataset, in IRI order."""
    found: dict[str, dict] = {}
    for row in store.query(RECORDS, use_default_graph_as_union=True):
        entry = found.setdefault(
            row["record"].value,
            {"kind": "relation", "triples": {(row["s"], row["p"], row["o"])}, "evidence": set()},
        )
        entry["evidence"].add(row["evidence"].value)
    for row in store.query(CLAIMS, use_default_graph_as_union=True):
        entry = found.setdefault(row["claim"].value, {"kind": "claim", "triples": set(), "evidence": set()})
        if row["p"].value == str(PROV.wasDerivedFrom):
            entry["evidence"].add(row["o"].value)
        else:
            entry["triples"].add((row["claim"], row["p"], row["o"]))
    out = []
    for about, entry in sorted(found.items()):
        triples = tuple(sorted((_rdflib(s), _rdflib(p), _rdflib(o)) for s, p, o in entry["triples"]))
        out.append(Statement(about, entry["kind"], triples, tuple(sorted(entry["evidence"]))))
    return out


def text_iri(text: bytes) -> URIRef:
    """The article text named by its SHA-256 (RFC 6920 ``ni`` URI)."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(text).digest()).rstrip(b"=").decode("ascii")
    return URIRef(f"ni:///sha-256;{digest}")


def _slug(about: str) -> str:
    return about.removeprefix("https://w3id.org/ccdkg/id/").replace("/", "-")


def draft(st: Statement, spans: dict[str, dict], source: URIRef) -> list[tuple]:
    """The nanopublication's quads (graph, s, p, o) under a temporary base, before its trusty URI."""
    base = f"{NP_BASE}{_slug(st.about)}"
    n = lambda local: URIRef(f"{base}#{local}")  # noqa: E731 - the nanopub's own IRIs
    head, assertion, provenance, pubinfo = n("Head"), n("assertion"), n("provenance"), n("pubinfo")
    np_iri = URIRef(base)
    quads = [
        (head, np_iri, RDF.type, URIRef(NP + "Nanopublication")),
        (head, np_iri, URIRef(NP + "hasAssertion"), assertion),
        (head, np_iri, URIRef(NP + "hasProvenance"), provenance),
        (head, np_iri, URIRef(NP + "hasPublicationInfo"), pubinfo),
    ]
    quads += [(assertion, s, p, o) for s, p, o in st.triples]
    for i, passage in enumerate(st.evidence, 1):
        span = spans[passage]
        res, quote, pos = n(f"evidence-{i}"), n(f"evidence-{i}-quote"), n(f"evidence-{i}-position")
        quads += [
            (provenance, assertion, PROV.wasDerivedFrom, res),
            (provenance, assertion, PROV.wasQuotedFrom, URIRef(passage)),
            (provenance, res, RDF.type, OA.SpecificResource),
            (provenance, res, OA.hasSource, source),
            (provenance, res, OA.hasSelector, quote),
            (provenance, res, OA.hasSelector, pos),
            (provenance, quote, RDF.type, OA.TextQuoteSelector),
            (provenance, quote, OA.exact, Literal(span["exact"])),
            (provenance, pos, RDF.type, OA.TextPositionSelector),
            (provenance, pos, OA.start, Literal(span["start"], datatype=XSD.nonNegativeInteger)),
            (provenance, pos, OA.end, Literal(span["end"], datatype=XSD.nonNegativeInteger)),
        ]
        for key in ("prefix", "suffix"):
            if span.get(key):
                quads.append((provenance, quote, OA[key], Literal(span[key])))
    meta = crate_spec()
    quads += [
        (pubinfo, np_iri, DCTERMS.created, Literal(meta["date_published"], datatype=XSD.date)),
        (pubinfo, np_iri, DCTERMS.creator, URIRef(meta["identifier"] + "#contributors")),
        (pubinfo, np_iri, DCTERMS.license, URIRef(meta["licence"]["data"])),
        (pubinfo, np_iri, URIRef(NPX + "introduces"), URIRef(st.about)),
        (pubinfo, np_iri, PROV.wasDerivedFrom, URIRef("https://w3id.org/ccdkg/.well-known/void#dataset")),
        (pubinfo, np_iri, DCTERMS.hasVersion, Literal(__version__)),
        (pubinfo, source, DCTERMS.isVersionOf, URIRef("https://w3id.org/ccdkg/id/source/clean-text")),
    ]
    return quads


@contextlib.contextmanager
def exact_literals() -> Iterator[None]:
    """rdflib keeps literals' lexical forms as given (the hash is over them) inside the block, and
    the process gets its own setting back after: importing the nanopub library switches
    ``rdflib.NORMALIZE_LITERALS`` off for the whole process, which changed other stages' output."""
    import rdflib

    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = saved


def make_trusty(quads: list[tuple]) -> tuple[str, list[tuple]]:
    """The trusty URI and the quads rewritten onto it, as the nanopub library makes them (module RA).
    Call it, and build the quads, inside :func:`exact_literals`."""
    from nanopub.trustyuri.rdf import RdfHasher, RdfPreprocessor

    base = str(quads[0][1]) + "#"
    code = RdfHasher.make_hash(sorted(quads), baseuri=base, hashstr=" ")
    bnodes: dict = {}

    def rewrite(term: URIRef | Literal) -> URIRef | Literal:
        if isinstance(term, Literal):
            return term
        return URIRef(RdfPreprocessor.transform(term, code, base, bnodes))

    return NP_BASE + code, [tuple(rewrite(t) for t in q) for q in quads]


def verify(np_iri: str, quads: list[tuple]) -> bool:
    """Whether the quads of the nanopublication ``np_iri`` still hash to its artefact code."""
    with exact_literals():
        from nanopub.trustyuri.rdf import RdfHasher

        code = np_iri.rsplit("/", 1)[1]
        return RdfHasher.make_hash(sorted(quads), baseuri=np_iri + "#", hashstr=" ") == code


def _ox(term: URIRef | Literal) -> ox.NamedNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def render_nanopubs(store: ox.Store, article_text: bytes) -> dict[str, bytes]:
    """nanopubs.trig (every nanopublication) and nanopubs.tsv (nanopub → the node it introduces)."""
    with exact_literals():
        return _render(store, article_text)


def read_bundle(data: bytes) -> dict[str, list[tuple]]:
    """nanopub IRI → its quads (rdflib terms, lexical forms as written), from a TriG bundle: what
    :func:`verify` checks."""
    from rdflib import Dataset

    with exact_literals():
        ds = Dataset()
        ds.parse(data=data.decode("utf-8"), format="trig")
        out: dict[str, list[tuple]] = {}
        for s, p, o, g in ds.quads((None, None, None, None)):
            if g is not None and str(g).startswith(NP_BASE) and "#" in str(g):
                out.setdefault(str(g).split("#", 1)[0], []).append((g, s, p, o))
        return out


def _render(store: ox.Store, article_text: bytes) -> dict[str, bytes]:
    spans = {
        row["e"].value: {
            "exact": row["exact"].value,
            "start": row["start"].value,
            "end": row["end"].value,
            "prefix": row["prefix"].value if row["prefix"] else None,
            "suffix": row["suffix"].value if row["suffix"] else None,
        }
        for row in store.query(EVIDENCE, use_default_graph_as_union=True)
    }
    source = text_iri(article_text)
    quads: dict[tuple[str, str, str, str], ox.Quad] = {}
    index = io.StringIO()
    writer = csv.writer(index, delimiter="\t", lineterminator="\n")
    writer.writerow(["nanopub", "introduces", "kind"])
    for st in statements(store):
        if not st.evidence:  # nothing to cite it by: the shapes report it, the bundle leaves it out
            continue
        np_iri, final = make_trusty(draft(st, spans, source))
        writer.writerow([np_iri, st.about, st.kind])
        for g, s, p, o in final:
            q = ox.Quad(_ox(s), _ox(p), _ox(o), _ox(g))
            quads[(str(q.graph_name), str(q.subject), str(q.predicate), str(q.object))] = q
    ordered = [quads[k] for k in sorted(quads)]
    trig = ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=PREFIXES) if ordered else b""
    return {NANOPUBS_FILE: trig, INDEX_FILE: index.getvalue().encode("utf-8")}

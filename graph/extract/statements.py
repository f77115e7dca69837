"""One ccd:StatementRecord per stated relation between two individuals (docs/data-model.md).

Every object-property triple of ``id:graph/stated`` whose subject and object are both ``id:``
individuals (except the structural text properties below and rdf:type) is reified in the same
graph as ``id:statement/<hash>`` (``ccdkg.namespaces.statement_iri``): an rdf:Statement with its
subject, predicate, object and ``prov:wasDerivedFrom`` the passages or footnotes that state it.
A stage that knows those passages records them (``Context.relate``); otherwise they are the
passages both ends are derived from, else the subject's, else the object's. A record of a relation
that is not itself the claim layer's links (``ccd:supportsClaim``) the claims that state it: those
derived from one of its passages and about, involving or exemplifying both its ends.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from ccdkg.errors import BuildError
from ccdkg.graph.extract.context import Context
from ccdkg.namespaces import CCD, ID, OA, statement_iri

STRUCTURAL = frozenset(
    {
        CCD.inSection,
        CCD.sourceText,
        CCD.hasSection,
        DCTERMS.isPartOf,
        CCD.hasFootnote,
        CCD.attestedBy,
        OA.hasSource,
        PROV.wasDerivedFrom,
        RDF.type,
    }
)


def statement_records(ctx: Context) -> None:
    g = ctx.stated
    spans = set(ctx.passage_spans) | set(ctx.footnote_spans)
    records = set(g.subjects(RDF.type, CCD.StatementRecord))

    def derived(node: URIRef) -> list[URIRef]:
        return sorted((p for p in g.objects(node, PROV.wasDerivedFrom) if p in spans), key=ctx.passage_key)

    def evidence(s: URIRef, p: URIRef, o: URIRef) -> list[URIRef]:
        known = [e for e in ctx.evidence_of.get((s, p, o), []) if e in spans]
        if known:
            return sorted(set(known), key=ctx.passage_key)
        ds, do = derived(s), derived(o)
        both = [e for e in ds if e in do]
        return both or ds or do or [n for n in (s, o) if n in spans]

    said = _claims_by_passage(g)
    for s, p, o in sorted(g):
        if p in STRUCTURAL or not isinstance(o, URIRef) or s in records:
            continue
        if not (str(s).startswith(str(ID)) and str(o).startswith(str(ID))):
            continue
        found = evidence(s, p, o)
        if not found:
            raise BuildError(f"no passage states {s} {p} {o}: a stated relation needs evidence")
        node = URIRef(statement_iri(s, p, o))
        g.add((node, RDF.type, RDF.Statement))
        g.add((node, RDF.type, CCD.StatementRecord))
        g.add((node, RDF.subject, s))
        g.add((node, RDF.predicate, p))
        g.add((node, RDF.object, o))
        for e in found:
            g.add((node, PROV.wasDerivedFrom, e))
        if (s, RDF.type, CCD.Claim) in g:
            continue
        for e in found:
            for claim, targets in said.get(e, ()):
                if s in targets and o in targets:
                    g.add((node, CCD.supportsClaim, claim))


CLAIM_TARGETS = (CCD.about, CCD.involves, CCD.hasParticipant, CCD.exemplifies)


def _claims_by_passage(g) -> dict[URIRef, list[tuple[URIRef, set[URIRef]]]]:
    """Passage -> the claims derived from it, each with what it is about, involves or exemplifies."""
    out: dict[URIRef, list[tuple[URIRef, set[URIRef]]]] = {}
    for claim in sorted(g.subjects(RDF.type, CCD.Claim)):
        targets = {o for p in CLAIM_TARGETS for o in g.objects(claim, p)}
        for passage in g.objects(claim, PROV.wasDerivedFrom):
            out.setdefault(passage, []).append((claim, targets))
    return out

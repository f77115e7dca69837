"""Relations and statistics the text states between the things it names (relations.yaml)."""

from __future__ import annotations

from decimal import Decimal

from rdflib import Literal
from rdflib.namespace import DCTERMS, RDF, XSD

from ccdkg.errors import BuildError
from ccdkg.graph.extract.context import (
    Context,
    iri,
)
from ccdkg.namespaces import (
    CCD,
)


def relations(ctx: Context) -> None:
    rel = ctx.c.relations
    if not rel:
        return
    for t in rel.get("types", []):
        node = ctx.node(t["node"])
        ctx.stated.add((node, RDF.type, CCD[t["class"]]))
        ctx.derived(node, ctx.evidence(t["evidence"]))
    for r in rel.get("relations", []):
        s, o = ctx.node(r["s"]), ctx.node(r["o"])
        graph = ctx.interp if r.get("interpreted") else ctx.stated
        graph.add((s, CCD[r["p"]], o))
        ctx.derived(s, ctx.evidence(r["evidence"]))
    for st in rel.get("statistics", []):
        node = iri("statistic", st["slug"])
        passages = [
            p for p, span in ctx.sentence_passages if st["exact"] in span.text and st["measures"] in span.text
        ]
        if len(passages) != 1:
            raise BuildError(f"curation: statistic {st['slug']} is found {len(passages)} times, not once")
        g = ctx.stated
        g.add((node, RDF.type, CCD.Statistic))
        ctx.label(node, st["exact"], st["en"])
        g.add((node, CCD.value, Literal(Decimal(st["value"]), datatype=XSD.decimal)))
        g.add((node, CCD.unit, Literal(st["unit"])))
        g.add((node, CCD.measures, Literal(st["measures"])))
        g.add((node, CCD.statisticOf, ctx.node(st["of"])))
        work = ctx.node("work/" + st["source"])
        g.add((node, DCTERMS.source, work))
        ctx.derived(node, passages)
        # the article gives no year for the figures; the cited report's year is an interpretation
        year = ctx.stated.value(work, DCTERMS.issued)
        if year is not None:
            ctx.interp.add((node, CCD.referenceYear, year))

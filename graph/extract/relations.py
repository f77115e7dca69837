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
        evidence = ctx.evidence(r["evidence"])
        ctx.relate(s, CCD[r["p"]], o, evidence, interpreted=bool(r.get("interpreted")))
        ctx.derived(s, evidence)
    for st in rel.get("statistics", []):
        node = iri("statistic", st["slug"])
        passages = [
            p for p, span in ctx.sentence_passages if st["exact"] in span.text and st["measures"] in span.text
        ]
        if len(passages) != 1:
            raise BuildError(f"curation: statistic {st['slug']} is found {len(passages)} times, not once")
        label = st.get("label", st["exact"])
        if not all(label in ctx.passage_spans[p].text for p in passages) or st["exact"] not in label:
            raise BuildError(
                f"curation: statistic {st['slug']}: its label {label!r} is not the passage's words"
            )
        g = ctx.stated
        g.add((node, RDF.type, CCD.Statistic))
        ctx.label(node, label, st["en"])
        g.add((node, CCD.value, Literal(Decimal(st["value"]), datatype=XSD.decimal)))
        g.add((node, CCD.unit, Literal(st["unit"])))
        g.add((node, CCD.measures, Literal(st["measures"])))
        ctx.relate(node, CCD.statisticOf, ctx.node(st["of"]), passages)
        work = ctx.node("work/" + st["source"])
        ctx.relate(node, DCTERMS.source, work, passages)
        ctx.derived(node, passages)
        # No ccd:referenceYear: the article gives no year for its figures, and the cited report's
        # publication year is not the year the figures refer to.

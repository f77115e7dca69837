"""Footnotes fn01… and one passage per cited work."""

from __future__ import annotations

from rdflib import Literal
from rdflib.namespace import DCTERMS, RDF, XSD

from ccdkg.graph.extract.context import (
    SOURCE_CLEAN,
    Context,
    iri,
)
from ccdkg.namespaces import (
    CCD,
    OA,
)


def footnotes(ctx: Context) -> None:
    """Footnotes fn01… in document order, tied to the sentence their marker follows."""
    g = ctx.stated
    art = iri("article", ctx.c.article["slug"])
    for n, fn in enumerate(ctx.a.footnotes, start=1):
        node = iri("footnote", fn.key)
        g.add((node, RDF.type, CCD.Footnote))
        ctx.footnote_spans[node] = fn.span
        g.add((node, OA.exact, Literal(fn.span.text)))
        g.add((node, OA.start, Literal(fn.span.start, datatype=XSD.nonNegativeInteger)))
        g.add((node, OA.end, Literal(fn.span.end, datatype=XSD.nonNegativeInteger)))
        g.add((node, CCD.inSection, iri("section", fn.section)))
        g.add((node, CCD.sourceText, SOURCE_CLEAN))
        g.add((node, CCD.order, Literal(n, datatype=XSD.integer)))
        g.add((node, CCD.footnoteMarker, Literal(fn.symbol)))
        g.add((node, DCTERMS.isPartOf, art))
        ctx.label(node, *ctx.labels("footnote", n=n))
        anchor = ctx.passages[fn.sentence]
        g.add((anchor, CCD.hasFootnote, node))
        ctx.derived(node, [anchor])
        for k, span in enumerate(fn.works, start=1):
            p = ctx.passage(f"{fn.key}-{k}", span, fn.section, *ctx.labels("footnote_work", n=n, k=k))
            g.add((p, DCTERMS.isPartOf, node))
            ctx.sentence_passages.append((p, span))

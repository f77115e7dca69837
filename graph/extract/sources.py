"""The named graphs' status and the source texts."""

from __future__ import annotations

from rdflib import Literal
from rdflib.namespace import DCTERMS, PROV, RDF

from ccdkg.graph.extract.context import (
    SOURCE_ENTITIES,
    Context,
    iri,
)
from ccdkg.namespaces import (
    CCD,
    GRAPH_INTERPRETED,
    GRAPH_LINKS,
    GRAPH_STATED,
)


def graphs_and_sources(ctx: Context) -> None:
    g = ctx.stated
    for graph, status in (
        (GRAPH_STATED, CCD.Stated),
        (GRAPH_INTERPRETED, CCD.Interpreted),
        (GRAPH_LINKS, CCD.External),
    ):
        g.add((graph, CCD.assertionStatus, status))
    ctx.links.add((GRAPH_LINKS, DCTERMS.source, SOURCE_ENTITIES))
    ctx.links.add((GRAPH_LINKS, PROV.wasDerivedFrom, SOURCE_ENTITIES))
    for slug, src in sorted(ctx.c.article.get("sources", {}).items()):
        node = iri("source", slug)
        g.add((node, RDF.type, CCD.SourceText))
        g.add((node, DCTERMS.identifier, Literal(src["path"])))
        ctx.label(node, src["zh"], src["en"], interpreted=True)

"""Table 1: the city clusters, their member cities and core diplomatic functions."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from ccdkg.graph.extract.context import (
    Context,
    iri,
)
from ccdkg.graph.parse import Span
from ccdkg.namespaces import (
    CCD,
)


def table1(ctx: Context) -> None:
    a, g = ctx.a, ctx.stated
    t = a.table
    sec = t.section
    table_p = ctx.passage(
        f"{sec}-table1-caption", t.caption, sec, *ctx.fmt("cell", sec, row=0, text=t.caption.text)
    )
    note_p = (
        ctx.passage(f"{sec}-table1-note", t.note, sec, *ctx.fmt("cell", sec, row=0, text=t.note.text))
        if t.note
        else None
    )
    for row in t.rows:

        def cell(suffix: str, span: Span, row=row) -> URIRef:
            zh, en = ctx.fmt("cell", sec, row=row.order, text=span.text)
            return ctx.passage(f"{sec}-table1-r{row.order}-{suffix}", span, sec, zh, en)

        cname = ctx.c.name(row.cluster.text, "cluster")
        cluster = iri("cluster", cname.slug)
        g.add((cluster, RDF.type, CCD.CityCluster))
        ctx.label(cluster, row.cluster.text, cname.en)
        g.add((cluster, CCD.order, Literal(row.order, datatype=XSD.integer)))
        cluster_p = cell("cluster", row.cluster)
        ctx.derived(cluster, [cluster_p, table_p] + ([note_p] if note_p else []))
        ctx.mentions.setdefault(cluster, []).append(cluster_p)
        ctx.sentence_passages.append((cluster_p, row.cluster))
        for n, span in enumerate(row.cities, start=1):
            name = ctx.c.name(span.text, "city")
            city = iri("city", name.slug)
            p = cell(f"city{n}", span)
            ctx.relate(cluster, CCD.hasMemberCity, city, [p, cluster_p])
            ctx.relate(city, CCD.isMemberCityOf, cluster, [p, cluster_p])
            ctx.mentions.setdefault(city, []).append(p)
        for n, span in enumerate(row.functions, start=1):
            name = ctx.c.name(span.text, "core-function")
            fn = iri("core-function", name.slug)
            p = cell(f"function{n}", span)
            ctx.relate(cluster, CCD.hasCoreFunction, fn, [p, cluster_p])
            ctx.relate(fn, CCD.isCoreFunctionOf, cluster, [p, cluster_p])
            ctx.mentions.setdefault(fn, []).append(p)

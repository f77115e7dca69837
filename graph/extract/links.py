"""Outside identifiers, only from entities.tsv."""

from __future__ import annotations

from decimal import Decimal

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS, SKOS, XSD

from ccdkg.graph.extract.context import (
    GEONAMES,
    SOURCE_ENTITIES,
    Context,
    iri,
)
from ccdkg.namespaces import (
    WD,
    WGS,
)


def links_graph(ctx: Context) -> None:
    """Outside identifiers, only from entities.tsv; owl:sameAs / skos:exactMatch only when verified."""
    g = ctx.links
    for name in ctx.c.names:
        ent = ctx.c.entities.get((name.label, name.kind))
        if ent is None:
            continue
        node = iri(name.kind, name.slug)
        if ent.verified and ent.wikidata:
            g.add((node, OWL.sameAs, WD[ent.wikidata]))
        if ent.geonames:
            target = URIRef(GEONAMES.format(ent.geonames))
            g.add((node, SKOS.exactMatch if ent.verified else RDFS.seeAlso, target))
        if ent.dbpedia and name is ctx.c.primary(name.kind, name.slug):
            # built mechanically from an English title (entities-README): a lead, not an identity
            g.add((node, RDFS.seeAlso, URIRef(ent.dbpedia.replace(" ", "_"))))
        if ent.lat and ent.lon and name.kind == "city":
            g.add((node, WGS.lat, Literal(Decimal(ent.lat), datatype=XSD.decimal)))
            g.add((node, WGS.long, Literal(Decimal(ent.lon), datatype=XSD.decimal)))
        g.add((node, DCTERMS.source, SOURCE_ENTITIES))

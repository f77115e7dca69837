"""The cited works (works.yaml), each checked against its footnote."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ccdkg.errors import BuildError
from ccdkg.graph.extract.context import (
    Context,
    iri,
)
from ccdkg.graph.parse import Span
from ccdkg.namespaces import (
    CCD,
    CITO,
    FABIO,
    PRISM,
    SCHEMA,
)


def works(ctx: Context) -> None:
    art = iri("article", ctx.c.article["slug"])
    by_note: dict[str, list[dict]] = {}
    for w in ctx.c.works:
        by_note.setdefault(w["footnote"], []).append(w)
    for fn in ctx.a.footnotes:
        items = by_note.pop(fn.key, [])
        if len(items) != len(fn.works):
            raise BuildError(
                f"curation: works.yaml lists {len(items)} works for {fn.key}, "
                f"the footnote cites {len(fn.works)}"
            )
        note = iri("footnote", fn.key)
        anchor = ctx.passages[fn.sentence]
        for k, (w, span) in enumerate(zip(items, fn.works, strict=True), start=1):
            passage = ctx.passages[f"{fn.key}-{k}"]
            _work(ctx, w, span, passage)
            work = iri("work", w["slug"])
            ctx.relate(note, CCD.citesWork, work, [passage])
            ctx.relate(anchor, CITO.cites, work, [anchor, passage])
            ctx.relate(art, CITO.cites, work, [passage])
            _citation(ctx, fn.key, int(fn.key[2:]), w, span, passage, anchor)
    if by_note:
        raise BuildError(f"curation: works.yaml cites footnotes the article does not have: {sorted(by_note)}")


def _work(ctx: Context, w: dict, span: Span, passage: URIRef) -> None:
    g = ctx.stated
    node = iri("work", w["slug"])

    def verbatim(value: str, what: str) -> str:
        if value not in span.text:
            raise BuildError(f"curation: {what} {value!r} of work {w['slug']} is not in its footnote")
        return value

    title = verbatim(w["title"], "title")
    g.add((node, RDF.type, CCD.CitedWork))
    g.add((node, RDF.type, FABIO[w["type"]]))
    g.add((node, DCTERMS.title, Literal(title)))
    ctx.label(node, title, w.get("en", title))
    ctx.derived(node, [passage])
    for role, prop in (
        ("authors", DCTERMS.creator),
        ("editors", SCHEMA.editor),
        ("translators", SCHEMA.translator),
    ):
        for order, person in enumerate(w.get(role, []), start=1):
            pnode = iri("person", person["slug"])
            ctx.relate(node, prop, pnode, [passage])
            if role == "authors":
                _authorship(ctx, node, w, order, pnode, passage)
            g.add((pnode, RDF.type, CCD.Person))
            if (pnode, RDFS.label, None) not in g:
                ctx.label(pnode, verbatim(person["name"], "name"), person["en"])
            ctx.derived(pnode, [passage])
    if "corporate" in w:
        org = ctx.c.name(verbatim(w["corporate"], "author"), "organisation")
        agent = iri("organisation", org.slug)
        ctx.relate(node, DCTERMS.creator, agent, [passage])
        _authorship(ctx, node, w, 1, agent, passage)
    if "container" in w:
        g.add((node, PRISM.publicationName, Literal(verbatim(w["container"], "container"))))
    if "publisher" in w:
        org = ctx.c.name(verbatim(w["publisher"], "publisher"), "organisation")
        ctx.relate(node, DCTERMS.publisher, iri("organisation", org.slug), [passage])
        ctx.interp.add((iri("organisation", org.slug), RDF.type, CCD.Publisher))
    if "place" in w:
        g.add((node, SCHEMA.locationCreated, Literal(verbatim(w["place"], "place"))))
    if "year" in w:
        g.add((node, DCTERMS.issued, Literal(verbatim(w["year"], "year"), datatype=XSD.gYear)))
    if "date" in w:
        g.add((node, PRISM.publicationDate, Literal(verbatim(w["date"], "date"))))
    for key, prop in (("volume", PRISM.volume), ("issue", PRISM.number)):
        if key in w:
            g.add((node, prop, Literal(verbatim(w[key], key))))
    # a footnote's page numbers are what it cites (the pinpoint, on the citation), not the work's extent
    if "url" in w:
        g.add((node, FABIO.hasURL, Literal(verbatim(w["url"], "url"), datatype=XSD.anyURI)))


def citation_iri(footnote: str, work: str) -> URIRef:
    return iri("citation", f"{footnote}-{work}")


def _citation(ctx: Context, fn: str, n: int, w: dict, span: Span, passage: URIRef, anchor: URIRef) -> None:
    """The footnote's citing of one work as a node (CiTO's Citation): who cites, what, where, which pages.
    Its intent and the claim it supports come from claims.yaml (ccdkg.graph.extract.claims)."""
    node = citation_iri(fn, w["slug"])
    ctx.stated.add((node, RDF.type, CCD.Citation))
    ctx.label(node, *ctx.labels("citation", n=n, title=w["title"]))
    ctx.relate(node, CCD.citingFootnote, iri("footnote", fn), [passage])
    ctx.relate(node, CCD.citingPassage, anchor, [anchor])
    ctx.relate(node, CCD.citedWork, iri("work", w["slug"]), [passage])
    if "pages" in w:
        if w["pages"] not in span.text:
            raise BuildError(f"curation: pages {w['pages']!r} of work {w['slug']} are not in its footnote")
        ctx.stated.add((node, CCD.pinpoint, Literal(w["pages"])))
    ctx.derived(node, [passage])


def _authorship(ctx: Context, work: URIRef, w: dict, order: int, agent: URIRef, passage: URIRef) -> None:
    """The position of an author in a work's author list (dcterms:creator is unordered)."""
    node = iri("authorship", f"{w['slug']}-{order}")
    ctx.stated.add((node, RDF.type, CCD.Authorship))
    ctx.stated.add((node, CCD.order, Literal(order, datatype=XSD.integer)))
    ctx.label(node, *ctx.labels("authorship", n=order, title=w["title"]))
    ctx.relate(work, CCD.hasAuthorship, node, [passage])
    ctx.relate(node, CCD.author, agent, [passage])
    ctx.derived(node, [passage])

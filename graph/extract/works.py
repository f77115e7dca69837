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
    g = ctx.stated
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
            g.add((note, CCD.citesWork, work))
            g.add((anchor, CITO.cites, work))
            g.add((art, CITO.cites, work))
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
        for person in w.get(role, []):
            pnode = iri("person", person["slug"])
            g.add((node, prop, pnode))
            g.add((pnode, RDF.type, CCD.Person))
            if (pnode, RDFS.label, None) not in g:
                ctx.label(pnode, verbatim(person["name"], "name"), person["en"])
            ctx.derived(pnode, [passage])
    if "corporate" in w:
        org = ctx.c.name(verbatim(w["corporate"], "author"), "organisation")
        g.add((node, DCTERMS.creator, iri("organisation", org.slug)))
    if "container" in w:
        g.add((node, PRISM.publicationName, Literal(verbatim(w["container"], "container"))))
    if "publisher" in w:
        org = ctx.c.name(verbatim(w["publisher"], "publisher"), "organisation")
        g.add((node, DCTERMS.publisher, iri("organisation", org.slug)))
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
    if "pages" in w:
        pages = verbatim(w["pages"], "pages")
        g.add((node, PRISM.pageRange, Literal(pages)))
        first, _, last = pages.partition("-")
        g.add((node, PRISM.startingPage, Literal(first)))
        if last:
            g.add((node, PRISM.endingPage, Literal(last)))
    if "url" in w:
        g.add((node, FABIO.hasURL, Literal(verbatim(w["url"], "url"), datatype=XSD.anyURI)))

"""The section tree and one passage per sentence, so the article is quotable as a whole."""

from __future__ import annotations

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


def sections(ctx: Context) -> None:
    a, g = ctx.a, ctx.stated
    art = iri("article", ctx.c.article["slug"])
    names = ctx.c.article.get("sections", {})
    top_order = 1  # the front matter (1) comes first, then abstract, introduction, 一 … 四
    for sec in a.sections.values():
        node = iri("section", sec.key)
        g.add((node, RDF.type, CCD.Section))
        cur = names.get(sec.key, {})
        if sec.title is not None:
            zh = sec.title.text
            if "en" not in cur:
                raise BuildError(f"curation: article.yaml has no English label for section {sec.key}")
            en = cur["en"]
            g.add((node, DCTERMS.title, Literal(zh, lang="zh-Hans")))
            g.add((node, CCD.sectionNumber, Literal(sec.number)))
            ctx.label(node, zh, en)
            heading = ctx.passage(f"{sec.key}-heading", sec.title, sec.key, *ctx.fmt("heading", sec.key))
            ctx.derived(node, [heading])
        else:
            ctx.label(node, cur["zh"], cur["en"], interpreted=True)
        ctx.section_label[sec.key] = (ctx.section_name(sec.key), cur.get("en", sec.key))
        if sec.parent:
            parent = iri("section", sec.parent)
            order = sec.numeral
        else:
            parent = art
            top_order += 1
            order = top_order
        g.add((parent, CCD.hasSection, node))
        g.add((node, DCTERMS.isPartOf, parent))
        g.add((node, CCD.order, Literal(order, datatype=XSD.integer)))
    # every sentence becomes a passage: the article is quotable as a whole
    for para in a.paragraphs():
        for n, sent in enumerate(para.sentences, start=1):
            zh, en = ctx.fmt("passage", para.section, paragraph=para.order, sentence=n)
            p = ctx.passage(sent.key, sent.span, para.section, zh, en, sent.pieces)
            ctx.sentence_passages.append((p, sent.span))
    # the front section holds the bibliographic fields
    front = iri("section", "front")
    g.add((front, RDF.type, CCD.Section))
    g.add((art, CCD.hasSection, front))
    g.add((front, DCTERMS.isPartOf, art))
    g.add((front, CCD.order, Literal(1, datatype=XSD.integer)))
    cur = names["front"]
    ctx.label(front, cur["zh"], cur["en"], interpreted=True)
    ctx.section_label["front"] = (cur["zh"], cur["en"])

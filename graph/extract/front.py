"""The front matter: the article's bibliographic fields, author, editor and funding."""

from __future__ import annotations

import re

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from ccdkg.errors import BuildError
from ccdkg.graph.extract.context import (
    Context,
    iri,
)
from ccdkg.namespaces import (
    CCD,
    FABIO,
    PRISM,
    SCHEMA,
)


def front_matter(ctx: Context) -> None:
    a, c, g = ctx.a, ctx.c.article, ctx.stated
    art = iri("article", c["slug"])
    g.add((art, RDF.type, CCD.Article))
    g.add((art, RDF.type, FABIO.JournalArticle))
    fields = c["fields"]

    def field(key: str) -> URIRef:
        span = a.front[key] if key != "funding" else a.funding
        f = fields[key]
        zh = ctx.c.article["labels"]["field"]["zh"].format(field=f["zh"])
        en = ctx.c.article["labels"]["field"]["en"].format(field_en=f["en"])
        slug = {
            "DOI 编号": "doi",
            "作者简介": "author-info",
            "关键词": "keywords",
            "中图分类号": "clc",
            "文献标识码": "document-code",
            "文章编号": "article-number",
        }.get(key, key)
        return ctx.passage(f"front-{slug}", span, "front", zh, en)

    title = a.front["title"].text
    ctx.label(art, title, c["en_title"])
    g.add((art, DCTERMS.title, Literal(title, lang="zh-Hans")))
    g.add((art, FABIO.hasSubtitle, Literal(a.front["subtitle"].text, lang="zh-Hans")))
    ctx.interp.add((art, DCTERMS.title, Literal(c["en_title"], lang="en")))
    ctx.derived(art, [field("title"), field("subtitle")])
    g.add((art, DCTERMS.abstract, Literal(a.front["内容摘要"].text, lang="zh-Hans")))
    doi = a.front["DOI 编号"].text
    g.add((art, PRISM.doi, Literal(doi)))
    g.add((art, FABIO.hasURL, Literal(f"https://doi.org/{doi}", datatype=XSD.anyURI)))
    ctx.derived(art, [field("DOI 编号")])
    number = a.front["文章编号"].text
    g.add((art, DCTERMS.identifier, Literal(number)))
    m = re.fullmatch(r"(\d{4}-\d{3}[\dX])-\((\d{4})\)(\d+)-(\d+)-(\d+)", number)
    if not m:
        raise BuildError(f"the article number {number!r} is not ISSN-(year)issue-page-pages")
    issn, year, issue, first, pages = m.groups()
    g.add((art, DCTERMS.issued, Literal(year, datatype=XSD.gYear)))
    g.add((art, PRISM.issn, Literal(issn)))
    g.add((art, PRISM.number, Literal(str(int(issue)))))
    g.add((art, PRISM.startingPage, Literal(str(int(first)))))
    # the end page is computed from the page count: an interpretation
    last = int(first) + int(pages) - 1
    ctx.interp.add((art, PRISM.endingPage, Literal(str(last))))
    ctx.interp.add((art, PRISM.pageRange, Literal(f"{int(first)}-{last}")))
    ctx.derived(art, [field("文章编号")])
    journal = c["journal"]
    ctx.interp.add((art, PRISM.publicationName, Literal(journal["zh"], lang="zh-Hans")))
    ctx.interp.add((art, PRISM.publicationName, Literal(journal["en"], lang="en")))
    ctx.interp.add((art, DCTERMS.language, Literal(c["language"])))
    g.add((art, CCD.clcNumber, Literal(a.front["中图分类号"].text)))
    g.add((art, CCD.documentCode, Literal(a.front["文献标识码"].text)))
    ctx.derived(art, [field("中图分类号"), field("文献标识码")])
    kw = field("关键词")
    for k in a.keywords:
        g.add((art, PRISM.keyword, Literal(k.text, lang="zh-Hans")))
    ctx.derived(art, [kw])
    # author, affiliation, editor
    author = iri("person", c["author"]["slug"])
    g.add((author, RDF.type, CCD.Person))
    ctx.label(author, a.front["author"].text, c["author"]["en"])
    ctx.relate(art, DCTERMS.creator, author, [field("author")])
    ctx.derived(author, [field("author"), field("作者简介")])
    info = a.front["作者简介"].text
    if c["affiliation"] not in info:
        raise BuildError(f"curation: the affiliation {c['affiliation']!r} is not in the author information")
    school = iri("organisation", ctx.c.name(c["affiliation"], "organisation").slug)
    ctx.relate(author, SCHEMA.affiliation, school, [field("作者简介")])
    g.add((author, SCHEMA.description, Literal(info, lang="zh-Hans")))
    if "editor" in a.front:
        editor = iri("person", c["editor"]["slug"])
        g.add((editor, RDF.type, CCD.Person))
        ctx.label(editor, a.front["editor"].text, c["editor"]["en"])
        ctx.relate(art, SCHEMA.editor, editor, [field("editor")])
        ctx.derived(editor, [field("editor")])
    if a.funding is not None:
        fund = field("funding")
        g.add((art, SCHEMA.funding, Literal(a.funding.text, lang="zh-Hans")))
        ctx.derived(art, [fund])
        for key in ("project", "grant", "title"):
            if c["funding"][key] not in a.funding.text:
                raise BuildError(f"curation: funding {key} {c['funding'][key]!r} is not in the funding note")
        ctx.sentence_passages.append((fund, a.funding))
        _grants(ctx, art, fund)
    ctx.sentence_passages.append((ctx.passages["front-author-info"], a.front["作者简介"]))


def _grants(ctx: Context, art: URIRef, fund: URIRef) -> None:
    """The grants the funding note names, each with its number and funder (article.yaml)."""
    note = ctx.a.funding.text
    for grant in ctx.c.article["funding"].get("grants", []):
        node = iri("grant", grant["slug"])
        for key in ("label", "number", "funder"):
            if key in grant and grant[key] not in note:
                raise BuildError(
                    f"curation: grant {grant['slug']}: {key} {grant[key]!r} is not in the funding note"
                )
        ctx.stated.add((node, RDF.type, CCD.Grant))
        ctx.label(node, grant["label"], grant["en"])
        if "number" in grant:
            ctx.stated.add((node, CCD.grantNumber, Literal(grant["number"])))
        funder = iri("organisation", ctx.c.name(grant["funder"], "organisation").slug)
        ctx.relate(node, CCD.funder, funder, [fund])
        ctx.relate(art, CCD.fundedBy, node, [fund])
        ctx.derived(node, [fund])

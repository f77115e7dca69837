"""The argument's outline: the diplomacy, drivers, functions, impacts, challenges, paths."""

from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from ccdkg.errors import BuildError
from ccdkg.graph.extract.context import (
    Context,
    iri,
)
from ccdkg.graph.parse import Span
from ccdkg.namespaces import (
    CCD,
)


def argument(ctx: Context) -> None:
    arg = ctx.c.argument
    if not arg:
        return
    g = ctx.stated
    d = arg["diplomacy"]
    dip = iri("diplomacy", d["slug"])
    g.add((dip, RDF.type, CCD.CityClusterDiplomacy))
    ctx.label(dip, d["label"], d["en"])
    evidence = []
    for key, section in (("definition", "definition_section"), ("restated", "restated_section")):
        found = [p for para in ctx.paragraph_sentences(d[section]) for p, sp in para if d[key] in sp.text]
        if not found:
            raise BuildError(f"curation: the definition {d[key][:20]!r}… is not in section {d[section]}")
        evidence += found
    g.add((dip, SKOS.definition, Literal(d["definition"], lang="zh-Hans")))
    ctx.derived(dip, evidence + [ctx.passages["front-keywords"]])
    ctx.relate(iri("article", ctx.c.article["slug"]), DCTERMS.subject, dip, [ctx.passages["front-keywords"]])

    for key, prop, cls, kind in (
        ("drivers", CCD.hasDriver, CCD.Driver, "driver"),
        ("functions", CCD.hasFunction, CCD.DiplomacyFunction, "function"),
    ):
        for order, item in enumerate(arg.get(key, []), start=1):
            sec = ctx.a.sections.get(item["heading"])
            if sec is None or sec.title is None:
                raise BuildError(
                    f"curation: {kind} {item['slug']} names section {item['heading']}, not in the text"
                )
            node = iri(kind, item["slug"])
            heading = [ctx.passages[f"{sec.key}-heading"]]
            _point(ctx, dip, prop, node, cls, order, sec.title.text, item["en"], heading)
            passages = [ctx.passages[f"{sec.key}-heading"]]
            passages += [p for para in ctx.paragraph_sentences(sec.key) for p, _ in para]
            ctx.derived(node, passages)

    for key, prop, cls, kind in (
        ("impacts", CCD.hasImpact, CCD.PoliticalImpact, "impact"),
        ("challenges", CCD.hasChallenge, CCD.Challenge, "challenge"),
        ("recommendations", CCD.hasRecommendation, CCD.Recommendation, "recommendation"),
    ):
        for order, item in enumerate(arg.get(key, []), start=1):
            node = iri(kind, item["slug"])
            paragraph = _find_paragraph(ctx, item, kind)
            _point(ctx, dip, prop, node, cls, order, item["label"], item["en"], [paragraph[0][0]])
            subs = item.get("sub", [])
            ctx.derived(node, [p for p, _ in paragraph])
            starts = [ctx.locate(paragraph, s["marker"], s["label"], "sub-point") for s in subs]
            if starts != sorted(starts):
                raise BuildError(f"curation: the sub-points of {item['slug']} are not in the text's order")
            for n, (sub, start) in enumerate(zip(subs, starts, strict=True), start=1):
                stop = starts[n] if n < len(starts) else len(paragraph)
                child = iri(kind, sub["slug"])
                g.add((child, RDF.type, cls))
                ctx.label(child, sub["label"], sub["en"])
                g.add((child, CCD.order, Literal(n, datatype=XSD.integer)))
                opening = [paragraph[start][0]]
                ctx.relate(node, CCD.hasSubRecommendation, child, opening)
                ctx.relate(child, CCD.subRecommendationOf, node, opening)
                ctx.derived(child, [p for p, _ in paragraph[start:stop]])


def _find_paragraph(ctx: Context, item: dict, kind: str) -> list[tuple[URIRef, Span]]:
    """The sentences of the paragraph whose first sentence opens with the item's marker and label."""
    for para in ctx.paragraph_sentences(item["section"]):
        _, first = para[0]
        if first.text.startswith(item["marker"]):
            ctx.locate(para[:1], item["marker"], item["label"], kind)
            return para
    raise BuildError(f"curation: no paragraph of section {item['section']} opens with {item['marker']}")


def _point(
    ctx: Context,
    dip: URIRef,
    prop: URIRef,
    node: URIRef,
    cls: URIRef,
    order: int,
    zh: str,
    en: str,
    evidence: list[URIRef],
) -> None:
    g = ctx.stated
    g.add((node, RDF.type, cls))
    ctx.label(node, zh, en)
    g.add((node, CCD.order, Literal(order, datatype=XSD.integer)))
    ctx.relate(dip, prop, node, evidence)

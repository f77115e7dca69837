"""The curated names (names.tsv) found in the text: type, labels, evidence."""

from __future__ import annotations

import re

from rdflib import Literal
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from ccdkg.errors import BuildError
from ccdkg.graph.extract.context import (
    KIND_CLASS,
    SOURCE_ENTITIES,
    TAGGED_KINDS,
    Context,
    iri,
)
from ccdkg.labels import to_traditional
from ccdkg.namespaces import (
    CCD,
)


def tag(ctx: Context) -> None:
    """Find every curated wording in the running text and the footnotes.

    Every occurrence counts, also inside a longer name: 日本 is named in 日本太平洋沿岸,
    伦敦 in 英国伦敦城市群. Not inside an organisation's name, though: 上海人民出版社 (a
    publisher in a footnote) says nothing about 上海, nor Cambridge University Press about Cambridge.
    """
    orgs = sorted(
        {n.label for n in ctx.c.names if n.kind == "organisation" and not n.interpreted},
        key=len,
        reverse=True,
    )
    within_org = re.compile("|".join(re.escape(o) for o in orgs)) if orgs else None
    texts = []
    for passage, span in ctx.sentence_passages:
        masked = within_org.sub(lambda m: "\0" * len(m.group(0)), span.text) if within_org else span.text
        texts.append((passage, span.text, masked))
    for name in ctx.c.names:
        if name.kind not in TAGGED_KINDS or name.interpreted:
            continue
        node = iri(name.kind, name.slug)
        for passage, text, masked in texts:
            if name.label in (text if name.kind == "organisation" else masked):
                ctx.mentions.setdefault(node, []).append(passage)


def names(ctx: Context) -> None:
    """Every curated name: type, labels, evidence; cities located in their country."""
    tag(ctx)
    g, seen = ctx.stated, set()
    for name in ctx.c.names:
        node = iri(name.kind, name.slug)
        primary = ctx.c.primary(name.kind, name.slug)
        if name is not primary:
            ctx.stated.add((node, SKOS.altLabel, Literal(name.label, lang="zh-Hans")))
            ctx.interp.add((node, SKOS.altLabel, Literal(to_traditional(name.label), lang="zh-Hant")))
            continue
        if node in seen:
            continue
        seen.add(node)
        evidence = sorted(set(ctx.mentions.get(node, [])), key=ctx.passage_key)
        if name.interpreted:
            ctx.interp.add((node, RDF.type, KIND_CLASS[name.kind]))
            ctx.interp.add((node, CCD.assertionStatus, CCD.Interpreted))
            ctx.label(node, name.label, name.en, interpreted=True)
            ctx.interp.add((node, PROV.wasDerivedFrom, SOURCE_ENTITIES))
            if name.note:
                ctx.interp.add((node, RDFS.comment, Literal(name.note, lang="en")))
            continue
        if not evidence:
            raise BuildError(f"curation: {name.kind} {name.label!r} is never named in the article")
        g.add((node, RDF.type, KIND_CLASS[name.kind]))
        if (node, RDFS.label, None) not in g:
            ctx.label(node, name.label, name.en)
        ctx.derived(node, evidence)
        if name.located_in:
            country = iri("country", ctx.c.name(name.located_in, "country").slug)
            ctx.interp.add((node, CCD.locatedIn, country))
    # alias rows are evidence too
    for name in ctx.c.names:
        if name is not ctx.c.primary(name.kind, name.slug) and not name.interpreted:
            node = iri(name.kind, name.slug)
            ctx.derived(node, sorted(set(ctx.mentions.get(node, [])), key=ctx.passage_key))

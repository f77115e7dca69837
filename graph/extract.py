"""Turn the parsed article and the curator's tables into the ccdkg dataset.

Named graphs (docs/data-model.md): ``id:graph/stated`` holds what the article states, with
its zh-Hans wording; ``id:graph/interpreted`` holds the curator's additions (English and
zh-Hant labels, countries, anything implied); ``id:graph/links`` holds outside identifiers
copied from ``graph/curation/entities.tsv``. Every individual drawn from the article points
with ``prov:wasDerivedFrom`` at the passages that say it. No blank nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from ccdkg.errors import BuildError
from ccdkg.graph.curation import Curation, Name
from ccdkg.graph.parse import Article, Span
from ccdkg.labels import to_traditional
from ccdkg.namespaces import (
    CCD,
    CITO,
    FABIO,
    GRAPH_INTERPRETED,
    GRAPH_LINKS,
    GRAPH_STATED,
    OA,
    PREFIXES,
    PRISM,
    SCHEMA,
    WD,
    WGS,
    data_iri,
)

CONTEXT = 32  # characters of oa:prefix / oa:suffix
SOURCE_CLEAN = URIRef(data_iri("source", "clean-text"))
SOURCE_WEB = URIRef(data_iri("source", "web-copy"))
SOURCE_ENTITIES = URIRef(data_iri("source", "entities-tsv"))
GEONAMES = "https://sws.geonames.org/{}/"
KIND_CLASS = {
    "cluster": CCD.CityCluster,
    "city": CCD.City,
    "country": CCD.Country,
    "region": CCD.Region,
    "organisation": CCD.Organisation,
    "event": CCD.Event,
    "policy": CCD.Policy,
    "core-function": CCD.CoreDiplomaticFunction,
    "city-role": CCD.CityRole,
}
# Kinds whose names are looked up in the running text (core functions only live in Table 1).
TAGGED_KINDS = ("cluster", "city", "country", "region", "organisation", "event", "policy", "city-role")


def iri(kind: str, slug: str) -> URIRef:
    return URIRef(data_iri(kind, slug))


@dataclass(frozen=True)
class Mention:
    name: Name
    passage: URIRef
    span: Span


class _Extractor:
    def __init__(self, article: Article, curation: Curation) -> None:
        self.a = article
        self.c = curation
        self.ds = Dataset()
        for prefix, ns in PREFIXES.items():
            self.ds.bind(prefix, ns, override=True, replace=True)
        self.stated: Graph = self.ds.graph(GRAPH_STATED)
        self.interp: Graph = self.ds.graph(GRAPH_INTERPRETED)
        self.links: Graph = self.ds.graph(GRAPH_LINKS)
        self.passages: dict[str, URIRef] = {}
        self.passage_spans: dict[URIRef, Span] = {}
        self.sentence_passages: list[tuple[URIRef, Span]] = []
        self.section_label: dict[str, tuple[str, str]] = {}
        self.mentions: dict[URIRef, list[URIRef]] = {}

    # ---- helpers ---------------------------------------------------------------------
    def label(self, node: URIRef, zh: str, en: str, *, interpreted: bool = False) -> None:
        """zh-Hans in the stated graph (the article's wording), en and zh-Hant interpreted."""
        (self.interp if interpreted else self.stated).add((node, RDFS.label, Literal(zh, lang="zh-Hans")))
        self.interp.add((node, RDFS.label, Literal(en, lang="en")))
        self.interp.add((node, RDFS.label, Literal(to_traditional(zh), lang="zh-Hant")))

    def derived(self, node: URIRef, passages: Iterable[URIRef], graph: Graph | None = None) -> None:
        for p in passages:
            (graph or self.stated).add((node, PROV.wasDerivedFrom, p))

    def passage(self, key: str, span: Span, section: str, zh: str, en: str) -> URIRef:
        if key in self.passages:
            return self.passages[key]
        text = self.a.text
        if text[span.start : span.end] != span.text or not span.text:
            raise BuildError(f"passage {key} does not match the text at {span.start}–{span.end}")
        node = iri("passage", key)
        g = self.stated
        g.add((node, RDF.type, CCD.Passage))
        g.add((node, OA.exact, Literal(span.text)))
        g.add((node, OA.prefix, Literal(text[max(0, span.start - CONTEXT) : span.start])))
        g.add((node, OA.suffix, Literal(text[span.end : span.end + CONTEXT])))
        g.add((node, OA.start, Literal(span.start, datatype=XSD.nonNegativeInteger)))
        g.add((node, OA.end, Literal(span.end, datatype=XSD.nonNegativeInteger)))
        g.add((node, CCD.inSection, iri("section", section)))
        g.add((node, CCD.sourceText, SOURCE_CLEAN))
        self.label(node, zh, en)
        self.passages[key] = node
        self.passage_spans[node] = span
        return node

    def find_in(self, needle: str, candidates: Iterable[tuple[URIRef, Span]], what: str) -> list[URIRef]:
        hits = [p for p, s in candidates if needle in s.text]
        if not hits:
            raise BuildError(f"curation: {what} {needle!r} does not occur in the article where expected")
        return hits

    # ---- stages ----------------------------------------------------------------------
    def run(self) -> Dataset:
        self.graphs_and_sources()
        self.sections()
        self.front_matter()
        self.table1()
        self.footnotes()
        self.names()
        self.argument()
        self.works()
        self.relations()
        self.links_graph()
        return self.ds

    def graphs_and_sources(self) -> None:
        g = self.stated
        for graph, status in (
            (GRAPH_STATED, CCD.Stated),
            (GRAPH_INTERPRETED, CCD.Interpreted),
            (GRAPH_LINKS, CCD.External),
        ):
            g.add((graph, CCD.assertionStatus, status))
        self.links.add((GRAPH_LINKS, DCTERMS.source, SOURCE_ENTITIES))
        self.links.add((GRAPH_LINKS, PROV.wasDerivedFrom, SOURCE_ENTITIES))
        for slug, src in sorted(self.c.article.get("sources", {}).items()):
            node = iri("source", slug)
            g.add((node, RDF.type, CCD.SourceText))
            g.add((node, DCTERMS.identifier, Literal(src["path"])))
            self.label(node, src["zh"], src["en"], interpreted=True)

    def sections(self) -> None:
        a, g = self.a, self.stated
        art = iri("article", self.c.article["slug"])
        names = self.c.article.get("sections", {})
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
                self.label(node, zh, en)
                heading = self.passage(
                    f"{sec.key}-heading", sec.title, sec.key, *self._fmt("heading", sec.key)
                )
                self.derived(node, [heading])
            else:
                self.label(node, cur["zh"], cur["en"], interpreted=True)
            self.section_label[sec.key] = (self._section_name(sec.key), cur.get("en", sec.key))
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
                zh, en = self._fmt("passage", para.section, paragraph=para.order, sentence=n)
                p = self.passage(sent.key, sent.span, para.section, zh, en)
                self.sentence_passages.append((p, sent.span))
        # the front section holds the bibliographic fields
        front = iri("section", "front")
        g.add((front, RDF.type, CCD.Section))
        g.add((art, CCD.hasSection, front))
        g.add((front, DCTERMS.isPartOf, art))
        g.add((front, CCD.order, Literal(1, datatype=XSD.integer)))
        cur = names["front"]
        self.label(front, cur["zh"], cur["en"], interpreted=True)
        self.section_label["front"] = (cur["zh"], cur["en"])

    def _section_name(self, key: str) -> str:
        sec = self.a.sections.get(key)
        names = self.c.article.get("sections", {})
        if sec is None or not sec.number:
            return names[key]["zh"]
        if sec.parent:
            return self.a.sections[sec.parent].number.rstrip("、") + sec.number
        return sec.number.rstrip("、")

    def _fmt(self, template: str, section: str, **values: object) -> tuple[str, str]:
        t = self.c.article["labels"][template]
        if section in self.section_label:
            zh_sec, en_sec = self.section_label[section]
        else:
            zh_sec, en_sec = (
                self._section_name(section),
                self.c.article["sections"].get(section, {}).get("en", section),
            )
        values = {"section": zh_sec, "section_en": en_sec, **values}
        return t["zh"].format(**values), t["en"].format(**values)

    def front_matter(self) -> None:
        a, c, g = self.a, self.c.article, self.stated
        art = iri("article", c["slug"])
        g.add((art, RDF.type, CCD.Article))
        g.add((art, RDF.type, FABIO.JournalArticle))
        fields = c["fields"]

        def field(key: str) -> URIRef:
            span = a.front[key] if key != "funding" else a.funding
            f = fields[key]
            zh = self.c.article["labels"]["field"]["zh"].format(field=f["zh"])
            en = self.c.article["labels"]["field"]["en"].format(field_en=f["en"])
            slug = {
                "DOI 编号": "doi",
                "作者简介": "author-info",
                "关键词": "keywords",
                "中图分类号": "clc",
                "文献标识码": "document-code",
                "文章编号": "article-number",
            }.get(key, key)
            return self.passage(f"front-{slug}", span, "front", zh, en)

        title = a.front["title"].text
        self.label(art, title, c["en_title"])
        g.add((art, DCTERMS.title, Literal(title, lang="zh-Hans")))
        g.add((art, FABIO.hasSubtitle, Literal(a.front["subtitle"].text, lang="zh-Hans")))
        self.interp.add((art, DCTERMS.title, Literal(c["en_title"], lang="en")))
        self.derived(art, [field("title"), field("subtitle")])
        g.add((art, DCTERMS.abstract, Literal(a.front["内容摘要"].text, lang="zh-Hans")))
        doi = a.front["DOI 编号"].text
        g.add((art, PRISM.doi, Literal(doi)))
        g.add((art, FABIO.hasURL, Literal(f"https://doi.org/{doi}", datatype=XSD.anyURI)))
        self.derived(art, [field("DOI 编号")])
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
        self.interp.add((art, PRISM.endingPage, Literal(str(last))))
        self.interp.add((art, PRISM.pageRange, Literal(f"{int(first)}-{last}")))
        self.derived(art, [field("文章编号")])
        journal = c["journal"]
        self.interp.add((art, PRISM.publicationName, Literal(journal["zh"], lang="zh-Hans")))
        self.interp.add((art, PRISM.publicationName, Literal(journal["en"], lang="en")))
        self.interp.add((art, DCTERMS.language, Literal(c["language"])))
        g.add((art, CCD.clcNumber, Literal(a.front["中图分类号"].text)))
        g.add((art, CCD.documentCode, Literal(a.front["文献标识码"].text)))
        self.derived(art, [field("中图分类号"), field("文献标识码")])
        kw = field("关键词")
        for k in a.keywords:
            g.add((art, PRISM.keyword, Literal(k.text, lang="zh-Hans")))
        self.derived(art, [kw])
        # author, affiliation, editor
        author = iri("person", c["author"]["slug"])
        g.add((author, RDF.type, CCD.Person))
        self.label(author, a.front["author"].text, c["author"]["en"])
        g.add((art, DCTERMS.creator, author))
        self.derived(author, [field("author"), field("作者简介")])
        info = a.front["作者简介"].text
        if c["affiliation"] not in info:
            raise BuildError(
                f"curation: the affiliation {c['affiliation']!r} is not in the author information"
            )
        g.add(
            (
                author,
                SCHEMA.affiliation,
                iri("organisation", self.c.name(c["affiliation"], "organisation").slug),
            )
        )
        g.add((author, SCHEMA.description, Literal(info, lang="zh-Hans")))
        if "editor" in a.front:
            editor = iri("person", c["editor"]["slug"])
            g.add((editor, RDF.type, CCD.Person))
            self.label(editor, a.front["editor"].text, c["editor"]["en"])
            g.add((art, SCHEMA.editor, editor))
            self.derived(editor, [field("editor")])
        if a.funding is not None:
            fund = field("funding")
            g.add((art, SCHEMA.funding, Literal(a.funding.text, lang="zh-Hans")))
            self.derived(art, [fund])
            for key in ("project", "grant", "title"):
                if c["funding"][key] not in a.funding.text:
                    raise BuildError(
                        f"curation: funding {key} {c['funding'][key]!r} is not in the funding note"
                    )
            self.sentence_passages.append((fund, a.funding))
        self.sentence_passages.append((self.passages["front-author-info"], a.front["作者简介"]))

    def table1(self) -> None:
        a, g = self.a, self.stated
        t = a.table
        sec = t.section
        table_p = self.passage(
            f"{sec}-table1-caption", t.caption, sec, *self._fmt("cell", sec, row=0, text=t.caption.text)
        )
        note_p = (
            self.passage(f"{sec}-table1-note", t.note, sec, *self._fmt("cell", sec, row=0, text=t.note.text))
            if t.note
            else None
        )
        for row in t.rows:

            def cell(suffix: str, span: Span, row=row) -> URIRef:
                zh, en = self._fmt("cell", sec, row=row.order, text=span.text)
                return self.passage(f"{sec}-table1-r{row.order}-{suffix}", span, sec, zh, en)

            cname = self.c.name(row.cluster.text, "cluster")
            cluster = iri("cluster", cname.slug)
            g.add((cluster, RDF.type, CCD.CityCluster))
            self.label(cluster, row.cluster.text, cname.en)
            g.add((cluster, CCD.order, Literal(row.order, datatype=XSD.integer)))
            cluster_p = cell("cluster", row.cluster)
            self.derived(cluster, [cluster_p, table_p] + ([note_p] if note_p else []))
            self.mentions.setdefault(cluster, []).append(cluster_p)
            self.sentence_passages.append((cluster_p, row.cluster))
            for n, span in enumerate(row.cities, start=1):
                name = self.c.name(span.text, "city")
                city = iri("city", name.slug)
                p = cell(f"city{n}", span)
                g.add((cluster, CCD.hasMemberCity, city))
                g.add((city, CCD.isMemberCityOf, cluster))
                self.mentions.setdefault(city, []).append(p)
            for n, span in enumerate(row.functions, start=1):
                name = self.c.name(span.text, "core-function")
                fn = iri("core-function", name.slug)
                p = cell(f"function{n}", span)
                g.add((cluster, CCD.hasCoreFunction, fn))
                g.add((fn, CCD.isCoreFunctionOf, cluster))
                self.mentions.setdefault(fn, []).append(p)

    def footnotes(self) -> None:
        """Footnotes fn01… in document order, tied to the sentence their marker follows."""
        g = self.stated
        art = iri("article", self.c.article["slug"])
        for n, fn in enumerate(self.a.footnotes, start=1):
            node = iri("footnote", fn.key)
            g.add((node, RDF.type, CCD.Footnote))
            g.add((node, OA.exact, Literal(fn.span.text)))
            g.add((node, OA.start, Literal(fn.span.start, datatype=XSD.nonNegativeInteger)))
            g.add((node, OA.end, Literal(fn.span.end, datatype=XSD.nonNegativeInteger)))
            g.add((node, CCD.inSection, iri("section", fn.section)))
            g.add((node, CCD.sourceText, SOURCE_CLEAN))
            g.add((node, CCD.order, Literal(n, datatype=XSD.integer)))
            g.add((node, CCD.footnoteMarker, Literal(fn.symbol)))
            g.add((node, DCTERMS.isPartOf, art))
            self.label(node, *self._labels("footnote", n=n))
            anchor = self.passages[fn.sentence]
            g.add((anchor, CCD.hasFootnote, node))
            self.derived(node, [anchor])
            for k, span in enumerate(fn.works, start=1):
                p = self.passage(f"{fn.key}-{k}", span, fn.section, *self._labels("footnote_work", n=n, k=k))
                g.add((p, DCTERMS.isPartOf, node))
                self.sentence_passages.append((p, span))

    def _labels(self, template: str, **values: object) -> tuple[str, str]:
        t = self.c.article["labels"][template]
        return t["zh"].format(**values), t["en"].format(**values)

    def tag(self) -> None:
        """Find every curated wording in the running text and the footnotes.

        Every occurrence counts, also inside a longer name: 日本 is named in 日本太平洋沿岸,
        伦敦 in 英国伦敦城市群.
        """
        for name in self.c.names:
            if name.kind not in TAGGED_KINDS or name.interpreted:
                continue
            node = iri(name.kind, name.slug)
            for passage, span in self.sentence_passages:
                if name.label in span.text:
                    self.mentions.setdefault(node, []).append(passage)

    def names(self) -> None:
        """Every curated name: type, labels, evidence; cities located in their country."""
        self.tag()
        g, seen = self.stated, set()
        for name in self.c.names:
            node = iri(name.kind, name.slug)
            primary = self.c.primary(name.kind, name.slug)
            if name is not primary:
                self.stated.add((node, SKOS.altLabel, Literal(name.label, lang="zh-Hans")))
                self.interp.add((node, SKOS.altLabel, Literal(to_traditional(name.label), lang="zh-Hant")))
                continue
            if node in seen:
                continue
            seen.add(node)
            evidence = sorted(set(self.mentions.get(node, [])), key=self._passage_key)
            if name.interpreted:
                self.interp.add((node, RDF.type, KIND_CLASS[name.kind]))
                self.interp.add((node, CCD.assertionStatus, CCD.Interpreted))
                self.label(node, name.label, name.en, interpreted=True)
                self.interp.add((node, PROV.wasDerivedFrom, SOURCE_ENTITIES))
                if name.note:
                    self.interp.add((node, RDFS.comment, Literal(name.note, lang="en")))
                continue
            if not evidence:
                raise BuildError(f"curation: {name.kind} {name.label!r} is never named in the article")
            g.add((node, RDF.type, KIND_CLASS[name.kind]))
            if (node, RDFS.label, None) not in g:
                self.label(node, name.label, name.en)
            self.derived(node, evidence)
            if name.located_in:
                country = iri("country", self.c.name(name.located_in, "country").slug)
                self.interp.add((node, CCD.locatedIn, country))
        # alias rows are evidence too
        for name in self.c.names:
            if name is not self.c.primary(name.kind, name.slug) and not name.interpreted:
                node = iri(name.kind, name.slug)
                self.derived(node, sorted(set(self.mentions.get(node, [])), key=self._passage_key))

    # ---- the argument -------------------------------------------------------------------
    def _sentence_passages(self, section: str) -> list[list[tuple[URIRef, Span]]]:
        """Per paragraph of a section: its sentence passages in order."""
        return [
            [(self.passages[s.key], s.span) for s in p.sentences] for p in self.a.sections[section].paragraphs
        ]

    def _locate(self, items: list[tuple[URIRef, Span]], marker: str, label: str, what: str) -> int:
        """Index of the sentence that opens with ``marker`` (then an optional comma) and ``label``."""
        hits = []
        for i, (_, span) in enumerate(items):
            rest = span.text
            if not rest.startswith(marker):
                continue
            rest = rest[len(marker) :].lstrip("，, ")
            if rest.startswith(label):
                hits.append(i)
        if len(hits) != 1:
            raise BuildError(
                f"curation: {what} {marker}{label!r} occurs {len(hits)} times where expected, not once"
            )
        return hits[0]

    def _label_span(self, span: Span, label: str) -> Span:
        start = span.start + span.text.index(label)
        return Span(start, start + len(label), label)

    def argument(self) -> None:
        arg = self.c.argument
        if not arg:
            return
        g = self.stated
        d = arg["diplomacy"]
        dip = iri("diplomacy", d["slug"])
        g.add((dip, RDF.type, CCD.CityClusterDiplomacy))
        self.label(dip, d["label"], d["en"])
        evidence = []
        for key, section in (("definition", "definition_section"), ("restated", "restated_section")):
            found = [p for para in self._sentence_passages(d[section]) for p, sp in para if d[key] in sp.text]
            if not found:
                raise BuildError(f"curation: the definition {d[key][:20]!r}… is not in section {d[section]}")
            evidence += found
        g.add((dip, SKOS.definition, Literal(d["definition"], lang="zh-Hans")))
        self.derived(dip, evidence + [self.passages["front-keywords"]])
        g.add((iri("article", self.c.article["slug"]), DCTERMS.subject, dip))

        for key, prop, cls, kind in (
            ("drivers", CCD.hasDriver, CCD.Driver, "driver"),
            ("functions", CCD.hasFunction, CCD.DiplomacyFunction, "function"),
        ):
            for order, item in enumerate(arg.get(key, []), start=1):
                sec = self.a.sections.get(item["heading"])
                if sec is None or sec.title is None:
                    raise BuildError(
                        f"curation: {kind} {item['slug']} names section {item['heading']}, not in the text"
                    )
                node = iri(kind, item["slug"])
                self._point(dip, prop, node, cls, order, sec.title.text, item["en"])
                passages = [self.passages[f"{sec.key}-heading"]]
                passages += [p for para in self._sentence_passages(sec.key) for p, _ in para]
                self.derived(node, passages)

        for key, prop, cls, kind in (
            ("impacts", CCD.hasImpact, CCD.PoliticalImpact, "impact"),
            ("challenges", CCD.hasChallenge, CCD.Challenge, "challenge"),
            ("recommendations", CCD.hasRecommendation, CCD.Recommendation, "recommendation"),
        ):
            for order, item in enumerate(arg.get(key, []), start=1):
                node = iri(kind, item["slug"])
                paragraph = self._find_paragraph(item, kind)
                self._point(dip, prop, node, cls, order, item["label"], item["en"])
                subs = item.get("sub", [])
                self.derived(node, [p for p, _ in paragraph])
                starts = [self._locate(paragraph, s["marker"], s["label"], "sub-point") for s in subs]
                if starts != sorted(starts):
                    raise BuildError(
                        f"curation: the sub-points of {item['slug']} are not in the text's order"
                    )
                for n, (sub, start) in enumerate(zip(subs, starts, strict=True), start=1):
                    stop = starts[n] if n < len(starts) else len(paragraph)
                    child = iri(kind, sub["slug"])
                    g.add((child, RDF.type, cls))
                    self.label(child, sub["label"], sub["en"])
                    g.add((child, CCD.order, Literal(n, datatype=XSD.integer)))
                    g.add((node, CCD.hasSubRecommendation, child))
                    g.add((child, CCD.subRecommendationOf, node))
                    self.derived(child, [p for p, _ in paragraph[start:stop]])

    def _find_paragraph(self, item: dict, kind: str) -> list[tuple[URIRef, Span]]:
        """The sentences of the paragraph whose first sentence opens with the item's marker and label."""
        for para in self._sentence_passages(item["section"]):
            _, first = para[0]
            if first.text.startswith(item["marker"]):
                self._locate(para[:1], item["marker"], item["label"], kind)
                return para
        raise BuildError(f"curation: no paragraph of section {item['section']} opens with {item['marker']}")

    def _point(
        self, dip: URIRef, prop: URIRef, node: URIRef, cls: URIRef, order: int, zh: str, en: str
    ) -> None:
        g = self.stated
        g.add((node, RDF.type, cls))
        self.label(node, zh, en)
        g.add((node, CCD.order, Literal(order, datatype=XSD.integer)))
        g.add((dip, prop, node))

    # ---- cited works --------------------------------------------------------------------
    def works(self) -> None:
        g = self.stated
        art = iri("article", self.c.article["slug"])
        by_note: dict[str, list[dict]] = {}
        for w in self.c.works:
            by_note.setdefault(w["footnote"], []).append(w)
        for fn in self.a.footnotes:
            items = by_note.pop(fn.key, [])
            if len(items) != len(fn.works):
                raise BuildError(
                    f"curation: works.yaml lists {len(items)} works for {fn.key}, "
                    f"the footnote cites {len(fn.works)}"
                )
            note = iri("footnote", fn.key)
            anchor = self.passages[fn.sentence]
            for k, (w, span) in enumerate(zip(items, fn.works, strict=True), start=1):
                passage = self.passages[f"{fn.key}-{k}"]
                self._work(w, span, passage)
                work = iri("work", w["slug"])
                g.add((note, CCD.citesWork, work))
                g.add((anchor, CITO.cites, work))
                g.add((art, CITO.cites, work))
        if by_note:
            raise BuildError(
                f"curation: works.yaml cites footnotes the article does not have: {sorted(by_note)}"
            )

    def _work(self, w: dict, span: Span, passage: URIRef) -> None:
        g = self.stated
        node = iri("work", w["slug"])

        def verbatim(value: str, what: str) -> str:
            if value not in span.text:
                raise BuildError(f"curation: {what} {value!r} of work {w['slug']} is not in its footnote")
            return value

        title = verbatim(w["title"], "title")
        g.add((node, RDF.type, CCD.CitedWork))
        g.add((node, RDF.type, FABIO[w["type"]]))
        g.add((node, DCTERMS.title, Literal(title)))
        self.label(node, title, w.get("en", title))
        self.derived(node, [passage])
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
                    self.label(pnode, verbatim(person["name"], "name"), person["en"])
                self.derived(pnode, [passage])
        if "corporate" in w:
            org = self.c.name(verbatim(w["corporate"], "author"), "organisation")
            g.add((node, DCTERMS.creator, iri("organisation", org.slug)))
        if "container" in w:
            g.add((node, PRISM.publicationName, Literal(verbatim(w["container"], "container"))))
        if "publisher" in w:
            org = self.c.name(verbatim(w["publisher"], "publisher"), "organisation")
            g.add((node, DCTERMS.publisher, iri("organisation", org.slug)))
            self.interp.add((iri("organisation", org.slug), RDF.type, CCD.Publisher))
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

    # ---- relations and statistics ---------------------------------------------------------
    def _evidence(self, needle: str) -> list[URIRef]:
        return self.find_in(needle, self.sentence_passages, "evidence")

    def _node(self, ref: str) -> URIRef:
        kind, _, slug = ref.partition("/")
        node = iri(kind, slug)
        if not any(True for _ in self.ds.quads((node, RDF.type, None, None))):
            raise BuildError(f"curation: relations.yaml names {ref}, which the graph does not have")
        return node

    def relations(self) -> None:
        rel = self.c.relations
        if not rel:
            return
        for t in rel.get("types", []):
            node = self._node(t["node"])
            self.stated.add((node, RDF.type, CCD[t["class"]]))
            self.derived(node, self._evidence(t["evidence"]))
        for r in rel.get("relations", []):
            s, o = self._node(r["s"]), self._node(r["o"])
            graph = self.interp if r.get("interpreted") else self.stated
            graph.add((s, CCD[r["p"]], o))
            self.derived(s, self._evidence(r["evidence"]))
        for st in rel.get("statistics", []):
            node = iri("statistic", st["slug"])
            passages = [
                p
                for p, span in self.sentence_passages
                if st["exact"] in span.text and st["measures"] in span.text
            ]
            if len(passages) != 1:
                raise BuildError(f"curation: statistic {st['slug']} is found {len(passages)} times, not once")
            g = self.stated
            g.add((node, RDF.type, CCD.Statistic))
            self.label(node, st["exact"], st["en"])
            g.add((node, CCD.value, Literal(Decimal(st["value"]), datatype=XSD.decimal)))
            g.add((node, CCD.unit, Literal(st["unit"])))
            g.add((node, CCD.measures, Literal(st["measures"])))
            g.add((node, CCD.statisticOf, self._node(st["of"])))
            work = self._node("work/" + st["source"])
            g.add((node, DCTERMS.source, work))
            self.derived(node, passages)
            # the article gives no year for the figures; the cited report's year is an interpretation
            year = self.stated.value(work, DCTERMS.issued)
            if year is not None:
                self.interp.add((node, CCD.referenceYear, year))

    def _passage_key(self, p: URIRef) -> tuple[int, str]:
        span = self.passage_spans.get(p)
        return (span.start if span else -1, str(p))

    def links_graph(self) -> None:
        """Outside identifiers, only from entities.tsv; owl:sameAs / skos:exactMatch only when verified."""
        g = self.links
        for name in self.c.names:
            ent = self.c.entities.get((name.label, name.kind))
            if ent is None:
                continue
            node = iri(name.kind, name.slug)
            if ent.verified and ent.wikidata:
                g.add((node, OWL.sameAs, WD[ent.wikidata]))
            if ent.geonames:
                target = URIRef(GEONAMES.format(ent.geonames))
                g.add((node, SKOS.exactMatch if ent.verified else RDFS.seeAlso, target))
            if ent.dbpedia and name is self.c.primary(name.kind, name.slug):
                # built mechanically from an English title (entities-README): a lead, not an identity
                g.add((node, RDFS.seeAlso, URIRef(ent.dbpedia.replace(" ", "_"))))
            if ent.lat and ent.lon and name.kind == "city":
                g.add((node, WGS.lat, Literal(Decimal(ent.lat), datatype=XSD.decimal)))
                g.add((node, WGS.long, Literal(Decimal(ent.lon), datatype=XSD.decimal)))
            g.add((node, DCTERMS.source, SOURCE_ENTITIES))


def extract(article: Article, curation: Curation) -> Dataset:
    """The dataset (stated, interpreted and links graphs) for one parsed article."""
    return _Extractor(article, curation).run()

"""The state the extraction stages share: the dataset being built, its three named graphs,
the passages made so far and the helpers every stage uses (labels, evidence, passages)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from ccdkg.errors import BuildError
from ccdkg.graph.curation import Curation
from ccdkg.graph.parse import Article, Span
from ccdkg.labels import to_traditional
from ccdkg.namespaces import (
    CCD,
    GRAPH_INTERPRETED,
    GRAPH_LINKS,
    GRAPH_STATED,
    OA,
    PREFIXES,
    data_iri,
)

CONTEXT = 32  # characters of oa:prefix / oa:suffix
SOURCE_CLEAN = URIRef(data_iri("source", "clean-text"))
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


# A Chinese name has at least one Han character; a name without one is in Latin script.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def iri(kind: str, slug: str) -> URIRef:
    return URIRef(data_iri(kind, slug))


class Context:
    """One extraction run: the article, the curation and the dataset under construction."""

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
        # the passages that state each stated relation, where a stage knows them
        self.evidence_of: dict[tuple[URIRef, URIRef, URIRef], list[URIRef]] = {}
        self.footnote_spans: dict[URIRef, Span] = {}
        # body sentences claims.yaml says carry no claim: passage -> (reason, where the entry is)
        self.uncovered: dict[URIRef, tuple[str, str]] = {}

    def label(self, node: URIRef, zh: str, en: str, *, interpreted: bool = False) -> None:
        """zh-Hans in the stated graph (the article's wording), en and zh-Hant interpreted.

        A name the article prints in Latin script only (an English title, a publisher, a person)
        is not Chinese: its wording is the stated ``en`` label, and it gets no zh-Hans/zh-Hant
        label (docs/vocabulary.md: tag the language the string is in). A different English form
        the curator gives is kept as an interpreted skos:altLabel.
        """
        graph = self.interp if interpreted else self.stated
        if not HAN.search(zh):
            graph.add((node, RDFS.label, Literal(zh, lang="en")))
            if en != zh:
                self.interp.add((node, SKOS.altLabel, Literal(en, lang="en")))
            return
        graph.add((node, RDFS.label, Literal(zh, lang="zh-Hans")))
        self.interp.add((node, RDFS.label, Literal(en, lang="en")))
        self.interp.add((node, RDFS.label, Literal(to_traditional(zh), lang="zh-Hant")))

    def relate(
        self, s: URIRef, p: URIRef, o: URIRef, evidence: Iterable[URIRef], *, interpreted: bool = False
    ) -> None:
        """One relation between two individuals, with the passages that state it (for its
        ccd:StatementRecord; see ccdkg.graph.extract.statements)."""
        (self.interp if interpreted else self.stated).add((s, p, o))
        if not interpreted:
            self.evidence_of.setdefault((s, p, o), []).extend(evidence)

    def exists(self, node: URIRef) -> bool:
        """Whether the dataset has the node typed (in any graph)."""
        return any(True for _ in self.ds.quads((node, RDF.type, None, None)))

    def derived(self, node: URIRef, passages: Iterable[URIRef], graph: Graph | None = None) -> None:
        for p in passages:
            (graph or self.stated).add((node, PROV.wasDerivedFrom, p))

    def passage(
        self, key: str, span: Span, section: str, zh: str, en: str, pieces: tuple[Span, ...] = ()
    ) -> URIRef:
        """The passage of a span (a sentence a page break cuts gives its verbatim ``pieces``)."""
        if key in self.passages:
            return self.passages[key]
        text = self.a.text
        verbatim = all(text[p.start : p.end] == p.text for p in pieces or (span,))
        joined = not pieces or "".join(p.text for p in pieces) == span.text
        if not (verbatim and joined and span.text):
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

    def section_name(self, key: str) -> str:
        sec = self.a.sections.get(key)
        names = self.c.article.get("sections", {})
        if sec is None or not sec.number:
            return names[key]["zh"]
        if sec.parent:
            return self.a.sections[sec.parent].number.rstrip("、") + sec.number
        return sec.number.rstrip("、")

    def fmt(self, template: str, section: str, **values: object) -> tuple[str, str]:
        t = self.c.article["labels"][template]
        if section in self.section_label:
            zh_sec, en_sec = self.section_label[section]
        else:
            zh_sec, en_sec = (
                self.section_name(section),
                self.c.article["sections"].get(section, {}).get("en", section),
            )
        values = {"section": zh_sec, "section_en": en_sec, **values}
        return t["zh"].format(**values), t["en"].format(**values)

    def labels(self, template: str, **values: object) -> tuple[str, str]:
        t = self.c.article["labels"][template]
        return t["zh"].format(**values), t["en"].format(**values)

    def paragraph_sentences(self, section: str) -> list[list[tuple[URIRef, Span]]]:
        """Per paragraph of a section: its sentence passages in order."""
        return [
            [(self.passages[s.key], s.span) for s in p.sentences] for p in self.a.sections[section].paragraphs
        ]

    def locate(self, items: list[tuple[URIRef, Span]], marker: str, label: str, what: str) -> int:
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

    def passage_key(self, p: URIRef) -> tuple[int, str]:
        span = self.passage_spans.get(p)
        return (span.start if span else -1, str(p))

    def evidence(self, needle: str) -> list[URIRef]:
        return self.find_in(needle, self.sentence_passages, "evidence")

    def node(self, ref: str) -> URIRef:
        kind, _, slug = ref.partition("/")
        node = iri(kind, slug)
        if not any(True for _ in self.ds.quads((node, RDF.type, None, None))):
            raise BuildError(f"curation: relations.yaml names {ref}, which the graph does not have")
        return node

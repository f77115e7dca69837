"""The claim layer from ``graph/curation/claims.yaml``: claims, enumerations, concepts, the entities
they use, and what each footnote's citation does for which claim.

Every span is checked verbatim: it must occur exactly once in its section (a concept's or an
entity's name at least once); a node's evidence is every passage its span overlaps. Every
reference ``kind/slug`` must name a node the graph has or the file declares. The readings of a
curator (CiTO intents, quantities' values, centuries, relations flagged ``interpreted``) go to
``id:graph/interpreted``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from ccdkg.graph.claims import ClaimsFile, Entry
from ccdkg.graph.extract.context import Context, iri
from ccdkg.graph.extract.works import citation_iri
from ccdkg.graph.locate import Sections
from ccdkg.graph.parse import Span
from ccdkg.labels import to_traditional
from ccdkg.namespaces import CCD, CITO

KIND_CLASS = {
    "claim": None,
    "example": CCD.Example,
    "precedent": CCD.Precedent,
    "definition": CCD.DefinitionClaim,
    "quantitative": CCD.QuantitativeClaim,
    "answer": CCD.Answer,
    "rebuttal": CCD.Rebuttal,
    "contrast": CCD.Contrast,
    "background": CCD.Background,
}
RELATIONS = {
    "about": CCD.about,
    "supports": CCD.supports,
    "elaborates": CCD.elaborates,
    "exemplifies": CCD.exemplifies,
    "answers": CCD.answers,
    "attacks": CCD.attacks,
    "contrasts": CCD.contrastsWith,
    "respondsTo": CCD.respondsTo,
}
STANCE = {"endorsed": CCD.Endorsed, "reported": CCD.Reported, "disputed": CCD.Disputed}
# entities: the file's kind -> (IRI kind segment, classes)
ENTITY = {
    "organisation": ("organisation", (CCD.Organisation,)),
    "city-league": ("organisation", (CCD.Organisation, CCD.CityLeague)),
    "city-network": ("organisation", (CCD.Organisation, CCD.CityNetwork)),
    "policy": ("policy", (CCD.Policy,)),
    "event": ("event", (CCD.Event,)),
    "region": ("region", (CCD.Region,)),
    "city": ("city", (CCD.City,)),
    "country": ("country", (CCD.Country,)),
    "grant": ("grant", (CCD.Grant,)),
}
ENTITY_RELATIONS = {"partOf": CCD.partOfRegion, "basedOn": CCD.basedOn, "coreCity": CCD.coreCity}
# reference kinds whose IRIs live under another segment
REF_SEGMENT = {"city-league": "organisation", "city-network": "organisation"}
PLACES = (CCD.City, CCD.CityCluster, CCD.Country, CCD.Region)
_CENTURY = re.compile(r"(\d{1,2})\s*世纪")
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九", start=0)}


def claims(ctx: Context) -> None:
    """The claim layer; nothing when there is no claims file."""
    file = ctx.c.claims
    if file is None:
        return
    layer = _Layer(ctx, file)
    layer.declare()
    layer.concepts()
    layer.entities()
    layer.claims()
    layer.lists()
    layer.citations()
    ctx.uncovered = layer.uncovered()


class _Layer:
    def __init__(self, ctx: Context, file: ClaimsFile) -> None:
        self.ctx = ctx
        self.file = file
        self.sections = Sections(ctx.a)
        self.declared: dict[str, URIRef] = {}
        self.evidence: dict[URIRef, list[URIRef]] = {}
        self.author = iri("person", ctx.c.article["author"]["slug"])

    # ---- spans and references -------------------------------------------------------------
    def span(self, e: Entry, key: str, section_key: str = "section", *, once: bool = True) -> list[Span]:
        text, section = e.get(key), e.get(section_key)
        try:
            hits = self.sections.find(text, section)
        except KeyError:
            raise e.error(
                f"unknown section {section!r} (known: {', '.join(self.sections.known())})"
            ) from None
        if not hits:
            raise e.error(f"{key} {_clip(text)!r} does not occur verbatim in section {section}")
        if once and len(hits) > 1:
            raise e.error(f"{key} {_clip(text)!r} occurs {len(hits)} times in section {section}: lengthen it")
        return hits

    def passages(self, e: Entry, spans: list[Span]) -> list[URIRef]:
        """The passages (or footnotes) the spans overlap, in text order."""
        ctx = self.ctx
        found = {
            p for p, s in ctx.passage_spans.items() for h in spans if s.start < h.end and h.start < s.end
        }
        if not found:
            found = {
                f for f, s in ctx.footnote_spans.items() for h in spans if s.start < h.end and h.start < s.end
            }
        if not found:
            raise e.error("its span overlaps no passage of the article")
        return sorted(found, key=ctx.passage_key)

    def ref(self, e: Entry, ref: str) -> URIRef:
        if ref in self.declared:
            return self.declared[ref]
        kind, _, slug = ref.partition("/")
        node = iri(REF_SEGMENT.get(kind, kind), slug)
        if kind in ("claim", "concept", "list") or not self.ctx.exists(node):
            raise e.error(f"unknown reference {ref}: neither in the graph nor declared in this file")
        return node

    def relate(self, e: Entry, s: URIRef, p: URIRef, o: URIRef, evidence: list[URIRef]) -> None:
        self.ctx.relate(s, p, o, evidence, interpreted=bool(e.get("interpreted")))

    # ---- the stages ----------------------------------------------------------------------------
    def declare(self) -> None:
        """Every node the file declares, so that entries may refer to later ones."""
        for section, kind in (("claims", "claim"), ("lists", "list"), ("concepts", "concept")):
            for e in self.file[section]:
                self.declared[f"{kind}/{e.get('slug')}"] = iri(kind, e.get("slug"))
        for e in self.file["entities"]:
            segment, _ = ENTITY[e.get("kind")]
            node = iri(segment, e.get("slug"))
            self.declared[f"{e.get('kind')}/{e.get('slug')}"] = node
            self.declared.setdefault(f"{segment}/{e.get('slug')}", node)

    def concepts(self) -> None:
        ctx = self.ctx
        for e in self.file["concepts"]:
            node = self.declared[f"concept/{e.get('slug')}"]
            evidence = self.passages(e, self.span(e, "label", once=False))
            ctx.stated.add((node, RDF.type, CCD.Concept))
            ctx.stated.add((node, RDF.type, SKOS.Concept))
            ctx.label(node, e.get("label"), e.get("en", e.get("label")))
            if "definition" in e.data:
                section = "definitionSection" if "definitionSection" in e.data else "section"
                definition = self.passages(e, self.span(e, "definition", section))
                ctx.stated.add((node, SKOS.definition, Literal(e.get("definition"), lang="zh-Hans")))
                evidence += [p for p in definition if p not in evidence]
            ctx.derived(node, evidence)
            self.evidence[node] = evidence
        for e in self.file["concepts"]:
            node = self.declared[f"concept/{e.get('slug')}"]
            for ref in e.refs("broader"):
                self.relate(e, node, SKOS.broader, self.ref(e, ref), self.evidence[node])

    def entities(self) -> None:
        ctx = self.ctx
        for e in self.file["entities"]:
            node = self.declared[f"{e.get('kind')}/{e.get('slug')}"]
            _, classes = ENTITY[e.get("kind")]
            evidence = self.passages(e, self.span(e, "label", once=False))
            known = ctx.exists(node)
            for cls in classes:
                ctx.stated.add((node, RDF.type, cls))
            if not known:
                ctx.label(node, e.get("label"), e.get("en", e.get("label")))
            elif (node, RDFS.label, Literal(e.get("label"), lang="zh-Hans")) not in ctx.stated:
                # the graph names it already: the file's wording is another name for it
                ctx.stated.add((node, SKOS.altLabel, Literal(e.get("label"), lang="zh-Hans")))
                ctx.interp.add((node, SKOS.altLabel, Literal(to_traditional(e.get("label")), lang="zh-Hant")))
            if "number" in e.data:
                self.span(e, "number", once=False)
                ctx.stated.add((node, CCD.grantNumber, Literal(e.get("number"))))
            ctx.derived(node, evidence)
            self.evidence[node] = evidence
        for e in self.file["entities"]:
            node = self.declared[f"{e.get('kind')}/{e.get('slug')}"]
            for key, prop in ENTITY_RELATIONS.items():
                for ref in e.refs(key):
                    self.relate(e, node, prop, self.ref(e, ref), self.evidence[node])
            for ref in e.refs("involves"):
                # a place takes part (ccd:involves); anything else is what a grant's project is about
                # (its title names it) or, for other entities, a related resource
                target = self.ref(e, ref)
                if self._is_place(target):
                    prop = CCD.involves
                else:
                    prop = DCTERMS.subject if e.get("kind") == "grant" else DCTERMS.relation
                self.relate(e, node, prop, target, self.evidence[node])
            if "funder" in e.data:
                self.relate(e, node, CCD.funder, self.ref(e, e.get("funder")), self.evidence[node])

    def claims(self) -> None:
        ctx = self.ctx
        entries = self.file["claims"]
        for e in entries:
            node = self.declared[f"claim/{e.get('slug')}"]
            spans = self.span(e, "text")
            evidence = self.passages(e, spans)
            self.evidence[node] = evidence
            ctx.stated.add((node, RDF.type, CCD.Claim))
            cls = KIND_CLASS[e.get("kind", "claim")]
            if cls is not None:
                ctx.stated.add((node, RDF.type, cls))
            ctx.label(node, e.get("text"), e.get("en", f"{e.get('kind', 'claim')} “{e.get('slug')}”"))
            ctx.derived(node, evidence)
            self._period(e, node, spans[0])
            self._quantity(e, node, spans[0])
        for e in entries:
            node = self.declared[f"claim/{e.get('slug')}"]
            evidence = self.evidence[node]
            for key, prop in RELATIONS.items():
                for ref in e.refs(key):
                    self.relate(e, node, prop, self.ref(e, ref), evidence)
            for ref in e.refs("involves"):
                target = self.ref(e, ref)
                prop = CCD.involves if self._is_place(target) else CCD.hasParticipant
                self.relate(e, node, prop, target, evidence)
            self._attribution(e, node, evidence)

    def _attribution(self, e: Entry, node: URIRef, evidence: list[URIRef]) -> None:
        ctx = self.ctx
        who = e.get("attributedTo", "author")
        if who == "author":
            agent = self.author
        elif who == "scholars":
            agent = iri("scholars", e.get("slug"))
            ctx.stated.add((agent, RDF.type, CCD.UnnamedScholars))
            ctx.label(agent, *ctx.labels("scholars", claim=e.get("slug")))
            ctx.derived(agent, evidence)
        else:
            agent = self.ref(e, who)
        ctx.relate(node, CCD.attributedTo, agent, evidence)
        ctx.stated.add((node, CCD.authorStance, STANCE[e.get("stance", "endorsed")]))

    def _period(self, e: Entry, node: URIRef, claim: Span) -> None:
        if "period" not in e.data:
            return
        period = e.get("period")
        if e.get("kind") != "precedent":
            raise e.error("period is for kind: precedent")
        if period not in claim.text:
            self.span(e, "period", once=False)  # verbatim in the section (CLAIMS-FORMAT)
        self.ctx.stated.add((node, CCD.period, Literal(period)))
        century = _century(period)
        if century is not None:  # the reading of the period: an interpretation
            self.ctx.interp.add((node, CCD.century, Literal(century, datatype=XSD.integer)))

    def _quantity(self, e: Entry, node: URIRef, claim: Span) -> None:
        if "quantity" not in e.data:
            return
        q = e.get("quantity")
        if e.get("kind") != "quantitative":
            raise e.error("quantity is for kind: quantitative")
        if q["text"] not in claim.text and not self.sections.find(q["text"], e.get("section")):
            raise e.error(
                f"quantity.text {q['text']!r} does not occur verbatim in section {e.get('section')}"
            )
        ctx = self.ctx
        ctx.stated.add((node, CCD.quantityText, Literal(q["text"])))
        if "value" in q:
            try:
                value = Decimal(q["value"])
            except InvalidOperation:
                raise e.error(f"quantity.value {q['value']!r} is not a number") from None
            ctx.interp.add((node, CCD.quantityValue, Literal(value, datatype=XSD.decimal)))
        if "comparator" in q:
            ctx.interp.add((node, CCD.comparator, Literal(q["comparator"])))
        if "unit" in q:
            ctx.interp.add((node, CCD.quantityUnit, Literal(q["unit"])))

    def lists(self) -> None:
        ctx = self.ctx
        for e in self.file["lists"]:
            slug = e.get("slug")
            node = self.declared[f"list/{slug}"]
            evidence = self.passages(e, self.span(e, "text"))
            ctx.stated.add((node, RDF.type, CCD.Enumeration))
            en = e.get("en", f"list “{slug}”")
            ctx.label(node, e.get("text"), en)
            ctx.derived(node, evidence)
            for ref in e.refs("about"):
                self.relate(e, node, CCD.about, self.ref(e, ref), evidence)
            for n, ref in enumerate(e.refs("items"), start=1):
                content = self.ref(e, ref)
                item = iri("list-item", f"{slug}-{n}")
                where = self.evidence.get(content) or evidence
                ctx.stated.add((item, RDF.type, CCD.ListItem))
                ctx.stated.add((item, CCD.order, Literal(n, datatype=XSD.integer)))
                ctx.label(item, *ctx.labels("list_item", list=e.get("text")[:24], list_en=en, n=n))
                self.relate(e, node, CCD.hasItem, item, evidence)
                self.relate(e, item, CCD.itemContent, content, where)
                ctx.derived(item, where)

    def citations(self) -> None:
        ctx = self.ctx
        notes = {f.key: f for f in ctx.a.footnotes}
        for e in self.file["citations"]:
            fn = notes.get(e.get("footnote"))
            if fn is None:
                raise e.error(
                    f"unknown footnote {e.get('footnote')!r} (the article has fn01…fn{len(notes):02d})"
                )
            cited = {str(w) for w in ctx.stated.objects(iri("footnote", fn.key), CCD.citesWork)}
            for ref in e.refs("works"):
                work = self.ref(e, ref)
                if str(work) not in cited:
                    raise e.error(f"{fn.key} does not cite {ref}")
                node = citation_iri(fn.key, ref.partition("/")[2])
                evidence = sorted(ctx.stated.objects(node, _DERIVED), key=ctx.passage_key)
                ctx.interp.add((node, CCD.citationIntent, CITO[e.get("intent")]))
                if "pinpoint" in e.data:
                    self._pinpoint(e, node, fn.span)
                anchor = ctx.passages[fn.sentence]
                for claim_ref in e.refs("supports"):
                    claim = self.ref(e, claim_ref)
                    # stated when the claim is in the sentence the footnote's marker follows
                    at_marker = anchor in self.evidence.get(claim, [])
                    ctx.relate(node, CCD.supportsClaim, claim, [anchor, *evidence], interpreted=not at_marker)

    def _pinpoint(self, e: Entry, node: URIRef, note: Span) -> None:
        pinpoint = e.get("pinpoint")
        if pinpoint not in note.text:
            raise e.error(f"pinpoint {pinpoint!r} is not in the footnote")
        have = {str(p) for p in self.ctx.stated.objects(node, CCD.pinpoint)}
        if have and pinpoint not in have:
            raise e.error(f"pinpoint {pinpoint!r} differs from the page(s) works.yaml gives: {sorted(have)}")
        self.ctx.stated.add((node, CCD.pinpoint, Literal(pinpoint)))

    def uncovered(self) -> dict[URIRef, tuple[str, str]]:
        """Body sentences the file says carry no claim: passage -> (reason, the entry's place)."""
        out: dict[URIRef, tuple[str, str]] = {}
        for e in self.file["uncovered"]:
            for p in self.passages(e, self.span(e, "text")):
                out[p] = (e.get("reason"), f"{e.path}:{e.line}")
        return out

    def _is_place(self, node: URIRef) -> bool:
        return any(True for cls in PLACES for _ in self.ctx.ds.quads((node, RDF.type, cls, None)))


_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")


def _century(period: str) -> int | None:
    """13世纪 -> 13, 二十世纪 -> 20; None when the period names no century."""
    m = _CENTURY.search(period)
    if m:
        return int(m.group(1))
    m = re.search(r"([一二三四五六七八九十]+)世纪", period)
    if not m:
        return None
    digits = m.group(1)
    if digits == "十":
        return 10
    if "十" in digits:
        tens, _, ones = digits.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(digits)


def _clip(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"

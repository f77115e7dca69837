"""The reader: the article as one page per part (``/read/<part>``) and as a whole (``/read``).

The document's shape (parts, headings, paragraphs, sentences, Table 1, footnotes, the copy's page
breaks) comes from the shipped clean text through the same parser the build uses, so every
passage keeps the anchor its IRI names (``id:passage/s3-1-p2-1`` → ``#s3-1-p2-1``). What the graph
says about each passage comes from the store: every node ``prov:wasDerivedFrom`` that passage,
with its class, whatever kind of node it is (an entity, a statement record, a claim once the claim
layer lands). Both are computed once per application: the release is immutable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from markupsafe import Markup, escape

from ccdkg.namespaces import CCD, PROV

from . import web
from .cleantext import rich

bp = Blueprint("reader", __name__)


def _register(state: Any) -> None:
    web.template_globals(state.app)
    state.app.jinja_env.globals["reader_href"] = reader_href
    state.app.jinja_env.globals["reader_for"] = reader_for


bp.record_once(_register)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# The parts a reader pages through, in the article's order; sections 一… keep their sub-sections.
PARTS = ("front", "intro", "s1", "s2", "s3", "s4")
_RULE = re.compile(r"^-{3,}[ \t]*$", re.M)
_TEXT_SPAN_KINDS = ("id/passage/", "id/footnote/")


def _source_path() -> Path:
    import ccdkg.graph

    return Path(ccdkg.graph.__file__).parent / "sources" / "001_7f0eaf4949258080.txt"


@lru_cache(maxsize=1)
def article() -> Any:
    from ccdkg.graph.parse import parse_article

    return parse_article(_source_path().read_text(encoding="utf-8"))


def part_of_key(key: str) -> str | None:
    """The reader part a passage or footnote slug lives in (``s3-1-p2-1`` → ``s3``)."""
    head = key.split("-", 1)[0]
    if head in ("front", "abstract"):
        return "front"
    if head.startswith("fn"):
        for fn in article().footnotes:
            if fn.key == head:
                return part_of_key(fn.section)
        return None
    return head if head in PARTS else None


def reader_href(iri: str) -> str | None:
    """Where a passage (or footnote) IRI is in the reader: ``/read/s3#s3-1-p2-1``."""
    for kind in _TEXT_SPAN_KINDS:
        for base in {web.public_base(), "https://w3id.org/ccdkg/"}:
            if iri.startswith(base + kind):
                key = iri[len(base + kind) :]
                part = part_of_key(key)
                if part:
                    return f"{request.script_root}/read/{part}#{key}"
    return None


def reader_for(iri: str) -> str | None:
    """The reader's page for the article, its text or one of its sections (None for anything else)."""
    for base in {web.public_base(), "https://w3id.org/ccdkg/"}:
        if iri in (base + "id/article/han-2022", base + "id/source/clean-text"):
            return f"{request.script_root}/read"
        if iri.startswith(base + "id/section/"):
            key = iri[len(base + "id/section/") :]
            part = part_of_key(key)
            if part:
                anchor = (
                    f"#{key}-heading" if key in article().sections and article().sections[key].title else ""
                )
                return f"{request.script_root}/read/{part}{anchor}"
    return reader_href(iri)


# --------------------------------------------------------------------------- the document


@dataclass
class Block:
    kind: str  # heading | paragraph | table | pagebreak | field
    key: str = ""
    level: int = 0
    html: Markup = Markup("")
    start: int = 0
    data: dict[str, Any] = field(default_factory=dict)


def _rules(text: str) -> list[int]:
    return [m.start() for m in _RULE.finditer(text)]


def _sentence_html(key: str, start: int, end: int, marks: list[Any], pieces: tuple[Any, ...] = ()) -> Markup:
    """One sentence, its footnote marks turned into links to the notes.

    A sentence a page break cuts comes in pieces (the page's notes are printed in between): each
    piece is shown, with the page break between them, and nothing of the notes.
    """
    text = article().text
    out: list[str] = []
    for n, (a, b) in enumerate([(p.start, p.end) for p in pieces] or [(start, end)]):
        if n:
            out.append(_pagebreak_html())
        pos = a
        for fn in marks:
            if a <= fn.marker.start < b:
                out.append(str(rich(text[pos : fn.marker.start])))
                out.append(_fnref(fn))
                pos = fn.marker.end
        out.append(str(rich(text[pos:b])))
    return Markup(f'<span class="sentence" id="{key}" data-passage="{key}">{"".join(out).strip()}</span>')


def _fnref(fn: Any) -> str:
    return (
        f'<sup class="fnref"><a id="ref-{fn.key}" href="#{fn.key}" '
        f'aria-label="{escape(web.message("footnote"))} {fn.key[2:].lstrip("0")}">'
        f"{escape(fn.symbol)}</a></sup>"
    )


def _front_blocks() -> list[Block]:
    a = article()
    blocks: list[Block] = []
    f = a.front
    blocks.append(Block("title", "front-title", html=_span("front-title", f["title"])))
    if "subtitle" in f:
        blocks.append(Block("subtitle", "front-subtitle", html=_span("front-subtitle", f["subtitle"])))
    blocks.append(Block("byline", "front-author", html=_span("front-author", f["author"])))
    for sec in a.sections.values():
        if sec.key == "abstract":
            for para in sec.paragraphs:
                blocks.append(_paragraph(para, [], label=web.message("abstract")))
    for key, slug in (
        ("关键词", "keywords"),
        ("作者简介", "author-info"),
        ("中图分类号", "clc"),
        ("文献标识码", "document-code"),
        ("文章编号", "article-number"),
        ("DOI 编号", "doi"),
    ):
        if key in f:
            blocks.append(
                Block("field", f"front-{slug}", html=_span(f"front-{slug}", f[key]), data={"name": key})
            )
    if a.funding is not None:
        blocks.append(
            Block("field", "front-funding", html=_span("front-funding", a.funding), data={"name": "*"})
        )
    return blocks


def _span(key: str, span: Any) -> Markup:
    return _sentence_html(key, span.start, span.end, [])


def _paragraph(para: Any, marks: list[Any], label: str = "") -> Block:
    text = article().text
    rules = _rules(text)
    parts: list[str] = []
    prev_end = None
    for s in para.sentences:
        if prev_end is not None and any(prev_end <= r < s.span.start for r in rules):
            parts.append(_pagebreak_html())
        parts.append(str(_sentence_html(s.key, s.span.start, s.span.end, marks, getattr(s, "pieces", ()))))
        # the marks that follow the sentence (outside its span) link to their notes
        by_key = {fn.key: fn for fn in article().footnotes}
        parts.extend(_fnref(by_key[k]) for k in s.footnotes if k in by_key)
        prev_end = s.span.end
    return Block(
        "paragraph",
        para.key,
        html=Markup("".join(parts)),
        start=para.segments[0].start,
        data={"label": label},
    )


def _pagebreak_html() -> str:
    return f'<span class="pagebreak" role="separator" title="{escape(web.message("page_break"))}"></span>'


def _table_block() -> Block:
    t = article().table
    sec = t.section
    rows = []
    for row in t.rows:
        pre = f"{sec}-table1-r{row.order}"
        rows.append(
            {
                "cluster": _span(f"{pre}-cluster", row.cluster),
                "cities": Markup("、").join(_span(f"{pre}-city{n}", s) for n, s in enumerate(row.cities, 1)),
                "functions": Markup("、").join(
                    _span(f"{pre}-function{n}", s) for n, s in enumerate(row.functions, 1)
                ),
            }
        )
    return Block(
        "table",
        f"{sec}-table1",
        start=t.caption.start,
        data={
            "caption": _span(f"{sec}-table1-caption", t.caption),
            "header": [rich(h.text) for h in t.header],
            "rows": rows,
            "note": _span(f"{sec}-table1-note", t.note) if t.note else None,
        },
    )


def _section_blocks(key: str) -> list[Block]:
    a = article()
    sec = a.sections[key]
    marks = list(a.footnotes)
    text = a.text
    out: list[Block] = []
    if sec.title is not None:
        out.append(
            Block(
                "heading",
                f"{key}-heading",
                level=sec.level + 1,
                html=Markup(f"{escape(sec.number)}") + _span(f"{key}-heading", sec.title),
                start=sec.title.start,
            )
        )
    body = [_paragraph(p, marks) for p in sec.paragraphs]
    if a.table.section == key:
        body.append(_table_block())
    body.sort(key=lambda b: b.start)
    # a page break between two blocks (one inside a paragraph is drawn by the paragraph)
    rules = _rules(text)
    last = sec.title.end if sec.title is not None else (body[0].start if body else 0)
    for b in body:
        if any(last <= r < b.start for r in rules):
            out.append(Block("pagebreak"))
        out.append(b)
        last = b.start + 1 if b.kind == "table" else _block_end(b)
    for child in sec.children:
        out.extend(_section_blocks(child))
    return out


def _block_end(b: Block) -> int:
    for para in article().paragraphs():
        if para.key == b.key:
            return para.segments[-1].end
    return b.start


def _footnotes(part: str) -> list[dict[str, Any]]:
    out = []
    for n, fn in enumerate(article().footnotes, start=1):
        if part_of_key(fn.section) != part:
            continue
        works = []
        for k, span in enumerate(fn.works, start=1):
            works.append(_span(f"{fn.key}-{k}", span))
        cited = [{"href": web.href(w), "label": web.label(w)} for w in _cited_works().get(fn.key, [])]
        out.append(
            {
                "key": fn.key,
                "n": n,
                "symbol": fn.symbol,
                "works": works,
                "sentence": fn.sentence,
                "cited": cited,
            }
        )
    return out


def _cited_works() -> dict[str, list[str]]:
    """footnote slug -> the works the graph says it cites (ccd:citesWork)."""

    def build() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in web.store().select(f"SELECT ?fn ?w WHERE {{ ?fn <{CCD.citesWork}> ?w }} ORDER BY ?fn ?w"):
            out.setdefault(r["fn"].value.rsplit("/", 1)[-1], []).append(r["w"].value)
        return out

    return web.cached("reader-cited-works", build)


@lru_cache(maxsize=8)
def _part_blocks(part: str) -> tuple[Block, ...]:
    if part == "front":
        return tuple(_front_blocks())
    return tuple(_section_blocks(part))


def part_title(part: str) -> str:
    if part == "front":
        return web.message("read_front")
    if part == "intro":
        return web.message("read_intro")
    sec = article().sections[part]
    return f"{sec.number}{sec.title.text}" if sec.title else part


# --------------------------------------------------------------------------- facts from the store


def _facts() -> dict[str, list[dict[str, str]]]:
    """passage slug -> the nodes derived from it, with their class (one query for the article)."""

    def build() -> dict[str, list[tuple[str, str]]]:
        rows = web.store().select(
            f"""SELECT ?ps ?x ?c WHERE {{
              ?x <{PROV.wasDerivedFrom}> ?ps FILTER(isIRI(?x) && isIRI(?ps))
              OPTIONAL {{ ?x a ?c FILTER(isIRI(?c)) }}
            }}"""
        )
        by: dict[str, dict[str, set[str]]] = {}
        for r in rows:
            ps = r["ps"].value
            key = next((ps.split(k, 1)[1] for k in _TEXT_SPAN_KINDS if k in ps), None)
            if key is None:
                continue
            classes = by.setdefault(key, {}).setdefault(r["x"].value, set())
            if r.get("c") is not None:
                classes.add(r["c"].value)
        return {k: sorted((x, _best_class(cs)) for x, cs in nodes.items()) for k, nodes in by.items()}

    return web.cached("reader-facts", build)


def _statements() -> dict[str, tuple[str, str, str]]:
    def build() -> dict[str, tuple[str, str, str]]:
        rows = web.store().select(
            f"SELECT ?st ?s ?p ?o WHERE {{ ?st a <{RDF}Statement> ; <{RDF}subject> ?s ;"
            f" <{RDF}predicate> ?p ; <{RDF}object> ?o }}"
        )
        return {r["st"].value: (r["s"].value, r["p"].value, r["o"].value) for r in rows}

    return web.cached("reader-statements", build)


# Generic classes say less than the specific one beside them.
_GENERIC = ("ontology#TextSpan", "ontology#ArgumentPoint", "ontology#Place", "owl#NamedIndividual")


def _best_class(classes: set[str]) -> str:
    if not classes:
        return ""
    ranked = sorted(
        classes,
        key=lambda c: (
            not c.startswith("https://w3id.org/ccdkg/ontology#"),
            c.endswith(_GENERIC),
            c.endswith("#Statement"),
            c,
        ),
    )
    return ranked[0]


def facts_for(key: str) -> list[dict[str, Any]]:
    statements = _statements()
    out = []
    for x, cls in _facts().get(key, []):
        item: dict[str, Any] = {
            "iri": x,
            "href": web.href(x),
            "label": web.label(x),
            "class": web.label(cls) if cls else "",
            "class_iri": cls,
        }
        if x in statements:
            s, p, o = statements[x]
            item["triple"] = [
                {"href": web.href(s), "label": web.label(s)},
                {"href": web.href(p), "label": web.label(p)},
                {"href": web.href(o), "label": web.label(o)},
            ]
        out.append(item)
    out.sort(key=lambda i: (i["class"], i["label"]))
    return out


def facts_query(key: str) -> str:
    ps = web.sparql_iri(
        web.iri_for_path(("id/footnote/" if re.fullmatch(r"fn\d+", key) else "id/passage/") + key)
    )
    lang = web.current_lang()
    return (
        "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "# Everything the graph derives from this passage, with its class\n"
        "SELECT ?node ?nodeLabel ?class ?classLabel WHERE {\n"
        f"  ?node prov:wasDerivedFrom {ps} .\n"
        "  OPTIONAL { ?node a ?class OPTIONAL { ?class rdfs:label ?classLabel"
        f' FILTER(langMatches(lang(?classLabel), "{lang}")) }} }}\n'
        f'  OPTIONAL {{ ?node rdfs:label ?nodeLabel FILTER(langMatches(lang(?nodeLabel), "{lang}")) }}\n'
        "}\nORDER BY ?class ?node\n"
    )


def _keys_in(blocks: tuple[Block, ...], notes: list[dict[str, Any]]) -> list[str]:
    html = "".join(str(b.html) for b in blocks)
    html += "".join(
        str(b.data.get(k) or "") for b in blocks if b.kind == "table" for k in ("caption", "note")
    )
    for b in blocks:
        for row in b.data.get("rows", []):
            html += "".join(str(v) for v in row.values())
    html += "".join(str(w) for n in notes for w in n["works"])
    keys = re.findall(r'data-passage="([^"]+)"', html)
    return [*dict.fromkeys(keys), *(n["key"] for n in notes)]


# --------------------------------------------------------------------------- routes


def _render(parts: list[str], current: str | None) -> Response:
    sections = []
    for part in parts:
        blocks = _part_blocks(part)
        notes = _footnotes(part)
        sections.append({"key": part, "title": part_title(part), "blocks": blocks, "notes": notes})
    keys = [k for s in sections for k in _keys_in(s["blocks"], s["notes"])]
    facts = {k: facts_for(k) for k in keys}
    facts = {k: v for k, v in facts.items() if v}
    queries = {k: _query_link(facts_query(k)) for k in facts}
    idx = PARTS.index(current) if current else None
    html = render_template(
        "reader.html",
        sections=sections,
        current=current,
        parts=[{"key": p, "title": part_title(p)} for p in PARTS],
        prev=PARTS[idx - 1] if idx else None,
        next=PARTS[idx + 1] if idx is not None and idx + 1 < len(PARTS) else None,
        facts=facts,
        queries=queries,
        passage_href=lambda k: web.href(
            web.iri_for_path(("id/footnote/" if re.fullmatch(r"fn\d+", k) else "id/passage/") + k)
        ),
    )
    return web.remember_lang(Response(html, mimetype="text/html"))


def _query_link(query: str) -> str:
    from urllib.parse import urlencode

    return f"{request.script_root}/query?{urlencode({'query': query})}"


@bp.route("/read")
def whole() -> Response:
    return _render(list(PARTS), None)


@bp.route("/read/<part>")
def one_part(part: str) -> Response:
    if part not in PARTS:
        abort(404)
    return _render([part], part)

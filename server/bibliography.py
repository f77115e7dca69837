"""/works: the works the article cites; /interpretations: what the curator added.

Works come in the article's order (by footnote), each with its authors in the footnote's order,
year, venue and pages as the footnote gives them, the footnote itself (the citation as the article
prints it, copyable), the sentence that cites it and whatever the graph derives from that sentence
(claims appear here once the claim layer lands). Interpretations are every statement in
``id:graph/interpreted`` except the translated labels, filterable by property and by words.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from ccdkg.namespaces import CCD, DCTERMS, FABIO, OA, PRISM, PROV, SCHEMA

from . import web
from .cleantext import plain
from .reader import facts_for, reader_href

bp = Blueprint("bibliography", __name__)
bp.record_once(lambda state: web.template_globals(state.app))

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

WORKS_QUERY = f"""PREFIX ccd: <{CCD}>
PREFIX dcterms: <{DCTERMS}>
PREFIX prism: <{PRISM}>
PREFIX oa: <{OA}>
# The works the article cites, with the footnote that cites each and the sentence it is attached to
SELECT ?footnoteNo ?work ?title ?issued ?venue ?footnote ?footnoteText ?sentence WHERE {{
  ?work a ccd:CitedWork .
  OPTIONAL {{ ?work dcterms:title ?title }}
  OPTIONAL {{ ?work dcterms:issued ?issued }}
  OPTIONAL {{ ?work prism:publicationName ?venue }}
  OPTIONAL {{ ?footnote ccd:citesWork ?work ; ccd:order ?footnoteNo ; oa:exact ?footnoteText .
             OPTIONAL {{ ?sentence ccd:hasFootnote ?footnote }} }}
}}
ORDER BY ?footnoteNo ?work
"""

_FIELDS = {
    str(DCTERMS.title): "title",
    str(DCTERMS.issued): "year",
    str(PRISM.publicationName): "venue",
    str(PRISM.volume): "volume",
    str(PRISM.number): "number",
    str(PRISM.pageRange): "pages",
    str(PRISM.startingPage): "start",
    str(DCTERMS.publisher): "publisher",
    str(DCTERMS.creator): "authors",
    str(SCHEMA.translator): "translators",
    str(FABIO.hasURL): "url",
    str(PRISM.doi): "doi",
    str(PROV.wasDerivedFrom): "passages",
    web.RDF_TYPE: "types",
}


def works() -> list[dict[str, Any]]:
    st = web.store()
    rows = st.select(
        f"SELECT ?w ?p ?o WHERE {{ ?w a <{CCD.CitedWork}> ; ?p ?o . VALUES ?p {{ "
        + " ".join(f"<{p}>" for p in _FIELDS)
        + " } }"
    )
    by: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        key = _FIELDS[r["p"].value]
        value = r["o"].value
        if value not in by[r["w"].value][key]:
            by[r["w"].value][key].append(value)
    notes = st.select(
        f"""SELECT ?w ?fn ?n ?exact ?anchor WHERE {{
          ?fn <{CCD.citesWork}> ?w ; <{OA.exact}> ?exact .
          OPTIONAL {{ ?fn <{CCD.order}> ?n }}
          OPTIONAL {{ ?anchor <{CCD.hasFootnote}> ?fn }}
        }}"""
    )
    footnotes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in notes:
        fn = r["fn"].value
        n = int(r["n"].value) if r.get("n") is not None and r["n"].value.isdigit() else None
        anchor = r["anchor"].value if r.get("anchor") is not None else None
        footnotes[r["w"].value].append(
            {
                "iri": fn,
                "href": web.href(fn),
                "read_href": reader_href(fn),
                "n": n,
                "text": plain(r["exact"].value),
                "anchor": _anchor(anchor) if anchor else None,
            }
        )
    own = {
        r["ps"].value: plain(r["exact"].value)
        for r in st.select(
            f"SELECT ?ps ?exact WHERE {{ ?w a <{CCD.CitedWork}> ; <{PROV.wasDerivedFrom}> ?ps ."
            f" ?ps <{OA.exact}> ?exact }}"
        )
    }
    out = []
    for w, fields in by.items():
        notes_of = sorted(footnotes.get(w, []), key=lambda f: (f["n"] is None, f["n"] or 0))
        for f in notes_of:
            # a footnote citing several works: show the part that cites this one
            slug = f["iri"].rsplit("/", 1)[-1]
            part = [own[p] for p in fields.get("passages", []) if p.rsplit("/", 1)[-1].startswith(slug + "-")]
            if part:
                f["text"] = " ".join(part)
        note_text = " ".join(f["text"] for f in notes_of)
        authors = sorted(fields.get("authors", []), key=lambda a: _position(a, note_text))
        item = {
            "iri": w,
            "href": web.href(w),
            "title": _first(fields, "title") or web.label(w),
            "year": _first(fields, "year"),
            "venue": _first(fields, "venue"),
            "volume": _first(fields, "volume"),
            "number": _first(fields, "number"),
            "pages": _first(fields, "pages") or _first(fields, "start"),
            "publisher": [web.label(p) for p in fields.get("publisher", [])],
            "authors": [{"iri": a, "href": web.href(a), "label": web.label(a)} for a in authors],
            "translators": [
                {"iri": a, "href": web.href(a), "label": web.label(a)} for a in fields.get("translators", [])
            ],
            "url": _first(fields, "url"),
            "kind": ", ".join(
                web.label(t) for t in sorted(fields.get("types", [])) if not t.endswith("#CitedWork")
            ),
            "footnotes": notes_of,
        }
        item["citation"] = citation(item)
        out.append(item)
    out.sort(key=lambda i: (min((f["n"] or 999 for f in i["footnotes"]), default=999), i["iri"]))
    return out


def _first(fields: dict[str, list[str]], key: str) -> str:
    values = fields.get(key) or []
    return sorted(values)[0] if values else ""


def _position(author: str, text: str) -> tuple[int, str]:
    """Authors in the order the footnote names them (the graph keeps no order of its own)."""
    pos = min(
        (text.find(name) for name in web.labels_of(author).values() if name and name in text), default=-1
    )
    return (pos if pos >= 0 else 10**6, web.label(author))


def _anchor(iri: str) -> dict[str, Any]:
    key = iri.rsplit("/", 1)[-1]
    return {
        "iri": iri,
        "href": web.href(iri),
        "read_href": reader_href(iri),
        "label": web.label(iri),
        "facts": [f for f in facts_for(key) if not f["class_iri"].endswith(("#Section", "#Footnote"))],
    }


def citation(w: dict[str, Any]) -> str:
    """A plain citation from the graph's fields (the footnote's own wording is beside it)."""
    authors = ", ".join(a["label"] for a in w["authors"])
    parts = [p for p in (authors, f"({w['year']})" if w["year"] else "") if p]
    head = " ".join(parts)
    venue = w["venue"]
    if venue and w["volume"]:
        venue += f" {w['volume']}"
    if venue and w["number"]:
        venue += f"({w['number']})"
    if venue and w["pages"]:
        venue += f": {w['pages']}"
    tail = venue or ", ".join(w["publisher"])
    return ". ".join(p for p in (head, w["title"], tail) if p) + "."


@bp.route("/works")
def works_page() -> Response:
    html = render_template(
        "works.html",
        works=works(),
        query_href=f"{request.script_root}/query?{urlencode({'query': WORKS_QUERY})}",
    )
    return web.remember_lang(Response(html, mimetype="text/html"))


# --------------------------------------------------------------------------- interpretations

INTERPRETED_QUERY = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
# What the curator added or inferred (id:graph/interpreted), less the translated labels
SELECT ?s ?p ?o WHERE {
  GRAPH <https://w3id.org/ccdkg/id/graph/interpreted> { ?s ?p ?o }
  FILTER(?p != rdfs:label)
}
ORDER BY ?p ?s ?o
"""


def interpretations() -> list[dict[str, Any]]:
    graph = web.iri_for_path("id/graph/interpreted")
    rows = web.store().select(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH {web.sparql_iri(graph)} {{ ?s ?p ?o }}"
        f" FILTER(?p != <{RDFS_LABEL}>) }}"
    )
    out = []
    for r in rows:
        out.append(
            {
                "s": web.term_view(r["s"]),
                "p": web.term_view(r["p"]),
                "o": web.term_view(r["o"]),
            }
        )
    out.sort(
        key=lambda x: (
            web.property_rank(x["p"]["iri"]),
            x["p"]["label"],
            web.sort_key(x["s"]),
            web.sort_key(x["o"]),
        )
    )
    return out


@bp.route("/interpretations")
def interpretations_page() -> Response:
    items = interpretations()
    properties = {x["p"]["iri"]: x["p"]["label"] for x in items}
    chosen = request.args.get("property", "")
    words = request.args.get("q", "").strip().casefold()
    shown = [
        x
        for x in items
        if (not chosen or x["p"]["iri"] == chosen)
        and (
            not words
            or any(
                words in (v.get("label") or v.get("value") or "").casefold() for v in (x["s"], x["p"], x["o"])
            )
        )
    ]
    html = render_template(
        "interpretations.html",
        items=shown,
        total=len(items),
        properties=sorted(properties.items(), key=lambda kv: (web.property_rank(kv[0]), kv[1])),
        chosen=chosen,
        words=request.args.get("q", ""),
        query_href=f"{request.script_root}/query?{urlencode({'query': INTERPRETED_QUERY})}",
    )
    return web.remember_lang(Response(html, mimetype="text/html"))

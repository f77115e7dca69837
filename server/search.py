"""/search?q=: labels in every language, as HTML or JSON.

The index is built once per application from the store. A query matches whatever script
or romanisation the reader types: simplified and traditional Chinese both fold to
simplified (OpenCC), and every Chinese label is also indexed by its pinyin (pypinyin, all
readings of heteronyms such as 长 cháng/zhǎng), so 長三角, changsanjiao and chángsānjiǎo all
find 长三角城市群.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from pypinyin import Style, pinyin

from ccdkg.labels import to_simplified

from . import web

bp = Blueprint("search", __name__)
bp.record_once(lambda state: web.template_globals(state.app))

_INDEX_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?s ?p ?l WHERE {
  VALUES ?p { rdfs:label skos:prefLabel skos:altLabel dcterms:title }
  ?s ?p ?l FILTER(isIRI(?s) && isLiteral(?l))
}
"""
_TYPES_QUERY = "SELECT DISTINCT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s) && isIRI(?t)) }"
# How much of the graph links to a node: among equally good matches the better-connected wins.
_DEGREE_QUERY = "SELECT ?o (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?o)) } GROUP BY ?o"
_PROPERTY_WEIGHT = {"label": 1.0, "prefLabel": 1.0, "title": 0.9, "altLabel": 0.85}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DROP = re.compile(r"[\s\-_'’·・,，。.、:：;；()（）\[\]【】“”\"«»/]+")
_MAX_READINGS = 64
MAX_QUERY = 200


@dataclass(frozen=True)
class Entry:
    iri: str
    text: str
    lang: str
    weight: float
    keys: tuple[str, ...]  # folded forms the query is compared with


def fold(text: str) -> str:
    """Case, width, script and tone insensitive form; spaces and punctuation dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if _CJK.search(text):
        text = to_simplified(text)
    # tone marks (ǎ) and tone numbers (chang2) both go; ü is typed u or v
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = re.sub(r"(?<=[a-z])[1-5]", "", text)
    return _DROP.sub("", text)


def pinyin_keys(text: str) -> set[str]:
    """Every toneless pinyin reading of a Chinese label, run together (capped for long labels)."""
    simplified = to_simplified(text)
    syllables = pinyin(simplified, style=Style.NORMAL, heteronym=True, errors="default")
    readings: list[list[str]] = []
    combos = 1
    for options in syllables:
        opts = sorted({o.casefold() for o in options}) or [""]
        if combos * len(opts) > _MAX_READINGS:
            opts = opts[:1]  # keep the most common reading once the combinations grow too many
        combos *= len(opts)
        readings.append(opts)
    keys = set()
    for combo in itertools.product(*readings):
        joined = _DROP.sub("", "".join(combo))
        keys.add(joined)
        keys.add(joined.replace("v", "u"))
    return keys


def build_index() -> list[Entry]:
    st = web.store()
    entries: list[Entry] = []
    for row in st.select(_INDEX_QUERY):
        text = " ".join(row["l"].value.split())
        if not text:
            continue
        lang = web.canon_lang(getattr(row["l"], "language", None))
        weight = _PROPERTY_WEIGHT.get(web.local_name(row["p"].value), 0.8)
        keys = {fold(text)}
        if _CJK.search(text):
            keys |= pinyin_keys(text)
        entries.append(Entry(row["s"].value, text, lang, weight, tuple(sorted(k for k in keys if k))))
    entries.sort(key=lambda e: (e.iri, e.lang, e.text))
    return entries


def _types() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in web.store().select(_TYPES_QUERY):
        out.setdefault(row["s"].value, []).append(row["t"].value)
    return out


def _degrees() -> dict[str, float]:
    return {r["o"].value: math.log2(1 + int(r["n"].value)) for r in web.store().select(_DEGREE_QUERY)}


def index() -> list[Entry]:
    return web.cached("search-index", build_index)


def types_of(iri: str) -> list[str]:
    return sorted(web.cached("search-types", _types).get(iri, []))


def _score(query: str, key: str) -> float:
    if key == query:
        return 100.0
    if key.startswith(query):
        return 80.0 + 10.0 * len(query) / len(key)
    pos = key.find(query)
    if pos >= 0:
        return 55.0 + 10.0 * len(query) / len(key) - min(pos, 10) * 0.5
    return 0.0


def search(q: str, limit: int = 50) -> list[dict[str, Any]]:
    """Ranked hits, best first: exact before prefix before substring, labels before alt labels."""
    query = fold(q[:MAX_QUERY])
    if not query:
        return []
    best: dict[str, tuple[float, Entry]] = {}
    degrees = web.cached("search-degrees", _degrees)
    for entry in index():
        score = max((_score(query, k) for k in entry.keys), default=0.0) * entry.weight
        if score:
            score += min(degrees.get(entry.iri, 0.0), 8.0) * 0.5
        if score and (entry.iri not in best or score > best[entry.iri][0]):
            best[entry.iri] = (score, entry)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], len(web.label(kv[0], "zh-Hans")), kv[0]))
    hits = []
    for iri, (score, entry) in ranked[:limit]:
        types = types_of(iri)
        hits.append(
            {
                "iri": iri,
                "href": web.href(iri),
                "label": web.label(iri),
                "labels": {
                    lang: web.labels_of(iri)[lang] for lang in web.LANGS if lang in web.labels_of(iri)
                },
                "matched": entry.text,
                "matched_lang": entry.lang,
                "score": round(score, 2),
                "types": types,
                "type_label": ", ".join(web.label(t) for t in types),
            }
        )
    return hits


@bp.route("/search")
def search_page() -> Response:
    q = request.args.get("q", "")
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), 200)
    hits = search(q, limit=limit) if q.strip() else []
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if request.args.get("format") == "json" or best == "application/json":
        resp = jsonify({"query": q, "count": len(hits), "results": hits})
    else:
        resp = Response(render_template("search.html", hits=hits, search_query=q), mimetype="text/html")
        web.remember_lang(resp)
    resp.vary.add("Accept")
    return resp

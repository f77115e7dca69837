"""/search?q=: the graph's labels and the article's text, in simplified, traditional and pinyin.

One SQLite FTS5 index per application, built once from the store (the release is immutable):

- every label (rdfs:label, skos:prefLabel/altLabel, dcterms:title) under its folded form
  (case, width, tones, punctuation gone; traditional folded to simplified with OpenCC) and, for
  Chinese, every toneless pinyin reading (pypinyin, heteronyms included), so 長三角, changsanjiao
  and chángsānjiǎo all find 长三角城市群;
- each cited work also under its authors' names (and the Chinese names readers use for foreign
  authors, server/data/search-aliases.yaml), so 戈特曼 or Gottmann finds Gottmann's *Megalopolis*;
- every passage and footnote of the article under its folded text, so any phrase finds its passage.

The trigram tokenizer answers substring queries of three or more characters from the index; one-
and two-character queries (伦敦, 上海) go to a second FTS5 table of each key's 1- and 2-grams.
Candidates from the index are ranked in Python (exact before prefix before substring).
"""

from __future__ import annotations

import itertools
import math
import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, jsonify, render_template, request

from ccdkg.formats import HTML, JSON, negotiate
from ccdkg.labels import to_simplified
from ccdkg.namespaces import CCD, DCTERMS, OA

from . import web
from .cleantext import plain

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
_WORK_AUTHORS_QUERY = f"""
SELECT DISTINCT ?w ?name WHERE {{
  ?w a <{CCD.CitedWork}> ; <{DCTERMS.creator}> ?a .
  ?a <http://www.w3.org/2000/01/rdf-schema#label> ?name
}}
"""
_TEXT_QUERY = f"""
SELECT ?ps ?exact ?start WHERE {{
  ?ps <{OA.exact}> ?exact FILTER(isIRI(?ps))
  OPTIONAL {{ ?ps <{OA.start}> ?start }}
}}
"""
_TYPES_QUERY = "SELECT DISTINCT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s) && isIRI(?t)) }"
# How much of the graph links to a node: among equally good matches the better-connected wins.
_DEGREE_QUERY = "SELECT ?o (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?o)) } GROUP BY ?o"
_PROPERTY_WEIGHT = {"label": 1.0, "prefLabel": 1.0, "title": 0.9, "altLabel": 0.85}
AUTHOR_WEIGHT = 0.95
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_DROP = re.compile(r"[\s\-_'’·・,，。.、:：;；()（）\[\]【】“”\"«»/*#|<>!?？！《》〈〉]+")
_MAX_READINGS = 64
MAX_QUERY = 200
MAX_CANDIDATES = 5000


@dataclass(frozen=True)
class Entry:
    iri: str
    text: str
    lang: str
    weight: float
    keys: tuple[str, ...]  # folded forms the query is compared with
    via: str = ""  # "author": a work found by the name of its author


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
    # Imported when the index is first built: its dictionaries are ~55 MiB, in a server process
    # (and every query worker forked from it) that may never be asked to search.
    from pypinyin import Style, pinyin

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


@lru_cache(maxsize=1)
def aliases() -> dict[str, tuple[str, ...]]:
    path = Path(__file__).parent / "data" / "search-aliases.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {fold(name): tuple(names) for name, names in raw.items()}


def _keys(text: str) -> set[str]:
    keys = {fold(text)}
    if _CJK.search(text):
        keys |= pinyin_keys(text)
    for alias in aliases().get(fold(text), ()):
        keys.add(fold(alias))
        keys |= pinyin_keys(alias)
    return {k for k in keys if k}


def build_entries() -> list[Entry]:
    st = web.store()
    entries: list[Entry] = []
    for row in st.select(_INDEX_QUERY):
        text = " ".join(row["l"].value.split())
        if not text:
            continue
        lang = web.canon_lang(getattr(row["l"], "language", None))
        weight = _PROPERTY_WEIGHT.get(web.local_name(row["p"].value), 0.8)
        entries.append(Entry(row["s"].value, text, lang, weight, tuple(sorted(_keys(text)))))
    for row in st.select(_WORK_AUTHORS_QUERY):
        name = " ".join(row["name"].value.split())
        lang = web.canon_lang(getattr(row["name"], "language", None))
        entries.append(Entry(row["w"].value, name, lang, AUTHOR_WEIGHT, tuple(sorted(_keys(name))), "author"))
    entries.sort(key=lambda e: (e.iri, e.lang, e.text, e.weight))
    return entries


def _grams(key: str) -> str:
    """A key's 1- and 2-grams as words, for queries too short for the trigram index."""
    grams = {key[i : i + n] for n in (1, 2) for i in range(len(key) - n + 1)}
    return " ".join(sorted(g for g in grams if g.isalnum()))


class Index:
    """An in-memory SQLite FTS5 index over the labels' keys and the article's passages."""

    def __init__(self, entries: list[Entry], passages: list[tuple[str, str, int]]) -> None:
        self.entries = entries
        self.passages = passages
        self.lock = threading.Lock()
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.executescript(
            """
            CREATE VIRTUAL TABLE label_keys USING fts5(key, tokenize='trigram');
            CREATE VIRTUAL TABLE label_grams USING fts5(grams, tokenize='unicode61');
            CREATE VIRTUAL TABLE text_keys USING fts5(key, tokenize='trigram');
            CREATE VIRTUAL TABLE text_grams USING fts5(grams, tokenize='unicode61');
            """
        )
        label_rows = [(n, k) for n, e in enumerate(entries) for k in e.keys]
        db.executemany("INSERT INTO label_keys(rowid, key) VALUES (NULL, ?)", [(k,) for _n, k in label_rows])
        self.label_row_entry = [n for n, _k in label_rows]
        # two-character queries are Chinese names (伦敦) or short codes: pinyin readings need no grams
        db.executemany(
            "INSERT INTO label_grams(rowid, grams) VALUES (?, ?)",
            [(i + 1, _grams(k)) for i, (_n, k) in enumerate(label_rows) if _CJK.search(k) or len(k) <= 12],
        )
        db.executemany(
            "INSERT INTO text_keys(rowid, key) VALUES (?, ?)",
            [(i + 1, fold(p[1])) for i, p in enumerate(passages)],
        )
        db.executemany(
            "INSERT INTO text_grams(rowid, grams) VALUES (?, ?)",
            [(i + 1, _grams(fold(p[1]))) for i, p in enumerate(passages)],
        )
        db.commit()
        self.db = db

    def _rows(self, table: str, query: str) -> list[int]:
        phrase = '"' + query.replace('"', '""') + '"'
        column = "key" if table.endswith("_keys") else "grams"
        if column == "grams":
            table = table.replace("_keys", "_grams")
        with self.lock:
            cur = self.db.execute(
                f"SELECT rowid FROM {table} WHERE {column} MATCH ? LIMIT {MAX_CANDIDATES}", (phrase,)
            )
            return [r[0] for r in cur.fetchall()]

    def labels(self, query: str) -> list[tuple[Entry, str]]:
        """(entry, matching key) for every key that contains the folded query."""
        if len(query) >= 3:
            rows = self._rows("label_keys", query)
        else:
            rows = self._rows("label_grams", query) if query.isalnum() else []
        out = []
        for rowid in rows:
            n = self.label_row_entry[rowid - 1]
            entry = self.entries[n]
            out.extend((entry, k) for k in entry.keys if query in k)
        return out

    def text(self, query: str) -> list[tuple[str, str, int]]:
        if len(query) >= 3:
            rows = self._rows("text_keys", query)
        else:
            rows = self._rows("text_grams", query) if query.isalnum() else []
        return [self.passages[r - 1] for r in sorted(rows)]


def _passages() -> list[tuple[str, str, int]]:
    out = []
    for row in web.store().select(_TEXT_QUERY):
        text = plain(row["exact"].value)
        if not text:
            continue
        start = (
            int(row["start"].value) if row.get("start") is not None and row["start"].value.isdigit() else 0
        )
        out.append((row["ps"].value, text, start))
    out.sort(key=lambda p: (p[2], p[0]))
    return out


def index() -> Index:
    return web.cached("search-fts", lambda: Index(build_entries(), _passages()))


def _types() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in web.store().select(_TYPES_QUERY):
        out.setdefault(row["s"].value, []).append(row["t"].value)
    return out


def _degrees() -> dict[str, float]:
    return {r["o"].value: math.log2(1 + int(r["n"].value)) for r in web.store().select(_DEGREE_QUERY)}


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
    for entry, key in index().labels(query):
        score = _score(query, key) * entry.weight
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
                "matched_via": entry.via,
                "score": round(score, 2),
                "types": types,
                "type_label": ", ".join(web.label(t) for t in types),
            }
        )
    return hits


def search_text(q: str, limit: int = 50) -> list[dict[str, Any]]:
    """The passages of the article whose text holds the phrase, in the article's order."""
    from .reader import reader_href

    query = fold(q[:MAX_QUERY])
    if not query:
        return []
    out = []
    for iri, text, _start in index().text(query)[:limit]:
        out.append(
            {
                "iri": iri,
                "href": web.href(iri),
                "read_href": reader_href(iri),
                "label": web.label(iri),
                "text": text,
                "snippet": _snippet(text, q),
            }
        )
    return out


def _snippet(text: str, q: str, width: int = 60) -> dict[str, str]:
    """The passage around the phrase (as typed, or folded when typed in the other script)."""
    needle = q.strip()
    pos = text.find(needle) if needle else -1
    if pos < 0:
        simple = to_simplified(text)
        pos = simple.find(to_simplified(needle)) if needle else -1
    if pos < 0:
        return {"before": "", "hit": "", "after": text[: width * 2]}
    start = max(0, pos - width)
    return {
        "before": ("…" if start else "") + text[start:pos],
        "hit": text[pos : pos + len(needle)],
        "after": text[pos + len(needle) : pos + len(needle) + width]
        + ("…" if pos + len(needle) + width < len(text) else ""),
    }


@bp.route("/search")
def search_page() -> Response:
    q = request.args.get("q", "")
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), 200)
    hits = search(q, limit=limit) if q.strip() else []
    passages = search_text(q, limit=limit) if q.strip() else []
    # HTML unless JSON is asked for (format=json, or Accept preferring it); never a 406
    best = negotiate((HTML, JSON), request.headers.get("Accept"))
    if request.args.get("format") == "json" or best is JSON:
        resp = jsonify({"query": q, "count": len(hits), "results": hits, "passages": passages})
    else:
        resp = Response(
            render_template("search.html", hits=hits, passages=passages, search_query=q),
            mimetype="text/html",
        )
        web.remember_lang(resp)
    resp.vary.add("Accept")
    return resp

"""What the human-facing blueprints (pages, home, search, query UI) share.

The release is immutable while the server runs, so everything here that is read from the
store (labels of every node, which named graph holds interpretations, inverse properties)
is read once per application, into the typed server state (``Ccdkg.site``, server/app.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlencode

import pyoxigraph as ox
import yaml
from flask import Flask, Response, current_app, request
from markupsafe import Markup

from ccdkg.labels import to_traditional
from ccdkg.server.store import Store

if TYPE_CHECKING:
    from ccdkg.server.app import Ccdkg
from ccdkg.namespaces import BASE, CCD, ONTOLOGY_IRI

T = TypeVar("T")

LANGS = ("zh-Hans", "en", "zh-Hant")
DEFAULT_LANG = "zh-Hans"
LANG_COOKIE = "ccdkg-lang"
TEMPLATES = Path(__file__).parent / "templates"

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
STATUS_INTERPRETED = str(CCD.Interpreted)
STATUS_EXTERNAL = str(CCD.External)

# Label-like properties, best first: what a node is called when it has no rdfs:label.
_LABEL_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?s ?p ?l WHERE {
  VALUES ?p { rdfs:label skos:prefLabel dcterms:title oa:exact }
  ?s ?p ?l FILTER(isIRI(?s) && isLiteral(?l))
}
"""
_LABEL_RANK = {
    "http://www.w3.org/2000/01/rdf-schema#label": 0,
    "http://www.w3.org/2004/02/skos/core#prefLabel": 1,
    "http://purl.org/dc/terms/title": 2,
    "http://www.w3.org/ns/oa#exact": 3,
}


# --------------------------------------------------------------------------- the store


def ext() -> Ccdkg:
    """The server's shared state (``.store`` with select/ask/construct, ``.config``, ``.site``)."""
    return current_app.extensions["ccdkg"]


def store() -> Store:
    return ext().store


def config_get(name: str, default: Any = None) -> Any:
    """A setting from the server config, whether it is a mapping or an object."""
    cfg = getattr(ext(), "config", None)
    if cfg is None:
        return default
    if isinstance(cfg, Mapping):
        return cfg.get(name, default)
    return getattr(cfg, name, default)


def public_base() -> str:
    base = config_get("base") or BASE
    return base if base.endswith("/") else base + "/"


def iri_for_path(path: str) -> str:
    """The public IRI a local path stands for (the deployment maps the public base onto ``/``)."""
    return public_base() + path.lstrip("/")


def sparql_iri(iri: str) -> str:
    """An IRI for a SPARQL query: refuses characters that could break out of ``<…>``."""
    if any(c in iri for c in '<>"{}|^`\\ \n\r\t'):
        raise ValueError(f"not an IRI: {iri!r}")
    return f"<{iri}>"


# --------------------------------------------------------------------------- the site state


class Once(Generic[T]):
    """One value, built by the first caller that needs it: functools.cached_property builds it once
    (under its lock on Python 3.11; 3.12 dropped that lock, so two first callers may both build it,
    which costs time but not correctness: the release is immutable)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build

    @cached_property
    def value(self) -> T:
        return self._build()


@dataclass
class SiteState:
    labels: dict[str, dict[str, str]]  # iri -> lang -> label (lang "" for untagged)
    graph_status: dict[str, str]  # named graph IRI -> status IRI
    inverse: dict[str, str]  # property -> its declared inverse
    values: dict[str, Once[Any]] = field(default_factory=dict)  # web.cached's, by key


def site() -> SiteState:
    """The site's view of the release, read once (the first page that needs it builds it)."""
    return ext().site


def cached(key: str, build: Callable[[], T]) -> T:
    """A value computed once per application from the immutable release (the SVG, the index)."""
    # setdefault is one atomic step: concurrent first callers all get the same Once
    return site().values.setdefault(key, Once(build)).value


def build_site_state(st: Store) -> SiteState:
    """Labels of every node, the status of every named graph and the declared inverses, from ``st``."""
    ranked: dict[str, dict[str, tuple[int, str]]] = {}
    for row in st.select(_LABEL_QUERY):
        s, p, lit = row["s"].value, row["p"].value, row["l"]
        lang = canon_lang(getattr(lit, "language", None))
        rank = _LABEL_RANK.get(p, 9)
        text = " ".join(lit.value.split())
        if p.endswith("#exact") and len(text) > 48:
            text = text[:47] + "…"
        have = ranked.setdefault(s, {}).get(lang)
        if have is None or (rank, text) < have:
            ranked[s][lang] = (rank, text)
    labels = {s: {lang: v[1] for lang, v in by.items()} for s, by in ranked.items()}
    status = {
        r["g"].value: r["st"].value
        for r in st.select(f"SELECT ?g ?st WHERE {{ ?g <{CCD.assertionStatus}> ?st }}")
    }
    inverse: dict[str, str] = {}
    for r in st.select(
        "SELECT ?p ?q WHERE { ?p <http://www.w3.org/2002/07/owl#inverseOf> ?q "
        "FILTER(isIRI(?p) && isIRI(?q)) }"
    ):
        inverse.setdefault(r["p"].value, r["q"].value)
        inverse.setdefault(r["q"].value, r["p"].value)
    return SiteState(labels=labels, graph_status=status, inverse=inverse)


# --------------------------------------------------------------------------- languages


@lru_cache(maxsize=1)
def _messages() -> dict[str, dict[str, str]]:
    raw = yaml.safe_load((TEMPLATES / "messages.yaml").read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    for key, by_lang in raw.items():
        entry = {"zh-Hans": by_lang["zh"], "en": by_lang["en"]}
        # zh-Hant is derived, as for the graph's labels, so the two scripts never drift apart.
        entry["zh-Hant"] = by_lang.get("zh-Hant") or to_traditional(by_lang["zh"])
        out[key] = entry
    return out


def message(key: str, lang: str | None = None) -> str:
    entry = _messages().get(key)
    if entry is None:
        return key
    return entry[lang or current_lang()]


_CANON = {"zh-hans": "zh-Hans", "zh-hant": "zh-Hant", "zh-hans-cn": "zh-Hans-CN", "zh-hant-tw": "zh-Hant-TW"}


def canon_lang(tag: str | None) -> str:
    """Oxigraph lower-cases language tags; show them (and key labels) in BCP 47's usual case."""
    if not tag:
        return ""
    return _CANON.get(tag.lower(), tag)


def _lang_from_tag(tag: str) -> str | None:
    tag = tag.strip().lower()
    if not tag:
        return None
    if tag.startswith("en"):
        return "en"
    if tag in ("zh-hant", "zh-tw", "zh-hk", "zh-mo") or tag.startswith("zh-hant"):
        return "zh-Hant"
    if tag.startswith("zh"):
        return "zh-Hans"
    return None


def current_lang() -> str:
    """?lang= beats the remembered cookie, which beats the browser's Accept-Language."""
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate and (found := _lang_from_tag(candidate)):
            return found
    for tag, _q in request.accept_languages:
        if found := _lang_from_tag(tag):
            return found
    return DEFAULT_LANG


def asks_for_html() -> bool:
    """A browser: the client names HTML itself (a bare ``*/*``, as curl sends, is not asking for a page)."""
    html = max(
        (q for m, q in request.accept_mimetypes if m in ("text/html", "application/xhtml+xml")), default=0.0
    )
    return html > 0 and html >= max((q for m, q in request.accept_mimetypes if m != "*/*"), default=0.0)


def remember_lang(response: Response) -> Response:
    """Keep the reader's choice of language when they chose one with ?lang=."""
    chosen = request.args.get("lang")
    if chosen and (found := _lang_from_tag(chosen)):
        response.set_cookie(LANG_COOKIE, found, max_age=365 * 24 * 3600, samesite="Lax")
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return response


# --------------------------------------------------------------------------- labels and links


def labels_of(iri: str) -> dict[str, str]:
    return site().labels.get(iri, {})


def local_name(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri.rstrip(sep):
            tail = iri.rstrip(sep).rsplit(sep, 1)[1]
            if tail:
                return tail
    return iri


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, Any]:
    """server/data/vocabulary.yaml with CURIEs expanded: iri -> {lang: label}, property order, value words."""
    from ccdkg.namespaces import PREFIXES

    raw = yaml.safe_load((Path(__file__).parent / "data" / "vocabulary.yaml").read_text(encoding="utf-8"))

    def expand(curie: str) -> str:
        if "://" in curie:  # a vocabulary ccdkg has no prefix for
            return curie
        prefix, _, name = curie.partition(":")
        return PREFIXES[prefix] + name

    def three(by: Mapping[str, str]) -> dict[str, str]:
        return {"zh-Hans": by["zh"], "en": by["en"], "zh-Hant": by.get("zh-Hant") or to_traditional(by["zh"])}

    return {
        "labels": {expand(c): three(by) for c, by in raw["terms"].items()},
        "order": {expand(c): n for n, c in enumerate(raw["order"])},
        "values": {v: three(by) for v, by in raw.get("values", {}).items()},
    }


def property_rank(iri: str) -> int:
    """Where a property comes on a page (the data file's order; unlisted ones after, by label)."""
    return _vocabulary()["order"].get(iri, 10_000)


def value_words(code: str, lang: str | None = None) -> str | None:
    """A code-like literal (``differs``) in words, when the data file has it."""
    by = _vocabulary()["values"].get(code)
    return by[lang or current_lang()] if by else None


def label(iri: str, lang: str | None = None) -> str:
    by = labels_of(iri) or _vocabulary()["labels"].get(iri, {})
    lang = lang or current_lang()
    order = [lang, *(x for x in LANGS if x != lang), "zh", ""]
    for candidate in order:
        if by.get(candidate):
            return by[candidate]
    if by:
        return by[sorted(by)[0]]
    return local_name(iri)


def href(iri: str) -> str:
    """Where a reader goes for an IRI: our IRIs open on this server, others as they are."""
    base = public_base()
    root = request.script_root
    if iri == ONTOLOGY_IRI.replace(BASE, base, 1) or iri == ONTOLOGY_IRI:
        return f"{root}/ontology"
    for prefix in (base, BASE):
        if iri.startswith(prefix + "ontology#"):
            return f"{root}/ontology/term/{iri[len(prefix) + len('ontology#') :]}"
        if iri.startswith(prefix):
            return f"{root}/{iri[len(prefix) :]}"
    return iri


def is_local(iri: str) -> bool:
    return iri.startswith(public_base()) or iri.startswith(BASE)


OUTSIDE_SOURCES = (
    ("http://www.wikidata.org/entity/", "Wikidata"),
    ("https://www.wikidata.org/entity/", "Wikidata"),
    ("https://sws.geonames.org/", "GeoNames"),
    ("http://sws.geonames.org/", "GeoNames"),
    ("http://dbpedia.org/resource/", "DBpedia"),
    ("https://dbpedia.org/resource/", "DBpedia"),
    ("https://doi.org/", "DOI"),
)


def outside_source(iri: str) -> str | None:
    for prefix, name in OUTSIDE_SOURCES:
        if iri.startswith(prefix):
            return name
    return None


def status_of_graph(graph: str | None) -> str:
    if not graph:
        return "stated"
    st = site().graph_status.get(graph)
    if st == STATUS_INTERPRETED:
        return "interpreted"
    if st == STATUS_EXTERNAL:
        return "external"
    if graph.endswith("/graph/ontology"):
        return "ontology"
    return "stated"


def term_view(term: Any) -> dict[str, Any]:
    """A pyoxigraph term as the templates show it."""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        return {
            "kind": "iri",
            "iri": iri,
            "href": href(iri),
            "label": label(iri),
            "local": is_local(iri),
            "source": outside_source(iri),
            "labelled": bool(labels_of(iri)),
        }
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype is not None else None
        if dt and dt.endswith(("#string", "#langString")):
            dt = None
        return {"kind": "literal", "value": term.value, "lang": canon_lang(term.language), "datatype": dt}
    return {"kind": "other", "value": str(term)}


def natural(text: str) -> tuple[Any, ...]:
    """Numbers inside a name sort as numbers: 第2句 before 第10句."""
    # split on ASCII digits only: ① is a digit to str.isdigit but not to int()
    return tuple(int(p) if n % 2 else p for n, p in enumerate(re.split(r"([0-9]+)", text)))


def sort_key(view: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        view.get("kind") != "iri",
        natural(view.get("label") or view.get("value") or ""),
        view.get("iri") or "",
    )


def json_for_script(data: Any) -> Markup:
    """JSON safe inside <script>: no '<', '>' or '&' can close the element or open a comment."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def template_globals(app: Flask) -> None:
    """Register the helpers the templates call; idempotent (every blueprint calls it)."""
    if app.jinja_env.globals.get("_ccdkg_web"):
        return
    app.jinja_env.globals.update(
        _ccdkg_web=True,
        t=message,
        label=label,
        href=href,
        current_lang=current_lang,
        LANGS=LANGS,
        json_for_script=json_for_script,
        outside_source=outside_source,
        lang_url=lang_url,
        value_words=value_words,
        to_hant=to_traditional,
    )


def lang_url(code: str) -> str:
    """This page in another language (the choice is then remembered by a cookie)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", code))
    return request.script_root + request.path + "?" + urlencode(args)


def unique(items: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out

"""The home page: what the graph is (in Chinese and English), Table 1 as a clickable picture,
the article's argument as an outline, the ways in (query UI, ontology, downloads, validation)
and how to cite. It is also the dataset's FAIR landing page: schema.org ``Dataset`` JSON-LD
and ``Link`` headers (``cite-as``, ``describedby``, ``license``, ``type``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup

from ccdkg import __version__
from ccdkg.namespaces import CCD

from . import web
from .svg import table1_rows as table_rows
from .svg import table1_svg

# The web pages' CSS/JS and the vendored YASGUI are served from here: /static/…
bp = Blueprint("home", __name__, static_folder="static", static_url_path="/static")
bp.record_once(lambda state: web.template_globals(state.app))

LICENSE_IRI = "https://creativecommons.org/licenses/by/4.0/"
CITATION_FILE = Path(__file__).resolve().parent.parent / "CITATION.cff"

# The parts of the argument, in the article's order (sections 一 to 四).
ARGUMENT = [
    ("drivers", "argument_drivers", CCD.hasDriver),
    ("functions", "argument_functions", CCD.hasFunction),
    ("impacts", "argument_impacts", CCD.hasImpact),
    ("challenges", "argument_challenges", CCD.hasChallenge),
    ("recommendations", "argument_recommendations", CCD.hasRecommendation),
]


@lru_cache(maxsize=1)
def citation() -> dict[str, Any]:
    """CITATION.cff, the one place the dataset's citation is kept."""
    if CITATION_FILE.exists():
        return yaml.safe_load(CITATION_FILE.read_text(encoding="utf-8")) or {}
    return {}


def argument() -> list[dict[str, Any]]:
    """Drivers → functions → impacts / challenges → recommendations, each in the article's order."""

    def build() -> list[dict[str, Any]]:
        rows = web.store().select(
            f"""SELECT ?d ?p ?x ?order ?sub ?suborder WHERE {{
              ?d a <{CCD.CityClusterDiplomacy}> ; ?p ?x .
              VALUES ?p {{ {" ".join(f"<{p}>" for _k, _m, p in ARGUMENT)} }}
              OPTIONAL {{ ?x <{CCD.order}> ?order }}
              OPTIONAL {{ ?x <{CCD.hasSubRecommendation}> ?sub OPTIONAL {{ ?sub <{CCD.order}> ?suborder }} }}
            }}"""
        )
        items: dict[str, dict[str, dict[str, Any]]] = {str(p): {} for _k, _m, p in ARGUMENT}
        for r in rows:
            p, x = r["p"].value, r["x"].value
            item = items[p].setdefault(x, {"iri": x, "order": _int(r.get("order")), "subs": {}})
            if r.get("sub") is not None:
                item["subs"][r["sub"].value] = _int(r.get("suborder"))
        out = []
        for key, msg, p in ARGUMENT:
            entries = sorted(
                items[str(p)].values(), key=lambda i: (i["order"] is None, i["order"] or 0, i["iri"])
            )
            out.append(
                {
                    "key": key,
                    "msg": msg,
                    "items": [
                        {
                            "iri": e["iri"],
                            "order": e["order"],
                            "subs": [
                                s
                                for s, _o in sorted(
                                    e["subs"].items(), key=lambda kv: (kv[1] is None, kv[1] or 0, kv[0])
                                )
                            ],
                        }
                        for e in entries
                    ],
                }
            )
        return out

    return web.cached("argument", build)


def _int(term: Any) -> int | None:
    try:
        return int(term.value) if term is not None else None
    except ValueError:
        return None


def _route(endpoint_prefix: str, default: str) -> str:
    """The path of a sibling blueprint's page if it is registered (downloads, validation, VoID)."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule.startswith(endpoint_prefix) and "<" not in rule.rule:
            return request.script_root + rule.rule
    return request.script_root + default


def dataset_jsonld(links: dict[str, str]) -> dict[str, Any]:
    cff = citation()
    base = web.public_base()
    refs = cff.get("references") or [{}]
    article = refs[0]
    downloads = []
    for name, mime in (
        ("ccdkg.trig", "application/trig"),
        ("ccdkg.ttl", "text/turtle"),
        ("ccdkg.nt", "application/n-triples"),
        ("ccdkg.jsonld", "application/ld+json"),
    ):
        downloads.append(
            {
                "@type": "DataDownload",
                "encodingFormat": mime,
                "contentUrl": request.host_url.rstrip("/") + links["downloads"].rstrip("/") + "/" + name,
            }
        )
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": base,
        "url": base,
        "identifier": base,
        "name": [
            {"@value": web.message("site_name", "zh-Hans"), "@language": "zh-Hans"},
            {"@value": web.message("site_name", "en"), "@language": "en"},
        ],
        "alternateName": "ccdkg",
        "description": [
            {"@value": web.message("home_lead", "zh-Hans"), "@language": "zh-Hans"},
            {"@value": web.message("home_lead", "en"), "@language": "en"},
        ],
        "version": cff.get("version", __version__),
        "license": LICENSE_IRI,
        "creator": [{"@type": "Organization", "name": a.get("name", "")} for a in cff.get("authors", [])],
        "keywords": cff.get("keywords", []),
        "inLanguage": ["zh-Hans", "en", "zh-Hant"],
        "isBasedOn": {
            "@type": "ScholarlyArticle",
            "@id": f"https://doi.org/{article.get('doi', '')}",
            "name": article.get("title", ""),
            "author": {"@type": "Person", "name": "韩笑 (Han Xiao)"},
            "datePublished": str(article.get("year", "")),
            "isPartOf": {"@type": "Periodical", "name": article.get("journal", "")},
        },
        "distribution": downloads,
        "subjectOf": {
            "@type": "WebAPI",
            "name": "SPARQL 1.1 endpoint",
            "url": request.host_url.rstrip("/") + request.script_root + "/sparql",
        },
    }


# The queries that build the home page's two pictures, for "open this in the query UI".
TABLE1_QUERY = """PREFIX ccd: <https://w3id.org/ccdkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
# Table 1: each cluster with its member cities and its core diplomatic functions
SELECT ?order ?cluster ?clusterLabel ?city ?cityLabel ?function ?functionLabel WHERE {
  ?cluster ccd:hasCoreFunction ?function ; ccd:hasMemberCity ?city .
  OPTIONAL { ?cluster ccd:order ?order }
  ?cluster rdfs:label ?clusterLabel FILTER(langMatches(lang(?clusterLabel), "zh-Hans"))
  ?city rdfs:label ?cityLabel FILTER(langMatches(lang(?cityLabel), "zh-Hans"))
  ?function rdfs:label ?functionLabel FILTER(langMatches(lang(?functionLabel), "zh-Hans"))
}
ORDER BY ?order ?cluster ?city ?function
"""
ARGUMENT_QUERY = """PREFIX ccd: <https://w3id.org/ccdkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
# The argument: drivers, functions, impacts, challenges and recommendations (with sub-paths), in order
SELECT ?part ?order ?point ?label ?subOrder ?sub ?subLabel WHERE {
  VALUES ?part { ccd:hasDriver ccd:hasFunction ccd:hasImpact ccd:hasChallenge ccd:hasRecommendation }
  ?d a ccd:CityClusterDiplomacy ; ?part ?point .
  OPTIONAL { ?point ccd:order ?order }
  ?point rdfs:label ?label FILTER(langMatches(lang(?label), "zh-Hans"))
  OPTIONAL { ?point ccd:hasSubRecommendation ?sub . OPTIONAL { ?sub ccd:order ?subOrder }
             ?sub rdfs:label ?subLabel FILTER(langMatches(lang(?subLabel), "zh-Hans")) }
}
ORDER BY ?part ?order ?subOrder
"""


def _query_link(query: str) -> str:
    from urllib.parse import urlencode

    return f"{request.script_root}/query?{urlencode({'query': query})}"


@bp.route("/favicon.ico")
def favicon() -> Response:
    return bp.send_static_file("favicon.svg")


@bp.route("/")
def index() -> Response:
    links = {
        "query": request.script_root + "/query",
        "ontology": request.script_root + "/ontology",
        "terms": request.script_root + "/ontology/terms",
        "downloads": _route("/download", "/downloads"),
        "validation": _route("/validation", "/validation"),
        "void": _route("/.well-known/void", "/.well-known/void"),
        "sparql": request.script_root + "/sparql",
    }
    fin = _find_core_function("国际金融服务")
    cff = citation()
    html = render_template(
        "home.html",
        svg=Markup(table1_svg()),
        argument=argument(),
        links=links,
        dataset=dataset_jsonld(links),
        cff=cff,
        article=(cff.get("references") or [{}])[0],
        example_function=fin,
        web_base=web.public_base(),
        table_cards=[{"iri": r.iri, "cities": r.cities, "functions": r.functions} for r in table_rows()],
        table_query=_query_link(TABLE1_QUERY),
        argument_query=_query_link(ARGUMENT_QUERY),
    )
    resp = Response(html, mimetype="text/html")
    base = web.public_base()
    resp.headers["Link"] = ", ".join(
        [
            f'<{base}>; rel="cite-as"',
            f'<{request.host_url.rstrip("/")}{links["void"]}>; rel="describedby"; type="text/turtle"',
            f'<{LICENSE_IRI}>; rel="license"',
            '<https://schema.org/Dataset>; rel="type"',
            f'<{request.host_url.rstrip("/")}{links["sparql"]}>; rel="service"',
        ]
    )
    return web.remember_lang(resp)


def _find_core_function(zh_label: str) -> str | None:
    """The example question's function, looked up by its article wording (not hard-coded IRIs)."""
    for iri, labels in web.site().labels.items():
        if labels.get("zh-Hans") == zh_label and iri.startswith(web.public_base() + "id/core-function/"):
            return iri
    return None

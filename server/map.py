"""/map: the clusters and their cities where the verified coordinates put them.

The points are the graph's own ``wgs:lat``/``wgs:long`` (``id:graph/links``, from the verified
reference table); the countries are Natural Earth's 1:110m outlines from the npm package
``world-atlas``, drawn in the browser by ``d3-geo`` (vendored under static/vendor/map by
scripts/vendor-map.sh). No tile server, nothing fetched from elsewhere. The same data is on the
page as a table, for readers who do not see the picture.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from ccdkg.namespaces import CCD, WGS

from . import web
from .svg import PALETTE, table1_rows

bp = Blueprint("map", __name__)
bp.record_once(lambda state: web.template_globals(state.app))

MAP_QUERY = f"""PREFIX ccd: <{CCD}>
PREFIX wgs: <{WGS}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
# Every cluster's member cities with their coordinates (id:graph/links)
SELECT ?cluster ?clusterLabel ?city ?cityLabel ?lat ?long WHERE {{
  ?cluster ccd:hasMemberCity ?city .
  GRAPH ?g {{ ?city wgs:lat ?lat ; wgs:long ?long }}
  OPTIONAL {{ ?cluster rdfs:label ?clusterLabel FILTER(langMatches(lang(?clusterLabel), "zh-Hans")) }}
  OPTIONAL {{ ?city rdfs:label ?cityLabel FILTER(langMatches(lang(?cityLabel), "zh-Hans")) }}
}}
ORDER BY ?cluster ?city
"""


def _coordinates() -> dict[str, tuple[float, float, str]]:
    def build() -> dict[str, tuple[float, float, str]]:
        rows = web.store().select(
            f"SELECT ?x ?lat ?long ?g WHERE {{ GRAPH ?g {{ ?x <{WGS.lat}> ?lat ; <{WGS.long}> ?long }} }}"
        )
        out: dict[str, tuple[float, float, str]] = {}
        for r in rows:
            try:
                out[r["x"].value] = (float(r["lat"].value), float(r["long"].value), r["g"].value)
            except ValueError:
                continue
        return out

    return web.cached("map-coordinates", build)


def map_data(lang: str) -> list[dict[str, Any]]:
    coords = _coordinates()
    clusters = []
    for i, row in enumerate(table1_rows()):
        cities = []
        for c in row.cities:
            if c in coords:
                lat, long, graph = coords[c]
                cities.append(
                    {"iri": c, "href": web.href(c), "label": web.label(c, lang), "lat": lat, "long": long}
                )
        clusters.append(
            {
                "iri": row.iri,
                "href": web.href(row.iri),
                "label": web.label(row.iri, lang),
                "color": PALETTE[i % len(PALETTE)],
                "cities": cities,
                "missing": [web.label(c, lang) for c in row.cities if c not in coords],
            }
        )
    return clusters


@bp.route("/map")
def world_map() -> Response:
    lang = web.current_lang()
    clusters = map_data(lang)
    html = render_template(
        "map.html",
        clusters=clusters,
        query_href=f"{request.script_root}/query?{urlencode({'query': MAP_QUERY})}",
        n_cities=sum(len(c["cities"]) for c in clusters),
    )
    return web.remember_lang(Response(html, mimetype="text/html"))

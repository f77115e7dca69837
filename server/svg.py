"""Table 1 of the article (世界主要大城市群及其外交功能) drawn as SVG from the graph.

Nothing is drawn by hand: the clusters, their member cities and their core diplomatic
functions come from the store. Each cluster is a row (its cities beside it); each core
function appears once on the right, joined by a line to every cluster credited with it, so
a shared function such as 国际金融服务 shows at a glance which clusters share it. Every box
is a link to the resource's page. Computed once per application and language.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, render_template, request

from ccdkg.namespaces import CCD, OA, PROV

from . import web

bp = Blueprint("svg", __name__)
bp.record_once(lambda state: web.template_globals(state.app))

_TABLE_QUERY = f"""
SELECT DISTINCT ?cluster ?order ?p ?x ?start WHERE {{
  {{ SELECT DISTINCT ?cluster WHERE {{ ?cluster <{CCD.hasCoreFunction}> ?f }} }}
  OPTIONAL {{ ?cluster <{CCD.order}> ?order }}
  {{ ?cluster <{CCD.hasMemberCity}> ?x BIND("city" AS ?p) }}
  UNION {{ ?cluster <{CCD.hasCoreFunction}> ?x BIND("function" AS ?p) }}
  UNION {{ ?cluster <{PROV.wasDerivedFrom}> ?own BIND(?cluster AS ?x) BIND("self" AS ?p) }}
  OPTIONAL {{ ?x <{PROV.wasDerivedFrom}>/<{OA.start}> ?start }}
}}
"""

# Layout, in SVG user units.
WIDTH = 1040
CLUSTER_X, CLUSTER_W = 8, 250
CITY_X, CITY_W = 270, 330
FUNC_X, FUNC_W = 780, 252
ROW_GAP = 10
LINE_H = 22
FONT = 14
PALETTE = ["#1b6ca8", "#b5412c", "#2e8540", "#8a4baf", "#c77c02", "#0f8a8a", "#a6336b", "#5a6b1f", "#44546a"]


def text_width(text: str, size: float = FONT) -> float:
    """Rough rendered width: CJK and full-width characters are square, Latin about half."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.56 for c in text)


@dataclass
class Row:
    iri: str
    order: int | None
    cities: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)


def _article_order(cluster_starts: set[int], members: dict[str, set[int]]) -> list[str]:
    """The order the article lists the members in: by where each is quoted in the cluster's row.

    The row is the place the cluster is quoted from after which its members follow most closely
    (a member may be quoted elsewhere too); members without a position follow by label.
    """

    def after(start: int, starts: set[int]) -> int | None:
        later = [s for s in starts if s >= start]
        return min(later) if later else None

    best_row, best_cost = None, None
    for c in sorted(cluster_starts):
        found = [after(c, s) for s in members.values()]
        cost = (sum(f is None for f in found), sum(f - c for f in found if f is not None))
        if best_cost is None or cost < best_cost:
            best_row, best_cost = c, cost

    def key(iri: str) -> tuple[int, str, str]:
        pos = after(best_row, members[iri]) if best_row is not None else None
        return (pos if pos is not None else 10**9, web.label(iri, "zh-Hans"), iri)

    return sorted(members, key=key)


def table_rows() -> list[Row]:
    rows: dict[str, Row] = {}
    starts: dict[str, dict[str, dict[str, set[int]]]] = {}
    for r in web.store().select(_TABLE_QUERY):
        iri = r["cluster"].value
        row = rows.setdefault(iri, Row(iri, None))
        if r.get("order") is not None and r["order"].value.lstrip("-").isdigit():
            row.order = int(r["order"].value)
        kind, x = r["p"].value, r["x"].value
        bucket = starts.setdefault(iri, {}).setdefault(kind, {}).setdefault(x, set())
        if r.get("start") is not None and r["start"].value.isdigit():
            bucket.add(int(r["start"].value))
    for iri, row in rows.items():
        own = next(iter(starts[iri].get("self", {}).values()), set())
        row.cities = _article_order(own, starts[iri].get("city", {}))
        row.functions = _article_order(own, starts[iri].get("function", {}))
    return sorted(rows.values(), key=lambda r: (r.order is None, r.order or 0, web.label(r.iri, "zh-Hans")))


def table1_rows() -> list[Row]:
    """Table 1's rows (cluster, cities, functions) in the article's order, computed once."""
    return web.cached("table1-rows", table_rows)


def _wrap(items: list[str], width: float) -> list[list[tuple[str, float]]]:
    """City chips laid out in lines no wider than ``width``."""
    lines: list[list[tuple[str, float]]] = [[]]
    used = 0.0
    for iri in items:
        w = text_width(web.label(iri)) + 14
        if lines[-1] and used + w > width:
            lines.append([])
            used = 0.0
        lines[-1].append((iri, w))
        used += w + 6
    return lines


def layout(lang: str) -> dict[str, Any]:
    rows = table_rows()
    func_order: list[str] = []
    for row in rows:
        for f in row.functions:
            if f not in func_order:
                func_order.append(f)
    y = 40.0
    drawn_rows = []
    for i, row in enumerate(rows):
        lines = _wrap(row.cities, CITY_W)
        name = web.label(row.iri, lang)
        name_lines = _split_name(name, CLUSTER_W - 16)
        h = max(len(lines), len(name_lines)) * LINE_H + 14
        chips = []
        for li, line in enumerate(lines):
            x = CITY_X
            for iri, w in line:
                chips.append(
                    {
                        "iri": iri,
                        "href": web.href(iri),
                        "label": web.label(iri, lang),
                        "x": x,
                        "y": y + 7 + li * LINE_H,
                        "w": w,
                    }
                )
                x += w + 6
        drawn_rows.append(
            {
                "iri": row.iri,
                "href": web.href(row.iri),
                "name_lines": name_lines,
                "label": name,
                "y": y,
                "h": h,
                "color": PALETTE[i % len(PALETTE)],
                "chips": chips,
                "functions": row.functions,
            }
        )
        y += h + ROW_GAP
    rows_bottom = y
    # function labels wrap inside their box (English ones are long); the column spreads over the rows
    func_lines = {f: _split_name(web.label(f, lang), FUNC_W - 16) for f in func_order}
    heights = {f: len(lines) * (LINE_H - 4) + 12 for f, lines in func_lines.items()}
    needed = sum(heights.values()) + 6 * len(func_order)
    span = max(rows_bottom - 40, needed)
    gap = (span - sum(heights.values())) / max(len(func_order), 1)
    funcs = {}
    fy = 40 + gap / 2
    for f in func_order:
        funcs[f] = {
            "iri": f,
            "href": web.href(f),
            "label": web.label(f, lang),
            "lines": func_lines[f],
            "y": fy,
            "h": heights[f],
            "clusters": sum(f in r.functions for r in rows),
        }
        fy += heights[f] + gap
    edges = []
    for r in drawn_rows:
        for f in r["functions"]:
            fn = funcs[f]
            y1 = r["y"] + r["h"] / 2
            y2 = fn["y"] + fn["h"] / 2
            x1, x2 = CITY_X + CITY_W + 20, FUNC_X
            mid = (x1 + x2) / 2
            edges.append(
                {
                    "d": f"M{CLUSTER_X + CLUSTER_W:.1f},{y1:.1f} L{x1:.1f},{y1:.1f} "
                    f"C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}",
                    "color": r["color"],
                    "cluster": r["iri"],
                    "function": f,
                }
            )
    height = max(rows_bottom, 40 + span) + 10
    return {
        "rows": drawn_rows,
        "functions": list(funcs.values()),
        "edges": edges,
        "width": WIDTH,
        "height": round(height, 1),
        "lang": lang,
        "cluster_x": CLUSTER_X,
        "cluster_w": CLUSTER_W,
        "city_x": CITY_X,
        "city_w": CITY_W,
        "func_x": FUNC_X,
        "func_w": FUNC_W,
        "line_h": LINE_H,
    }


def _split_name(name: str, width: float) -> list[str]:
    if text_width(name) <= width:
        return [name]
    words = name.split(" ") if " " in name else list(name)
    lines, cur = [], ""
    joiner = " " if " " in name else ""
    for w in words:
        cand = (cur + joiner + w) if cur else w
        if text_width(cand) > width and cur:
            lines.append(cur)
            cur = w
        else:
            cur = cand
    lines.append(cur)
    return lines


def table1_svg(lang: str | None = None) -> str:
    lang = lang or web.current_lang()
    root = request.script_root

    def build() -> str:
        return render_template(
            "table1.svg",
            L=layout(lang),
            title=web.message("home_table1", lang),
            legend=[web.message(k, lang) for k in ("legend_cluster", "legend_city", "legend_function")],
        )

    return web.cached(f"table1:{lang}:{root}", build)


@bp.route("/table1.svg")
def table1() -> Response:
    resp = Response(table1_svg(), mimetype="image/svg+xml")
    return web.remember_lang(resp)

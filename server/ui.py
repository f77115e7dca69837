"""The query UI: YASGUI, served by the app itself (vendored, works offline), with a gallery of
example queries kept as data files in ``server/queries/*.rq``.

Each gallery file starts with comment lines ``# title@zh: …`` and ``# title@en: …``; the
rest is the query. ``/query?query=…`` opens the UI with that query in a fresh tab (resource
pages link here with a ready query about themselves).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request

from ccdkg.labels import to_traditional

from . import web

bp = Blueprint("ui", __name__)
bp.record_once(lambda state: web.template_globals(state.app))

QUERIES = Path(__file__).parent / "queries"
_META = re.compile(r"^#\s*(\w+)@([\w-]+)\s*:\s*(.*\S)\s*$")
MAX_QUERY_PARAM = 64 * 1024


@lru_cache(maxsize=1)
def gallery() -> tuple[dict[str, Any], ...]:
    """The example queries, in file-name order."""
    items = []
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        meta: dict[str, dict[str, str]] = {}
        body = []
        for line in text.splitlines():
            m = _META.match(line)
            if m and not body:
                meta.setdefault(m.group(1), {})[m.group(2)] = m.group(3)
            else:
                body.append(line)
        titles = meta.get("title", {})
        if "zh" not in titles or "en" not in titles:
            raise ValueError(f"{path.name}: needs '# title@zh:' and '# title@en:' lines")
        items.append(
            {
                "id": path.stem,
                "title": {
                    "zh-Hans": titles["zh"],
                    "zh-Hant": to_traditional(titles["zh"]),
                    "en": titles["en"],
                },
                "query": "\n".join(body).strip() + "\n",
            }
        )
    return tuple(items)


@bp.route("/query")
def query() -> Response:
    initial = request.args.get("query", "")
    if len(initial) > MAX_QUERY_PARAM:
        abort(413)
    lang = web.current_lang()
    items = [{"id": g["id"], "title": g["title"][lang], "query": g["query"]} for g in gallery()]
    html = render_template(
        "query.html",
        gallery=items,
        initial_query=initial,
        endpoint=request.script_root + "/sparql",
        yasgui_version=_vendored_version(),
    )
    resp = Response(html, mimetype="text/html")
    return web.remember_lang(resp)


@bp.route("/query/examples.json")
def examples() -> Response:
    return jsonify([dict(g) for g in gallery()])


@bp.route("/query/examples/<name>.rq")
def example(name: str) -> Response:
    for g in gallery():
        if g["id"] == name:
            return Response(g["query"], mimetype="application/sparql-query")
    abort(404)


@lru_cache(maxsize=1)
def _vendored_version() -> str:
    path = Path(__file__).parent / "static" / "vendor" / "yasgui" / "VERSION"
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        if line.startswith("version="):
            return line.split("=", 1)[1]
    return ""

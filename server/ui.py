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
        ui_strings=_ui_strings(lang),
        labels_href=f"{request.script_root}/query/labels.json?lang={lang}",
        gallery=items,
        initial_query=initial,
        endpoint=request.script_root + "/sparql",
        yasgui_version=_vendored_version(),
    )
    resp = Response(html, mimetype="text/html")
    return web.remember_lang(resp)


@bp.route("/query/labels.json")
def labels() -> Response:
    """What the query UI shows for an IRI in the chosen language, and the passage each node is drawn from."""
    lang = web.current_lang()

    def build() -> str:
        import json

        from ccdkg.namespaces import OA, PROV

        from .cleantext import plain
        from .reader import reader_href

        first: dict[str, tuple[int, str, str]] = {}
        for r in web.store().select(
            f"SELECT ?x ?ps ?exact ?start WHERE {{ ?x <{PROV.wasDerivedFrom}> ?ps . ?ps <{OA.exact}> ?exact"
            f" OPTIONAL {{ ?ps <{OA.start}> ?start }} FILTER(isIRI(?x)) }}"
        ):
            start = (
                int(r["start"].value) if r.get("start") is not None and r["start"].value.isdigit() else 10**9
            )
            x = r["x"].value
            if x not in first or (start, r["ps"].value) < first[x][:2]:
                first[x] = (start, r["ps"].value, r["exact"].value)
        labels = {iri: [web.label(iri, lang), web.href(iri)] for iri in sorted(web.site().labels)}
        evidence = {
            x: [reader_href(ps) or web.href(ps), plain(exact)[:120]]
            for x, (_s, ps, exact) in sorted(first.items())
        }
        return json.dumps({"labels": labels, "evidence": evidence}, ensure_ascii=False, sort_keys=True)

    body = web.cached(f"query-labels:{lang}:{request.script_root}", build)
    resp = Response(body, mimetype="application/json")
    resp.vary.add("Cookie")
    resp.vary.add("Accept-Language")
    return resp


@bp.route("/query/examples.json")
def examples() -> Response:
    return jsonify([dict(g) for g in gallery()])


@bp.route("/query/examples/<name>.rq")
def example(name: str) -> Response:
    for g in gallery():
        if g["id"] == name:
            return Response(g["query"], mimetype="application/sparql-query")
    abort(404)


# YASGUI's fixed English controls in Chinese (it has no translations of its own); DataTables' own
# language option carries the table's paging words.
_UI_ZH = {
    "words": {
        "Table": "表格",
        "Response": "原始响应",
        "Simple view": "简洁视图",
        "Ellipse": "截断长值",
        "Page size:": "每页：",
        "Filter query results": "筛选查询结果",
        "Download result": "下载结果",
        "Share query": "分享查询",
        "Run query": "运行查询",
        "Add tab": "新建标签页",
    },
    "table": {
        "info": "第 _START_ 至 _END_ 条，共 _TOTAL_ 条",
        "infoEmpty": "没有结果",
        "infoFiltered": "（从 _MAX_ 条中筛选）",
        "emptyTable": "没有结果",
        "zeroRecords": "没有匹配的结果",
        "lengthMenu": "每页 _MENU_ 条",
    },
    "evidence": "原文",
    "timing": "共 {n} 条结果，用时 {s} 秒",
    "names": {
        "editor": "SPARQL 查询",
        "endpoint": "SPARQL 端点",
        "tabName": "标签页名称",
        "pageSize": "每页条数",
    },
}


def _ui_strings(lang: str) -> dict[str, Any]:
    if lang == "en":
        return {"evidence": "passage"}
    if lang == "zh-Hant":
        return {
            "words": {k: to_traditional(v) for k, v in _UI_ZH["words"].items()},
            "table": {k: to_traditional(v) for k, v in _UI_ZH["table"].items()},
            "evidence": to_traditional(_UI_ZH["evidence"]),
            "timing": to_traditional(_UI_ZH["timing"]),
            "names": {k: to_traditional(v) for k, v in _UI_ZH["names"].items()},
        }
    return _UI_ZH


@lru_cache(maxsize=1)
def _vendored_version() -> str:
    path = Path(__file__).parent / "static" / "vendor" / "yasgui" / "VERSION"
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        if line.startswith("version="):
            return line.split("=", 1)[1]
    return ""

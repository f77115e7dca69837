"""The ``pages`` blueprint: /id/…, /ontology, /ontology/term/…, /ontology/terms, /ontology/docs and
the frozen release files behind the ontology's version IRIs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request, send_file, send_from_directory

from ccdkg.namespaces import ONTOLOGY_IRI
from ccdkg.ontology import RELEASE_DIR

from .. import formats, web
from . import queries
from .documents import (
    alternate_links,
    choose_format,
    format_links,
    query_link,
    rdf_response,
    serialize,
    split_ext,
)
from .views import resource_view, term_facts, term_groups

bp = Blueprint("pages", __name__)
bp.record_once(lambda state: web.template_globals(state.app))

# Characters no IRI may hold: a path with one names nothing here (404, not a failed query).
_NOT_IRI = frozenset('<>"{}|^`\\ \n\r\t')


def not_found(iri: str) -> Response:
    from ..search import search  # the index is the search page's; a 404 offers its suggestions

    wanted = choose_format()
    name = web.local_name(iri)
    if wanted is not formats.HTML:
        resp = Response(f"404 Not Found: the graph does not know <{iri}>\n", 404, mimetype="text/plain")
    else:
        hits = search(name.replace("-", " "), limit=8) if name else []
        resp = Response(render_template("notfound.html", iri=iri, hits=hits, query=name), 404)
        web.remember_lang(resp)
    resp.vary.add("Accept")
    return resp


def serve_resource(
    iri: str, doc_path: str, forced: formats.Format | None, extra: dict[str, Any] | None = None
) -> Response:
    fmt = choose_format(forced)
    if isinstance(fmt, Response):
        return fmt
    if not queries.exists(iri):
        return not_found(iri)
    if fmt is not formats.HTML:
        return rdf_response(serialize(queries.describe(iri), fmt), fmt, doc_path, forced is not None)
    view = resource_view(iri)
    data = [q.triple for q in queries.describe(iri)]
    jsonld = serialize(data, formats.JSON_LD).decode("utf-8")
    html = render_template(
        "resource.html",
        r=view,
        jsonld=jsonld,
        formats=format_links(doc_path),
        sparql_href=query_link(queries.resource_query(iri)),
        extra=extra or {},
        triple_count=len(set(data)),
    )
    resp = Response(html, 200, mimetype="text/html")
    resp.vary.add("Accept")
    if forced is None:
        resp.headers["Content-Location"] = f"{request.script_root}{doc_path}.html"
    resp.headers["Link"] = alternate_links(doc_path)
    return web.remember_lang(resp)


def _document(rest: str) -> tuple[str, formats.Format | None]:
    """The name a document URL gives and the format its extension forces; 404 when it names no IRI."""
    name, forced = split_ext(rest)
    if _NOT_IRI.intersection(name):
        abort(404)
    return name, forced


@bp.route("/id/<path:rest>")
def resource(rest: str) -> Response:
    path, forced = _document(rest)
    return serve_resource(web.iri_for_path("id/" + path), "/id/" + path, forced)


# --------------------------------------------------------------------------- the ontology


def _ontology_dir() -> Path:
    import ccdkg.ontology

    return Path(ccdkg.ontology.__file__).parent


@bp.route("/ontology/release/<path:name>")
def ontology_release_file(name: str) -> Response:
    """The frozen files behind the version IRIs (the w3id rules redirect here)."""
    fmt = formats.by_extension(name.rsplit(".", 1)[-1], formats.PAGES)
    if fmt is None:
        abort(404)
    return send_from_directory(RELEASE_DIR, name, mimetype=fmt.media_type)


@bp.route("/ontology")
@bp.route("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:
    forced = None
    if ext is not None:
        forced = next((f for f in formats.PAGES if f.extension == ext), None)
        if forced is None:
            abort(404)
    fmt = choose_format(forced)
    if isinstance(fmt, Response):
        return fmt
    if fmt is formats.HTML:
        # the site's own page (header, language switch); pyLODE's full documentation at /ontology/docs
        resp = terms_overview(landing=True)
        resp.vary.add("Accept")
        if ext is None:
            resp.headers["Content-Location"] = f"{request.script_root}/ontology.html"
        return resp
    return rdf_response(serialize(queries.ontology_triples(), fmt), fmt, "/ontology", ext is not None)


@bp.route("/ontology/docs")
def ontology_docs() -> Response:
    """The pyLODE documentation generated at release time."""
    docs = _ontology_dir() / "docs" / "index.html"
    if not docs.exists():
        abort(404)
    return send_file(docs, mimetype="text/html", max_age=0)


@bp.route("/ontology/terms")
def terms_overview(landing: bool = False) -> Response:
    """Every class and property of the ontology with how much of the data uses it."""
    groups = term_groups()
    resp = Response(
        render_template(
            "terms.html",
            classes=groups["class"],
            properties=groups["property"],
            landing=landing,
            ontology=web.term_view(ox.NamedNode(ONTOLOGY_IRI)) if landing else None,
            formats=format_links("/ontology") if landing else [],
        )
    )
    return web.remember_lang(resp)


@bp.route("/ontology/term/<path:rest>")
def term(rest: str) -> Response:
    name, forced = _document(rest)
    iri = web.public_base() + "ontology#" + name
    extra: dict[str, Any] = {"term": True, "name": name}
    if choose_format(forced) is formats.HTML:
        extra |= term_facts(iri)
    return serve_resource(iri, "/ontology/term/" + name, forced, extra)

"""Which representation a page answers with, and the RDF document itself.

A page is HTML or any RDF format of the one table (ccdkg.formats.PAGES), by document extension
(/id/city/shanghai.ttl), then ?format=, then Accept; no Accept at all means HTML.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Response, request

from ccdkg import jsonld
from ccdkg.namespaces import PREFIXES

from .. import formats


def split_ext(path: str) -> tuple[str, formats.Format | None]:
    """``city/shanghai.ttl`` → (``city/shanghai``, Turtle); a path without a known extension as it is."""
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext:
        fmt = next((f for f in formats.PAGES if f.extension == ext), None)
        if fmt is not None:
            return stem, fmt
    return path, None


def choose_format(forced: formats.Format | None = None) -> formats.Format | Response:
    """The representation to send, or the 400/406 answer when there is none."""
    if forced is not None:
        return forced
    if not request.headers.get("Accept", "").strip() and not request.args.get("format"):
        return formats.HTML  # no Accept header: anything goes, and a person is the likelier reader
    return formats.choose(formats.PAGES)


def serialize(statements: Iterable[ox.Triple] | Iterable[ox.Quad], fmt: formats.Format) -> bytes:
    """Triples, or quads for the formats that keep named graphs, in one canonical order."""
    rdf = fmt.oxigraph
    assert isinstance(rdf, ox.RdfFormat)
    # Deterministic output: the same release always gives the same bytes (ETags, diffs).
    items = set(statements)
    if not fmt.supports_datasets or rdf is ox.RdfFormat.JSON_LD:
        items = {s.triple if isinstance(s, ox.Quad) else s for s in items}
    ordered = sorted(items, key=_statement_key)
    if fmt is formats.JSON_LD:
        return jsonld.serialize(ordered)  # compact, with the project's @context
    prefixes = PREFIXES if rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(ordered, format=rdf, prefixes=prefixes)


def _statement_key(st: ox.Triple | ox.Quad) -> tuple[str, ...]:
    if isinstance(st, ox.Quad):
        return (str(st.graph_name), str(st.subject), str(st.predicate), str(st.object))
    return (str(st.subject), str(st.predicate), str(st.object))


def rdf_response(body: bytes, fmt: formats.Format, doc_path: str, forced: bool) -> Response:
    resp = Response(body, 200, content_type=fmt.content_type)
    resp.vary.add("Accept")
    if not forced:
        resp.headers["Content-Location"] = f"{request.script_root}{doc_path}.{fmt.extension}"
    resp.headers["Link"] = alternate_links(doc_path)
    return resp


def alternate_links(doc_path: str) -> str:
    """The ``Link`` header naming every representation of the document."""
    root = request.script_root
    return ", ".join(
        f'<{root}{doc_path}.{f.extension}>; rel="alternate"; type="{f.media_type}"' for f in formats.PAGES
    )


def format_links(doc_path: str) -> list[dict[str, str]]:
    """The page's "download as" links, one per RDF format."""
    root = request.script_root
    return [
        {"ext": f.extension, "name": f.label, "mime": f.media_type, "href": f"{root}{doc_path}.{f.extension}"}
        for f in formats.RDF
    ]


def query_link(query: str) -> str:
    return f"{request.script_root}/query?{urlencode({'query': query})}"

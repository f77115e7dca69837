"""Compact JSON-LD with the project's one ``@context``: the vocabularies' prefixes (``ccdkg.namespaces``).

Oxigraph writes expanded JSON-LD (full IRIs everywhere); PyLD compacts it against :data:`CONTEXT`
(JSON-LD 1.1 compaction, in a fixed order: the same statements give the same bytes). The context
is embedded in every document, so that a consumer never has to fetch it (plain
``rdflib.Graph().parse(..., format="json-ld")`` works offline), and the server also publishes it
at ``/context.jsonld`` for reuse.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from ccdkg.namespaces import PREFIXES

#: The published context: one prefix per vocabulary. Not id:, as in the release's Turtle: the data's
#: own IRIs stay written out in full, so a page's JSON-LD names its resource as it is.
CONTEXT: dict[str, str] = {prefix: ns for prefix, ns in sorted(PREFIXES.items()) if prefix != "id"}


def _no_remote_documents(url: str, options: Any = None) -> Any:
    # Safe by construction: our input is Oxigraph's expanded output, which names no context;
    # nothing here ever fetches one.
    from pyld import jsonld

    raise jsonld.JsonLdError(f"remote JSON-LD documents are not loaded: {url}", "loading document failed")


def compact(expanded: Any) -> dict[str, Any]:
    """An expanded JSON-LD document, compacted against :data:`CONTEXT` (embedded)."""
    # Imported on first use: PyLD brings requests with it, ~25 MiB in every server process that
    # would otherwise never write JSON-LD (the query workers, most requests).
    from pyld import jsonld

    return jsonld.compact(expanded, {"@context": CONTEXT}, {"documentLoader": _no_remote_documents})


def dumps(document: Any) -> bytes:
    """Indented UTF-8 JSON, so that diffs of the release read well."""
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def serialize(statements: Iterable[ox.Triple] | Iterable[ox.Quad]) -> bytes:
    """Triples (one graph) or quads (named graphs as ``@graph`` objects) as compact JSON-LD."""
    return dumps(compact(json.loads(ox.serialize(statements, format=ox.RdfFormat.JSON_LD))))


def context_document() -> bytes:
    """The context as a document of its own (``/context.jsonld``)."""
    return dumps({"@context": CONTEXT})

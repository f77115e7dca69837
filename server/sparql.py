"""``/sparql``: the SPARQL 1.1 Protocol (query operation), read-only.

* GET ``?query=`` · POST ``application/x-www-form-urlencoded`` (``query=``) · POST
  ``application/sparql-query`` (the body is the query; dataset parameters in the URL);
* ``default-graph-uri`` / ``named-graph-uri``, restricted to the graphs served;
* the result format by ``Accept`` (q-values) or ``format=``; 406 when nothing acceptable;
* 400 with the parser's message and position, 405 for other methods, 413 for oversized
  requests, 415 for other body types, 403 for SPARQL Update (the endpoint is read-only);
* GET without a query: the service description, or the query UI for browsers.

Responses to the immutable release are cached in memory and carry an ETag; a matching
``If-None-Match`` is answered 304 without running anything.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict

from ccdkg.server import formats, guard
from ccdkg.server.store import BadDataset, Overloaded, QueryError
from flask import Blueprint, Response, current_app, g, request

bp = Blueprint("sparql", __name__)

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"
# Results of these functions differ between runs: such responses are never cached.
_VOLATILE = re.compile(r"\b(?:rand|now|uuid|struuid|bnode)\s*\(", re.IGNORECASE)


class ResponseCache:
    """An LRU of serialized responses, bounded in bytes. The release never changes while served."""

    def __init__(self, budget: int, entry_limit: int) -> None:
        self.budget = budget
        self.entry_limit = entry_limit
        self._items: OrderedDict[tuple, tuple[bytes, str, str]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, str, str] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple, value: tuple[bytes, str, str]) -> None:
        size = len(value[0])
        if size > self.entry_limit or size > self.budget:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old[0])
            self._items[key] = value
            self._size += size
            while self._size > self.budget:
                _, evicted = self._items.popitem(last=False)
                self._size -= len(evicted[0])


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A plain-text error: clients (SPARQLWrapper, Jena, curl) show the body as it is."""
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    g.ccdkg_error = message
    return response


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise _Bad(f"give exactly one {name} parameter, not {len(values)}")
    return values[0] if values else None


class _Bad(Exception):
    pass


def _read_request() -> tuple[str | None, str | None, list[str], list[str], str | None] | Response:
    """(query, update, default graphs, named graphs, format=) from any of the three forms."""
    config = current_app.extensions["ccdkg"].config
    if request.content_length is not None and request.content_length > config.max_request_bytes:
        return error(413, f"request body larger than this server's cap of {config.max_request_bytes} bytes")
    args = request.args
    if request.method == "GET":
        params = args
    else:
        mimetype = request.mimetype
        if mimetype == _FORM:
            body = request.get_data(cache=True)
            if len(body) > config.max_request_bytes:
                return error(
                    413, f"request body larger than this server's cap of {config.max_request_bytes} bytes"
                )
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as err:
                return error(400, f"request body is not valid UTF-8 (byte {err.start})")
            params = request.form
        elif mimetype == _QUERY:
            body = request.get_data(cache=True)
            if len(body) > config.max_request_bytes:
                return error(
                    413, f"request body larger than this server's cap of {config.max_request_bytes} bytes"
                )
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as err:
                return error(400, f"query is not valid UTF-8 (byte {err.start})")
            if "query" in args:
                return error(400, "give the query either as the body or as query=, not both")
            return (
                text,
                None,
                args.getlist("default-graph-uri"),
                args.getlist("named-graph-uri"),
                args.get("format"),
            )
        elif mimetype == _UPDATE:
            return error(403, "this endpoint is read-only: SPARQL Update is not accepted")
        else:
            return error(
                415,
                f"unsupported request body type {mimetype or '(none)'!r}; POST {_FORM} (query=…) or {_QUERY}",
            )
    try:
        query = _one(params.getlist("query"), "query")
        update = _one(params.getlist("update"), "update")
        fmt = _one(params.getlist("format") or args.getlist("format"), "format")
    except _Bad as err:
        return error(400, str(err))
    return query, update, params.getlist("default-graph-uri"), params.getlist("named-graph-uri"), fmt


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    ext = current_app.extensions["ccdkg"]
    read = _read_request()
    if isinstance(read, Response):
        return read
    query, update, default_graphs, named_graphs, format_param = read
    if update is not None:
        return error(403, "this endpoint is read-only: SPARQL Update is not accepted")
    accept = request.headers.get("Accept")
    if query is None:
        if request.method == "POST":
            return error(400, "no query: POST query=… or a body of type application/sparql-query")
        return ext.meta.service_description_response()
    g.ccdkg_query = query

    if request.method == "GET" and not format_param and formats.prefers_html(accept, formats.SOLUTIONS):
        ui = current_app.view_functions.get(ext.config.query_ui_endpoint)
        if ui is not None:  # a browser following a query link: show it in the query UI
            return current_app.make_response(ui())

    key = (query, accept, format_param, tuple(default_graphs), tuple(named_graphs))
    cached = ext.cache.get(key)
    if cached is not None:
        g.ccdkg_cache = "hit"
        return _answer(*cached)

    # ---- SAFETY CHECKPOINT: every user query passes the guard before anything parses it. ----
    try:
        guard.check_query(query, ext.config.limits)
    except guard.QueryRefused as refused:
        return error(refused.status, refused.message)
    # --------------------------------------------------------------------------------------------

    served = set(ext.store.named_graphs())
    for iri in (*default_graphs, *named_graphs):
        if iri not in served:
            return _query_error(
                BadDataset(
                    f"graph <{iri}> is not served here; the named graphs are: "
                    + " ".join(f"<{s}>" for s in sorted(served))
                )
            )

    try:
        body, content_type = ext.engine.run(
            query,
            accept,
            format_param,
            default_graphs,
            named_graphs,
            deadline=g.get("ccdkg_started", time.monotonic()) + ext.config.deadline,
        )
    except QueryError as err:
        return _query_error(err)
    etag = hashlib.blake2b(
        repr((ext.store.version, key, content_type)).encode("utf-8", "surrogatepass"), digest_size=12
    ).hexdigest()
    if ext.config.cache_bytes and not _VOLATILE.search(query):
        ext.cache.put(key, (body, content_type, etag))
        g.ccdkg_cache = "miss"
    return _answer(body, content_type, etag)


def _answer(body: bytes, content_type: str, etag: str) -> Response:
    if request.if_none_match and request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, content_type=content_type)
    response.set_etag(etag)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _query_error(err: QueryError) -> Response:
    headers = {}
    if isinstance(err, Overloaded):
        headers["Retry-After"] = str(err.retry_after)
    return error(err.status, err.message, headers)

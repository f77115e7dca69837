"""``/sparql``: the SPARQL 1.1 Protocol (query operation), read-only.

* GET ``?query=`` · POST ``application/x-www-form-urlencoded`` (``query=``) · POST
  ``application/sparql-query`` (the body is the query; dataset parameters in the URL);
* ``default-graph-uri`` / ``named-graph-uri``, restricted to the graphs served;
* the result format by ``Accept`` (q-values) or ``format=`` among the formats of the query's
  form (:mod:`ccdkg.formats`), negotiated before the query runs; 406 when nothing acceptable;
  the query UI instead only for a browser that ranks HTML above every result format of the form;
* 400 with the parser's message and position, 405 for other methods, 413 for oversized
  requests, 415 for other body types, 403 for SPARQL Update (the endpoint is read-only);
* GET without a query: the service description, or the query UI for browsers;
* HEAD is GET without the body: the same status and headers.

Responses to the immutable release are cached in memory and carry an ETag; a matching
``If-None-Match`` is answered 304 without running anything.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qs

from flask import Blueprint, Response, current_app, request

from ccdkg.server import accesslog, formats, guard
from ccdkg.server.query import check_query
from ccdkg.server.store import Overloaded, QueryError

bp = Blueprint("sparql", __name__)

_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"


class ResponseCache:
    """An LRU of serialized responses, bounded in bytes. The release never changes while served."""

    def __init__(self, budget: int, entry_limit: int) -> None:
        self.budget = budget
        self.entry_limit = entry_limit
        self._items: OrderedDict[tuple, tuple[bytes, Any, str]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, Any, str] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple, value: tuple[bytes, Any, str]) -> None:
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


class ReplayCache:
    """WSGI middleware: replays the complete final response to a repeated GET /sparql.

    The first answer to a cacheable query passes through the whole Flask stack (guard, engine,
    every blueprint's after_request headers); its status, headers and body are kept, and the
    same request (same query string, Accept and Origin) is answered from here without Flask —
    the per-request cost that matters most for the repeated queries of dashboards and federated
    clients. Only 200 answers whose headers say they are the release's, alike for every client with
    the same URL and Accept (:func:`ccdkg.server.formats.replayable`), are kept; ``If-None-Match``
    gets 304.
    """

    def __init__(
        self,
        wsgi_app: Any,
        cache: ResponseCache,
        path: str = "/sparql",
        observe: Callable[[int, float], None] | None = None,
    ) -> None:
        self.wsgi_app = wsgi_app
        self.cache = cache
        self.path = path
        self.observe = observe  # (status, seconds) of each replayed response, for the metrics
        self.hits = 0

    def __call__(self, environ: dict, start_response: Any) -> Any:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != self.path:
            return self.wsgi_app(environ, start_response)
        key = (
            "replay",
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT"),
            environ.get("HTTP_ORIGIN"),
        )
        hit = self.cache.get(key)
        if hit is not None:
            return self._replay(environ, start_response, hit)
        captured: list = []

        def capture(status: str, headers: list, exc_info: Any = None) -> Any:
            captured[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        if captured and captured[0].startswith("200") and formats.replayable(captured[1]):
            body = b"".join(result)
            if hasattr(result, "close"):
                result.close()
            etag = next((v for k, v in captured[1] if k.lower() == "etag"), "")
            self.cache.put(key, (body, tuple(captured[1]), etag))
            return [body]
        return result

    def _replay(self, environ: dict, start_response: Any, hit: tuple[bytes, Any, str]) -> list[bytes]:
        started = time.monotonic()
        self.hits += 1
        body, headers, etag = hit
        headers = list(headers)
        inm = environ.get("HTTP_IF_NONE_MATCH")
        if inm and etag and (inm.strip() == "*" or etag in [t.strip() for t in inm.split(",")]):
            keep = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
            start_response("304 NOT MODIFIED", keep)
            status, body = 304, b""
        else:
            start_response("200 OK", headers)
            status = 200
        if self.observe is not None:
            self.observe(status, time.monotonic() - started)
        if accesslog.enabled():
            query = parse_qs(environ.get("QUERY_STRING", "")).get("query", [""])[0]
            accesslog.line(
                environ.get("REMOTE_ADDR"),
                "GET " + environ.get("SCRIPT_NAME", "") + self.path,
                status,
                len(body),
                (time.monotonic() - started) * 1000,
                accesslog.query_extra("replay", query) if query else "",  # no query: the description
            )
        return [body]


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A plain-text error: clients (SPARQLWrapper, Jena, curl) show the body as it is."""
    response = formats.plain_error(status, message)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise _Bad(f"give exactly one {name} parameter, not {len(values)}")
    return values[0] if values else None


class _Bad(Exception):
    pass


def _read_request() -> tuple[str | None, str | None, list[str], list[str], list[str]] | Response:
    """(query, update, default graphs, named graphs, every format=) from any of the three forms.

    The body's size was capped before (security.py, MAX_CONTENT_LENGTH), and a form's encoding.
    """
    args = request.args
    if request.method in ("GET", "HEAD"):
        params = args
    else:
        mimetype = request.mimetype
        if mimetype == _FORM:
            params = request.form
        elif mimetype == _QUERY:
            body = request.get_data(cache=True)
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
                args.getlist("format"),
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
    except _Bad as err:
        return error(400, str(err))
    # Repeats are checked by the negotiation: agreeing ones are fine, disagreeing ones a 400.
    asked = params.getlist("format") or args.getlist("format")
    return query, update, params.getlist("default-graph-uri"), params.getlist("named-graph-uri"), asked


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    ext = current_app.extensions["ccdkg"]
    read = _read_request()
    if isinstance(read, Response):
        return read
    query, update, default_graphs, named_graphs, asked = read
    if update is not None:
        return error(403, "this endpoint is read-only: SPARQL Update is not accepted")
    if query is None:
        if request.method == "POST":
            return error(400, "no query: POST query=… or a body of type application/sparql-query")
        return ext.meta.service_description_response(asked)
    note = accesslog.note()
    note.query = query
    accept: str | None = request.headers.get("Accept")

    # The same request (text, Accept, format=, dataset, method) gets the same answer: a repeat is
    # answered from the cache without being checked or negotiated again.
    key = cache_key(query, accept, asked, default_graphs, named_graphs, post=request.method == "POST")
    cached = ext.cache.get(key)
    if cached is not None:
        note.cache = "hit"
        return formats.conditional_response(*cached)

    # ---- SAFETY CHECKPOINT: every user query is checked, once, before anything parses it. ----
    # Relative IRIs resolve against the configured public base (not the request URL): the same
    # answer behind any proxy, and <id/…> names this dataset's resources.
    try:
        checked = check_query(
            query,
            ext.config.limits,
            served_graphs=ext.store.named_graphs(),
            default_graph_uris=default_graphs,
            named_graph_uris=named_graphs,
            base_iri=ext.config.base,
        )
    except guard.QueryRefused as refused:
        return error(refused.status, refused.message)
    # --------------------------------------------------------------------------------------------

    # ---- NEGOTIATION, once the query's form is known (checked.kind) -------------------------
    format_param: str | None = None
    if checked.kind is None:  # no form to be read: the engine's parser reports what is wrong
        if len(set(asked)) > 1:
            return error(400, "format= is given more than once: " + ", ".join(asked))
        format_param = asked[0] if asked else None
    else:
        results = offers = formats.of_kind(checked.kind)
        ui = current_app.view_functions.get(ext.config.query_ui_endpoint)
        if ui is not None and request.method in ("GET", "HEAD"):
            offers = (*offers, formats.HTML)  # last: HTML only when preferred to every result format
        chosen = formats.choose(offers, asked, "the result of this query", listed=results)
        if isinstance(chosen, Response):
            return chosen
        if chosen is formats.HTML:  # a browser following a query link: show it in the query UI
            assert ui is not None
            page = current_app.make_response(ui())
            page.vary.add("Accept")  # the same URL answers other clients with results
            return page
        accept = chosen.media_type  # one media type is a valid Accept: the engine writes this one
    # --------------------------------------------------------------------------------------------

    try:
        body, content_type = ext.engine.run(
            checked,
            accept,
            format_param,
            deadline=note.started + ext.config.deadline,
            client=request.remote_addr,  # the quick lane's fairness is per client (engine.py)
        )
    except QueryError as err:
        return _query_error(err)
    if checked.volatile:  # RAND(), NOW() …: another run, another answer
        return formats.volatile_response(body, content_type)
    etag = etag_for(ext.store.version, key, content_type)
    if ext.config.cache_bytes:
        ext.cache.put(key, (body, content_type, etag))
        note.cache = "miss"
    return formats.conditional_response(body, content_type, etag)


def cache_key(
    query: str,
    accept: str | None,
    asked: Sequence[str],
    default_graphs: Sequence[str],
    named_graphs: Sequence[str],
    post: bool = False,
) -> tuple:
    """The response cache's key: what decides the answer (text, Accept, format=, dataset, method).
    The direct path (server/direct.py) keys its answers by the same function."""
    return (query, accept, tuple(asked), tuple(default_graphs), tuple(named_graphs), post)


def etag_for(version: str, key: tuple, content_type: str) -> str:
    """The ETag of a query's answer: the release, the request's key and the format (server/direct.py too)."""
    return hashlib.blake2b(
        repr((version, key, content_type)).encode("utf-8", "surrogatepass"), digest_size=12
    ).hexdigest()


def _query_error(err: QueryError) -> Response:
    headers = {}
    if isinstance(err, Overloaded):
        headers["Retry-After"] = str(err.retry_after)
    return error(err.status, err.message, headers)

"""``GET /sparql`` answered on the front's event loop, without an app thread, WSGI or Flask.

Most requests to a public endpoint are plain: one query in the URL, a result format, no
conditional headers. For those the front (server/front.py) asks :class:`DirectQueries` first; it
does what the Flask view (server/sparql.py) does, with the same values and the same checks, and
hands the checked query to an idle query worker over its socket, waiting on the event loop
(``loop.add_reader``) until the reply or the deadline. So a query costs no thread hand-off, no
WSGI environ and no Flask request, and a costly one is still killed at its deadline in its worker.

Anything else — POST, HEAD, ``If-None-Match``, a browser that may want the query UI, a query
string or headers near a cap, no idle worker (the queue and the quick lane are the pool's), a
longer query text — is not answered here: :meth:`DirectQueries.answer` returns None and the
request takes the full path through Flask, which answers it as before. The responses carry the
headers Flask's hooks add to ``/sparql`` (security.py, formats.py), computed once; a test
compares the two paths header for header.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from ccdkg import formats
from ccdkg.server import accesslog, guard, ops, security
from ccdkg.server.engine import ALL_BUSY, QueryPool
from ccdkg.server.formats import CACHE_CONTROL, NO_STORE
from ccdkg.server.query import check_query
from ccdkg.server.sparql import ResponseCache, cache_key, etag_for
from ccdkg.server.store import Overloaded, QueryError

# Longer query texts take the threaded path: the loop's turn per request stays short.
MAX_DIRECT_QUERY = 16 * 1024
# Headers whose presence means the request is not a plain one (conditional, browser-negotiated).
_NOT_PLAIN = frozenset({"if-none-match", "if-modified-since", "content-length", "transfer-encoding"})

Answer = tuple[int, list[tuple[str, str]], bytes]


@dataclass(slots=True)
class _Plain:
    """A plain GET /sparql, read from the scope."""

    query: str
    accept: str | None
    asked: list[str]
    default_graphs: list[str]
    named_graphs: list[str]
    client: str
    started: float
    key: tuple = ()  # the response cache's key (sparql.cache_key)

    def __post_init__(self) -> None:
        self.key = cache_key(self.query, self.accept, self.asked, self.default_graphs, self.named_graphs)


class DirectQueries:
    """The plain ``GET /sparql`` of one application (``ext``: its :class:`~ccdkg.server.app.Ccdkg`)."""

    def __init__(self, ext: Any, *, path: str, query_ui: bool, trust_proxy: bool) -> None:
        self.ext = ext
        self.path = path
        self.query_ui = query_ui  # GET /sparql may answer a browser with the query UI (Flask's)
        self.trust_proxy = trust_proxy
        self._request = "GET " + path  # the access log's request, as Flask's hook words it
        self.pool: QueryPool = ext.engine.pool
        self.cache: ResponseCache = ext.cache
        common = [
            *((name.lower(), value) for name, value in security.HEADERS.items()),
            ("access-control-allow-origin", "*"),
            ("access-control-expose-headers", security.CORS_EXPOSE),
            ("vary", "Accept"),
        ]
        self._common = common
        self._ok = [("cache-control", CACHE_CONTROL), *common]
        self._error = [("content-type", "text/plain; charset=utf-8"), *common]

    # --- on the event loop ---------------------------------------------------------------------

    async def answer(self, scope: Any) -> Answer | None:
        """The answer to a plain GET /sparql, or None: not a plain request (or no worker for it
        here), so the full path answers it."""
        plain = self._read(scope)
        if plain is None:
            return None
        cached = self.cache.get(plain.key)
        if cached is not None:
            body, content_type, etag = cached
            return self._finish(plain, 200, self._success(content_type, etag), body, "hit")
        ext = self.ext
        try:
            checked = check_query(
                plain.query,
                ext.config.limits,
                served_graphs=ext.store.named_graphs(),
                default_graph_uris=plain.default_graphs,
                named_graph_uris=plain.named_graphs,
                base_iri=ext.config.base,
            )
        except guard.QueryRefused as refused:
            return self.error(plain, refused.status, refused.message)
        if checked.kind is None:
            return None  # the engine's parser words this error: Flask's path asks it
        offers = formats.of_kind(checked.kind)
        if self.query_ui:
            offers = (*offers, formats.HTML)
        try:
            chosen = formats.negotiate(offers, plain.accept, plain.asked)
        except formats.FormatError:
            return None
        if chosen is None or chosen is formats.HTML:
            return None  # 406, or the query UI: Flask's

        loop = asyncio.get_running_loop()
        deadline = plain.started + ext.config.deadline
        try:
            taken = self.pool.take(plain.client, loop)
        except QueryError as err:  # the queue is full
            return self._query_error(plain, err)
        if taken is None:
            return None  # the pool may grow, or the quick lane may serve this client: run()'s way
        try:
            if isinstance(taken, asyncio.Future):
                worker = await self._until(loop, taken, deadline, lambda: self.pool.give_up(taken))
                if worker is None:
                    return self._query_error(plain, Overloaded(ALL_BUSY))
            else:
                worker = taken
            job = (checked.to_wire(), chosen.media_type, None, ext.engine.max_bytes)
            try:
                self.pool.send(worker, job)
                replied = await self._readable(loop, worker, deadline)
                if not replied:
                    return self._query_error(plain, self.pool.abandon(worker))
                body, content_type = self.pool.receive(worker)
            except QueryError as err:
                return self._query_error(plain, err)
        finally:
            self.pool.done(plain.client)
        if checked.volatile:  # as formats.volatile_response: stored by nobody, no ETag
            headers = [("content-type", content_type), ("cache-control", NO_STORE), *self._common]
            return self._finish(plain, 200, headers, body, "-")
        etag = etag_for(ext.store.version, plain.key, content_type)
        state = "-"
        if ext.config.cache_bytes:
            self.cache.put(plain.key, (body, content_type, etag))
            state = "miss"
        return self._finish(plain, 200, self._success(content_type, etag), body, state)

    @staticmethod
    async def _until(
        loop: asyncio.AbstractEventLoop, future: asyncio.Future, deadline: float, expire: Any
    ) -> Any:
        """``future``'s result, or ``expire()``'s effect at ``deadline`` (loop.time() is monotonic)."""
        timer = loop.call_at(deadline, expire)
        try:
            return await future
        finally:
            timer.cancel()

    async def _readable(self, loop: asyncio.AbstractEventLoop, worker: Any, deadline: float) -> bool:
        """True once the worker's reply is there, False at the deadline."""
        ready: asyncio.Future[bool] = loop.create_future()
        fd = worker.conn.fileno()

        def settle(value: bool) -> None:
            if not ready.done():
                ready.set_result(value)

        loop.add_reader(fd, settle, True)
        try:
            return await self._until(loop, ready, deadline, lambda: settle(False))
        except BaseException:  # cancelled: nobody will read this worker's reply
            self.pool.abandon(worker)
            raise
        finally:
            loop.remove_reader(fd)

    def _read(self, scope: Any) -> _Plain | None:
        if scope.method != "GET" or scope.path != self.path:
            return None
        raw = scope.query_string
        if not raw or len(raw) > security.MAX_URL_BYTES or not raw.isascii():
            return None
        accept = forwarded = None
        header_bytes = 0
        for name, value in scope.headers.items():
            header_bytes += len(name) + len(value) + 5  # as security.py counts HTTP_* in the environ
            if name == "accept":
                if accept is not None:
                    return None  # repeated: the environ would join them, leave that to it
                accept = value
            elif name in _NOT_PLAIN or "_" in name:
                return None
            elif name == "x-forwarded-for":
                forwarded = value
        if header_bytes > security.MAX_HEADER_BYTES // 2:
            return None
        if accept is not None and "html" in accept:
            return None  # a browser: the query UI, or an error page's negotiation, are Flask's
        try:
            pairs = parse_qsl(raw, keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError):
            return None
        query: str | None = None
        asked: list[str] = []
        default_graphs: list[str] = []
        named_graphs: list[str] = []
        for name, value in pairs:
            if name == "query":
                if query is not None:
                    return None
                query = value
            elif name == "format":
                asked.append(value)
            elif name == "default-graph-uri":
                default_graphs.append(value)
            elif name == "named-graph-uri":
                named_graphs.append(value)
            elif name == "update":
                return None  # refused (403) by Flask's path, in its words
        if not query or len(query) > MAX_DIRECT_QUERY:
            return None
        client = scope.client.rpartition(":")[0].strip("[]")
        if self.trust_proxy and forwarded:
            client = forwarded.rsplit(",", 1)[-1].strip()  # ProxyFix(x_for=1): the last hop's word
        return _Plain(query, accept, asked, default_graphs, named_graphs, client, time.monotonic())

    # --- answers ------------------------------------------------------------------------------

    def _success(self, content_type: str, etag: str) -> list[tuple[str, str]]:
        return [("content-type", content_type), ("etag", f'"{etag}"'), *self._ok]

    def error(self, plain: _Plain, status: int, message: str) -> Answer:
        """A plain-text error, as :func:`ccdkg.server.formats.plain_error` words it."""
        body = (message.rstrip("\n") + "\n").encode("utf-8")
        return self._finish(plain, status, list(self._error), body, "-")

    def _query_error(self, plain: _Plain, err: QueryError) -> Answer:
        status, headers, body = self.error(plain, err.status, err.message)
        if isinstance(err, Overloaded):
            headers.append(("retry-after", str(err.retry_after)))
        return status, headers, body

    def _finish(
        self, plain: _Plain, status: int, headers: list[tuple[str, str]], body: bytes, cache: str
    ) -> Answer:
        """Count and log the answer as the Flask path's hooks (ops.py, app.py) would."""
        ops.DIRECT.inc()
        seconds = time.monotonic() - plain.started
        ops.count_direct(status, seconds)
        if accesslog.enabled():
            accesslog.line(
                plain.client,
                self._request,
                status,
                len(body),
                seconds * 1000,
                accesslog.query_extra(cache, plain.query),
            )
        return status, headers, body


def for_app(app: Any) -> DirectQueries | None:
    """The direct path of a Flask app built by ``create_app``; None for a remote store (no pool)."""
    ext = app.extensions["ccdkg"]
    if ext.engine.pool is None or not ext.config.direct_queries:
        return None
    config = ext.config
    return DirectQueries(
        ext,
        path=config.prefix + "/sparql",
        query_ui=config.query_ui_endpoint in app.view_functions,
        trust_proxy=config.trust_proxy,
    )

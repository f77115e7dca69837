"""The Flask application factory: ``create_app(config) -> Flask``.

The factory opens the store (loading the data once, before any worker forks) and registers one
blueprint per concern; the counts for the service description and VoID wait for their first use.
Shared state is ``app.extensions["ccdkg"]``, a :class:`Ccdkg` with ``.store`` (trusted native queries:
``select``/``ask``/``construct``), ``.engine`` (user queries with deadlines), ``.config``,
``.meta``, ``.cache``, ``.upload_slots``, and built on first use ``.site`` and ``.nanopubs``.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from ccdkg.server import accesslog
from ccdkg.server.config import RELEASE_DIR, Config
from ccdkg.server.engine import QueryEngine
from ccdkg.server.meta import Meta
from ccdkg.server.nanopubs import Bundle
from ccdkg.server.sparql import ReplayCache, ResponseCache
from ccdkg.server.store import Overloaded, QueryError, Store, open_store
from ccdkg.server.web import SiteState, build_site_state

# One blueprint per concern. Each module exposes ``bp`` (a Blueprint) and may expose
# ``init_app(app)`` for app-wide hooks (headers, error handlers, metrics). Add yours here.
CONCERNS: tuple[str, ...] = (
    "ccdkg.server.sparql",  # /sparql
    "ccdkg.server.meta",  # /.well-known/void, /downloads/
    "ccdkg.server.home",  # /, /static/ (web pages' CSS/JS, vendored YASGUI)
    "ccdkg.server.pages",  # /id/…, /ontology, /ontology/term/…, /ontology/terms
    "ccdkg.server.search",  # /search
    "ccdkg.server.svg",  # /table1.svg
    "ccdkg.server.ui",  # /query (YASGUI and the example gallery)
    "ccdkg.server.map",  # /map (the clusters and cities from the verified coordinates)
    "ccdkg.server.reader",  # /read, /read/<part> (the article with its facts)
    "ccdkg.server.bibliography",  # /works (cited works), /interpretations (the curator's additions)
    "ccdkg.server.nanopubs",  # /np/<code> (the release's nanopublications), their links on pages
    "ccdkg.server.validation",  # /validation (the build's SHACL report), /validate (users' RDF)
    "ccdkg.server.security",  # request caps, UTF-8, security headers, CORS (init_app only)
    "ccdkg.server.ops",  # /healthz, /readyz, /metrics
    "ccdkg.server.cite",  # "cite this" on every page (init_app only)
    "ccdkg.server.errors",  # styled bilingual error pages for browsers (init_app only)
    "ccdkg.server.formats",  # ETag, Cache-Control and 304 on every page (init_app only)
)


@dataclass
class Ccdkg:
    """What every blueprint shares: ``current_app.extensions["ccdkg"]``."""

    config: Config
    store: Store
    engine: QueryEngine
    meta: Meta
    cache: ResponseCache
    # How many uploads /validate checks at once (server/validation.py). Made here, before any request
    # holds it: a worker forked later gets its own copy, all free. Not a cached_property, whose lock
    # Python 3.12 dropped: two first uploads could each make a set and pass the cap.
    upload_slots: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self.upload_slots = threading.BoundedSemaphore(self.config.upload_workers)

    # Read from the immutable release by the first request that needs it (on Python 3.12+, whose
    # cached_property has no lock, two first requests may both read it: the same value, twice the work).
    @cached_property
    def site(self) -> SiteState:
        """Labels, graph statuses and inverses for the pages (server/web.py)."""
        return build_site_state(self.store)

    @cached_property
    def nanopubs(self) -> Bundle | None:
        """The release's nanopublications, when the release is what is served (server/nanopubs.py)."""
        serving_release = not self.config.data and not self.config.is_remote
        return Bundle(RELEASE_DIR) if serving_release else None

    def close(self) -> None:
        self.engine.close()
        self.store.close()


class _PathPrefix:
    """Serve the app under a fixed path prefix (e.g. /ccdkg) behind a reverse proxy that keeps it."""

    def __init__(self, app: Any, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    def __call__(self, environ: dict, start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == self.prefix or path.startswith(self.prefix + "/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.prefix
            environ["PATH_INFO"] = path[len(self.prefix) :] or "/"
            return self.app(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [f"not found: this server answers under {self.prefix}/\n".encode()]


def create_app(config: Config | Mapping[str, Any] | None = None, *, store: Store | None = None) -> Flask:
    """Build the application. ``store`` lets a caller share one opened store between apps."""
    config = Config.coerce(config)
    if store is None:
        store = open_store(
            config.store,
            config.data_files,
            connect_timeout=config.remote_connect_timeout,
            timeout=config.deadline,
        )
    app = Flask("ccdkg.server", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    app.config["TESTING"] = config.testing
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    meta = Meta(store, config)
    engine = QueryEngine(store, config)
    app.extensions["ccdkg"] = Ccdkg(
        config=config,
        store=store,
        engine=engine,
        meta=meta,
        cache=ResponseCache(config.cache_bytes, config.cache_entry_bytes),
    )

    for name in CONCERNS:
        module = importlib.import_module(name)
        blueprint = getattr(module, "bp", None)
        if blueprint is not None:
            app.register_blueprint(blueprint)
        init = getattr(module, "init_app", None)
        if init is not None:
            init(app)

    app.before_request(_start_clock)
    app.after_request(_log_access)
    # A store that fails under a page (a remote endpoint down: 502, hung: 504) is answered as
    # /sparql answers it, not as a 500.
    app.register_error_handler(QueryError, _store_failed)

    if config.cache_bytes:
        from ccdkg.server.ops import count_direct

        app.wsgi_app = ReplayCache(  # type: ignore[method-assign]
            app.wsgi_app, app.extensions["ccdkg"].cache, observe=count_direct
        )
    if config.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)  # type: ignore[method-assign]
    if config.prefix:
        app.wsgi_app = _PathPrefix(app.wsgi_app, config.prefix)  # type: ignore[method-assign]
    return app


def _store_failed(err: QueryError) -> Response:
    response = Response(err.message.rstrip("\n") + "\n", status=err.status, mimetype="text/plain")
    if isinstance(err, Overloaded):
        response.headers["Retry-After"] = str(err.retry_after)
    return response


def _start_clock() -> None:
    accesslog.note()  # the request's start: its log line's duration, its query's deadline


def _log_access(response: Response) -> Response:
    """One line per request: who, what, status, size, duration (and for queries: cache, query)."""
    if accesslog.enabled():
        note = accesslog.note()
        query = note.query
        accesslog.line(
            request.remote_addr,
            f"{request.method} {request.full_path.rstrip('?') if query is None else request.path}",
            response.status_code,
            response.calculate_content_length() if not response.is_streamed else "-",
            (time.monotonic() - note.started) * 1000,
            "" if query is None else accesslog.query_extra(note.cache, query),
        )
    return response

"""Error pages people can use: a browser that asks for HTML gets the site's own page (header, language
switch, both languages, a way on) for every 4xx and 5xx, wherever it happens; any other client keeps
the plain answer each blueprint gives (the SPARQL protocol's errors, RDF clients' 404 text).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from . import web

log = logging.getLogger("ccdkg.server")

# The endpoint answers in its protocol's terms, whoever asks.
_PROTOCOL_PATHS = ("/sparql", "/healthz", "/readyz", "/metrics")


def _wants_page() -> bool:
    if request.path.startswith(_PROTOCOL_PATHS):
        return False
    return web.asks_for_html()


def _page(error: HTTPException) -> Response | HTTPException:
    if not _wants_page():
        return error
    code = error.code or 500
    try:
        html = render_template("error.html", code=code, name=error.name, description=error.description)
    except Exception:  # a broken template must not hide the original error
        log.exception("error page failed to render")
        return error
    resp = Response(html, code, mimetype="text/html")
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in error.get_headers():
            resp.headers[header] = dict(error.get_headers())[header]
    return web.remember_lang(resp)


def _server_error(error: InternalServerError) -> Response | HTTPException:
    return _page(error)


def init_app(app: Flask) -> None:
    web.template_globals(app)
    app.register_error_handler(HTTPException, _page)
    app.register_error_handler(InternalServerError, _server_error)

"""App-wide protections that hold for every route: request caps, UTF-8, headers, CORS.

``init_app(app)`` registers

* a before-request check: header block, URL and body within their caps (431 / 414 / 413), and
  the percent-decoded query string valid UTF-8 (400) — Werkzeug would otherwise replace bad
  bytes with U+FFFD and hand the guard a different query than the client sent;
* CORS for reads: any origin may GET/POST queries and read the results (no credentials, so no
  cookie or token of a visitor can ever ride along); preflight ``OPTIONS`` answered here;
* security headers on every response: a Content-Security-Policy that lets the self-hosted query UI
  (YASGUI, same-origin scripts and styles, queries to this origin) work and nothing else,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy``, ``X-Frame-Options`` and
  ``Cross-Origin-Opener-Policy``.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, Response, current_app, request

# Same-origin scripts only (no inline script, no eval); inline styles are needed by YASGUI's
# editor and by the pyLODE ontology page; data: images and fonts for the bundled icons.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CORS_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_HEADERS = "Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since, Cache-Control"
CORS_EXPOSE = "ETag, Content-Location, Link, Retry-After, Vary"

MAX_HEADER_BYTES = 16 * 1024  # the whole header block; single fields are capped by the WSGI server too
MAX_URL_BYTES = 256 * 1024  # a GET query beyond this must be POSTed


def _plain(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def _check_request() -> Response | None:
    environ = request.environ
    header_bytes = sum(
        len(key) + len(str(value)) for key, value in environ.items() if key.startswith("HTTP_")
    )
    if header_bytes > MAX_HEADER_BYTES:
        return _plain(
            431, f"request headers of {header_bytes} bytes exceed this server's cap of {MAX_HEADER_BYTES}"
        )
    raw_query = environ.get("QUERY_STRING", "")
    if len(raw_query) > MAX_URL_BYTES:
        return _plain(414, f"URL of more than {MAX_URL_BYTES} bytes; POST the query instead")
    if raw_query:
        try:
            unquote_to_bytes(raw_query.replace("+", " ")).decode("utf-8")
        except UnicodeDecodeError as err:
            return _plain(400, f"the URL's query string is not valid UTF-8 (decoded byte {err.start})")
    cap = current_app.config.get("MAX_CONTENT_LENGTH")
    if cap is not None and request.content_length is not None and request.content_length > cap:
        return _plain(413, f"request body larger than this server's cap of {cap} bytes")
    if request.mimetype == "application/x-www-form-urlencoded":
        # The body is ASCII once percent-encoded; what must be UTF-8 is what the escapes decode to.
        try:
            unquote_to_bytes(request.get_data(cache=True).replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError as err:
            return _plain(400, f"the form body is not valid UTF-8 (decoded byte {err.start})")
    if request.method == "OPTIONS":
        response = current_app.make_default_options_response()
        response.status_code = 204
        return response
    return None


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    # CORS for reads: the data is public, responses carry no credentials.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSE
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def init_app(app: Flask) -> None:
    # First in the before-request chain: nothing else runs on a request that is refused here.
    app.before_request_funcs.setdefault(None, []).insert(0, _check_request)
    app.after_request(_headers)

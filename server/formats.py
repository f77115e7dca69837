"""The server's side of :mod:`ccdkg.formats`: negotiation from the request, 406/400 answers and
the conditional (ETag, 304) response of the immutable release.

The table and the negotiation algorithm live in :mod:`ccdkg.formats`; everything here only reads
them from a Flask request. Every 406 the server sends is built by :func:`not_acceptable`.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, Response, request

from ccdkg.formats import (
    CSV,
    FORMATS,
    GRAPH,
    HTML,
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    PAGE,
    PAGES,
    RDF,
    RDF_XML,
    READABLE,
    RESULTS,
    SOLUTIONS,
    SRJ,
    SRX,
    TRIG,
    TSV,
    TURTLE,
    Format,
    FormatError,
    Kind,
    by_extension,
    by_media_type,
    by_name,
    not_acceptable_text,
    of_kind,
)
from ccdkg.formats import negotiate as _negotiate

# The release never changes while it is served; five minutes keeps proxies honest across releases.
CACHE_CONTROL = "public, max-age=300"
NO_STORE = "no-store"


def negotiate(kind: Kind, accept: str | None, format_param: str | None = None) -> Format | None:
    """The format of ``kind`` for an Accept / format= pair, None when none is acceptable.

    For the stores (``server/store/``), which get the request's values passed down; views call
    :func:`choose`.
    """
    try:
        return _negotiate(of_kind(kind), accept, format_param)
    except FormatError:
        return None


def choose(
    offers: Sequence[Format],
    asked: Sequence[str] | None = None,
    what: str = "this resource",
    listed: Sequence[Format] | None = None,
) -> Format | Response:
    """The format this request asks for among ``offers``, or the 400/406 answer to send instead.

    ``asked`` is every ``format=`` value (default: the query string's); a 406 names ``listed``
    (default: the offers).
    """
    if asked is None:
        asked = request.args.getlist("format")
    try:
        fmt = _negotiate(offers, request.headers.get("Accept"), asked)
    except FormatError as err:
        return plain_error(400, str(err))
    if fmt is None:
        return not_acceptable(offers if listed is None else listed, what)
    return fmt


def plain_error(status: int, message: str) -> Response:
    """A plain-text error: clients (SPARQLWrapper, Jena, curl) show the body as it is."""
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    response.vary.add("Accept")
    return response


def not_acceptable(offers: Sequence[Format], what: str = "this resource") -> Response:
    """The one 406: plain text naming every media type the client could have asked for."""
    return plain_error(406, not_acceptable_text(offers, what))


def cache_headers(response: Response) -> Response:
    """ETag, Cache-Control and 304 for every successful GET/HEAD that has none of its own.

    The release is immutable while served, so a page is a function of its URL and the headers it
    varies on; the ETag is the body's hash. A response that sets a cookie is cached privately.
    """
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if request.blueprint == "ops" or "no-store" in response.headers.get("Cache-Control", ""):
        return response  # health and metrics change by the second
    if "Cache-Control" not in response.headers or response.headers["Cache-Control"] == "no-cache":
        private = "Set-Cookie" in response.headers
        response.headers["Cache-Control"] = (
            CACHE_CONTROL.replace("public", "private") if private else CACHE_CONTROL
        )
    if not response.is_streamed and not response.direct_passthrough and response.get_etag()[0] is None:
        response.add_etag()
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    app.after_request(cache_headers)


def volatile_response(body: bytes, content_type: str) -> Response:
    """An answer that differs between runs (RAND(), NOW(), UUID() …): stored by nobody, no ETag."""
    response = Response(body, content_type=content_type)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = NO_STORE
    return response


def replayable(headers: Sequence[tuple[str, str]]) -> bool:
    """Whether a 200 answer's headers say it is the immutable release's, the same for every client
    that sends the same URL and Accept: what :func:`conditional_response` writes, no cookie."""
    seen = {k.lower(): v for k, v in headers}
    return (
        "etag" in seen
        and seen.get("cache-control") == CACHE_CONTROL
        and seen.get("vary") == "Accept"
        and "set-cookie" not in seen
    )


def conditional_response(body: bytes, content_type: str, etag: str) -> Response:
    """An answer of the immutable release: 304 when the client's ETag matches, else the body."""
    if request.if_none_match and request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, content_type=content_type)
    response.set_etag(etag)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


__all__ = [
    "CACHE_CONTROL",
    "NO_STORE",
    "CSV",
    "FORMATS",
    "GRAPH",
    "HTML",
    "JSON_LD",
    "N_QUADS",
    "N_TRIPLES",
    "PAGE",
    "PAGES",
    "RDF",
    "RDF_XML",
    "READABLE",
    "RESULTS",
    "SOLUTIONS",
    "SRJ",
    "SRX",
    "TRIG",
    "TSV",
    "TURTLE",
    "Format",
    "Kind",
    "by_extension",
    "by_media_type",
    "by_name",
    "of_kind",
    "choose",
    "conditional_response",
    "replayable",
    "volatile_response",
    "negotiate",
    "not_acceptable",
    "plain_error",
]

"""The one table of result and RDF formats, and content negotiation over it.

A SPARQL query's result is one of two kinds: *solutions* (SELECT and ASK) or a *graph*
(CONSTRUCT and DESCRIBE; also the service description, VoID and downloads). Each kind has its
formats, listed in the server's order of preference: when a client's ``Accept`` ranks several
equally, the first listed wins. ``format=`` (for browsers, which cannot set ``Accept``) names a
format by short name, extension or media type and overrides ``Accept``.

Every format is serialized by Oxigraph's own writers (``QuerySolutions.serialize``,
``QueryTriples.serialize``, ``Store.dump``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pyoxigraph as ox
from flask import Response, request

Kind = Literal["solutions", "graph"]
SOLUTIONS: Kind = "solutions"
GRAPH: Kind = "graph"


@dataclass(frozen=True)
class Format:
    kind: Kind
    media_type: str  # what we send, without parameters
    names: tuple[str, ...]  # accepted by format=; the first is the canonical short name
    oxigraph: ox.QueryResultsFormat | ox.RdfFormat
    extension: str
    aliases: tuple[str, ...] = ()  # other media types clients use for the same thing
    text: bool = True  # send "; charset=utf-8"

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def all_media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


# THE table. Order within a kind = the server's preference when the client does not choose.
FORMATS: tuple[Format, ...] = (
    Format(
        SOLUTIONS,
        "application/sparql-results+json",
        ("json", "srj"),
        ox.QueryResultsFormat.JSON,
        "srj",
        aliases=("application/json",),
    ),
    Format(
        SOLUTIONS,
        "application/sparql-results+xml",
        ("xml", "srx"),
        ox.QueryResultsFormat.XML,
        "srx",
        aliases=("application/xml", "text/xml"),
    ),
    Format(SOLUTIONS, "text/csv", ("csv",), ox.QueryResultsFormat.CSV, "csv"),
    Format(SOLUTIONS, "text/tab-separated-values", ("tsv",), ox.QueryResultsFormat.TSV, "tsv"),
    Format(
        GRAPH, "text/turtle", ("turtle", "ttl"), ox.RdfFormat.TURTLE, "ttl", aliases=("application/x-turtle",)
    ),
    Format(
        GRAPH,
        "application/n-triples",
        ("ntriples", "nt", "n-triples"),
        ox.RdfFormat.N_TRIPLES,
        "nt",
        aliases=("text/plain",),
    ),
    Format(
        GRAPH,
        "application/ld+json",
        ("jsonld", "json-ld", "json"),
        ox.RdfFormat.JSON_LD,
        "jsonld",
        aliases=("application/json",),
    ),
    Format(
        GRAPH,
        "application/rdf+xml",
        ("rdfxml", "rdf", "xml", "owl"),
        ox.RdfFormat.RDF_XML,
        "rdf",
        aliases=("application/xml", "text/xml"),
    ),
    Format(GRAPH, "application/trig", ("trig",), ox.RdfFormat.TRIG, "trig"),
    Format(GRAPH, "application/n-quads", ("nquads", "nq", "n-quads"), ox.RdfFormat.N_QUADS, "nq"),
)

HTML = "text/html"


def formats_of(kind: Kind) -> tuple[Format, ...]:
    return tuple(f for f in FORMATS if f.kind == kind)


def by_name(kind: Kind, name: str) -> Format | None:
    """The format of ``kind`` that ``format=name`` means (short name, extension or media type)."""
    key = name.strip().lower()
    for fmt in formats_of(kind):
        if key in fmt.names or key == fmt.extension or key in fmt.all_media_types:
            return fmt
    return None


def by_media_type(media_type: str) -> Format | None:
    """The format a Content-Type header names (parameters ignored); canonical types first."""
    key = media_type.split(";", 1)[0].strip().lower()
    for fmt in FORMATS:
        if key == fmt.media_type:
            return fmt
    for fmt in FORMATS:
        if key in fmt.aliases:
            return fmt
    return None


@lru_cache(maxsize=512)
def parse_accept(header: str | None) -> tuple[tuple[str, str, float], ...]:
    """``Accept`` as (type, subtype, q) ranges; malformed ranges are skipped, not fatal."""
    if not header:
        return (("*", "*", 1.0),)
    ranges = []
    for part in header.split(","):
        pieces = part.split(";")
        media = pieces[0].strip().lower()
        if "/" not in media:
            continue
        main, sub = (s.strip() for s in media.split("/", 1))
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append((main, sub, q))
    return tuple(ranges)


def quality(ranges: tuple[tuple[str, str, float], ...], media_type: str) -> float:
    """The q a client gives ``media_type``: from its most specific matching range (RFC 9110 §12.5.1)."""
    main, sub = media_type.split("/", 1)
    best_specificity, best_q = -1, 0.0
    for r_main, r_sub, q in ranges:
        if r_main == main and r_sub == sub:
            specificity = 2
        elif r_main == main and r_sub == "*":
            specificity = 1
        elif r_main == "*" and r_sub == "*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_specificity, best_q = specificity, q
    return best_q


def _format_quality(ranges: tuple[tuple[str, str, float], ...], fmt: Format) -> float:
    return max(quality(ranges, mt) for mt in fmt.all_media_types)


@lru_cache(maxsize=1024)
def negotiate(kind: Kind, accept: str | None, format_param: str | None = None) -> Format | None:
    """The format to answer with, or None when the client accepts none of ours (406)."""
    if format_param:
        return by_name(kind, format_param)
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for fmt in formats_of(kind):
        q = _format_quality(ranges, fmt)
        if q > best_q:  # strict: ties keep the server's order
            best, best_q = fmt, q
    return best


def prefers_html(accept: str | None, kind: Kind) -> bool:
    """True when a client (a browser) ranks HTML strictly above every format of ``kind``."""
    if not accept:
        return False
    ranges = parse_accept(accept)
    html_q = quality(ranges, HTML)
    if html_q <= 0:
        return False
    # Browsers' "*/*;q=0.8" must not count as wanting RDF: compare explicit ranges only.
    explicit = tuple(r for r in ranges if r[0] != "*")
    others = max((_format_quality(explicit, f) for f in formats_of(kind)), default=0.0)
    return html_q > others


def offered(kind: Kind) -> str:
    """The media types of ``kind``, for a 406 message."""
    return ", ".join(f.media_type for f in formats_of(kind))


def conditional_response(body: bytes, content_type: str, etag: str) -> Response:
    """An answer of the immutable release: 304 when the client's ETag matches, else the body."""
    if request.if_none_match and request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, content_type=content_type)
    response.set_etag(etag)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response

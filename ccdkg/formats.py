"""The one table of formats the project reads and writes, and the one content negotiator.

Each format is one of Oxigraph's own (:class:`pyoxigraph.RdfFormat`,
:class:`pyoxigraph.QueryResultsFormat`), which gives its media type, file extension, display name
and W3C format IRI; the table adds only what Oxigraph does not know: the short names ``format=``
accepts, the other media types clients send for the same thing, and the rdflib parser plugin.
HTML, the one format Oxigraph does not write, is a row of its own.

Three kinds of answer: *solutions* (SELECT, ASK), a *graph* (CONSTRUCT, DESCRIBE, documents, dumps)
and a *page* (HTML). Within a kind the table's order is the server's preference: when a client
ranks several formats alike, the first listed wins.

:func:`negotiate` is the only negotiation in the project (server pages, the endpoint, its
metadata, uploads); :func:`not_acceptable_text` is the only wording of a 406.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pyoxigraph as ox

Kind = Literal["solutions", "graph", "page"]
SOLUTIONS: Kind = "solutions"
GRAPH: Kind = "graph"
PAGE: Kind = "page"


@dataclass(frozen=True)
class Format:
    kind: Kind
    oxigraph: ox.RdfFormat | ox.QueryResultsFormat | None
    names: tuple[str, ...]  # what format= may say besides the extension and media types; first = canonical
    aliases: tuple[str, ...] = ()  # other media types clients use for the same thing
    rdflib: str | None = None  # the rdflib parser plugin that reads it (oxrdflib's where there is one)
    own_media_type: str = ""  # only for formats Oxigraph does not know
    own_extension: str = ""
    own_label: str = ""

    @property
    def media_type(self) -> str:
        """What we send, without parameters (Oxigraph's CSV/TSV types carry a charset)."""
        if self.oxigraph is None:
            return self.own_media_type
        return self.oxigraph.media_type.split(";", 1)[0].strip()

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"  # every format here is UTF-8 text

    @property
    def extension(self) -> str:
        return self.own_extension if self.oxigraph is None else self.oxigraph.file_extension

    @property
    def label(self) -> str:
        """The format's name for people: "Turtle", "JSON-LD", "SPARQL Results in JSON"."""
        return self.own_label if self.oxigraph is None else self.oxigraph.name

    @property
    def name(self) -> str:
        return self.names[0]

    @property
    def iri(self) -> str | None:
        """The format's IRI under http://www.w3.org/ns/formats/ (for VoID and service descriptions)."""
        return None if self.oxigraph is None else self.oxigraph.iri

    @property
    def all_media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)

    @property
    def supports_datasets(self) -> bool:
        """True for TriG, N-Quads and JSON-LD: named graphs survive."""
        return isinstance(self.oxigraph, ox.RdfFormat) and self.oxigraph.supports_datasets


R, Q = ox.RdfFormat, ox.QueryResultsFormat
SRJ = Format(SOLUTIONS, Q.JSON, ("json", "srj"), ("application/json",))
SRX = Format(SOLUTIONS, Q.XML, ("xml", "srx"), ("application/xml", "text/xml"))
CSV = Format(SOLUTIONS, Q.CSV, ("csv",))
TSV = Format(SOLUTIONS, Q.TSV, ("tsv",))
TURTLE = Format(GRAPH, R.TURTLE, ("turtle", "ttl"), ("application/x-turtle",), "ox-turtle")
N_TRIPLES = Format(GRAPH, R.N_TRIPLES, ("ntriples", "nt", "n-triples"), ("text/plain",), "ox-ntriples")
JSON_LD = Format(GRAPH, R.JSON_LD, ("jsonld", "json-ld", "json"), ("application/json",), "ox-json-ld")
RDF_XML = Format(
    GRAPH,
    R.RDF_XML,
    ("rdfxml", "rdf", "xml", "owl", "rdf+xml", "rdf/xml"),
    ("application/xml", "text/xml"),
    "ccdkg-rdfxml",  # rdflib's RDF/XML parser over defusedxml: no entity expansion (validation/cli.py)
)
TRIG = Format(GRAPH, R.TRIG, ("trig",), (), "ox-trig")
N_QUADS = Format(GRAPH, R.N_QUADS, ("nquads", "nq", "n-quads"), (), "ox-nquads")
N3 = Format(GRAPH, R.N3, ("n3",), (), "n3")
HTML = Format(
    PAGE,
    None,
    ("html", "htm"),
    ("application/xhtml+xml",),
    own_media_type="text/html",
    own_extension="html",
    own_label="HTML",
)

#: A plain JSON document (search hits, a validation report): not RDF, but negotiated alike.
JSON = Format(
    PAGE, None, ("json",), own_media_type="application/json", own_extension="json", own_label="JSON"
)

#: Every result format of SELECT and ASK, in the server's order of preference.
RESULTS: tuple[Format, ...] = (SRJ, SRX, CSV, TSV)
#: Every RDF format the server writes, in its order of preference.
RDF: tuple[Format, ...] = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML, TRIG, N_QUADS)
#: What the project reads (uploads, ``ccdkg validate``): what it writes, and N3.
READABLE: tuple[Format, ...] = (*RDF, N3)
#: Every format written, for the service description's sd:resultFormat.
FORMATS: tuple[Format, ...] = (*RESULTS, *RDF)
#: Everything the table knows (to tell an unknown ``format=`` from one not offered here).
KNOWN: tuple[Format, ...] = (*RESULTS, *READABLE, HTML, JSON)
#: A linked-data page: HTML first (a person is the likelier reader), then the RDF.
PAGES: tuple[Format, ...] = (HTML, *RDF)


def of_kind(kind: Kind) -> tuple[Format, ...]:
    """The formats that can carry an answer of ``kind`` (a SPARQL query's form decides it)."""
    return {SOLUTIONS: RESULTS, GRAPH: RDF, PAGE: PAGES}[kind]


def by_name(offers: Iterable[Format], name: str) -> Format | None:
    """The offered format that ``format=name`` means: a short name, an extension or a media type."""
    key = name.split(";", 1)[0].strip().lower()
    offers = tuple(offers)
    for fmt in offers:
        if key in fmt.names or key == fmt.extension or key == fmt.media_type:
            return fmt
    for fmt in offers:  # an alias only when no format has it as its own type
        if key in fmt.aliases:
            return fmt
    return None


def by_media_type(media_type: str, offers: Iterable[Format] = FORMATS) -> Format | None:
    """The format a Content-Type header names (parameters ignored); canonical types before aliases."""
    key = media_type.split(";", 1)[0].strip().lower()
    offers = tuple(offers)
    for fmt in offers:
        if key == fmt.media_type:
            return fmt
    for fmt in offers:
        if key in fmt.aliases:
            return fmt
    return None


def by_extension(extension: str, offers: Iterable[Format] = READABLE) -> Format | None:
    """The format of a file extension (with or without the dot); ``.json`` reads as JSON-LD."""
    key = extension.lower().lstrip(".")
    for fmt in offers:
        if key == fmt.extension or (key in fmt.names and "/" not in key and "+" not in key):
            return fmt
    return None


class FormatError(ValueError):
    """A ``format=`` the request cannot mean (a 400, unlike a format we do not offer: a 406)."""


class UnknownFormat(FormatError):
    """``format=`` names no format of the table."""


class FormatConflict(FormatError):
    """``format=`` given more than once, naming different formats."""


Range = tuple[str, str, float]


@lru_cache(maxsize=512)
def parse_accept(header: str | None) -> tuple[Range, ...]:
    """``Accept`` as (type, subtype, q) ranges; malformed ranges are skipped, not fatal."""
    if not header or not header.strip():
        return (("*", "*", 1.0),)  # no preference: anything goes (RFC 9110 §12.5.1)
    ranges = []
    for part in header.split(","):
        pieces = part.split(";")
        media = pieces[0].strip().lower()
        if media.count("/") != 1:
            continue
        main, sub = (s.strip() for s in media.split("/"))
        if not main or not sub or (main == "*" and sub != "*"):
            continue
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


def _match(ranges: tuple[Range, ...], media_type: str) -> tuple[float, int]:
    """(q, specificity) of ``media_type``: q from the client's most specific matching range (RFC 9110)."""
    main, sub = media_type.split("/", 1)
    best = (0.0, -1)
    for r_main, r_sub, q in ranges:
        if r_main == main and r_sub == sub:
            specificity = 2
        elif r_main == main and r_sub == "*":
            specificity = 1
        elif r_main == "*":
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (q, specificity)
    return best


def quality(accept: str | None, fmt: Format) -> tuple[float, int, int]:
    """How much a client wants ``fmt``: (q, how specifically it named the type: 2 type, 1 type/*,
    0 */*, whether that is the format's own type rather than an alias).

    Of the format's media types, the one the client named most specifically gives the q: a
    browser's ``text/html;q=0.1, */*`` does not want HTML at q=1 through ``application/xhtml+xml``.
    """
    ranges = parse_accept(accept)
    best = (0.0, -1, 0)
    for i, media_type in enumerate(fmt.all_media_types):
        q, specificity = _match(ranges, media_type)
        own = int(i == 0)
        if (specificity, own) > (best[1], best[2]):
            best = (q, specificity, own)
    return best


@lru_cache(maxsize=2048)
def _negotiate(offers: tuple[Format, ...], accept: str | None, asked: tuple[str, ...]) -> Format | None:
    if asked:
        for name in asked:
            if by_name(KNOWN, name) is None:
                known = ", ".join(dict.fromkeys(f.name for f in offers))
                raise UnknownFormat(f"unknown format {name!r}; use one of {known}")
        chosen = {by_name(offers, name) for name in asked}
        if len(chosen) > 1:
            raise FormatConflict(
                "format= is given more than once, naming different formats: " + ", ".join(asked)
            )
        return chosen.pop()
    best, best_score = None, (0.0, -1, 0)
    for fmt in offers:
        score = quality(accept, fmt)
        # Higher q wins; at equal q a type the client named beats one it reached by */*, and a
        # format's own type beats an alias; then the server's order (the first offer keeps a tie).
        if score[0] > 0 and score > best_score:
            best, best_score = fmt, score
    return best


def negotiate(
    offers: Sequence[Format], accept: str | None, asked: str | Sequence[str] | None = None
) -> Format | None:
    """The format to answer with, or None when the client accepts none of ``offers`` (a 406).

    ``asked`` is the request's ``format=`` (one value or every repeat; a name, an extension or a
    media type): it overrides ``Accept``, for browsers that cannot set headers. Repeats that name
    the same format are fine (SPARQLWrapper sends ``format=tsv&format=text/tab-separated-values``);
    repeats that disagree raise :class:`FormatConflict`.
    """
    if isinstance(asked, str):
        asked = (asked,)
    names = tuple(a for a in (asked or ()) if a and a.strip())
    return _negotiate(tuple(offers), accept, names)


def not_acceptable_text(offers: Iterable[Format], what: str = "this resource") -> str:
    """The body of every 406: what the client could have asked for."""
    types = ", ".join(f.media_type for f in offers)
    return f"406 Not Acceptable: {what} is available as {types} (ask with Accept or format=)\n"


__all__ = [
    "FORMATS",
    "GRAPH",
    "HTML",
    "JSON",
    "PAGE",
    "PAGES",
    "RDF",
    "READABLE",
    "RESULTS",
    "SOLUTIONS",
    "Format",
    "FormatConflict",
    "FormatError",
    "KNOWN",
    "UnknownFormat",
    "Kind",
    "by_extension",
    "by_media_type",
    "by_name",
    "negotiate",
    "not_acceptable_text",
    "of_kind",
    "parse_accept",
    "quality",
]

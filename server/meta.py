"""What the endpoint says about itself and the dataset: service description, VoID, downloads.

* ``GET /sparql`` without a query: an ``sd:Service`` (endpoint, language, result formats,
  features, the default dataset with its default graph = union and its named graphs);
* ``GET /.well-known/void``: the VoID description — triples, entities, classes and properties
  with partitions, per-graph subsets, vocabularies, ``void:sparqlEndpoint``, a
  ``void:dataDump`` for each download, licence and version;
* ``GET /downloads/`` (index), ``/downloads/<file>`` and ``/downloads/SHA256SUMS``: the dataset
  and the ontology in Turtle, N-Triples, JSON-LD and TriG (plus N-Quads and RDF/XML), each with
  a SHA-256 checksum (``Repr-Digest`` header, the SHA256SUMS file and the VoID).

Counts are computed once, on first use (the release is immutable); the documents themselves are
built once per public endpoint URL and serialized once per format.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, url_for

from ccdkg import __version__, jsonld
from ccdkg.namespaces import GRAPH_ONTOLOGY, ID, PREFIXES
from ccdkg.server import formats
from ccdkg.server.config import RELEASE_DIR, Config
from ccdkg.server.store import Store

bp = Blueprint("meta", __name__)

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
SPDX = "http://spdx.org/rdf/terms#"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
LICENCE = "https://creativecommons.org/licenses/by/4.0/"  # LICENSE-DATA: CC BY 4.0
TITLE_EN = "City-Cluster Diplomacy Knowledge Graph"
ARTICLE_DOI = "https://doi.org/10.13851/j.cnki.gjzw.202204005"


@dataclass(frozen=True)
class Download:
    name: str  # file name under /downloads/
    fmt: formats.Format
    graph: str | None  # one named graph (the ontology), or None for the whole dataset
    release_file: Path | None  # served as is when present and the release is what we serve

    @property
    def title(self) -> str:
        what = "ontology" if self.graph else "dataset"
        return f"the {what} as {self.fmt.media_type}"


@dataclass(frozen=True)
class ReleaseFile:
    """A file of the release beside the RDF dumps (tables, mappings, nanopublications, crate …),
    served as it is, with the checksum SHA256SUMS gives it."""

    name: str  # release-relative path, e.g. tables/clusters.csv
    media_type: str
    sha256: str

    @property
    def path(self) -> Path:
        return RELEASE_DIR / self.name


def _release_files(config: Config, dumps: tuple[Download, ...]) -> tuple[ReleaseFile, ...]:
    """Every other file the release's SHA256SUMS lists, when the release is what is served."""
    sums = RELEASE_DIR / "SHA256SUMS"
    if config.data or config.is_remote or not sums.is_file():
        return ()
    from ccdkg.graph.exports.crate import media_type

    taken = {d.name for d in dumps}
    found = []
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name and name not in taken:
            found.append(ReleaseFile(name, media_type(name), digest))
    return tuple(found)


def _fmt(name: str) -> formats.Format:
    fmt = formats.by_name(formats.RDF, name)
    assert fmt is not None
    return fmt


def _downloads(config: Config, store: Store) -> tuple[Download, ...]:
    serving_release = not config.data and not config.is_remote
    items = []
    for short in ("trig", "nquads", "turtle", "ntriples", "jsonld"):
        fmt = _fmt(short)
        name = f"ccdkg.{fmt.extension}"
        path = RELEASE_DIR / name
        items.append(Download(name, fmt, None, path if serving_release and path.is_file() else None))
    if str(GRAPH_ONTOLOGY) in store.named_graphs():
        for short in ("turtle", "ntriples", "jsonld", "trig", "rdfxml"):
            fmt = _fmt(short)
            items.append(Download(f"ontology.{fmt.extension}", fmt, str(GRAPH_ONTOLOGY), None))
    return tuple(items)


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)


class Meta:
    """Counts taken once at start, and the documents built from them."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.downloads = _downloads(config, store)
        self.release_files = _release_files(config, self.downloads)
        self._lock = threading.Lock()
        self._docs: dict[tuple[str, str, str], tuple[bytes, str, str]] = {}
        self._files: dict[str, bytes] = {}
        self._digests: dict[str, bytes] = {}
        # The counts are full scans (seconds at a million triples): for a local store they are
        # taken on first use, not at start, so the server answers as soon as the data is loaded.
        self._count_lock = threading.Lock()
        self._counted = False
        if config.is_remote:
            self._ensure_counts()  # a remote store may go away later; VoID must still answer

    def _ensure_counts(self) -> None:
        if self._counted:
            return
        with self._count_lock:
            if not self._counted:
                self._count()
                self._counted = True

    graph_triples = property(lambda self: self._get("_graph_triples"))
    quads = property(lambda self: self._get("_quads"))
    triples = property(lambda self: self._get("_triples"))
    entities = property(lambda self: self._get("_entities"))
    subjects = property(lambda self: self._get("_subjects"))
    objects = property(lambda self: self._get("_objects"))
    classes = property(lambda self: self._get("_classes"))
    properties = property(lambda self: self._get("_properties"))
    vocabularies = property(lambda self: self._get("_vocabularies"))

    def _get(self, name: str):  # noqa: ANN202 - the type of each count property
        self._ensure_counts()
        return getattr(self, name)

    def _count(self) -> None:
        one = self.store.select
        total = one("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        default = one("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        self._graph_triples = {
            r["g"].value: int(r["n"].value)
            for r in one("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
            if isinstance(r.get("g"), ox.NamedNode)
        }
        self._quads = int(total[0]["n"].value) if total else 0
        self._triples = (
            int(default[0]["n"].value) if default else 0
        )  # the union: duplicates across graphs count once
        self._entities = int(
            one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER isIRI(?s) }")[0]["n"].value
        )
        self._subjects = int(one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value)
        self._objects = int(one("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value)
        self._classes = [
            (r["c"].value, int(r["n"].value))
            for r in one(
                "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER isIRI(?c) }"
                " GROUP BY ?c ORDER BY ?c"
            )
        ]
        self._properties = [
            (r["p"].value, int(r["n"].value))
            for r in one("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p")
        ]
        known = sorted(set(PREFIXES.values()), key=len, reverse=True)
        vocabularies = set()
        for iri in [c for c, _ in self._classes] + [p for p, _ in self._properties]:
            for ns in known:
                if iri.startswith(ns):
                    vocabularies.add(ns)
                    break
        self._vocabularies = sorted(vocabularies)

    # ---- IRIs ---------------------------------------------------------------------------------

    def dataset_iri(self) -> str:
        return self.config.base + ".well-known/void#dataset"

    # ---- service description ------------------------------------------------------------------

    def service_description(self, endpoint: str, downloads_root: str) -> list[ox.Triple]:
        """The sd:Service, with its default dataset described as VoID describes it (:meth:`dataset`)."""
        svc, dataset = _n(endpoint), _n(self.dataset_iri())
        t = [
            ox.Triple(svc, RDF_TYPE, _n(SD + "Service")),
            ox.Triple(svc, _n(SD + "endpoint"), svc),
            ox.Triple(svc, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
            ox.Triple(svc, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),
            ox.Triple(svc, _n(SD + "defaultEntailmentRegime"), _n("http://www.w3.org/ns/entailment/Simple")),
            ox.Triple(svc, _n(SD + "defaultDataset"), dataset),
            ox.Triple(svc, _n(DCT + "title"), ox.Literal(f"{TITLE_EN}: SPARQL endpoint", language="en")),
        ]
        for fmt in formats.FORMATS:
            t.append(ox.Triple(svc, _n(SD + "resultFormat"), _n(fmt.iri)))
        return t + self.dataset(endpoint, downloads_root)

    # ---- VoID ---------------------------------------------------------------------------------

    def dataset(self, endpoint: str, downloads_root: str) -> list[ox.Triple]:
        """The dataset, described once: the VoID document and the service description both hold
        exactly these triples (VoID with its partitions and dumps; the SPARQL dataset with its
        default graph, the union, and its named graphs)."""
        ds = self.dataset_iri()
        d = _n(ds)
        base = ds[: -len("dataset")]
        t = [
            ox.Triple(d, RDF_TYPE, _n(VOID + "Dataset")),
            ox.Triple(d, RDF_TYPE, _n(SD + "Dataset")),
            ox.Triple(d, _n(DCT + "title"), ox.Literal(TITLE_EN, language="en")),
            ox.Triple(d, _n(DCT + "license"), _n(LICENCE)),
            ox.Triple(d, _n(DCT + "source"), _n(ARTICLE_DOI)),
            ox.Triple(d, _n(DCT + "hasVersion"), ox.Literal(__version__)),
            ox.Triple(d, _n("http://www.w3.org/2002/07/owl#versionInfo"), ox.Literal(__version__)),
            ox.Triple(d, _n(VOID + "sparqlEndpoint"), _n(endpoint)),
            ox.Triple(d, _n(VOID + "uriSpace"), ox.Literal(str(ID))),
            ox.Triple(d, _n(VOID + "triples"), _int(self.triples)),
            ox.Triple(d, _n(VOID + "entities"), _int(self.entities)),
            ox.Triple(d, _n(VOID + "classes"), _int(len(self.classes))),
            ox.Triple(d, _n(VOID + "properties"), _int(len(self.properties))),
            ox.Triple(d, _n(VOID + "distinctSubjects"), _int(self.subjects)),
            ox.Triple(d, _n(VOID + "distinctObjects"), _int(self.objects)),
            ox.Triple(d, _n(VOID + "feature"), _n("http://www.w3.org/ns/formats/TriG")),
        ]
        for ns in self.vocabularies:
            t.append(ox.Triple(d, _n(VOID + "vocabulary"), _n(ns)))
        for download in self.downloads:
            url = _n(downloads_root + download.name)
            t += [
                ox.Triple(d, _n(VOID + "dataDump"), url),
                ox.Triple(url, _n(DCT + "format"), _n(download.fmt.iri)),
                ox.Triple(
                    url, _n("http://www.w3.org/ns/dcat#mediaType"), ox.Literal(download.fmt.media_type)
                ),
            ]
            digest = self._known_digest(download)
            if digest:
                check = _n(f"{downloads_root}{download.name}#sha256")
                t += [
                    ox.Triple(url, _n(SPDX + "checksum"), check),
                    ox.Triple(check, _n(SPDX + "algorithm"), _n(SPDX + "checksumAlgorithm_sha256")),
                    ox.Triple(check, _n(SPDX + "checksumValue"), ox.Literal(digest)),
                ]
        for graph in self.store.named_graphs():
            g = _n(graph)
            t += [
                ox.Triple(d, _n(VOID + "subset"), g),
                ox.Triple(g, RDF_TYPE, _n(VOID + "Dataset")),
                ox.Triple(g, _n(VOID + "triples"), _int(self.graph_triples.get(graph, 0))),
            ]
        for i, (cls, count) in enumerate(self.classes, 1):
            node = _n(f"{base}class-{i}")
            t += [
                ox.Triple(d, _n(VOID + "classPartition"), node),
                ox.Triple(node, _n(VOID + "class"), _n(cls)),
                ox.Triple(node, _n(VOID + "entities"), _int(count)),
            ]
        for i, (prop, count) in enumerate(self.properties, 1):
            node = _n(f"{base}property-{i}")
            t += [
                ox.Triple(d, _n(VOID + "propertyPartition"), node),
                ox.Triple(node, _n(VOID + "property"), _n(prop)),
                ox.Triple(node, _n(VOID + "triples"), _int(count)),
            ]
        default = _n(base + "default-graph")
        t += [
            ox.Triple(d, _n(SD + "defaultGraph"), default),
            ox.Triple(default, RDF_TYPE, _n(SD + "Graph")),
            ox.Triple(default, _n(VOID + "triples"), _int(self.triples)),
            ox.Triple(
                default,
                _n("http://www.w3.org/2000/01/rdf-schema#comment"),
                ox.Literal("The default graph is the union of all named graphs.", language="en"),
            ),
        ]
        for graph in self.store.named_graphs():
            node = _n(base + "named-graph-" + graph.rsplit("/", 1)[-1])
            t += [
                ox.Triple(d, _n(SD + "namedGraph"), node),
                ox.Triple(node, RDF_TYPE, _n(SD + "NamedGraph")),
                ox.Triple(node, _n(SD + "name"), _n(graph)),
                ox.Triple(node, _n(SD + "graph"), _n(graph)),
                ox.Triple(_n(graph), RDF_TYPE, _n(SD + "Graph")),
            ]
        return t

    # ---- serving documents --------------------------------------------------------------------

    def document(
        self, which: str, fmt: formats.Format, endpoint: str, downloads_root: str
    ) -> tuple[bytes, str]:
        key = (which, fmt.media_type, endpoint)
        with self._lock:
            cached = self._docs.get(key)
        if cached is None:
            triples = (
                self.service_description(endpoint, downloads_root)
                if which == "sd"
                else self.dataset(endpoint, downloads_root)
            )
            prefixes = {"sd": SD, "void": VOID, "dcterms": DCT, "spdx": SPDX, "id": str(ID)}
            if fmt is formats.JSON_LD:
                body = jsonld.serialize(triples)  # compact, with the project's @context
            elif fmt.oxigraph in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
                body = ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes)
            else:
                body = ox.serialize(triples, format=fmt.oxigraph)
            etag = hashlib.blake2b(body, digest_size=12).hexdigest()
            cached = (body, fmt.content_type, etag)
            with self._lock:
                if len(self._docs) > 64:  # one entry per host name a client used: bounded
                    self._docs.clear()
                self._docs[key] = cached
        body, content_type, etag = cached
        return formats.conditional_response(body, content_type, etag)

    def service_description_response(self, asked: list[str]) -> Response:
        """``GET /sparql`` without a query: the description, or the query UI for a browser."""
        offers = formats.RDF
        ui = current_app.view_functions.get(self.config.query_ui_endpoint)
        if ui is not None:
            offers = (*offers, formats.HTML)  # last: only a client that prefers HTML gets it
        fmt = formats.choose(offers, asked, "the service description", listed=formats.RDF)
        if isinstance(fmt, Response):
            return fmt
        if fmt is formats.HTML:
            page = current_app.make_response(ui())
            page.vary.add("Accept")  # the same URL answers other clients with the description
            return page
        return self.document("sd", fmt, _endpoint_url(), _downloads_root())

    # ---- downloads ----------------------------------------------------------------------------

    def _known_digest(self, download: Download) -> str | None:
        """The checksum when it costs nothing more than reading a release file (or is known)."""
        if download.name in self._files or download.release_file is not None:
            return self.digest(download).hex()
        return None

    def file(self, download: Download) -> bytes:
        with self._lock:
            body = self._files.get(download.name)
        if body is None:
            if download.release_file is not None:
                body = download.release_file.read_bytes()
            else:
                body = self._dump(download)
            with self._lock:
                self._files[download.name] = body
        return body

    def _dump(self, download: Download) -> bytes:
        if download.fmt is not formats.JSON_LD:
            return self.store.dump(download.fmt, download.graph)
        if download.graph is not None:
            # One graph: its triples, not wrapped in a named graph, so that a plain JSON-LD
            # reader (rdflib.Graph) sees them.
            nt = self.store.dump(formats.N_TRIPLES, download.graph)
            triples = sorted({q.triple for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)}, key=str)
            return jsonld.serialize(triples)
        return jsonld.dumps(jsonld.compact(json.loads(self.store.dump(download.fmt))))

    def digest(self, download: Download) -> bytes:
        """SHA-256 of a download, computed once."""
        with self._lock:
            known = self._digests.get(download.name)
        if known is None:
            known = hashlib.sha256(self.file(download)).digest()
            with self._lock:
                self._digests[download.name] = known
        return known

    def sha256sums(self) -> bytes:
        lines = [f"{self.digest(d).hex()}  {d.name}\n" for d in self.downloads]
        return "".join(lines).encode()


def _endpoint_url() -> str:
    return url_for("sparql.sparql", _external=True)


def _downloads_root() -> str:
    return url_for("meta.downloads_index", _external=True)


def _meta() -> Meta:
    return current_app.extensions["ccdkg"].meta


@bp.route("/.well-known/void")
def void() -> Response:
    from flask import request

    from ccdkg.server import web

    if web.asks_for_html() and not request.args.get("format"):
        from ccdkg.server.downloads_page import render_void

        turtle = _meta().document("void", _fmt("turtle"), _endpoint_url(), _downloads_root())
        return render_void(turtle.get_data(as_text=True))
    fmt = formats.choose(formats.RDF, what="the VoID description")
    if isinstance(fmt, Response):
        return fmt
    return _meta().document("void", fmt, _endpoint_url(), _downloads_root())


@bp.route("/context.jsonld")
def context() -> Response:
    """The JSON-LD @context every JSON-LD document here embeds (and may be compacted with)."""
    body = jsonld.context_document()
    response = formats.conditional_response(
        body, "application/ld+json; charset=utf-8", hashlib.sha256(body).hexdigest()[:24]
    )
    del response.headers["Vary"]
    return response


@bp.route("/downloads/")
def downloads_index() -> Response:
    meta = _meta()
    from ccdkg.server import web

    if web.asks_for_html():
        from ccdkg.server.downloads_page import render

        return render(meta.downloads, meta.file, meta.digest, meta.release_files)
    lines = [f"{d.name}\t{d.fmt.media_type}\t{d.title}" for d in meta.downloads]
    lines += [
        f"{f.name}\t{f.media_type}\tpart of the release (ro-crate-metadata.json)" for f in meta.release_files
    ]
    lines.append("SHA256SUMS\ttext/plain\tSHA-256 of every dataset and ontology file above")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.route("/downloads/SHA256SUMS")
def sha256sums() -> Response:
    body = _meta().sha256sums()
    return formats.conditional_response(
        body, "text/plain; charset=utf-8", hashlib.sha256(body).hexdigest()[:24]
    )


@bp.route("/downloads/<path:name>")
def download(name: str) -> Response:
    meta = _meta()
    match = next((d for d in meta.downloads if d.name == name), None)
    if match is None:
        return _release_file(meta, name)
    body = meta.file(match)
    digest = meta.digest(match)
    response = formats.conditional_response(body, match.fmt.content_type, digest.hex())
    response.headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(digest).decode()}:"
    response.headers["Content-Disposition"] = f'attachment; filename="{match.name}"'
    del response.headers["Vary"]
    return response


def _release_file(meta: Meta, name: str) -> Response:
    found = next((f for f in meta.release_files if f.name == name), None)
    if found is None:
        abort(404)
    body = found.path.read_bytes()
    media = found.media_type
    if media.startswith("text/") or media in ("application/trig", "application/n-quads", "application/json"):
        media += "; charset=utf-8"
    response = formats.conditional_response(body, media, found.sha256)
    digest = bytes.fromhex(found.sha256)
    response.headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(digest).decode()}:"
    response.headers["Content-Disposition"] = f'attachment; filename="{Path(found.name).name}"'
    del response.headers["Vary"]
    return response

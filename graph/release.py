"""Serialise the dataset into the release dumps, deterministically and all-or-nothing.

Every dump is rendered in memory first; only when all of them exist are they moved into
place with ``os.replace``. A build that fails at any point leaves the previous release
byte-identical.

The dumps are written by Oxigraph's native serializers (rdflib's took ~2 s of a build for
the same five files). They are streaming writers that keep the order they are given, so the
quads are sorted first (graph, subject, predicate, object, each in its N-Triples form): every
format then comes out in one canonical order, whatever the store's hashing. Oxigraph writes
language tags in lower case (``@zh-hans``), as RDF 1.1 allows; they compare equal to
``zh-Hans`` everywhere (SPARQL ``langMatches``, rdflib, the server, which loads with Oxigraph).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from ccdkg import formats, jsonld
from ccdkg.errors import BuildError
from ccdkg.graph.exports import render_exports
from ccdkg.namespaces import PREFIXES

RELEASE_DIR = Path(__file__).resolve().parent / "release"
DUMPS = ("ccdkg.trig", "ccdkg.nq", "ccdkg.ttl", "ccdkg.nt", "ccdkg.jsonld")
SUMS = "SHA256SUMS"
REPORT = "build-report.ttl"
# The formats of the release, from the project's table; one file written with -o: the format
# follows the extension (``.json`` is JSON-LD).
WRITTEN = (formats.TRIG, formats.N_QUADS, formats.TURTLE, formats.N_TRIPLES, formats.JSON_LD)
# Prefixes for Turtle and TriG. Not id:, whose local names hold a slash (``id:city\/shanghai``):
# data IRIs read better written out in full.
TURTLE_PREFIXES = {prefix: ns for prefix, ns in PREFIXES.items() if prefix != "id"}

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal


def union(dataset: Dataset) -> Graph:
    """All named graphs as one graph (what the server's default graph shows)."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    for ctx in dataset.graphs():
        g += ctx
    return g


class _Terms:
    """rdflib terms → Oxigraph terms; the same IRIs and predicates recur thousands of times, so each is
    converted once."""

    def __init__(self) -> None:
        self.cache: dict[Node, OxTerm] = {}

    def __call__(self, node: Node) -> OxTerm:
        found = self.cache.get(node)
        if found is None:
            found = self.cache[node] = self._convert(node)
        return found

    @staticmethod
    def _convert(node: Node) -> OxTerm:
        if isinstance(node, URIRef):
            return ox.NamedNode(str(node))
        if isinstance(node, BNode):
            return ox.BlankNode(str(node))
        if isinstance(node, Literal):
            if node.language:
                return ox.Literal(str(node), language=node.language)
            if node.datatype:
                return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
            return ox.Literal(str(node))
        raise BuildError(f"cannot serialise the RDF term {node!r}")


def canonical_quads(dataset: Dataset) -> list[ox.Quad]:
    """The dataset's quads, without duplicates, in canonical order (graph, subject, predicate, object).

    Triples in rdflib's default graph go to the default graph; every other graph keeps its name.
    """
    term = _Terms()
    keyed: dict[tuple[str, str, str, str], ox.Quad] = {}
    for ctx in dataset.graphs():
        name = ctx.identifier
        graph = ox.DefaultGraph() if name == DATASET_DEFAULT_GRAPH_ID else term(name)
        gkey = "" if name == DATASET_DEFAULT_GRAPH_ID else str(graph)
        for s, p, o in ctx:
            ts, tp, to = term(s), term(p), term(o)
            keyed[(gkey, str(ts), str(tp), str(to))] = ox.Quad(ts, tp, to, graph)  # type: ignore[arg-type]
    return [keyed[k] for k in sorted(keyed)]


def _triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The union graph: each triple once, in canonical order."""
    keyed = {(str(q.subject), str(q.predicate), str(q.object)): q.triple for q in quads}
    return [keyed[k] for k in sorted(keyed)]


def _sorted_lines(data: bytes) -> bytes:
    return b"".join(sorted({line + b"\n" for line in data.split(b"\n") if line.strip()}))


def _sorted_prefixes(data: bytes) -> bytes:
    """The writer's @prefix lines in alphabetical order (it emits them in its own map's order).

    Literals are written on one line with escapes, so the header is exactly the leading @prefix lines.
    """
    lines = data.split(b"\n")
    n = 0
    while n < len(lines) and lines[n].startswith(b"@prefix "):
        n += 1
    return b"\n".join([*sorted(lines[:n]), b"", *lines[n:]]) if n else data


def _jsonld(quads: list[ox.Quad]) -> bytes:
    """Compact JSON-LD with the project's @context, one object per named graph; indented so that
    diffs of the release read well."""
    return jsonld.serialize(quads)


def render_quads(quads: list[ox.Quad], fmt: formats.Format) -> bytes:
    """One serialisation of canonically ordered quads; Turtle/N-Triples give the union graph."""
    if fmt is formats.TRIG:
        return _sorted_prefixes(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=TURTLE_PREFIXES))
    if fmt is formats.N_QUADS:
        return _sorted_lines(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    if fmt is formats.TURTLE:
        return _sorted_prefixes(
            ox.serialize(_triples(quads), format=ox.RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES)
        )
    if fmt is formats.N_TRIPLES:
        return _sorted_lines(ox.serialize(_triples(quads), format=ox.RdfFormat.N_TRIPLES))
    if fmt is formats.JSON_LD:
        return _jsonld(quads)
    raise BuildError(f"the release is not written as {fmt.label}")


def render(dataset: Dataset, fmt: formats.Format) -> bytes:
    """One serialisation of the dataset (see :func:`render_quads`)."""
    return render_quads(canonical_quads(dataset), fmt)


def render_release(
    dataset: Dataset,
    report_turtle: str,
    reports: Mapping[str, bytes] | None = None,
    article_text: bytes = b"",
) -> dict[str, bytes]:
    """Every file of graph/release as bytes, SHA256SUMS last; ``reports`` are more files of the build
    (the coverage list); ``article_text`` is the text the passages' offsets refer to, which the
    nanopublications name by its hash."""
    quads = canonical_quads(dataset)
    files: dict[str, bytes] = {}
    for name in DUMPS:
        fmt = formats.by_extension(Path(name).suffix, WRITTEN)
        assert fmt is not None
        files[name] = render_quads(quads, fmt)
    files[REPORT] = report_turtle.encode("utf-8")
    files.update(reports or {})
    files.update(render_exports(quads, files, article_text))
    files[SUMS] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode("utf-8")
    return files


def write_files(out_dir: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write all files to temporaries in ``out_dir``, then move each into place."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BuildError(f"cannot create {out_dir}: {err.strerror}") from err
    temps: list[tuple[str, Path]] = []
    try:
        for name, data in files.items():
            target = out_dir / name  # a name may hold a folder (tables/clusters.csv)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            temps.append((name, Path(tmp)))
    except OSError as err:
        for _, tmp in temps:
            tmp.unlink(missing_ok=True)
        raise BuildError(f"cannot write the release into {out_dir}: {err.strerror}") from err
    written = []
    for name, tmp in temps:
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_dir / name)
        written.append(out_dir / name)
    return written


def write_release(
    dataset: Dataset,
    out_dir: Path | str | None = None,
    report_turtle: str = "",
    reports: Mapping[str, bytes] | None = None,
    article_text: bytes = b"",
) -> list[Path]:
    """Write the dumps, the build reports, the exports and SHA256SUMS into ``out_dir`` (graph/release)."""
    files = render_release(dataset, report_turtle, reports, article_text)
    return write_files(Path(out_dir) if out_dir else RELEASE_DIR, files)


def write_one(dataset: Dataset, output: Path | str) -> Path:
    """``ccdkg build -o FILE``: one serialisation, format by extension."""
    path = Path(output)
    fmt = formats.by_extension(path.suffix, WRITTEN) if path.suffix else None
    if fmt is None:
        known = ", ".join(sorted({f".{f.extension}" for f in WRITTEN} | {".json"}))
        raise BuildError(f"cannot tell the RDF format of {path.name!r}: use one of {known}")
    write_files(path.parent if str(path.parent) else Path("."), {path.name: render(dataset, fmt)})
    return path

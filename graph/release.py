"""Serialise the dataset into the release dumps, deterministically and all-or-nothing.

Every dump is rendered in memory first; only when all of them exist are they moved into
place with ``os.replace``. A build that fails at any point leaves the previous release
byte-identical. Line-based formats are sorted so that rebuilds are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from ccdkg.errors import BuildError
from ccdkg.namespaces import PREFIXES

RELEASE_DIR = Path(__file__).resolve().parent / "release"
CANONICAL = "ccdkg.trig"
DUMPS = ("ccdkg.trig", "ccdkg.nq", "ccdkg.ttl", "ccdkg.nt", "ccdkg.jsonld")
SUMS = "SHA256SUMS"
REPORT = "build-report.ttl"
# one file written with -o: the format follows the extension
FORMATS = {
    ".trig": "trig",
    ".nq": "nquads",
    ".ttl": "turtle",
    ".nt": "nt",
    ".jsonld": "json-ld",
    ".json": "json-ld",
}


def union(dataset: Dataset) -> Graph:
    """All named graphs as one graph (what the server's default graph shows)."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True, replace=True)
    for ctx in dataset.graphs():
        g += ctx
    return g


def _sorted_lines(data: str) -> str:
    lines = sorted({line for line in data.splitlines() if line.strip()})
    return "\n".join(lines) + "\n"


def _jsonld(dataset: Dataset) -> str:
    """JSON-LD with graphs, nodes and values in a stable order."""
    raw = json.loads(dataset.serialize(format="json-ld", auto_compact=False))
    doc = raw if isinstance(raw, list) else raw.get("@graph", [raw])

    def canon(node: object) -> object:
        if isinstance(node, dict):
            return {k: canon(node[k]) for k in sorted(node)}
        if isinstance(node, list):
            items = [canon(x) for x in node]
            return sorted(items, key=lambda x: json.dumps(x, ensure_ascii=False, sort_keys=True))
        return node

    return json.dumps(canon(doc), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _trig(dataset: Dataset) -> str:
    """TriG with the named graphs in IRI order (rdflib's own order follows the store's hashing).

    Each graph is serialised as Turtle and wrapped; graph bodies are not re-indented because
    long literals (passages' prefix/suffix) keep their newlines verbatim.
    """
    prefixes: set[str] = set()
    bodies = []
    for ctx in sorted(dataset.graphs(), key=lambda g: str(g.identifier)):
        if not len(ctx) or not isinstance(ctx.identifier, URIRef):
            continue
        g = Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns, override=True, replace=True)
        g += ctx
        lines = g.serialize(format="turtle").splitlines()
        prefixes.update(line for line in lines if line.startswith("@prefix"))
        body = "\n".join(line for line in lines if not line.startswith("@prefix")).strip("\n")
        bodies.append(f"<{ctx.identifier}> {{\n{body}\n}}\n")
    return "\n".join(sorted(prefixes)) + "\n\n" + "\n".join(bodies)


def render(dataset: Dataset, fmt: str) -> str:
    """One serialisation of the dataset; ``turtle``/``nt`` give the union graph."""
    if fmt == "trig":
        return _trig(dataset)
    if fmt == "nquads":
        return _sorted_lines(dataset.serialize(format="nquads"))
    if fmt == "turtle":
        return union(dataset).serialize(format="turtle")
    if fmt == "nt":
        return _sorted_lines(union(dataset).serialize(format="nt"))
    if fmt == "json-ld":
        return _jsonld(dataset)
    raise BuildError(f"unknown output format {fmt!r}")


def render_release(dataset: Dataset, report_turtle: str) -> dict[str, bytes]:
    """Every file of graph/release as bytes, SHA256SUMS last."""
    files: dict[str, bytes] = {}
    for name in DUMPS:
        files[name] = render(dataset, FORMATS[Path(name).suffix]).encode("utf-8")
    files[REPORT] = report_turtle.encode("utf-8")
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
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
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


def write_release(dataset: Dataset, out_dir: Path | str | None = None, report_turtle: str = "") -> list[Path]:
    """Write the dumps, the build report and SHA256SUMS into ``out_dir`` (default graph/release)."""
    return write_files(Path(out_dir) if out_dir else RELEASE_DIR, render_release(dataset, report_turtle))


def write_one(dataset: Dataset, output: Path | str) -> Path:
    """``ccdkg build -o FILE``: one serialisation, format by extension."""
    path = Path(output)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise BuildError(f"cannot tell the RDF format of {path.name!r}: use one of {known}")
    write_files(
        path.parent if str(path.parent) else Path("."), {path.name: render(dataset, fmt).encode("utf-8")}
    )
    return path

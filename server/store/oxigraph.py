"""Oxigraph, embedded: the in-memory store and the read-only on-disk one."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from ccdkg.errors import StoreError
from ccdkg.server import formats
from ccdkg.server.formats import GRAPH, SOLUTIONS, Format
from ccdkg.server.query import CheckedQuery, trusted
from ccdkg.server.store.base import Store, Term
from ccdkg.server.store.errors import (
    Confined,
    NotAcceptable,
    QueryError,
    QuerySyntaxError,
    ResultTooLarge,
)


class _CappedBuffer(io.RawIOBase):
    """A write target that refuses to grow beyond ``limit`` bytes (Oxigraph writes in chunks)."""

    def __init__(self, limit: int | None) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._size = 0
        self._limit = limit

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._size += len(data)
        if self._limit is not None and self._size > self._limit:
            raise ResultTooLarge(self._limit)
        self._parts.append(bytes(data))
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


def _rdf_format(path: Path) -> ox.RdfFormat:
    name = path.name.lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    fmt = ox.RdfFormat.from_extension(ext) if ext else None
    if fmt is None and ext == "owl":
        fmt = ox.RdfFormat.RDF_XML
    if fmt is None:
        raise StoreError(f"cannot tell the RDF syntax of {path} from its extension")
    return fmt


def _dataset_kwargs(query: CheckedQuery) -> dict[str, object]:
    if query.default_graph_uris or query.named_graph_uris:
        # The Protocol: graphs named by the request replace the query's dataset entirely.
        return {
            "default_graph": [ox.NamedNode(u) for u in query.default_graph_uris],
            "named_graphs": [ox.NamedNode(u) for u in query.named_graph_uris],
        }
    # Oxigraph's union-default-graph option overrides a query's own FROM: only without one.
    return {"use_default_graph_as_union": query.union_default_graph}


def _bulk_load(store: ox.Store, files: Iterable[Path]) -> None:
    for path in files:
        if not path.is_file():
            hint = " (run `ccdkg build` first)" if path.name == "ccdkg.trig" else ""
            raise StoreError(f"data file not found: {path}{hint}")
        try:
            # The file's own IRI is the base of its relative IRIs (rdf:about="" in RDF/XML).
            store.bulk_load(path=str(path), format=_rdf_format(path), base_iri=path.resolve().as_uri())
        except (SyntaxError, ValueError, OSError) as err:
            raise StoreError(f"cannot load {path}: {str(err).splitlines()[0]}") from err


def _files_version(files: Iterable[Path]) -> str:
    # The files are the immutable release: their identity and size/mtime identify the content
    # without reading gigabytes at start.
    parts = []
    for path in files:
        st = path.stat()
        parts.append(f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}")

    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


class OxigraphStore(Store):
    """pyoxigraph, in this process: the in-memory store or a read-only on-disk one."""

    def __init__(self, store: ox.Store, kind: str, version: str, path: Path | None = None) -> None:
        self._store = store
        self.kind = kind
        self._version = version
        self._path = path
        self._graphs = tuple(sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)))

    @property
    def version(self) -> str:
        return self._version

    @property
    def native(self) -> ox.Store:
        """The pyoxigraph store itself, for trusted code that needs more than SPARQL."""
        return self._store

    def read_paths(self) -> tuple[str, ...]:
        return () if self._path is None else (str(self._path),)

    def after_fork(self) -> None:
        # RocksDB's handles and threads do not survive fork(): each worker opens its own read-only view.
        if self._path is not None:
            self._store = ox.Store.read_only(str(self._path))

    def select(self, query: str) -> list[dict[str, Term]]:
        result = self._store.query(query, **_dataset_kwargs(trusted(query)))
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    def ask(self, query: str) -> bool:
        result = self._store.query(query, **_dataset_kwargs(trusted(query)))
        if not isinstance(result, ox.QueryBoolean):
            raise TypeError("ask() needs an ASK query")
        return bool(result)

    def construct(self, query: str) -> list[ox.Triple]:
        result = self._store.query(query, **_dataset_kwargs(trusted(query)))
        if not isinstance(result, ox.QueryTriples):
            raise TypeError("construct() needs a CONSTRUCT or DESCRIBE query")
        return list(result)

    def execute(
        self,
        query: CheckedQuery,
        media_type: str | None,
        deadline: float | None = None,
        *,
        format_param: str | None = None,
        max_bytes: int | None = None,
    ) -> tuple[bytes, str]:
        try:
            result = self._store.query(query.text, base_iri=query.base_iri, **_dataset_kwargs(query))
        except SyntaxError as err:
            raise QuerySyntaxError(f"malformed query: {err}") from None
        except PermissionError as err:
            raise Confined(str(err)) from None
        except (OSError, ValueError) as err:
            raise QueryError(f"query failed: {err}") from None
        kind = GRAPH if isinstance(result, ox.QueryTriples) else SOLUTIONS
        fmt = formats.negotiate(kind, media_type, format_param)
        if fmt is None:
            raise NotAcceptable(kind)
        out = _CappedBuffer(max_bytes)
        try:
            result.serialize(out, format=fmt.oxigraph)
        except ResultTooLarge:
            raise
        except PermissionError as err:  # SERVICE is evaluated as the result is written
            raise Confined(str(err)) from None
        except OSError as err:
            if isinstance(err.__context__, ResultTooLarge):
                raise err.__context__ from None
            raise QueryError(f"cannot write the result as {fmt.media_type}: {err}") from None
        except ValueError as err:
            raise QueryError(f"query failed: {err}") from None
        return out.getvalue(), fmt.content_type

    def named_graphs(self) -> tuple[str, ...]:
        return self._graphs

    def dump(self, fmt: Format, graph: str | None = None) -> bytes:
        rdf = fmt.oxigraph
        assert isinstance(rdf, ox.RdfFormat)
        if graph is not None:
            if rdf.supports_datasets:  # keep the graph's name in TriG / N-Quads
                quads = self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
                return ox.serialize(quads, format=rdf)
            return self._store.dump(format=rdf, from_graph=ox.NamedNode(graph))
        if rdf.supports_datasets:
            return self._store.dump(format=rdf)
        # The union as one graph: CONSTRUCT over the union default graph, duplicates dropped natively.
        result = self._store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
            use_default_graph_as_union=True,
        )
        return result.serialize(format=rdf)

    def close(self) -> None:
        self._store = None  # type: ignore[assignment]


def open_memory(files: Sequence[Path]) -> OxigraphStore:
    store = ox.Store()
    _bulk_load(store, files)
    return OxigraphStore(store, "memory", _files_version(files))


def open_disk(path: Path, files: Sequence[Path]) -> OxigraphStore:
    if not path.exists() or (path.is_dir() and not any(path.iterdir())):
        # Load into a sibling and rename: a load interrupted midway never looks like a store.
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.loading-", dir=path.parent))
        try:
            store = ox.Store(str(tmp))
            _bulk_load(store, files)
            store.flush()
            store.optimize()
            del store
            if path.exists():
                path.rmdir()
            os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        version = _files_version(files)
        (path.parent / f".{path.name}.version").write_text(version)
    if not path.is_dir():
        raise StoreError(f"not an Oxigraph store directory: {path}")
    try:
        store = ox.Store.read_only(str(path))
    except (OSError, RuntimeError) as err:  # RocksDB reports a corrupt store as RuntimeError
        raise StoreError(f"cannot open the on-disk store {path}: {str(err).splitlines()[0]}") from err
    marker = path.parent / f".{path.name}.version"
    version = marker.read_text().strip() if marker.is_file() else _files_version([path])
    return OxigraphStore(store, "disk", version, path=path)

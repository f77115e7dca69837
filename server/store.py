"""The stores the server can answer from, behind one interface.

``open_store(spec, data_files)`` returns a :class:`Store`:

* ``"memory"`` — the data files bulk-loaded at start into an embedded in-memory Oxigraph;
* a directory path — a persistent on-disk Oxigraph store, bulk-loaded once (into a temporary
  sibling, renamed into place only when complete, so an interrupted load leaves nothing half
  done) and opened read-only from then on;
* ``http(s)://…/sparql`` — any SPARQL 1.1 engine (Oxigraph server, Fuseki, Virtuoso, QLever),
  queried over the SPARQL 1.1 Protocol with timeouts.

Two kinds of callers use a store. Trusted internal code (resource pages, search, VoID counts)
calls :meth:`Store.select`, :meth:`Store.ask` and :meth:`Store.construct`, which run natively in
the calling process. User queries go through :meth:`Store.execute`, which negotiates the format
once the query's kind is known and serializes with Oxigraph's writers; the engine
(``engine.py``) runs it inside a killable worker process for the local stores.

Dataset semantics: the default graph is the union of all graphs (``use_default_graph_as_union``),
unless the query has its own ``FROM``/``FROM NAMED`` or the request names
``default-graph-uri``/``named-graph-uri`` — then exactly those graphs, as the Protocol says.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import shutil
import tempfile
import threading
import time
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from ccdkg.errors import StoreError
from ccdkg.server import formats
from ccdkg.server.formats import GRAPH, SOLUTIONS, Format

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


# --- errors a user query can meet; each maps onto one HTTP status ------------------------------


class QueryError(Exception):
    """A user query could not be answered; ``status`` is the HTTP status to answer with."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QuerySyntaxError(QueryError):
    status = 400  # message carries the parser's "error at LINE:COLUMN: …"


class BadDataset(QueryError):
    status = 400


class NotAcceptable(QueryError):
    status = 406

    def __init__(self, kind: formats.Kind) -> None:
        super().__init__(
            f"none of the formats this server writes for {kind} results is acceptable; "
            f"it offers {formats.offered(kind)} (use Accept or format=)"
        )


class ResultTooLarge(QueryError):
    # 503 is deliberate and documented: the server declines to produce it; no Retry-After,
    # since retrying the same query cannot help, and the message says what to change.
    status = 503

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"result larger than this server's cap of {limit} bytes; add LIMIT or narrow the query"
        )


class QueryTimeout(QueryError):
    status = 504


class Overloaded(QueryError):
    status = 503
    retry_after = 2


class StoreUnavailable(QueryError):
    status = 502


class StoreTimeout(QueryError):
    status = 504


# --- the interface -----------------------------------------------------------------------------


class Store(ABC):
    """One read-only RDF dataset that answers SPARQL."""

    kind: str  # "memory" | "disk" | "remote"
    #: True when user queries must run in a killable worker process (native, local engines)
    isolated: bool = True

    @abstractmethod
    def select(self, query: str) -> list[dict[str, Term]]:
        """Trusted internal SELECT: rows as {variable: pyoxigraph term}, unbound variables absent."""

    @abstractmethod
    def ask(self, query: str) -> bool:
        """Trusted internal ASK."""

    @abstractmethod
    def construct(self, query: str) -> list[ox.Triple]:
        """Trusted internal CONSTRUCT or DESCRIBE."""

    @abstractmethod
    def execute(
        self,
        query_text: str,
        media_type: str | None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        deadline: float | None = None,
        *,
        format_param: str | None = None,
        max_bytes: int | None = None,
    ) -> tuple[bytes, str]:
        """Run a user query; ``media_type`` is the client's Accept (a single type is a valid Accept).

        Returns the serialized result and its Content-Type. ``deadline`` is an absolute
        ``time.monotonic()`` by which to give up (enforced by timeouts for the remote store; the
        local stores are killed by the engine instead). Raises :class:`QueryError` subclasses.
        """

    @abstractmethod
    def named_graphs(self) -> tuple[str, ...]:
        """The IRIs of the named graphs served, sorted."""

    @abstractmethod
    def dump(self, fmt: Format, graph: str | None = None) -> bytes:
        """The whole dataset (quad formats), the union (triple formats) or one named graph."""

    @property
    @abstractmethod
    def version(self) -> str:
        """Identifies this exact content; part of every ETag."""

    def after_fork(self) -> None:  # noqa: B027 - optional hook, most stores need nothing
        """Called in a freshly forked query worker before its first query."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and connections."""

    def __len__(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(rows[0]["n"].value) if rows else 0


# --- FROM / FROM NAMED detection ---------------------------------------------------------------


def _tokens(query: str) -> Iterator[tuple[str, str]]:
    """("word" | "iri", text) tokens of a query, skipping strings, comments and variables."""
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c == "#":
            j = query.find("\n", i)
            i = n if j < 0 else j + 1
        elif c == "<":
            j = query.find(">", i + 1)
            inner = query[i + 1 : j] if j >= 0 else " "
            if any(ch in inner for ch in " \t\r\n"):
                i += 1  # a comparison operator, not an IRI
            else:
                yield "iri", inner
                i = j + 1
        elif c in "\"'":
            end = c * 3 if query[i : i + 3] == c * 3 else c
            j = i + len(end)
            while j < n and not query.startswith(end, j):
                j += 2 if query[j] == "\\" else 1
            i = j + len(end)
        elif c in "?$":
            j = i + 1
            while j < n and (query[j].isalnum() or query[j] == "_"):
                j += 1
            i = j
        elif c.isalpha() or c == "_" or c == ":":
            j = i
            while j < n and (query[j].isalnum() or query[j] in "_-.:"):
                j += 1
            yield "word", query[i:j]
            i = j
        else:
            i += 1


def dataset_clause(query: str) -> tuple[list[str], list[str], bool] | None:
    """The query's ``FROM`` and ``FROM NAMED`` IRIs, or None when it has neither.

    The third value is False when a clause uses a prefixed name (not resolved here). A small
    scanner, not a parser: strings, comments, variables and prefixed names such as ``ex:from``
    are skipped, so only the keyword counts.
    """
    if "from" not in query.lower():
        return None
    default: list[str] = []
    named: list[str] = []
    resolved, found = True, False
    tokens = list(_tokens(query))
    for k, (kind, text) in enumerate(tokens):
        if kind != "word" or text.lower() != "from":
            continue
        found = True
        rest = tokens[k + 1 : k + 3]
        target = default
        if rest and rest[0][0] == "word" and rest[0][1].lower() == "named":
            target, rest = named, rest[1:]
        if rest and rest[0][0] == "iri":
            target.append(rest[0][1])
        else:
            resolved = False
    return (default, named, resolved) if found else None


def declares_dataset(query: str) -> bool:
    """True when the query has its own ``FROM`` or ``FROM NAMED``.

    Oxigraph's union-default-graph option overrides a query's own FROM, so the union is only
    switched on for queries without one.
    """
    return dataset_clause(query) is not None


def _dataset_kwargs(
    query: str, default_graph_uris: Sequence[str], named_graph_uris: Sequence[str]
) -> dict[str, object]:
    if default_graph_uris or named_graph_uris:
        # The Protocol: graphs named by the request replace the query's dataset entirely.
        return {
            "default_graph": [ox.NamedNode(u) for u in default_graph_uris],
            "named_graphs": [ox.NamedNode(u) for u in named_graph_uris],
        }
    if declares_dataset(query):
        return {}
    return {"use_default_graph_as_union": True}


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


# --- Oxigraph, embedded: memory and on-disk ----------------------------------------------------


def _rdf_format(path: Path) -> ox.RdfFormat:
    name = path.name.lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    fmt = ox.RdfFormat.from_extension(ext) if ext else None
    if fmt is None and ext == "owl":
        fmt = ox.RdfFormat.RDF_XML
    if fmt is None:
        raise StoreError(f"cannot tell the RDF syntax of {path} from its extension")
    return fmt


def _bulk_load(store: ox.Store, files: Iterable[Path]) -> None:
    for path in files:
        if not path.is_file():
            hint = " (run `ccdkg build` first)" if path.name == "ccdkg.trig" else ""
            raise StoreError(f"data file not found: {path}{hint}")
        try:
            # Relative IRIs (rdf:about="") resolve against the file's own location.
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

    def after_fork(self) -> None:
        # RocksDB's handles and threads do not survive fork(): each worker opens its own read-only view.
        if self._path is not None:
            self._store = ox.Store.read_only(str(self._path))

    def select(self, query: str) -> list[dict[str, Term]]:
        result = self._store.query(query, use_default_graph_as_union=not declares_dataset(query))
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
        result = self._store.query(query, use_default_graph_as_union=not declares_dataset(query))
        if not isinstance(result, ox.QueryBoolean):
            raise TypeError("ask() needs an ASK query")
        return bool(result)

    def construct(self, query: str) -> list[ox.Triple]:
        result = self._store.query(query, use_default_graph_as_union=not declares_dataset(query))
        if not isinstance(result, ox.QueryTriples):
            raise TypeError("construct() needs a CONSTRUCT or DESCRIBE query")
        return list(result)

    def execute(
        self,
        query_text: str,
        media_type: str | None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        deadline: float | None = None,
        *,
        format_param: str | None = None,
        max_bytes: int | None = None,
    ) -> tuple[bytes, str]:
        try:
            result = self._store.query(
                query_text, **_dataset_kwargs(query_text, default_graph_uris, named_graph_uris)
            )
        except SyntaxError as err:
            raise QuerySyntaxError(f"malformed query: {err}") from None
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


def _open_memory(files: Sequence[Path]) -> OxigraphStore:
    store = ox.Store()
    _bulk_load(store, files)
    return OxigraphStore(store, "memory", _files_version(files))


def _open_disk(path: Path, files: Sequence[Path]) -> OxigraphStore:
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


# --- a remote SPARQL 1.1 endpoint --------------------------------------------------------------


class RemoteStore(Store):
    """Any SPARQL 1.1 Protocol endpoint. No worker pool: the deadline is a socket timeout.

    The union default graph is made portably: a query without its own FROM and without
    protocol graphs is sent with every named graph as ``default-graph-uri`` and
    ``named-graph-uri``, so the remote needs no special configuration (and engines whose
    union-default-graph switch overrides a query's FROM, such as ``oxigraph serve
    --union-default-graph``, are not needed).
    """

    kind = "remote"
    isolated = False

    def __init__(self, url: str, connect_timeout: float = 3.0, default_timeout: float = 30.0) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(f"not an http(s) SPARQL endpoint URL: {url}")
        self.url = url
        self._parts = parts
        self._connect_timeout = connect_timeout
        self._default_timeout = default_timeout
        self._local = threading.local()
        self._graphs: tuple[str, ...] = ()
        try:
            rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        except QueryError as err:
            raise StoreError(f"remote SPARQL endpoint {url} does not answer: {err.message}") from err
        self._graphs = tuple(sorted(r["g"].value for r in rows if isinstance(r.get("g"), ox.NamedNode)))
        self._version = "remote-" + str(abs(hash((url, self._graphs))))

    @property
    def version(self) -> str:
        return self._version

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._parts.scheme == "https" else http.client.HTTPConnection
            conn = cls(self._parts.hostname, self._parts.port, timeout=self._connect_timeout)
            self._local.conn = conn
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def _post(
        self,
        query: str,
        accept: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        deadline: float | None = None,
    ) -> tuple[int, str, bytes]:
        if not default_graph_uris and not named_graph_uris:
            clause = dataset_clause(query)
            if clause is None:
                default_graph_uris = named_graph_uris = self._graphs  # the union, portably
            elif clause[2]:
                # Some engines let their own default graph override FROM; the Protocol's
                # parameters mean the same dataset and every engine honours them.
                default_graph_uris, named_graph_uris = clause[0], clause[1]
        fields = [("query", query)]
        fields += [("default-graph-uri", u) for u in default_graph_uris]
        fields += [("named-graph-uri", u) for u in named_graph_uris]
        body = urllib.parse.urlencode(fields).encode()
        path = self._parts.path or "/"
        if self._parts.query:
            path += "?" + self._parts.query
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": accept,
            "User-Agent": "ccdkg",
        }
        for attempt in (0, 1):  # one retry: a kept-alive connection the remote closed meanwhile
            remaining = (deadline - time.monotonic()) if deadline else self._default_timeout
            if remaining <= 0:
                raise StoreTimeout("the remote SPARQL endpoint did not answer before the deadline")
            conn = self._connection(remaining)
            fresh = conn.sock is None
            try:
                if fresh:
                    conn.timeout = min(remaining, self._connect_timeout)
                    conn.connect()
                    conn.sock.settimeout(remaining)
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                return resp.status, resp.getheader("Content-Type", ""), data
            except TimeoutError:
                conn.close()
                raise StoreTimeout("the remote SPARQL endpoint did not answer before the deadline") from None
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as err:
                conn.close()
                if fresh or attempt:
                    raise StoreUnavailable(
                        f"the remote SPARQL endpoint closed the connection: {err}"
                    ) from None
            except OSError as err:
                conn.close()
                raise StoreUnavailable(f"the remote SPARQL endpoint is unreachable: {err}") from None
        raise AssertionError("unreachable")

    def _checked(self, status: int, body: bytes) -> None:
        if status == 400:
            raise QuerySyntaxError(body.decode("utf-8", "replace").strip()[:2000] or "malformed query")
        if status >= 400:
            raise StoreUnavailable(
                f"the remote SPARQL endpoint answered {status}: "
                f"{body.decode('utf-8', 'replace').strip()[:500]}"
            )

    def select(self, query: str) -> list[dict[str, Term]]:
        status, ctype, body = self._post(query, "application/sparql-results+json")
        self._checked(status, body)
        result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in result]

    def ask(self, query: str) -> bool:
        status, ctype, body = self._post(query, "application/sparql-results+json")
        self._checked(status, body)
        return bool(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))

    def construct(self, query: str) -> list[ox.Triple]:
        status, ctype, body = self._post(query, "application/n-triples")
        self._checked(status, body)
        return [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]

    def execute(
        self,
        query_text: str,
        media_type: str | None,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        deadline: float | None = None,
        *,
        format_param: str | None = None,
        max_bytes: int | None = None,
    ) -> tuple[bytes, str]:
        # The query's kind is only known from the answer: ask for the client's best format of
        # each kind, then pass the bytes through or re-serialize natively when the remote chose
        # otherwise.
        want_solutions = formats.negotiate(SOLUTIONS, media_type, format_param)
        want_graph = formats.negotiate(GRAPH, media_type, format_param)
        accept = ", ".join(
            [f.media_type for f in (want_solutions, want_graph) if f is not None]
            + ["application/sparql-results+json;q=0.5", "application/n-triples;q=0.5"]
        )
        status, ctype, body = self._post(query_text, accept, default_graph_uris, named_graph_uris, deadline)
        self._checked(status, body)
        got = formats.by_media_type(ctype)
        if got is None:
            raise StoreUnavailable(f"the remote SPARQL endpoint answered with an unknown type {ctype!r}")
        want = want_solutions if got.kind == SOLUTIONS else want_graph
        if want is None:
            raise NotAcceptable(got.kind)
        if got.media_type != want.media_type:
            body = self._convert(body, got, want)
        if max_bytes is not None and len(body) > max_bytes:
            raise ResultTooLarge(max_bytes)
        return body, want.content_type

    @staticmethod
    def _convert(body: bytes, got: Format, want: Format) -> bytes:
        try:
            if got.kind == SOLUTIONS:
                assert isinstance(got.oxigraph, ox.QueryResultsFormat)
                parsed = ox.parse_query_results(body, format=got.oxigraph)
                return parsed.serialize(format=want.oxigraph)
            assert isinstance(got.oxigraph, ox.RdfFormat)
            return ox.serialize((q.triple for q in ox.parse(body, format=got.oxigraph)), format=want.oxigraph)
        except (SyntaxError, ValueError, OSError) as err:
            raise StoreUnavailable(f"cannot read the remote endpoint's {got.media_type}: {err}") from None

    def named_graphs(self) -> tuple[str, ...]:
        return self._graphs

    def dump(self, fmt: Format, graph: str | None = None) -> bytes:
        if graph is not None:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        elif isinstance(fmt.oxigraph, ox.RdfFormat) and fmt.oxigraph.supports_datasets:
            rows = self.select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            quads = (ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows)  # type: ignore[arg-type]
            return ox.serialize(quads, format=fmt.oxigraph)
        else:
            query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        return ox.serialize(self.construct(query), format=fmt.oxigraph)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()


def open_store(spec: str, data_files: Sequence[str | Path] = (), *, connect_timeout: float = 3.0) -> Store:
    """Open the store ``spec`` names (see the module docstring); raises StoreError with one clear line."""
    files = [Path(f) for f in data_files]
    if spec == "memory":
        if not files:
            from ccdkg.server.config import DEFAULT_DATA

            files = [DEFAULT_DATA]
        return _open_memory(files)
    if spec.startswith(("http://", "https://")):
        return RemoteStore(spec, connect_timeout=connect_timeout)
    if not files:
        from ccdkg.server.config import DEFAULT_DATA

        files = [DEFAULT_DATA]
    return _open_disk(Path(spec), files)

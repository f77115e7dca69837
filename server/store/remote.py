"""A remote SPARQL 1.1 endpoint as the store, over the Protocol, with timeouts."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from collections.abc import Sequence

import pyoxigraph as ox

from ccdkg.errors import StoreError
from ccdkg.server import formats
from ccdkg.server.formats import GRAPH, SOLUTIONS, Format
from ccdkg.server.query import CheckedQuery, trusted
from ccdkg.server.store.base import Store, Term
from ccdkg.server.store.errors import (
    NotAcceptable,
    QueryError,
    QuerySyntaxError,
    ResultTooLarge,
    StoreTimeout,
    StoreUnavailable,
)


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
        self, query: CheckedQuery, accept: str, deadline: float | None = None
    ) -> tuple[int, str, bytes]:
        default_graph_uris: Sequence[str] = query.default_graph_uris
        named_graph_uris: Sequence[str] = query.named_graph_uris
        if query.union_default_graph:
            default_graph_uris = named_graph_uris = self._graphs  # the union, portably
        elif not default_graph_uris and not named_graph_uris:
            # Some engines let their own default graph override FROM; the Protocol's
            # parameters mean the same dataset and every engine honours them.
            default_graph_uris, named_graph_uris = query.from_graphs, query.from_named_graphs
        text = query.text
        if query.base_iri:
            # The Protocol has no base parameter; on the same line, so that line numbers hold.
            text = f"BASE <{query.base_iri}> {text}"
        fields = [("query", text)]
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
        status, ctype, body = self._post(trusted(query), "application/sparql-results+json")
        self._checked(status, body)
        result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in result]

    def ask(self, query: str) -> bool:
        status, ctype, body = self._post(trusted(query), "application/sparql-results+json")
        self._checked(status, body)
        return bool(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))

    def construct(self, query: str) -> list[ox.Triple]:
        status, ctype, body = self._post(trusted(query), "application/n-triples")
        self._checked(status, body)
        return [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]

    def execute(
        self,
        query: CheckedQuery,
        media_type: str | None,
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
        status, ctype, body = self._post(query, accept, deadline)
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

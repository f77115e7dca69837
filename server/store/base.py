"""The interface every store implements: trusted native queries, user queries, dumps."""

from __future__ import annotations

from abc import ABC, abstractmethod

import pyoxigraph as ox

from ccdkg.server.formats import Format
from ccdkg.server.query import CheckedQuery

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


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
        query: CheckedQuery,
        media_type: str | None,
        deadline: float | None = None,
        *,
        format_param: str | None = None,
        max_bytes: int | None = None,
    ) -> tuple[bytes, str]:
        """Run a checked user query; ``media_type`` is the client's Accept (a single type is valid).

        The query's base IRI and dataset come with it (see query.CheckedQuery). Returns the
        serialized result and its Content-Type. ``deadline`` is an absolute ``time.monotonic()``
        by which to give up (enforced by timeouts for the remote store; the local stores are
        killed by the engine instead). Raises :class:`QueryError` subclasses.
        """

    def read_paths(self) -> tuple[str, ...]:
        """Files and directories a query worker must be able to read (the on-disk store)."""
        return ()

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

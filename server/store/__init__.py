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

from collections.abc import Sequence
from pathlib import Path

from ccdkg.server.store.base import Store, Term
from ccdkg.server.store.errors import (
    BadDataset,
    Confined,
    NotAcceptable,
    Overloaded,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    StoreTimeout,
    StoreUnavailable,
)
from ccdkg.server.store.oxigraph import OxigraphStore, open_disk, open_memory
from ccdkg.server.store.remote import RemoteStore

__all__ = [
    "BadDataset",
    "Confined",
    "NotAcceptable",
    "Overloaded",
    "OxigraphStore",
    "QueryError",
    "QuerySyntaxError",
    "QueryTimeout",
    "RemoteStore",
    "ResultTooLarge",
    "Store",
    "StoreTimeout",
    "StoreUnavailable",
    "Term",
    "open_store",
]


def open_store(
    spec: str,
    data_files: Sequence[str | Path] = (),
    *,
    connect_timeout: float = 3.0,
    timeout: float = 30.0,
) -> Store:
    """Open the store ``spec`` names (see the module docstring); raises StoreError with one clear line."""
    files = [Path(f) for f in data_files]
    if spec == "memory":
        if not files:
            from ccdkg.server.config import DEFAULT_DATA

            files = [DEFAULT_DATA]
        return open_memory(files)
    if spec.startswith(("http://", "https://")):
        # ``timeout`` bounds the trusted queries of the pages too: a hung remote is 504, not a hang
        return RemoteStore(spec, connect_timeout=connect_timeout, default_timeout=timeout)
    if not files:
        from ccdkg.server.config import DEFAULT_DATA

        files = [DEFAULT_DATA]
    return open_disk(Path(spec), files)

"""The HTTP server: SPARQL 1.1 endpoint, linked-data pages and query UI over one store.

``create_app(config)`` builds the Flask application; ``open_store(spec, data_files)`` opens the
store it answers from (memory, on-disk Oxigraph, or a remote SPARQL endpoint).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Store", "create_app", "open_store"]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing one server module does not import them all (and no cycles).
    if name == "create_app":
        from ccdkg.server.app import create_app

        return create_app
    if name in ("Store", "open_store"):
        from ccdkg.server import store

        return getattr(store, name)
    raise AttributeError(name)

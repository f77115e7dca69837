"""Checks on a user's query text before any parser sees it (owned by the safety engineer).

Minimal first version created by the server engineer so that the /sparql route has its
checkpoint; the safety engineer replaces the body of ``check_query`` with the full checks
(updates, LOAD, SERVICE, FROM naming unserved graphs, nesting depth, pattern count).
"""

from __future__ import annotations

from typing import Any


class QueryRefused(Exception):
    """The query is refused before execution; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_query(text: str, limits: Any) -> None:
    """Raise QueryRefused when ``text`` must not reach the engine."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_query_bytes:
        raise QueryRefused(
            413, f"query of {size} bytes exceeds this server's cap of {limits.max_query_bytes}"
        )

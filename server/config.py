"""The server's configuration: one immutable value passed to ``create_app``.

Everything the server decides at start (which store, which files, which public base IRI, how
long a query may run, how much it may return) lives here, so that tests, ``ccdkg serve`` and a
WSGI deployment configure the same object. ``Config.from_mapping`` accepts plain dicts (e.g.
``create_app({"store": "memory", "data": ["x.trig"]})``); unknown keys are an error, not ignored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ccdkg.namespaces import BASE

# The built dataset, served when no --data is given (docs/data-model.md "Files").
RELEASE_DIR = Path(__file__).resolve().parent.parent / "graph" / "release"
DEFAULT_DATA = RELEASE_DIR / "ccdkg.trig"


@dataclass(frozen=True)
class QueryLimits:
    """What ``guard.check_query`` enforces on the query text before any parser sees it."""

    max_query_bytes: int = 64 * 1024
    max_depth: int = 64  # nesting of (), {}, [] and << >> together
    # Oxigraph's parser backtracks exponentially on nested [ … ] / ( … ) terms (32 levels: ~1 s).
    max_term_depth: int = 16
    max_operator_run: int = 32  # "!!!…" / "- - -…" recurse in the parser like brackets
    # Its planner is ~n**4 in the triple patterns of a group (100: ~2 s, 200: ~35 s).
    max_patterns: int = 128


@dataclass(frozen=True)
class Config:
    """All settings of one application. Defaults are the production defaults."""

    store: str = "memory"  # "memory", a directory path (on-disk Oxigraph) or http(s)://…/sparql
    data: tuple[Path, ...] = ()  # RDF files to serve; empty: the built release
    base: str = BASE  # public base IRI the data's IRIs live under
    prefix: str = ""  # path prefix behind a reverse proxy, e.g. "/ccdkg"
    trust_proxy: bool = False  # honour X-Forwarded-For/-Proto/-Host/-Prefix from one proxy hop

    deadline: float = 10.0  # seconds a user query may run (queue wait included)
    query_workers: int = 2  # worker processes started with the pool
    max_query_workers: int = 3  # the pool grows up to this when every worker is busy (cores + 1)
    max_queue: int = 32  # requests allowed to wait for a worker before 503
    # The quick lane: workers reserved for queries that finish within quick_budget seconds, so
    # that heavy queries cannot take every worker from cheap ones (SECURITY.md "Admission").
    quick_workers: int = 1
    quick_budget: float = 0.25
    queue_wait: float | None = None  # longest wait for a free worker before 503 (None: the deadline)
    worker_max_queries: int = 10_000  # a query worker is replaced by a fresh fork after this many
    # ... or once its private memory passes this (None: the loaded process's size, ≥ 64 MiB)
    worker_max_private_bytes: int | None = None
    max_result_bytes: int = 64 * 1024 * 1024  # a serialized result larger than this is refused
    max_request_bytes: int = 1024 * 1024  # request bodies beyond this: 413 (security.py, the one check)
    # Query workers confine themselves (no network, no files but the store: sandbox.py); the
    # server refuses to start where the kernel cannot. False only for development (--unconfined).
    confine_queries: bool = True
    # POST /validate: jobs at once per server process (the next gets 503), seconds (None: the query
    # deadline, never more), address space a job may add to its size at the fork
    upload_workers: int = 2
    upload_deadline: float | None = None
    upload_max_memory: int = 1 << 30
    limits: QueryLimits = field(default_factory=QueryLimits)

    cache_bytes: int = 64 * 1024 * 1024  # response cache for the immutable release (0: off)
    cache_entry_bytes: int = 2 * 1024 * 1024  # larger responses are not cached
    remote_connect_timeout: float = 3.0  # remote store: seconds to connect before 502
    read_timeout: float = 10.0  # seconds a client has to send the request head, and again the body
    # Plain GET /sparql answered on granian's event loop, below Flask (server/direct.py).
    direct_queries: bool = True

    query_ui_endpoint: str = "ui.query"  # Flask endpoint that GET /sparql forwards browsers to
    testing: bool = False

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None = None, **overrides: Any) -> Config:
        merged = {**(values or {}), **overrides}
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(merged) - known)
        if unknown:
            raise TypeError(f"unknown ccdkg server setting(s): {', '.join(unknown)}")
        if "data" in merged and merged["data"] is not None:
            merged["data"] = tuple(Path(p) for p in merged["data"])
        elif "data" in merged:
            merged["data"] = ()
        if isinstance(merged.get("limits"), Mapping):
            merged["limits"] = QueryLimits(**merged["limits"])
        config = cls(**merged)
        config.check()
        return config

    @classmethod
    def coerce(cls, value: Config | Mapping[str, Any] | None) -> Config:
        if isinstance(value, Config):
            value.check()
            return value
        return cls.from_mapping(value)

    def check(self) -> None:
        if not self.base.endswith(("/", "#")):
            raise ValueError(f"base IRI must end with / or #: {self.base}")
        if self.prefix and (not self.prefix.startswith("/") or self.prefix.endswith("/")):
            raise ValueError(f"path prefix must start with / and not end with /: {self.prefix}")
        if self.deadline <= 0:
            raise ValueError("deadline must be positive")
        if self.query_workers < 1 or self.max_query_workers < self.query_workers:
            raise ValueError("need 1 <= query_workers <= max_query_workers")
        if self.quick_workers < 0 or self.quick_budget <= 0:
            raise ValueError("need quick_workers >= 0 and a positive quick_budget")
        if self.read_timeout <= 0:
            raise ValueError("read timeout must be positive")
        if self.upload_workers < 1:
            raise ValueError("upload_workers must be at least 1")
        if self.upload_deadline is not None and not 0 < self.upload_deadline <= self.deadline:
            raise ValueError("upload_deadline must be positive and no longer than the query deadline")

    @property
    def data_files(self) -> tuple[Path, ...]:
        return self.data or (DEFAULT_DATA,)

    @property
    def upload_deadline_seconds(self) -> float:
        return self.upload_deadline if self.upload_deadline is not None else self.deadline

    @property
    def is_remote(self) -> bool:
        return self.store.startswith(("http://", "https://"))

    @property
    def app_threads(self) -> int:
        """Threads that run the app in one server process: every request that may wait for a
        query worker (running, quick lane, queued) plus eight, so that waiting queries never take
        the last thread from a cheap query, a page or a health check."""
        return self.max_query_workers + self.quick_workers + self.max_queue + 8


def default_query_workers() -> int:
    """One worker per core, at least two so that one slow query never blocks the next."""
    return max(2, os.cpu_count() or 1)


def default_max_query_workers(processes: int = 1) -> int:
    """The cores plus one spare, shared by the server's processes (more only compete for CPU)."""
    return max(2, -(-((os.cpu_count() or 1) + 1) // max(1, processes)))

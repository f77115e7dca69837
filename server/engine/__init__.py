"""Running user queries with a deadline that holds, even inside native code.

A query running inside Oxigraph cannot be interrupted from Python, so every user query against
a local store runs in a *query worker*: a process forked after the store was loaded (it shares
the loaded dataset copy-on-write; an on-disk store is reopened read-only in each worker). The
front process hands it the query over a socket pair and waits at most until the deadline; a
worker that overruns is killed with SIGKILL and replaced, and the client gets 504, while the
other workers keep answering.

Workers are forked by a *zygote*: one single-threaded process forked when the pool starts.
Forking replacements from the (multi-threaded) web process would risk inheriting locks held by
other threads; the zygote has no other threads, so its forks are safe, and it hands each new
worker's socket back over SCM_RIGHTS.

The pool starts with ``size`` workers and grows up to ``max_size`` (by default the cores plus one
spare, so a slow query never blocks a trivial one, yet CPU-bound queries do not multiply processes
that only compete for the same cores); at most ``max_queue`` requests wait for a free worker, each
until its own deadline, and beyond that the answer is 503 with Retry-After.

The *quick lane* keeps heavy queries from taking every worker from cheap ones: ``quick`` more
workers serve a request only when no shared worker is free, only for ``quick_budget`` seconds,
and only for a client (its address) that has no other query running or waiting and none stopped
in the quick lane in the last ``QUICK_PENALTY`` seconds. A query that overruns its quick budget
is killed there (the worker is replaced from the zygote) and waits for a shared worker like any
other; so each heavy query costs the quick lane at most one budget, and a client that sends many
cannot queue them there. Cheap queries from other clients thus wait at most about one budget.

Oxigraph's reads write to the pages they touch, so copy-on-write slowly gives each worker a
private copy of the store it shares. A worker therefore retires after ``max_jobs`` queries or once
its private memory passes ``max_private`` bytes; the zygote, which never queries, forks a fresh,
fully shared one in its place.

Each worker confines itself right after it starts, before its first query (sandbox.py: no
network, no file but the store), and dies with its parent (children.py). It receives the
request's :class:`~ccdkg.server.query.CheckedQuery`, never bare text to re-read.

A pool belongs to the process that started it: after a fork (``ccdkg serve --workers N``) the
child starts its own on first use or from the front's start hook (server/front.py).
"""

from __future__ import annotations

import logging
import time

from ccdkg.server import sandbox
from ccdkg.server.engine.pool import ALL_BUSY, QUEUE_FULL, TIMEOUT_MESSAGE, QueryPool
from ccdkg.server.engine.wire import Channel
from ccdkg.server.query import CheckedQuery
from ccdkg.server.store import Store

log = logging.getLogger("ccdkg.engine")

__all__ = ["ALL_BUSY", "QUEUE_FULL", "TIMEOUT_MESSAGE", "Channel", "QueryEngine", "QueryPool"]


class QueryEngine:
    """Where user queries run: the pool for local stores, the calling thread for a remote one."""

    def __init__(self, store: Store, config) -> None:  # config: ccdkg.server.config.Config
        self.store = store
        self.deadline = config.deadline
        self.max_bytes = config.max_result_bytes
        self.pool = (
            QueryPool(
                store,
                size=config.query_workers,
                max_size=config.max_query_workers,
                max_queue=config.max_queue,
                queue_wait=config.queue_wait,
                max_jobs=config.worker_max_queries,
                max_private=config.worker_max_private_bytes,
                confined=config.confine_queries,
                quick=config.quick_workers,
                quick_budget=config.quick_budget,
            )
            if store.isolated
            else None
        )
        if self.pool is not None:
            if config.confine_queries:
                sandbox.check()  # fail closed: no server whose workers could reach the network
            else:
                log.warning("query workers run UNCONFINED (--unconfined): a query could open connections")

    def start(self) -> None:
        if self.pool is not None:
            self.pool.start()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def run(
        self,
        query: CheckedQuery,
        accept: str | None,
        format_param: str | None = None,
        deadline: float | None = None,
        client: str | None = None,
    ) -> tuple[bytes, str]:
        deadline = deadline if deadline is not None else time.monotonic() + self.deadline
        if self.pool is None:
            return self.store.execute(
                query, accept, deadline, format_param=format_param, max_bytes=self.max_bytes
            )
        return self.pool.run((query.to_wire(), accept, format_param, self.max_bytes), deadline, client)

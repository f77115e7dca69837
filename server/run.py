"""``ccdkg serve``: load the store once, then serve it.

* ``--workers N`` (default 1): N processes behind granian (server/front.py): connections, header
  and body reads and timeouts on granian's event loop, the app on a bounded pool of threads,
  immediate 503s when it is full. The application (and so the loaded store) is built in this
  process before granian forks, so every worker shares the dataset copy-on-write; each worker
  starts its own query pool right after the fork.
* ``--workers 0``: Werkzeug's development server in this process (for debugging only: it is
  slower per request, and slow clients hold its threads).

Either way the query pool forks from a process that holds the loaded store; a query over the
deadline is killed in its worker process and answered 504.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Any

from ccdkg.namespaces import BASE
from ccdkg.server import children
from ccdkg.server.config import Config, default_max_query_workers, default_query_workers


def config_from_args(args: argparse.Namespace) -> Config:
    settings: dict[str, Any] = {
        "store": args.store,
        "data": args.data or (),
        "base": args.base or BASE,
        "prefix": (args.prefix or "").rstrip("/"),
    }
    # The pool of every server process together holds about cores + 1 query workers.
    settings["max_query_workers"] = default_max_query_workers(max(1, getattr(args, "workers", 1) or 1))
    settings["query_workers"] = min(default_query_workers(), settings["max_query_workers"])
    if args.deadline is not None:
        settings["deadline"] = args.deadline
    if getattr(args, "unconfined", False):
        settings["confine_queries"] = False
    if getattr(args, "read_timeout", None) is not None:
        settings["read_timeout"] = args.read_timeout
    if settings["prefix"] or args.base:
        settings["trust_proxy"] = True  # a public base or prefix means a reverse proxy in front
    try:
        return Config.from_mapping(settings)
    except ValueError as err:
        from ccdkg.errors import InputError

        raise InputError(str(err)) from None


def _logging() -> None:
    from ccdkg.server import accesslog

    accesslog.to_stream(sys.stderr)  # "2026-01-01T00:00:00 client "GET /…" 200 …", off the request thread
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # ours is the access log


def serve(args: argparse.Namespace) -> int:
    from ccdkg.server.app import create_app

    config = config_from_args(args)
    _logging()
    app = create_app(config)  # StoreError here → "ccdkg: error: …", exit 1
    ext = app.extensions["ccdkg"]
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{shown_host}:{args.port}{config.prefix}/"

    def _stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    try:
        if args.workers and args.workers > 0:
            return _granian(app, args, url)
        ext.engine.start()  # fork the query pool now, while this process has one thread
        from werkzeug.serving import WSGIRequestHandler, make_server

        class _KeepAlive(WSGIRequestHandler):
            protocol_version = "HTTP/1.1"  # keep connections open: no TCP handshake per query

        server = make_server(args.host, args.port, app, threaded=True, request_handler=_KeepAlive)
        print(f"ccdkg: serving {url}  (SPARQL endpoint: {url}sparql, store: {config.store})", flush=True)
        try:
            server.serve_forever()
        finally:
            server.server_close()
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        ext.close()


def _granian(app: Any, args: argparse.Namespace, url: str) -> int:
    """Serve ``app`` behind granian (server/front.py) in ``args.workers`` forked processes."""
    import multiprocessing

    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    from ccdkg.server import direct, front

    ext = app.extensions["ccdkg"]
    config = ext.config
    main_pid = os.getpid()

    def start_worker() -> None:  # in each server process, after the fork, before it serves
        children.die_with_parent(parent=main_pid)  # a SIGKILLed main must not leave its workers serving
        ext.store.after_fork()  # an on-disk store's handle does not survive fork(): reopen it
        ext.engine.start()

    front.serving = front.Front(
        app,
        threads=config.app_threads,
        read_timeout=config.read_timeout,
        max_body=front.body_cap(app),
        on_start=start_worker,
        multiprocess=args.workers > 1,
        direct=direct.for_app(app),
    )
    # The workers are forked from this process, which holds the loaded store: they share it
    # copy-on-write and find ``front.serving`` already built (Python 3.14 would pick forkserver).
    multiprocessing.set_start_method("fork", force=True)
    server = Granian(
        "ccdkg.server.front:serving",
        address=args.host,
        port=args.port,
        interface=Interfaces.RSGI,
        workers=args.workers,
        http=HTTPModes.http1,
        websockets=False,
        backlog=1024,
        backpressure=512,  # connections per process reading or answering; the app threads are fewer
        http1_settings=HTTP1Settings(header_read_timeout=int(config.read_timeout * 1000)),
        log_level=LogLevels.warning,
        respawn_failed_workers=True,
        workers_kill_timeout=5,
    )
    print(
        f"ccdkg: serving {url}  (SPARQL endpoint: {url}sparql, store: {config.store}, "
        f"{args.workers} worker{'s' if args.workers != 1 else ''})",
        flush=True,
    )
    server.serve()
    return 0

"""``ccdkg serve``: load the store once, then serve it.

* ``--workers N`` (default 1): gunicorn with N ``gthread`` workers, keep-alive connections. The
  application (and so the loaded store) is built in the master before gunicorn forks, so every
  worker shares the dataset copy-on-write; each worker starts its own query pool right after the
  fork, while it is still single-threaded.
* ``--workers 0``: Werkzeug's development server in this process (for debugging only: it is
  2-3x slower per request than gunicorn's threads).

Either way the query pool forks from a process that holds the loaded store; a query over the
deadline is killed in its worker process and answered 504.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from typing import Any

from ccdkg.namespaces import BASE
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
    if settings["prefix"] or args.base:
        settings["trust_proxy"] = True  # a public base or prefix means a reverse proxy in front
    try:
        return Config.from_mapping(settings)
    except ValueError as err:
        from ccdkg.errors import InputError

        raise InputError(str(err)) from None


def _logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    access = logging.getLogger("ccdkg.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # ours is the access log


def serve(args: argparse.Namespace) -> int:
    from ccdkg.server.app import create_app

    config = config_from_args(args)
    _logging()
    app = create_app(config)  # StoreError here → "ccdkg: error: …", exit 1
    ext = app.extensions["ccdkg"]
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{shown_host}:{args.port}{config.prefix}/"

    def _stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    try:
        if args.workers and args.workers > 0:
            return _gunicorn(app, args, url)
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


def _gunicorn(app: Any, args: argparse.Namespace, url: str) -> int:
    from gunicorn.app.base import BaseApplication

    ext = app.extensions["ccdkg"]
    deadline = ext.config.deadline

    def post_fork(server: Any, worker: Any) -> None:
        ext.store.after_fork()  # an on-disk store's handle does not survive fork(): reopen it
        ext.engine.start()

    def when_ready(server: Any) -> None:
        print(
            f"ccdkg: serving {url}  (SPARQL endpoint: {url}sparql, store: {ext.config.store}, "
            f"{args.workers} worker{'s' if args.workers != 1 else ''})",
            flush=True,
        )

    options = {
        "bind": f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}",
        "workers": args.workers,
        "worker_class": "gthread",
        "threads": 8,
        "preload_app": True,
        "timeout": int(max(30, deadline * 3)),
        "graceful_timeout": 5,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "post_fork": post_fork,
        "when_ready": when_ready,
        "limit_request_field_size": 16384,
    }

    class _App(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    _App().run()
    return 0

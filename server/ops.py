"""Operations: ``/healthz`` (liveness), ``/readyz`` (readiness) and ``/metrics`` (Prometheus).

Liveness answers as long as the process serves HTTP; readiness additionally runs a trivial query
through the same path as user queries (the killable worker pool or the remote store), so a load
balancer stops sending traffic when the store is down or every worker is stuck.

Metrics use prometheus_client's default registry (or its multiprocess collector when
``PROMETHEUS_MULTIPROC_DIR`` is set, as gunicorn deployments need). Responses that the replay cache
in front of Flask answers (repeated identical GET /sparql) are counted in the per-request series
like any other request, and also in ``ccdkg_replayed_responses_total``.
"""

from __future__ import annotations

import os
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily

from ccdkg.server.query import trusted

bp = Blueprint("ops", __name__)

REQUESTS = Counter(
    "ccdkg_http_requests_total", "HTTP requests answered by the application", ["method", "route", "status"]
)
DURATION = Histogram(
    "ccdkg_http_request_duration_seconds",
    "Time from request start to response, by route",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TIMEOUTS = Counter("ccdkg_query_timeouts_total", "User queries stopped at the deadline (answered 504)")
OVERLOADED = Counter(
    "ccdkg_query_overloaded_total", "User queries turned away because every worker was busy (503)"
)
DIRECT = Counter(
    "ccdkg_direct_responses_total", "GET /sparql answered on the front's event loop, below Flask"
)
REFUSALS = Counter(
    "ccdkg_query_refusals_total", "User queries refused by the guard before any parser saw them", ["reason"]
)


def count_refusal(reason: str) -> None:
    REFUSALS.labels(reason=reason).inc()


_SPARQL_DURATION = DURATION.labels(route="/sparql")
_SPARQL_REQUESTS: dict[int, Any] = {}


def count_direct(status: int, seconds: float) -> None:
    """A GET /sparql answered below Flask (the replay cache, server/direct.py), counted as
    :func:`_record` counts the others."""
    requests = _SPARQL_REQUESTS.get(status)
    if requests is None:
        requests = REQUESTS.labels(method="GET", route="/sparql", status=str(status))
        _SPARQL_REQUESTS[status] = requests
    requests.inc()
    _SPARQL_DURATION.observe(seconds)
    if status == 504:
        TIMEOUTS.inc()
    elif status == 503:
        OVERLOADED.inc()


class _PoolCollector:
    """Values owned by the running app (killed workers, replayed responses), read at scrape time."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def collect(self):  # noqa: ANN201 - prometheus_client's collector protocol
        app = self.app
        if app is None:
            return
        ext = app.extensions.get("ccdkg")
        pool = getattr(getattr(ext, "engine", None), "pool", None)
        killed = CounterMetricFamily(
            "ccdkg_query_workers_killed", "Query worker processes killed at the deadline and replaced"
        )
        killed.add_metric([], float(getattr(pool, "killed", 0)))
        yield killed
        replayed = CounterMetricFamily(
            "ccdkg_replayed_responses", "Repeated GET /sparql answered from the replay cache"
        )
        replayed.add_metric([], float(sum(getattr(w, "hits", 0) for w in _wsgi_chain(app))))
        yield replayed


def _wsgi_chain(app: Flask):  # noqa: ANN202
    layer = app.wsgi_app
    for _ in range(10):  # the middlewares wrap each other through .app / .wsgi_app
        yield layer
        layer = getattr(layer, "wsgi_app", None) or getattr(layer, "app", None)
        if layer is None or layer is app:
            return


_POOL = _PoolCollector()
REGISTRY.register(_POOL)


@bp.route("/healthz")
def healthz() -> Response:
    return _plain(200, "ok")


@bp.route("/readyz")
def readyz() -> Response:
    ext = current_app.extensions.get("ccdkg")
    if ext is None:
        return _plain(503, "not ready: no store")
    try:
        ext.engine.run(trusted("ASK {}"), "application/sparql-results+json", deadline=time.monotonic() + 2.0)
    except Exception as err:  # noqa: BLE001 - any failure means not ready, with the reason
        return _plain(503, f"not ready: {getattr(err, 'message', None) or err}")
    return _plain(200, "ready")


@bp.route("/metrics")
def metrics() -> Response:
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _plain(status: int, text: str) -> Response:
    response = Response(text + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def _record(response: Response) -> Response:
    rule = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    note = g.get("ccdkg")  # server/app.py's, from the request's start
    if note is not None:
        DURATION.labels(route=rule).observe(time.monotonic() - note.started)
    REQUESTS.labels(method=request.method, route=rule, status=str(response.status_code)).inc()
    if rule == "/sparql":
        if response.status_code == 504:
            TIMEOUTS.inc()
        elif response.status_code == 503:
            OVERLOADED.inc()
    return response


def init_app(app: Flask) -> None:
    _POOL.app = app  # the latest app is the one scraped (tests create several)
    app.after_request(_record)

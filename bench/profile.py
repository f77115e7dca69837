"""``python -m bench --profile``: where a unique query's time goes in ``ccdkg serve``, stage by stage.

Two views, both from outside the request path as far as possible:

1. **Layers** (median µs per unique query, each layer timed alone on the same queries):
   bare pyoxigraph in process (the engine + its native serializer) → ccdkg's store layer
   (``store.execute``: negotiation, dataset, capped buffer) → the hand-off to a query worker
   (``engine.run``: the pool round trip) → the guard on its own → the whole WSGI app called with a
   gunicorn-like environ (Flask routing, request and response objects, hooks, cache, ETag, access
   log; with the access log off as well) → ``ccdkg serve`` over HTTP at concurrency 1. Each stage
   is the difference between two neighbouring layers. Beside them: ``oxigraph serve`` and the naive
   Flask app over HTTP, and gunicorn's own floor (the same gthread options serving an empty WSGI
   app), so the HTTP stage can be split into gunicorn's share and the client's + loopback's.
2. **Samples** (py-spy, ``ccdkg serve`` under unique load at concurrency 8): every sample of the
   server's process tree put in the stage of its innermost recognised frame (gunicorn's parser,
   Flask/Werkzeug, the guard, the pool, logging, the query worker's engine call …), as CPU µs per
   request.

Results print as tables and go to bench/work/profile.json and bench/work/profile.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import http.client
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from bench.load import run_cell
from bench.mix import Query, load_queries
from bench.peers import BIN, REPO, Ccdkg, NaiveFlask, OxigraphMemory, Running, _launch, _wait_ready, free_port
from bench.synth import WORK, Shape, data_file

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}
DEFAULT_QUERIES = "point,label-exact,describe,ask,construct,join,subclass-path,count-all"
LOAD_QUERIES = "point,label-exact,describe,ask"  # the trivial ones: where the stack dominates


# ---------------------------------------------------------------------------------------------------
# 1. Layers in process and over HTTP


def floor_app(environ: dict, start_response: Callable) -> list[bytes]:
    """An empty WSGI app: gunicorn serving it at concurrency 1 is gunicorn's own cost per request."""
    body = b'{"head":{},"boolean":true}'
    headers = [("Content-Type", "application/sparql-results+json"), ("Content-Length", str(len(body)))]
    start_response("200 OK", headers)
    return [body]


QUANTILE = 0.25  # the lower quartile: on a shared machine, the calls least disturbed by other processes


def _quantile(times: list[float], q: float = QUANTILE) -> float:
    data = sorted(times)
    return data[min(len(data) - 1, int(q * len(data)))] if data else float("nan")


def _interleaved(fns: dict, budget: float, max_rounds: int = 3000) -> dict:
    """Each fn(n) once per round, round after round for about ``budget`` seconds per fn, every call
    with a fresh n (a unique query); {name: lower-quartile seconds, or the error}. Interleaving
    spreads the other processes' noise evenly over the layers being compared."""
    times: dict = {name: [] for name in fns}
    errors: dict = {}
    n = 1
    for fn in fns.values():  # outside the clock: lazy imports, first-use caches
        with contextlib.suppress(Exception):  # an error shows again, and is recorded, when timed
            fn(0)
    t_end = time.perf_counter() + budget * len(fns)
    rounds = 0
    while rounds < max_rounds and (time.perf_counter() < t_end or rounds < 5):
        for name, fn in fns.items():
            if name in errors:
                continue
            t0 = time.perf_counter()
            try:
                fn(n)
            except Exception as err:  # noqa: BLE001 - a layer whose API moved is reported, not fatal
                errors[name] = f"{type(err).__name__}: {err}"[:200]
                continue
            times[name].append(time.perf_counter() - t0)
            n += 1
        rounds += 1
    return {name: errors.get(name) or _quantile(t) for name, t in times.items()}


def _environ(query: str, accept: str) -> dict:
    """What gunicorn hands the app for ``GET /sparql?query=…`` (the same keys, no socket)."""
    from urllib.parse import urlencode

    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/sparql",
        "RAW_URI": "/sparql",
        "QUERY_STRING": urlencode({"query": query}),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": accept,
        "HTTP_USER_AGENT": "ccdkg-bench",
        "HTTP_CONNECTION": "keep-alive",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


class _Scope:
    """What granian's RSGI scope gives server/direct.py for ``GET /sparql?query=…``."""

    method = "GET"
    path = "/sparql"
    client = "127.0.0.1:50000"

    def __init__(self, query: str, accept: str) -> None:
        from urllib.parse import urlencode

        self.query_string = urlencode({"query": query})
        self.headers = {"host": "127.0.0.1:8000", "accept": accept, "user-agent": "ccdkg-bench"}


def direct_lane(app):  # noqa: ANN201 - server/direct.py's DirectQueries, or None before it existed
    try:
        from ccdkg.server.direct import for_app
    except ImportError:
        return None
    return for_app(app)


def _request_path(ext) -> tuple[Callable, Callable, Callable, bool]:
    """(check, execute, run) as /sparql calls them, and whether execute and run include the check.

    Since the checked-query value (server/query.py) the store and the pool take its result, so
    their layers run the check too and the stages subtract it; before, they took the text."""
    limits, graphs = ext.config.limits, ext.store.named_graphs()
    try:
        from ccdkg.server.query import check_query
    except ImportError:
        from ccdkg.server import guard

        def check(text: str) -> object:
            return guard.check_query(text, limits, served_graphs=graphs)

        return check, ext.store.execute, ext.engine.run, False

    def checked(text: str) -> object:
        return check_query(text, limits, served_graphs=graphs)

    return (
        checked,
        lambda text, accept: ext.store.execute(checked(text), accept),
        lambda text, accept: ext.engine.run(checked(text), accept),
        True,
    )


def in_process_layers(label: str, queries: list[Query], budget: float) -> dict:
    """Median µs per unique query for each in-process layer (see the module's docstring)."""
    import pyoxigraph as ox

    from ccdkg.server import create_app

    size = SIZES[label]
    data, shape = data_file(size), Shape(size)
    bare = ox.Store()
    bare.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    app = create_app({"store": "memory", "data": [str(data)]})
    ext = app.extensions["ccdkg"]
    ext.engine.start()  # fork the query pool now, as ccdkg serve does after loading
    access = logging.getLogger("ccdkg.access")  # as ccdkg serve logs, but into /dev/null
    sink = open(os.devnull, "w")  # noqa: SIM115 - closed below
    handler = logging.StreamHandler(sink)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False
    check, execute, run, includes_check = _request_path(ext)

    def wsgi(text: str, accept: str) -> bytes:
        status: list[str] = []
        out = app(_environ(text, accept), lambda s, h, e=None: status.append(s))
        body = b"".join(out)
        if hasattr(out, "close"):
            out.close()
        if not status or not status[0].startswith("200"):
            raise RuntimeError(f"{status[:1]}: {body[:200]!r}")
        return body

    loop = asyncio.new_event_loop()
    lane = direct_lane(app)

    def direct(text: str, accept: str) -> object:
        answer = loop.run_until_complete(lane.answer(_Scope(text, accept)))
        if answer is None or answer[0] != 200:
            raise RuntimeError(f"not answered on the direct path: {answer and answer[:1]}")
        return answer

    layers: dict[str, Callable[[str, Query], object]] = {
        "bare": lambda t, q: bare.query(t, use_default_graph_as_union=True).serialize(
            format=ox.RdfFormat.N_TRIPLES if q.kind == "graph" else ox.QueryResultsFormat.JSON
        ),
        "store": lambda t, q: execute(t, q.accept),
        "pool": lambda t, q: run(t, q.accept),
        "guard": lambda t, q: check(t),
        "routing": lambda t, q: app.url_map.bind_to_environ(_environ(t, q.accept)).match(),
        "wsgi": lambda t, q: wsgi(t, q.accept),
    }
    if lane is not None:
        layers["direct"] = lambda t, q: direct(t, q.accept)

    def nolog(t: str, q: Query) -> object:
        access.setLevel(logging.WARNING)
        try:
            return wsgi(t, q.accept)
        finally:
            access.setLevel(logging.INFO)

    rows: dict[str, dict] = {q.slug: {} for q in queries}
    try:
        # One loop over every (query, layer): a burst of other load falls on all of them alike.
        fns = {
            (q.slug, name): (lambda n, q=q, fn=fn: fn(q.render(shape, n), q))
            for q in queries
            for name, fn in {**layers, "wsgi_nolog": nolog}.items()
        }
        for (slug, name), value in _interleaved(fns, budget).items():
            if isinstance(value, str):
                rows[slug][f"{name}_error"] = value
            else:
                rows[slug][f"{name}_us"] = round(1e6 * value, 1)
    finally:
        loop.close()
        ext.close()
        access.removeHandler(handler)
        sink.close()
    for row in rows.values():
        row["store_includes_check"] = includes_check
    return rows


def _granian_floor(work: Path, limit: float) -> Running:
    """granian (WSGI interface, one worker) serving floor_app: the Rust front's own floor."""
    port = free_port()
    log = work / "granian-floor.log"
    cmd = [str(BIN / "granian"), "--interface", "wsgi", "--workers", "1", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--working-dir", str(REPO), "bench.profile:floor_app"]
    t0 = time.monotonic()
    proc = _launch(cmd, log)
    url = f"http://127.0.0.1:{port}/sparql"
    _wait_ready(proc, url, t0 + limit, log)
    return Running("granian-floor", url, proc, time.monotonic() - t0, log)


def _gunicorn_floor(work: Path, limit: float) -> Running:
    """gunicorn with ccdkg serve's options (1 gthread worker, 8 threads, keep-alive) and floor_app."""
    port = free_port()
    log = work / "gunicorn-floor.log"
    cmd = [str(BIN / "gunicorn"), "--worker-class", "gthread", "--threads", "8", "--workers", "1"]
    cmd += ["--keep-alive", "5", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    cmd += ["--chdir", str(REPO), "bench.profile:floor_app"]
    t0 = time.monotonic()
    proc = _launch(cmd, log)
    url = f"http://127.0.0.1:{port}/sparql"
    _wait_ready(proc, url, t0 + limit, log)
    return Running("gunicorn-floor", url, proc, time.monotonic() - t0, log)


FAULT_REQUESTS = 5


def _tree_faults(pid: int) -> tuple[int, set[int]]:
    """(minor page faults of a process tree, with those of reaped children; the tree's pids)."""
    import psutil

    try:
        root = psutil.Process(pid)
        pids = {pid, *(p.pid for p in root.children(recursive=True))}
    except psutil.NoSuchProcess:
        return 0, set()
    total = 0
    for p in pids:
        try:
            raw = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        rest = raw[raw.rfind(")") + 2 :].split()
        total += int(rest[7]) + int(rest[8])  # minflt, cminflt
    return total, pids


class _Client:
    """One keep-alive connection (http.client reconnects when a server closes it, as the naive
    app's sync workers do after every response); the same client for every server."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.path = parts.path
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)

    def get(self, query: str, accept: str) -> None:
        self.conn.request(
            "GET", f"{self.path}?{urllib.parse.urlencode({'query': query})}", headers={"Accept": accept}
        )
        resp = self.conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}")

    def close(self) -> None:
        self.conn.close()


def over_http(label: str, queries: list[Query], budget: float, work: Path) -> dict:
    """Lower-quartile µs per unique query at concurrency 1 for ccdkg serve, oxigraph serve and the
    naive app, all running at once and asked in turn (so that the machine's noise falls on all
    alike), and gunicorn's floor (one fixed trivial request)."""
    data, shape = data_file(SIZES[label]), Shape(SIZES[label])
    out: dict = {}
    running: dict[str, Running] = {}
    starters = {
        "ccdkg": lambda: Ccdkg("memory").start(data, work, 120),
        "oxigraph": lambda: OxigraphMemory().start(data, work, 120),
        "naive": lambda: NaiveFlask().start(data, work, 120),
        "gunicorn_floor": lambda: _gunicorn_floor(work, 60),
    }
    if (BIN / "granian").exists():
        starters["granian_floor"] = lambda: _granian_floor(work, 60)
    try:
        for name, start in starters.items():
            try:
                running[name] = start()
            except Exception as err:  # noqa: BLE001
                out[f"{name}_error"] = str(err)[:200]
        clients = {name: _Client(r.url) for name, r in running.items()}
        floors = {name: clients.pop(name) for name in list(clients) if name.endswith("_floor")}
        for name in clients:
            out[name] = {}
        fns: dict = {
            (name, q.slug): (lambda n, c=c, q=q: c.get(q.render(shape, n), q.accept))
            for q in queries
            for name, c in clients.items()
        }
        for name, c in floors.items():
            fns[(name, "")] = lambda n, c=c: c.get("ASK {}", "application/json")
        for (name, slug), value in _interleaved(fns, budget).items():
            us = None if isinstance(value, str) else round(1e6 * value, 1)
            if name in floors:
                out[f"{name}_us"] = us
            else:
                out[name][slug] = us
        # Page faults and fresh processes per request: what copy-on-write and retiring workers cost.
        out["faults"] = {name: {} for name in clients}
        for q in queries:
            for name, c in clients.items():
                pid = running[name].proc.pid
                before, t0 = _tree_faults(pid), 10**8 + queries.index(q) * 1000
                for n in range(t0, t0 + FAULT_REQUESTS):
                    c.get(q.render(shape, n), q.accept)
                after = _tree_faults(pid)
                out["faults"][name][q.slug] = {
                    "minor_faults": round((after[0] - before[0]) / FAULT_REQUESTS),
                    "new_processes": len(after[1] - before[1]),
                }
        for c in [*clients.values(), *floors.values()]:
            c.close()
    finally:
        for r in running.values():
            r.stop()
    return out


# The chain of stages a plain GET /sparql takes in ccdkg serve, each layer minus the one below it:
# since server/direct.py the direct path on granian's loop, before it the whole WSGI app.
_COMMON = [
    ("engine + native serialization (bare pyoxigraph)", "bare", None),
    ("store layer (negotiation, dataset, capped buffer)", "store", "bare|bare+guard"),
    ("hand-off to the query worker (marshal, socketpair, wake-ups)", "pool", "store"),
    ("guard / check", "guard", None),
]
DIRECT_STAGES = [
    *_COMMON,
    (
        "direct path: parse, negotiation, cache, ETag, headers, metrics, log (server/direct.py)",
        "direct",
        "pool+guard|pool",
    ),
    ("HTTP: granian + its event loop + client + loopback", "http", "direct"),
]
FLASK_STAGES = [
    ("Flask routing (url_map.match)", "routing", None),
    ("access log line", "wsgi", "wsgi_nolog"),
    (
        "rest of the WSGI app (Flask, hooks, negotiation, cache, ETag)",
        "wsgi_nolog",
        "pool+guard+routing|pool+routing",
    ),
]
WSGI_STAGES = [*_COMMON, *FLASK_STAGES, ("HTTP: server parse + response + client + loopback", "http", "wsgi")]


def _chain(vals: dict[str, float], with_check: bool, chain: list) -> dict[str, float | None]:
    col: dict[str, float | None] = {}
    for stage, top, below in chain:
        if top not in vals:
            col[stage] = None
            continue
        if below and "|" in below:  # the store layer: with or without the check in it
            below = below.split("|")[1 if with_check else 0]
        base = 0.0
        for part in (below or "").split("+"):
            if part:
                if part not in vals:
                    base = float("nan")
                    break
                base += vals[part]
        col[stage] = round(vals[top] - base, 1) if base == base else None
    return col


def _values(row: dict) -> dict[str, float]:
    return {k[:-3]: v for k, v in row.items() if k.endswith("_us")}


def stage_table(layers: dict, http: dict) -> dict[str, dict[str, float | None]]:
    """µs per stage and query from the layers (differences of neighbouring layers): the chain
    a plain GET /sparql takes in ccdkg serve, which adds up to the total over HTTP."""
    table: dict[str, dict[str, float | None]] = {}
    for q, row in layers.items():
        vals = _values(row)
        if http.get("ccdkg", {}).get(q) is not None:
            vals["http"] = http["ccdkg"][q]
        chain = DIRECT_STAGES if "direct" in vals else WSGI_STAGES
        col = _chain(vals, bool(row.get("store_includes_check")), chain)
        col["total over HTTP (ccdkg serve, c=1)"] = vals.get("http")
        for peer in ("oxigraph", "naive"):
            col[f"{peer} over HTTP (c=1)"] = http.get(peer, {}).get(q)
        table[q] = col
    return table


def flask_table(layers: dict) -> dict[str, dict[str, float | None]]:
    """The Flask path's own stages (what the direct path leaves to it: POST, HEAD, browsers …)."""
    return {
        q: _chain(_values(row), bool(row.get("store_includes_check")), FLASK_STAGES)
        for q, row in layers.items()
        if "direct_us" in row
    }


# ---------------------------------------------------------------------------------------------------
# 2. py-spy samples of the server under load, by stage

# Innermost match wins (the frames are scanned from the leaf up); py-spy names files relative to
# their sys.path entry ("flask/app.py", "server/sparql.py" for this editable install).
RULES: list[tuple[str, str | None, str]] = [
    ("logging/", None, "access log (logging)"),
    ("server/accesslog.py", None, "access log (server/accesslog.py)"),
    ("server/direct.py", None, "direct path (server/direct.py: parse, negotiation, cache, headers)"),
    ("prometheus_client/", None, "metrics (prometheus_client)"),
    ("server/guard.py", None, "guard / check"),
    ("server/query.py", None, "guard / check"),
    ("server/store.py", None, "engine + serialization (store.execute)"),
    ("server/store/", None, "engine + serialization (store.execute)"),
    ("server/engine.py", None, "hand-off to the query worker"),
    ("werkzeug/routing/", None, "Flask routing"),
    ("flask/", None, "Flask / Werkzeug request and response"),
    ("werkzeug/", None, "Flask / Werkzeug request and response"),
    ("gunicorn/http/wsgi.py", "write|send_headers|sendall|close|write_file|default_headers", "HTTP response"),
    ("gunicorn/http/", None, "HTTP parse (gunicorn)"),
    ("gunicorn/arbiter.py", None, "gunicorn master (arbiter)"),
    ("gunicorn/", None, "HTTP server loop (gunicorn gthread: poll, thread hand-over, keep-alive)"),
    ("server/front.py", None, "HTTP front (server/front.py: RSGI to WSGI, app-thread hand-off)"),
    ("granian/", None, "HTTP front (granian)"),
    ("asyncio/", None, "HTTP front event loop (asyncio)"),
    ("server/", None, "ccdkg {file}"),
]


def _stage_of(frames: list[str], worker: bool) -> str:
    for frame in reversed(frames):
        name, _, where = frame.partition(" (")
        path = where.split(":", 1)[0]
        for needle, functions, stage in RULES:
            if (path.startswith(needle) or "/" + needle in path) and (
                functions is None or name in functions.split("|")
            ):
                stage = stage.format(file=path.rsplit("/", 1)[-1])
                if worker and stage == "hand-off to the query worker":
                    return "query worker: receive / reply"
                return ("query worker: " + stage) if worker and stage.startswith("engine") else stage
    return "query worker: other" if worker else "other (interpreter, stdlib)"


def summarize_samples(raw: Path, requests: int, rate: int, top: int = 12) -> dict:
    stages: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        worker = "worker_main" in stack or "zygote_main" in stack
        stages[_stage_of(frames[1:], worker)] += n
        leaf = frames[-1]
        name, _, where = leaf.partition(" (")
        file = where.rsplit("/", 1)[-1].split(":", 1)[0]
        own[f"{'[worker] ' if worker else ''}{name} ({file})"] += n
        total += n
    per_request = (1e6 / rate / requests) if requests else 0.0  # µs of CPU per sample per request
    return {
        "samples": total,
        "requests": requests,
        "stages_us_per_request": {k: round(v * per_request, 1) for k, v in stages.most_common()},
        "stages_share": {k: round(v / total, 3) for k, v in stages.most_common()} if total else {},
        "top_own": [(k, round(v / total, 3)) for k, v in own.most_common(top)] if total else [],
    }


def _drive(running: Running, queries: list[Query], shape: Shape, seconds: float, first: int) -> dict:
    """Unique queries at concurrency 8, the time split between the queries; requests/s per query."""
    counts: dict = {"requests": 0}
    per = max(0.2, seconds / len(queries))
    for i, q in enumerate(queries):

        def make(n: int, q: Query = q) -> tuple[str, str]:
            return q.render(shape, n), q.accept

        cell = run_cell(running.url, make, concurrency=8, budget=per, timeout=20, start_n=(first + i) * 10**6)
        counts[q.slug] = round(cell.rps)
        counts["requests"] += cell.requests
    return counts


def sample_under_load(label: str, queries: list[Query], seconds: float, work: Path, rate: int = 200) -> dict:
    """First the server's CPU per request from /proc with nothing attached (half the time), then
    py-spy on its process tree under the same load (the other half)."""
    spy = shutil.which("py-spy") or str(BIN / "py-spy")
    if not Path(spy).exists():
        return {"error": "py-spy not installed (pip install py-spy)"}
    data, shape = data_file(SIZES[label]), Shape(SIZES[label])
    running = Ccdkg("memory").start(data, work, 120)
    raw = work / "py-spy.txt"
    try:
        _drive(running, queries[:1], shape, 0.5, 30)  # warm up: pool, first-use caches
        before, t0 = _tree_cpu(running.proc.pid), time.monotonic()
        plain = _drive(running, queries, shape, seconds / 2, 40)
        wall = time.monotonic() - t0
        after = _tree_cpu(running.proc.pid)
        used = {k: after[k] - before[k] for k in after}
        recorder = subprocess.Popen(
            # --gil: only the thread holding the GIL is sampled, i.e. Python at work; threads blocked in
            # a queue, select() or recv() are not (py-spy cannot tell them from busy ones otherwise).
            # Native code that releases the GIL (pyoxigraph's evaluation) is timed by the layers.
            [spy, "record", "--pid", str(running.proc.pid), "--subprocesses", "--gil"]
            + ["--format", "raw", "--rate", str(rate), "--duration", str(int(seconds / 2) + 1)]
            + ["--output", str(raw)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.5)  # py-spy attaches
        sampled = _drive(running, queries, shape, seconds / 2, 50)
        _, err = recorder.communicate(timeout=seconds + 30)
        if recorder.returncode != 0 or not raw.exists():
            return {"error": f"py-spy failed: {err.strip()[-300:]}"}
    finally:
        running.stop()
    peers = {}
    for name, peer in (("oxigraph serve", OxigraphMemory()), ("naive Flask app", NaiveFlask())):
        try:
            other = peer.start(data, work, 120)
        except Exception as err:  # noqa: BLE001
            peers[name] = {"error": str(err)[:200]}
            continue
        try:
            _drive(other, queries[:1], shape, 0.3, 60)
            before, t0 = _tree_cpu(other.proc.pid), time.monotonic()
            counts = _drive(other, queries, shape, seconds / 4, 70)
            spent = _tree_cpu(other.proc.pid)
            n = counts.pop("requests")
            cpu = spent["user"] + spent["system"] - before["user"] - before["system"]
            peers[name] = {
                "rps": counts,
                "cpu_us_per_request": round(1e6 * cpu / n, 1) if n else None,
                "cpu_cores": round(cpu / (time.monotonic() - t0), 2),
            }
        finally:
            other.stop()
    result = summarize_samples(raw, sampled.pop("requests"), rate)
    result["peers_cpu"] = peers
    result["rps"] = sampled
    n = plain.pop("requests")
    result["unsampled"] = {
        "rps": plain,
        **{
            f"cpu_{k.replace(' ', '_')}_us_per_request": round(1e6 * v / n, 1) if n else None
            for k, v in used.items()
        },
        "cpu_cores": round((used["user"] + used["system"]) / wall, 2),
    }
    return result


def _tree_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of a process tree by role: user and system of all, and user + system of the
    HTTP server's master (the root), the front (its children: the workers running Flask) and the
    query pool (deeper: zygote and query workers), each with the children it has reaped."""
    import psutil

    out = {"user": 0.0, "system": 0.0, "master": 0.0, "front": 0.0, "query pool": 0.0}
    try:
        root = psutil.Process(pid)
        direct = {p.pid for p in root.children()}
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return out
    for proc in procs:
        try:
            t = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        user, system = t.user + t.children_user, t.system + t.children_system
        out["user"] += user
        out["system"] += system
        role = "master" if proc.pid == pid else "front" if proc.pid in direct else "query pool"
        out[role] += user + system
    return out


# ---------------------------------------------------------------------------------------------------


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:,.0f}"


def markdown(result: dict) -> str:
    table = result["stages"]
    queries = list(table)
    lines = [
        f"Per-stage cost of a unique query, {result['size']}, µs per request at concurrency 1 (lower "
        "quartile of interleaved calls) "
        f"(`python -m bench --profile`, commit `{result.get('commit')}`; {result['host']}):",
        "",
        "| stage | " + " | ".join(queries) + " |",
        "| --- | " + " | ".join("---:" for _ in queries) + " |",
    ]
    for stage in next(iter(table.values())):
        lines.append(f"| {stage} | " + " | ".join(_fmt(table[q][stage]) for q in queries) + " |")
    flask = result.get("flask_stages") or {}
    if flask:
        lines += [
            "",
            "The Flask path, for what the direct path leaves to it (POST, HEAD, browsers, a busy pool), "
            "the same queries through the WSGI app:",
            "",
            "| stage | " + " | ".join(flask) + " |",
            "| --- | " + " | ".join("---:" for _ in flask) + " |",
        ]
        for stage in next(iter(flask.values())):
            lines.append(f"| {stage} | " + " | ".join(_fmt(flask[q][stage]) for q in flask) + " |")
    faults = result["http"].get("faults", {})
    if faults:
        lines += [
            "",
            f"Minor page faults per request (mean of {FAULT_REQUESTS} unique requests, whole process tree; "
            "in brackets the processes forked meanwhile, i.e. fresh query workers):",
            "",
            "| server | " + " | ".join(queries) + " |",
            "| --- | " + " | ".join("---:" for _ in queries) + " |",
        ]
        for name, row in faults.items():
            cells = [
                f"{row[q]['minor_faults']:,}"
                + (f" ({row[q]['new_processes']})" if row[q]["new_processes"] else "")
                if q in row
                else "—"
                for q in queries
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    floors = [
        f"{name} {result['http'][f'{name}_floor_us']:,.0f} µs"
        for name in ("gunicorn", "granian")
        if result["http"].get(f"{name}_floor_us")
    ]
    if floors:
        lines += [
            "",
            "HTTP servers' own floor (an empty WSGI app; gunicorn with the gthread options ccdkg serve had "
            "before its granian front, granian's WSGI interface; same client, c=1): "
            + ", ".join(floors)
            + ".",
        ]
    s = result.get("samples", {})
    u = s.get("unsampled", {})
    if "stages_us_per_request" in s:
        lines += [
            "",
            f"py-spy under load (c=8 unique {', '.join(f'{k} {v}/s' for k, v in s['rps'].items())}; "
            f"{s['samples']} samples, {s['requests']} requests): CPU µs per request by stage. py-spy "
            "`--gil` counts Python holding the GIL. Without py-spy attached "
            f"({', '.join(f'{k} {v}/s' for k, v in u['rps'].items())}) the server's process tree used "
            f"{_fmt(u['cpu_user_us_per_request'])} µs user + {_fmt(u['cpu_system_us_per_request'])} µs "
            f"system CPU per request ({u['cpu_cores']} cores busy): the front process (HTTP server "
            f"worker, Flask) {_fmt(u['cpu_front_us_per_request'])} µs, the query pool "
            f"{_fmt(u['cpu_query_pool_us_per_request'])} µs, the master "
            f"{_fmt(u['cpu_master_us_per_request'])} µs. What the table does not show is "
            "the kernel's socket, pipe and futex work and native code that releases the GIL.",
            "",
            "| stage | CPU µs / request | share |",
            "| --- | ---: | ---: |",
        ]
        for k, v in s["stages_us_per_request"].items():
            lines.append(f"| {k} | {v:,.0f} | {100 * s['stages_share'][k]:.0f} % |")
        for name, p in s.get("peers_cpu", {}).items():
            if "error" in p:
                lines += ["", f"{name}: {p['error']}"]
                continue
            lines += [
                "",
                f"{name} under the same load ({', '.join(f'{k} {v}/s' for k, v in p['rps'].items())}): "
                f"{_fmt(p['cpu_us_per_request'])} µs of CPU per request ({p['cpu_cores']} cores busy).",
            ]
        lines += ["", "Hottest leaf functions: " + "; ".join(f"{k} {100 * v:.0f} %" for k, v in s["top_own"])]
    elif s:
        lines += ["", f"py-spy: {s.get('error')}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench --profile", description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10k", choices=SIZES)
    parser.add_argument("--queries", default=DEFAULT_QUERIES, help="comma-separated query slugs")
    parser.add_argument("--budget", type=float, default=0.25, help="seconds per layer and query (0.25)")
    parser.add_argument("--seconds", type=float, default=12.0, help="py-spy sampling under load (12)")
    parser.add_argument("--no-spy", action="store_true", help="skip the py-spy part")
    parser.add_argument("--output", type=Path, default=WORK / "profile.md")
    args = parser.parse_args(argv)
    from bench.extras import machine
    from bench.hostload import HostLoad, describe

    wanted = args.queries.split(",")
    queries = [q for q in load_queries() if q.slug in wanted]
    work = WORK / "profile"
    work.mkdir(parents=True, exist_ok=True)
    host = HostLoad().start()
    print(f"profile at {args.size}: in-process layers", file=sys.stderr, flush=True)
    layers = in_process_layers(args.size, queries, args.budget)
    print("over HTTP at concurrency 1", file=sys.stderr, flush=True)
    http = over_http(args.size, queries, args.budget, work)
    samples: dict = {}
    if not args.no_spy:
        print(f"py-spy under load for {args.seconds:g} s", file=sys.stderr, flush=True)
        load = [q for q in load_queries() if q.slug in LOAD_QUERIES.split(",")]
        samples = sample_under_load(args.size, load, args.seconds, work)
    load_m = host.mark()
    host.stop()
    result = {
        "size": args.size,
        "commit": machine().get("commit"),
        "host_load": load_m,
        "host": describe(load_m),
        "layers_us": layers,
        "http": http,
        "stages": stage_table(layers, http),
        "flask_stages": flask_table(layers),
        "samples": samples,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.with_suffix(".json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    text = markdown(result)
    args.output.write_text(text, encoding="utf-8")
    print("Figures are noisy: the machine is shared and the load generator runs on the same cores.")
    print(text)
    errors = {q: {k: v for k, v in row.items() if k.endswith("_error")} for q, row in layers.items()}
    errors = {q: e for q, e in errors.items() if e}
    if errors:
        print(f"layers not measured: {errors}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark's measurements beside the HTTP load: build time, start to first answer, validation
against plain pyshacl, and the in-process cost of our query path against bare pyoxigraph."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from bench.load import fetch
from bench.mix import load_queries
from bench.peers import BIN, PROBE, _launch, _stop, free_port
from bench.synth import WORK, Shape, data_file

REPO = Path(__file__).resolve().parent.parent
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}
STEP_LIMIT = 240.0  # s: any one extra measurement


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for dist in (
        "ccdkg",
        "pyoxigraph",
        "oxigraph",
        "rdflib",
        "rdflib-endpoint",
        "pyshacl",
        "flask",
        "granian",
        "gunicorn",
    ):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
        "commit": commit,
    }


def _timed(cmd: list[str], timeout: float = STEP_LIMIT, **kw) -> dict:
    t0 = time.monotonic()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "error": f"did not finish within {timeout:g} s"}
    result: dict = {"seconds": round(time.monotonic() - t0, 3), "exit": out.returncode}
    if out.returncode not in (0, 1):
        result["error"] = (out.stderr or out.stdout).strip().splitlines()[-1:] or [f"exit {out.returncode}"]
    return result


def build_time(repeats: int) -> dict:
    """``ccdkg build`` into a scratch release directory (the committed one is left alone)."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="ccdkg-bench-build-") as tmp:
        for _ in range(repeats):
            r = _timed([str(BIN / "ccdkg"), "build", "--release-dir", tmp, "-q"], cwd=tmp)
            runs.append(r)
            if r.get("exit") != 0:
                return {"error": r.get("error") or f"exit {r.get('exit')}", "runs": runs}
    times = [r["seconds"] for r in runs]
    return {"seconds": min(times), "runs": times}


def start_to_first_answer(repeats: int, data: Path | None = None) -> dict:
    """Launch ``ccdkg serve`` (the built graph, memory store) and poll until a query answers."""
    from bench.peers import Ccdkg

    times = []
    for _ in range(repeats):
        port = free_port()
        log = WORK / "start.log"
        t0 = time.monotonic()
        proc = _launch(Ccdkg("memory").command(data, port, WORK), log)
        url = f"http://127.0.0.1:{port}/sparql"
        try:
            while True:
                if proc.poll() is not None:
                    tail = log.read_text(errors="replace").strip().splitlines()[-1:]
                    return {"error": f"ccdkg serve exited: {tail}"}
                try:
                    if fetch(url, PROBE, "application/sparql-results+json", timeout=5)[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() - t0 > 60:
                    return {"error": "no answer within 60 s"}
                time.sleep(0.01)
            times.append(time.monotonic() - t0)
        finally:
            _stop(proc)
    return {"seconds": round(statistics.median(times), 3), "runs": [round(t, 3) for t in times]}


_PYSHACL = """
import sys, time
t0 = time.monotonic()
import pyshacl
from rdflib import Dataset, Graph
ds = Dataset()
ds.parse(sys.argv[1], format="nquads")
data = Graph()
for s, p, o, _ in ds.quads((None, None, None, None)):
    data.add((s, p, o))
shapes = Graph()
for path in sys.argv[2].split(","):
    shapes.parse(path, format="turtle")
ontology = Graph().parse(sys.argv[3], format="turtle")
conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none",
                                  allow_warnings=True, allow_infos=True)
print(conforms, round(time.monotonic() - t0, 3))
"""


def validation(sizes: list[str]) -> dict:
    """``ccdkg validate FILE`` against a plain pyshacl.validate with the same shapes and ontology
    (each in a fresh process, wall time including parsing)."""
    shapes = REPO / "validation" / "shapes.ttl"
    generated = REPO / "validation" / "generated-shapes.ttl"  # the same shapes as ccdkg validate
    ontology = REPO / "ontology" / "ccdkg.ttl"
    if not shapes.exists():
        return {"error": "validation/shapes.ttl not found"}
    shape_files = ",".join(str(p) for p in (shapes, generated) if p.exists())
    out: dict = {}
    for label in sizes:
        data = data_file(SIZES[label])
        row = {"ccdkg": _timed([str(BIN / "ccdkg"), "validate", str(data)])}
        if ontology.exists():
            row["pyshacl"] = _timed([sys.executable, "-c", _PYSHACL, str(data), shape_files, str(ontology)])
        out[label] = row
    return out


def _per_call(fn: Callable[[int], object], budget: float, max_calls: int = 2000) -> float:
    """Mean seconds per call of fn(n) for n = 1, 2, … over about ``budget`` seconds."""
    fn(0)  # first call outside the clock (lazy imports, query-plan caches of the first kind)
    n, t0 = 0, time.perf_counter()
    while n < max_calls:
        n += 1
        fn(n)
        if time.perf_counter() - t0 > budget:
            break
    return (time.perf_counter() - t0) / n


def in_process(label: str, budget: float) -> dict:
    """Microseconds per query, in one process: bare pyoxigraph (query + native serializer), our
    store's ``execute`` (negotiation, dataset handling, result cap), and the whole Flask app through
    its test client (guard, query worker pool, cache, access log) — no sockets involved."""
    import pyoxigraph as ox

    size = SIZES[label]
    data = data_file(size)
    shape = Shape(size)
    queries = load_queries()
    bare = ox.Store()
    bare.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)

    def run_bare(text: str, kind: str) -> bytes:
        result = bare.query(text, use_default_graph_as_union=True)
        fmt = ox.RdfFormat.N_TRIPLES if kind == "graph" else ox.QueryResultsFormat.JSON
        return result.serialize(format=fmt)

    paths: dict[str, Callable[[str, str], object]] = {}
    app_client = None
    try:
        from ccdkg.server.query import trusted
        from ccdkg.server.store import open_store

        ours = open_store("memory", [data])
        paths["store.execute"] = lambda text, accept: ours.execute(trusted(text), accept)
    except Exception as err:  # noqa: BLE001 - the server may not be there yet; say so in the report
        paths_error = f"store: {type(err).__name__}: {err}"
    else:
        paths_error = None
    try:
        from ccdkg.server import create_app

        app = create_app({"store": "memory", "data": [str(data)]})
        app_client = app.test_client()

        def via_app(text: str, accept: str) -> object:
            resp = app_client.get("/sparql", query_string={"query": text}, headers={"Accept": accept})
            if resp.status_code != 200:
                raise RuntimeError(f"HTTP {resp.status_code}: {resp.get_data()[:200]!r}")
            return resp.get_data()

        paths["flask app"] = via_app
    except Exception as err:  # noqa: BLE001
        paths_error = (paths_error + "; " if paths_error else "") + f"app: {type(err).__name__}: {err}"

    rows = {}
    for q in queries:
        row = {
            "bare_us": round(1e6 * _per_call(lambda n, q=q: run_bare(q.render(shape, n), q.kind), budget), 1)
        }
        for name, fn in paths.items():
            try:
                row[f"{name}_us"] = round(
                    1e6 * _per_call(lambda n, q=q, fn=fn: fn(q.render(shape, n), q.accept), budget), 1
                )
            except Exception as err:  # noqa: BLE001
                row[f"{name}_error"] = f"{type(err).__name__}: {err}"[:200]
        rows[q.slug] = row
    result = {"size": label, "paths": ["bare pyoxigraph", *paths], "queries": rows}
    if paths_error:
        result["error"] = paths_error
    if app_client is not None:
        engine = getattr(app, "extensions", {}).get("ccdkg")
        close = getattr(getattr(engine, "engine", None), "close", None)
        if callable(close):
            close()
    return result


def _in_process_subprocess(label: str, budget: float) -> dict:
    try:
        return _in_process_run(label, budget)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {STEP_LIMIT:g} s"}


def _in_process_run(label: str, budget: float) -> dict:
    # A fresh process: the app's worker pool forks, and the measurement must not inherit our state.
    code = (
        "import json; from bench.extras import in_process; "
        f"print(json.dumps(in_process({label!r}, {budget})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=STEP_LIMIT,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_before(sizes: list[str], quick: bool) -> dict:
    """The quick extras, run before the servers: build, start, in-process query path."""
    result: dict = {}
    result["build"] = build_time(1 if quick else 2)
    result["start_to_first_answer"] = start_to_first_answer(1 if quick else 3)
    result["in_process"] = {label: _in_process_subprocess(label, 0.1 if quick else 0.2) for label in sizes}
    return result


# Wall time validation took here at each size (ccdkg + pyshacl), to skip what no longer fits the run.
VALIDATION_COST = {"1k": 10, "10k": 30, "100k": 200}


def run_validation(sizes: list[str], remaining: float) -> dict:
    fits = [s for s in sizes if VALIDATION_COST.get(s, 600) <= remaining]
    result = validation(fits) if fits else {}
    for s in sizes:
        if s not in fits:
            result[s] = {"ccdkg": {"seconds": None, "error": "not run: the run's time limit was reached"}}
    return result

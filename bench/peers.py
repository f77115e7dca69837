"""Start and stop the servers being compared, side by side on loopback.

Each peer is a separate process (its own session, so that stopping it stops its workers too), started
on a free port with the same N-Quads file and the union of the named graphs as default graph.  The
load time is wall time from launch to the first correct answer, so it includes what a user waits for:
interpreter start, parsing, indexing, and for ``oxigraph serve`` the upload through the Graph Store
Protocol (its in-memory mode starts empty) or the ``oxigraph load`` into a fresh directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.load import fetch

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent
PROBE = "ASK { ?s ?p ?o }"


class PeerFailed(Exception):
    """The peer did not come up (or not within the load limit); the message says why."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_memory_mb(pid: int) -> float:
    """Resident memory of a process and its children in MiB: proportional set size (PSS) where the
    kernel gives it, so that gunicorn workers sharing the graph loaded before fork are not counted
    once per worker; RSS otherwise."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return float("nan")
    total = 0
    for proc in procs:
        try:
            info = proc.memory_full_info()
            total += getattr(info, "pss", info.rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            with contextlib.suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
    return total / 2**20


@dataclass
class Running:
    name: str
    url: str
    proc: subprocess.Popen
    load_seconds: float
    log: Path
    extra: dict = field(default_factory=dict)

    def memory_mb(self) -> float:
        return tree_memory_mb(self.proc.pid)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        _stop(self.proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)  # our own session: the server and its workers
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


def _launch(cmd: list[str], log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )


def _wait_ready(proc: subprocess.Popen, url: str, deadline: float, log: Path) -> None:
    """Poll with a trivial ASK until the endpoint answers 200, the process dies or time runs out."""
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-600:]
            raise PeerFailed(f"exited with {proc.returncode}: {tail.strip()}")
        try:
            status, _ = fetch(url, PROBE, "application/sparql-results+json", timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            _stop(proc)
            raise PeerFailed("not ready within the load limit")
        time.sleep(0.05)


class Peer:
    """A server under test: ``start`` returns a Running with its endpoint URL and load time."""

    name: str = ""
    label: str = ""
    family: str = ""  # ccdkg | oxigraph | naive | rdflib

    def available(self) -> str | None:
        """None when it can run here, else why not."""
        return None

    def start(self, data: Path, work: Path, limit: float) -> Running:
        raise NotImplementedError


class OxigraphMemory(Peer):
    name, label, family = "oxigraph-mem", "oxigraph serve (memory)", "oxigraph"

    def available(self) -> str | None:
        return None if (BIN / "oxigraph").exists() else "oxigraph not installed (pip install oxigraph)"

    def start(self, data: Path, work: Path, limit: float) -> Running:
        port = free_port()
        log = work / f"{self.name}.log"
        t0 = time.monotonic()
        proc = _launch(
            [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"], log
        )
        base = f"http://127.0.0.1:{port}"
        _wait_ready(proc, f"{base}/query", t0 + limit, log)
        # In-memory oxigraph starts empty: the data goes in through the Graph Store Protocol.
        with data.open("rb") as body:
            req = urllib.request.Request(
                f"{base}/store",
                data=body,
                method="POST",
                headers={"Content-Type": "application/n-quads", "Content-Length": str(data.stat().st_size)},
            )
            try:
                with urllib.request.urlopen(req, timeout=max(1.0, t0 + limit - time.monotonic())) as resp:
                    resp.read()
            except OSError as err:
                _stop(proc)
                raise PeerFailed(f"upload failed or exceeded the load limit: {err}") from err
        return Running(self.name, f"{base}/query", proc, time.monotonic() - t0, log)


class OxigraphDisk(Peer):
    name, label, family = "oxigraph-disk", "oxigraph serve-read-only (disk)", "oxigraph"

    def available(self) -> str | None:
        return OxigraphMemory().available()

    def start(self, data: Path, work: Path, limit: float) -> Running:
        port = free_port()
        store = work / f"{self.name}-store"
        shutil.rmtree(store, ignore_errors=True)
        log = work / f"{self.name}.log"
        t0 = time.monotonic()
        loader = _launch(
            [str(BIN / "oxigraph"), "load", "--location", str(store), "--file", str(data)],
            work / f"{self.name}-load.log",
        )
        try:
            loader.wait(timeout=limit)
        except subprocess.TimeoutExpired as err:
            _stop(loader)
            raise PeerFailed("oxigraph load exceeded the load limit") from err
        if loader.returncode != 0:
            raise PeerFailed(f"oxigraph load exited with {loader.returncode}")
        loaded = time.monotonic() - t0
        proc = _launch(
            [
                str(BIN / "oxigraph"),
                "serve-read-only",
                "--location",
                str(store),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ],
            log,
        )
        url = f"http://127.0.0.1:{port}/query"
        _wait_ready(proc, url, t0 + limit, log)
        return Running(self.name, url, proc, time.monotonic() - t0, log, {"bulk_load_s": round(loaded, 3)})


class RdflibEndpoint(Peer):
    name, label, family = "rdflib-endpoint", "rdflib-endpoint", "rdflib"

    def available(self) -> str | None:
        try:
            import rdflib_endpoint  # noqa: F401
            import uvicorn  # noqa: F401
        except ImportError:
            return "rdflib-endpoint[cli] not installed"
        return None

    def start(self, data: Path, work: Path, limit: float) -> Running:
        port = free_port()
        log = work / f"{self.name}.log"
        t0 = time.monotonic()
        proc = _launch(
            [str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port), str(data)],
            log,
        )
        url = f"http://127.0.0.1:{port}/"
        _wait_ready(proc, url, t0 + limit, log)
        return Running(self.name, url, proc, time.monotonic() - t0, log)


class Ccdkg(Peer):
    """``ccdkg serve --data FILE`` with the memory store, an on-disk store, or two server processes."""

    family = "ccdkg"

    def __init__(self, mode: str, workers: int = 2) -> None:
        self.mode = mode
        self.workers = workers
        self.name = {"memory": "ccdkg-mem", "disk": "ccdkg-disk", "workers": "ccdkg-workers"}[mode]
        self.label = {
            "memory": "ccdkg serve (memory)",
            "disk": "ccdkg serve --store PATH",
            "workers": f"ccdkg serve --workers {workers}",
        }[mode]

    def available(self) -> str | None:
        if not (BIN / "ccdkg").exists():
            return "ccdkg not installed"
        out = subprocess.run([str(BIN / "ccdkg"), "serve", "--help"], capture_output=True, text=True)
        if out.returncode != 0:
            return "ccdkg serve is not available yet"
        try:
            import ccdkg.server.run  # noqa: F401
        except ImportError as err:
            return f"ccdkg serve cannot start: {err}"
        return None

    def command(self, data: Path | None, port: int, work: Path) -> list[str]:
        cmd = [str(BIN / "ccdkg"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        if data is not None:
            cmd += ["--data", str(data)]
        if self.mode == "disk":
            store = work / f"{self.name}-store"
            shutil.rmtree(store, ignore_errors=True)
            cmd += ["--store", str(store)]
        if self.mode == "workers":
            cmd += ["--workers", str(self.workers)]
        return cmd

    def start(self, data: Path | None, work: Path, limit: float) -> Running:
        port = free_port()
        log = work / f"{self.name}.log"
        t0 = time.monotonic()
        proc = _launch(self.command(data, port, work), log)
        url = f"http://127.0.0.1:{port}/sparql"
        _wait_ready(proc, url, t0 + limit, log)
        return Running(self.name, url, proc, time.monotonic() - t0, log)


class NaiveFlask(Peer):
    """bench/naive_app.py (Flask + pyoxigraph, no guard, no deadline) under gunicorn: 2 sync workers,
    ``--preload`` (the store is loaded before the fork and shared copy-on-write). Sync workers close
    the connection after each response, as a default gunicorn deployment does."""

    name, label, family = "naive-flask", "naive Flask + pyoxigraph (gunicorn, 2 sync)", "naive"

    def available(self) -> str | None:
        return None if (BIN / "gunicorn").exists() else "gunicorn not installed"

    def start(self, data: Path, work: Path, limit: float) -> Running:
        port = free_port()
        log = work / f"{self.name}.log"
        t0 = time.monotonic()
        cmd = [str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "sync", "--preload"]
        cmd += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "bench.naive_app:app"]
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=REPO,
                env={**os.environ, "BENCH_NAIVE_DATA": str(data), "PYTHONPATH": str(REPO)},
            )
        url = f"http://127.0.0.1:{port}/sparql"
        _wait_ready(proc, url, t0 + limit, log)
        return Running(self.name, url, proc, time.monotonic() - t0, log)


# The peers of a default run; oxigraph-disk is measured on request (--peers), since issue 19's
# ratios are against `oxigraph serve` in memory.
DEFAULT_PEERS = ("ccdkg-mem", "ccdkg-disk", "ccdkg-workers", "naive-flask", "oxigraph-mem", "rdflib-endpoint")


def all_peers(workers: int = 2) -> list[Peer]:
    return [
        Ccdkg("memory"),
        Ccdkg("disk"),
        Ccdkg("workers", workers),
        NaiveFlask(),
        OxigraphMemory(),
        OxigraphDisk(),
        RdflibEndpoint(),
    ]


def pyoxigraph_bulk_load(data: Path) -> dict:
    """The floor for loading: a fresh Python process that imports pyoxigraph and bulk-loads the file
    into an in-memory store, with its wall time and peak resident memory."""
    code = (
        "import json,resource,sys,time\n"
        "t0=time.monotonic()\n"
        "import pyoxigraph as ox\n"
        "s=ox.Store()\n"
        "s.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)\n"
        "t1=time.monotonic()\n"
        "n=len(s)\n"
        "rss=int(open('/proc/self/statm').read().split()[1])*resource.getpagesize()/2**20\n"
        "print(json.dumps({'seconds':t1-t0,'quads':n,'rss_mb':rss,"
        "'maxrss_mb':resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}))\n"
    )
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code, str(data)], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    result["wall_s"] = time.monotonic() - t0
    return result

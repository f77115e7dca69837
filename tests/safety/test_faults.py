"""Faults: a worker killed mid-query, a bad graph or store at start, a remote store that goes down."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from .helpers import CCDKG, FIXTURE, free_port, record_figure, start_serve, stop, unique

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def _cpu(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_worker_killed_mid_query_is_replaced_and_the_server_recovers(live):
    result: dict = {}

    def heavy() -> None:
        result["reply"] = live.query(HEAVY + unique())

    thread = threading.Thread(target=heavy)
    thread.start()
    time.sleep(0.6)
    workers = live.worker_pids()
    assert workers, "no query worker processes found"
    busy = max(workers, key=_cpu)  # the one running the heavy query
    os.kill(busy, signal.SIGKILL)
    killed_at = time.monotonic()
    thread.join(10)
    reply = result["reply"]
    answered_after_kill = time.monotonic() - killed_at
    record_figure(
        "fault worker-killed-mid-query",
        {"status": reply.status, "seconds_after_kill": round(answered_after_kill, 3)},
    )
    assert reply.status == 503, reply.text
    assert "retry" in reply.text
    assert reply.seconds < 1.5  # answered at the kill, not at the 2 s deadline
    for _ in range(6):  # enough to cycle through every worker of the pool
        assert live.alive()
    assert busy not in live.worker_pids()


def _serve_fails(*args: str) -> tuple[int, list[str]]:
    proc = subprocess.run(
        [str(CCDKG), "serve", "--port", str(free_port()), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, (proc.stdout + proc.stderr).splitlines()


@pytest.mark.parametrize(
    "case", ["missing-data", "corrupt-data", "corrupt-store", "store-not-a-dir", "remote-down"]
)
def test_bad_graph_or_store_at_start_is_one_clear_line_and_exit_1(tmp_path, case):
    if case == "missing-data":
        args = ["--data", str(tmp_path / "missing.trig")]
    elif case == "corrupt-data":
        bad = tmp_path / "bad.trig"
        bad.write_text(FIXTURE.read_text(encoding="utf-8")[:500] + "\n<broken", encoding="utf-8")
        args = ["--data", str(bad)]
    elif case == "corrupt-store":
        store = tmp_path / "store"
        store.mkdir()
        (store / "CURRENT").write_text("garbage\n")
        args = ["--store", str(store)]
    elif case == "store-not-a-dir":
        args = ["--store", str(FIXTURE)]
    else:
        args = ["--store", f"http://127.0.0.1:{free_port()}/sparql"]
    code, lines = _serve_fails(*args)
    assert code == 1, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("ccdkg: error: "), lines
    assert "Traceback" not in lines[0]


@pytest.mark.slow
def test_remote_store_going_down_is_502_and_the_app_stays_up(tmp_path):
    location = tmp_path / "remote"
    subprocess.run(
        [str(OXIGRAPH), "load", "--location", str(location), "--file", str(FIXTURE)],
        check=True,
        capture_output=True,
    )
    port = free_port()
    remote = subprocess.Popen(
        [str(OXIGRAPH), "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = None
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        server = start_serve(tmp_path, "--store", f"http://127.0.0.1:{port}/query", "--deadline", "2")
        assert server.alive()
        stop(remote)
        down = server.query("ASK { ?s ?p ?o }" + unique())
        record_figure("fault remote-store-down", {"status": down.status, "seconds": round(down.seconds, 3)})
        assert down.status == 502, down.text
        assert down.seconds < 4
        assert server.get("/healthz").status == 200
        ready = server.get("/readyz")
        assert ready.status == 503 and "not ready" in ready.text
    finally:
        stop(remote)
        if server is not None:
            stop(server.proc)

"""Helpers for the safety suite: a live ``ccdkg serve``, a canary HTTP server, HTTP requests.

Everything listens on 127.0.0.1 on free ports and is stopped by the fixtures. The live server
serves the shared fixture dataset (tests/server/fixture.trig: the four named graphs) with a 2 s
deadline so that the denial-of-service probes finish quickly.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ..helpers import record_figure as shared_record_figure

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "server" / "fixture.trig"
CCDKG = Path(sys.executable).parent / "ccdkg"
DEADLINE = 2.0
GRAPH = "https://w3id.org/ccdkg/id/graph/"
SERVED = [GRAPH + name for name in ("ontology", "stated", "interpreted", "links")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique() -> str:
    """A comment that makes a query text unique, so no response cache answers it."""
    return f"\n# {uuid.uuid4().hex}\n"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Live:
    host: str
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = DEADLINE + 10,
    ) -> Reply:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return Reply(
                resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, time.monotonic() - started
            )
        finally:
            conn.close()

    def get(self, path: str, params: dict[str, str] | list[tuple[str, str]] | None = None, **kw) -> Reply:
        if params:
            path += "?" + urllib.parse.urlencode(params)
        return self.request("GET", path, **kw)

    def query(self, query: str, form: str = "get", accept: str = "application/sparql-results+json") -> Reply:
        """Send ``query`` to /sparql in one of the Protocol's three forms."""
        headers = {"Accept": accept}
        if form == "get":
            return self.get("/sparql", {"query": query}, headers=headers)
        if form == "form":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode({"query": query}).encode()
            return self.request("POST", "/sparql", body, headers)
        headers["Content-Type"] = "application/sparql-query"
        return self.request("POST", "/sparql", query.encode("utf-8"), headers)

    def alive(self) -> bool:
        if self.proc.poll() is not None:
            return False
        ask = self.query("ASK { ?s ?p ?o }" + unique())
        return ask.status == 200 and json.loads(ask.body)["boolean"] is True

    def worker_pids(self) -> list[int]:
        """The query worker processes: children of the pool's zygote, which is a child of the
        server (``--workers 0``) or of its granian worker (the default)."""
        found: list[int] = []
        level = _children(self.proc.pid)
        for _ in range(3):
            deeper = [(pid, _children(pid)) for pid in level]
            # the zygote's children have none of their own; a granian worker's zygote does
            found = [c for _, kids in deeper for c in kids if not _children(c) and not _validation(c)]
            if found:
                return found
            level = [c for _, kids in deeper for c in kids]
        return found


def _validation(pid: int) -> bool:
    """The upload validation helper (ccdkg.validation.worker), a sibling of the query pool's zygote."""
    with contextlib.suppress(OSError):
        return b"ccdkg.validation.worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    return False


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(p) for p in (task / "children").read_text().split()]
    return out


def start_serve(tmp: Path, *args: str, wait: float = 60.0) -> Live:
    port = free_port()
    log = tmp / f"serve-{port}.log"
    proc = subprocess.Popen(
        [str(CCDKG), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    live = Live("127.0.0.1", port, proc, log)
    end = time.monotonic() + wait
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"ccdkg serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if live.get("/healthz", timeout=2).status == 200:
                return live
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise TimeoutError("ccdkg serve did not answer /healthz")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@dataclass
class Canary:
    """An HTTP server that records every request; the endpoint must never make one to it."""

    port: int
    hits: list[str] = field(default_factory=list)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


# Measured figures (status, seconds, p99) for the closing note: test-artifacts/safety.json.
record_figure = partial(shared_record_figure, "safety.json")

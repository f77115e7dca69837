"""POST /validate against a live ``ccdkg serve`` (granian front, loopback): hostile uploads are refused or
killed in their own process, uploads have their own small concurrency limit, and queries never wait
for them (issue 13, item 2).

The loads are bounded: at most 9 concurrent uploads of under 1 MB, each test under ~30 s.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import os
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from ..helpers import record_figure
from .helpers import FIXTURE, free_port, stop
from .hostile import deep_turtle, laughs

DEADLINE = 3.0  # the server's query deadline; uploads get no longer


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Server:
    port: int
    proc: object

    def request(self, method: str, path: str, body: bytes | None = None, **headers: str) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return Reply(
                resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, time.monotonic() - started
            )
        finally:
            conn.close()

    def upload(self, data: bytes, content_type: str) -> Reply:
        return self.request(
            "POST", "/validate", data, **{"Content-Type": content_type, "Accept": "application/json"}
        )

    def ask(self) -> Reply:
        query = urllib.parse.quote(f"ASK {{}} # {time.monotonic_ns()}")  # unique: no cached answer
        return self.request("GET", f"/sparql?query={query}", Accept="application/sparql-results+json")


def start(tmp: Path, *args: str) -> Server:
    import subprocess
    import sys

    port = free_port()
    log = (tmp / f"serve-{port}.log").open("wb")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "ccdkg"), "serve", "--port", str(port), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(port, proc)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        assert proc.poll() is None, f"ccdkg serve exited with {proc.returncode}"
        try:
            if server.request("GET", "/healthz").status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise TimeoutError("ccdkg serve did not start")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start(tmp_path_factory.mktemp("uploads"), "--data", str(FIXTURE), "--deadline", str(DEADLINE))
    try:
        # The first upload may wait for the validation helper's one-off start (imports, shapes).
        assert (
            server.upload(b"<http://a/b> <http://a/c> <http://a/d> .\n", "application/n-triples").status
            == 200
        )
        yield server
    finally:
        stop(server.proc)  # type: ignore[arg-type]


# Measured figures for the closing note: test-artifacts/uploads.json.
record = partial(record_figure, "uploads.json")


def test_laughs_is_refused_at_parse_time(live: Server) -> None:
    reply = live.upload(laughs(), "application/rdf+xml")
    record("laughs", {"status": reply.status, "seconds": round(reply.seconds, 3)})
    assert reply.status == 400, reply.body[:300]
    assert "entity declarations" in reply.json()["error"]
    assert reply.seconds < 2


def test_ask_answers_while_eight_laughs_uploads_are_in_flight(live: Server) -> None:
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        uploads = [pool.submit(live.upload, laughs(), "application/rdf+xml") for _ in range(8)]
        time.sleep(0.2)
        asks = []
        while not all(u.done() for u in uploads) and len(asks) < 20:
            asks.append(live.ask())
        asks.append(live.ask())
        answers = [u.result(timeout=DEADLINE + 30) for u in uploads]
    worst = max(a.seconds for a in asks)
    record(
        "ask_during_8_laughs",
        {"worst_ask_seconds": round(worst, 3), "uploads": sorted({a.status for a in answers})},
    )
    assert all(a.status == 200 for a in asks)
    assert worst < 2, f"ASK took {worst:.1f} s while laughs uploads were in flight"
    # Each laughs upload is refused (400) or, past the upload limit, turned away (503); none runs on.
    assert {a.status for a in answers} <= {400, 503}
    assert max(a.seconds for a in answers) < DEADLINE + 2


def test_excess_uploads_get_503_at_once_and_queries_keep_answering(live: Server) -> None:
    slow = deep_turtle()
    with concurrent.futures.ThreadPoolExecutor(9) as pool:
        uploads = [pool.submit(live.upload, slow, "text/turtle") for _ in range(8)]
        # Those beyond the upload limit answer at once; the others are being validated.
        end = time.monotonic() + 5
        while sum(u.done() for u in uploads) < 6 and time.monotonic() < end:
            time.sleep(0.05)
        ninth = live.upload(slow, "text/turtle")
        asks = [live.ask() for _ in range(5)]
        answers = [u.result(timeout=DEADLINE + 30) for u in uploads]
    record(
        "ninth_upload",
        {
            "status": ninth.status,
            "seconds": round(ninth.seconds, 3),
            "worst_ask_seconds": round(max(a.seconds for a in asks), 3),
            "eight": sorted(a.status for a in answers),
        },
    )
    assert ninth.status == 503, ninth.body[:300]
    assert int(ninth.headers["retry-after"]) >= 1
    assert ninth.seconds < 1
    assert "busy" in ninth.json()["error"]
    assert all(a.status == 200 for a in asks)
    assert max(a.seconds for a in asks) < 2
    # The admitted ones are killed at the deadline (no longer than the query deadline): 504.
    assert 504 in {a.status for a in answers}
    assert {a.status for a in answers} <= {503, 504}
    assert max(a.seconds for a in answers) < DEADLINE + 3


def test_deep_nested_turtle_gets_a_clear_error_within_the_deadline(live: Server) -> None:
    reply = live.upload(deep_turtle(), "text/turtle")
    record("deep_turtle", {"status": reply.status, "seconds": round(reply.seconds, 3)})
    assert reply.status == 504, reply.body[:300]
    assert f"did not finish within {DEADLINE:g} seconds" in reply.json()["error"]
    assert reply.seconds < DEADLINE + 2


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                kids = [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                continue
            for kid in kids:
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _validation_processes(root: int) -> set[int]:
    """The validation helper and its jobs (forks of it) below ``root``: their command line says so."""
    found = set()
    for pid in _descendants(root):
        try:
            if b"ccdkg.validation.worker" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.add(pid)
        except OSError:
            pass
    return found


def test_validation_workers_die_with_the_server(tmp_path: Path) -> None:
    """Kill the server's process abruptly mid-upload: the upload's helper and worker go with it."""
    server = start(tmp_path, "--data", str(FIXTURE), "--deadline", "30")
    root = server.proc.pid  # type: ignore[attr-defined]
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(server.upload, deep_turtle(), "text/turtle")
            end = time.monotonic() + 20
            running: set[int] = set()
            while time.monotonic() < end and len(running) < 2:
                time.sleep(0.2)
                running = _validation_processes(root)
            assert len(running) >= 2, "no validation helper and job appeared"
            # The server process (the request's process) dies without any chance to clean up.
            for pid in _descendants(root):
                if f"PPid:\t{root}\n" in Path(f"/proc/{pid}/status").read_text():
                    os.kill(pid, 9)
            with pytest.raises(OSError):
                pending.result(timeout=30)
        end = time.monotonic() + 5
        while time.monotonic() < end and any(_alive(p) for p in running):
            time.sleep(0.1)
        assert not [p for p in running if _alive(p)], "a validation process outlived the server"
    finally:
        stop(server.proc)  # type: ignore[arg-type]

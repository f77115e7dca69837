"""A bounded HTTP load generator for SPARQL endpoints.

One process, asyncio (uvloop when installed), ``concurrency`` keep-alive connections, a minimal
HTTP/1.1 reader (Content-Length, chunked, or close-delimited bodies): every peer gets the same client,
whose own cost per request (tens of microseconds) is small beside the servers' and the same for all.
A cell runs for ``budget`` seconds of wall time and at least one request; the first request that
exceeds ``timeout`` ends the cell and is recorded, so a slow peer cannot stretch the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

try:  # uvloop halves the client's own cost per request; it comes with rdflib-endpoint[cli]
    import uvloop

    _new_loop: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
except ImportError:  # pragma: no cover - plain asyncio works, a little slower
    _new_loop = asyncio.new_event_loop


@dataclass
class Cell:
    """The outcome of one (peer, query, concurrency, cold|warm) measurement."""

    requests: int = 0
    errors: int = 0
    timeouts: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    first_error: str | None = None
    skipped: str | None = None  # why the cell was not run

    @property
    def ok(self) -> bool:
        return self.skipped is None and self.errors == 0 and self.timeouts == 0 and self.requests > 0

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed and self.requests else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))]

    @property
    def p50(self) -> float:
        return self.percentile(0.5)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    def to_json(self) -> dict:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "timeouts": self.timeouts,
            "elapsed": round(self.elapsed, 4),
            "rps": round(self.rps, 2),
            "p50_ms": round(self.p50 * 1000, 3) if self.latencies else None,
            "p99_ms": round(self.p99 * 1000, 3) if self.latencies else None,
            "first_error": self.first_error,
            "skipped": self.skipped,
        }


class _Endpoint:
    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path or "/"

    def request(self, query: str, accept: str) -> bytes:
        target = f"{self.path}?{urllib.parse.urlencode({'query': query})}"
        return (
            f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: {accept}\r\n"
            "User-Agent: ccdkg-bench\r\nConnection: keep-alive\r\n\r\n"
        ).encode("ascii")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """(status, connection reusable, body) of one HTTP/1.x response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    version, status = lines[0].split(b" ", 2)[:2]
    headers: dict[bytes, bytes] = {}
    for line in lines[1:]:
        if line:
            key, _, value = line.partition(b":")
            headers[key.strip().lower()] = value.strip().lower()
    connection = headers.get(b"connection", b"")
    keep = connection != b"close" if version == b"HTTP/1.1" else connection == b"keep-alive"
    if b"content-length" in headers:
        body = await reader.readexactly(int(headers[b"content-length"]))
    elif b"chunked" in headers.get(b"transfer-encoding", b""):
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                break
            chunks.append((await reader.readexactly(size + 2))[:-2])
        body = b"".join(chunks)
    else:
        body = await reader.read()
        keep = False
    return int(status), keep, body


async def _cell(
    url: str,
    make: Callable[[int], tuple[str, str]],
    concurrency: int,
    budget: float,
    timeout: float,
    start_n: int,
) -> Cell:
    endpoint = _Endpoint(url)
    cell = Cell()
    counter = iter(range(start_n, 1 << 62))
    stop = asyncio.Event()
    t0 = time.perf_counter()

    async def worker() -> None:
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while not stop.is_set():
                if time.perf_counter() - t0 >= budget and cell.requests > 0:
                    break
                query, accept = make(next(counter))
                payload = endpoint.request(query, accept)
                started = time.perf_counter()
                for attempt in (0, 1):  # a kept-alive connection the server has closed is retried once
                    reused = conn is not None
                    try:
                        if conn is None:
                            conn = await asyncio.open_connection(endpoint.host, endpoint.port)
                        conn[1].write(payload)
                        status, keep, body = await asyncio.wait_for(_read_response(conn[0]), timeout)
                        break
                    except (ConnectionError, asyncio.IncompleteReadError) as err:
                        _close(conn)
                        conn = None
                        if reused and attempt == 0:
                            continue
                        cell.errors += 1
                        cell.first_error = cell.first_error or f"{type(err).__name__}: {err}"
                        stop.set()
                        return
                    except TimeoutError:
                        cell.timeouts += 1
                        cell.first_error = cell.first_error or f"no answer within {timeout:g} s"
                        stop.set()
                        return
                cell.latencies.append(time.perf_counter() - started)
                cell.requests += 1
                if status != 200:
                    cell.errors += 1
                    cell.first_error = cell.first_error or f"HTTP {status}: {body[:200]!r}"
                    stop.set()
                if not keep:
                    _close(conn)
                    conn = None
        finally:
            _close(conn)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    cell.elapsed = time.perf_counter() - t0
    return cell


def _close(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
    if conn is not None:
        with contextlib.suppress(Exception):
            conn[1].close()


def run_cell(
    url: str,
    make: Callable[[int], tuple[str, str]],
    *,
    concurrency: int,
    budget: float,
    timeout: float,
    start_n: int = 0,
) -> Cell:
    """Send ``make(n)`` = (query, accept) for n = start_n, start_n+1, … for ``budget`` seconds."""
    loop = _new_loop()
    try:
        return loop.run_until_complete(_cell(url, make, concurrency, budget, timeout, start_n))
    finally:
        loop.close()


def fetch(url: str, query: str, accept: str, timeout: float = 60.0) -> tuple[int, bytes]:
    """One GET request; (status, body), for readiness probes and answer checks."""
    req = urllib.request.Request(
        f"{url}?{urllib.parse.urlencode({'query': query})}", headers={"Accept": accept}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def answer_size(kind: str, body: bytes) -> int | bool | None:
    """What an answer amounts to, to compare peers: rows, the boolean, or triples."""
    try:
        if kind == "graph":
            return sum(1 for line in body.decode("utf-8").splitlines() if line.strip())
        data = json.loads(body)
        if "boolean" in data:
            return bool(data["boolean"])
        bindings = data["results"]["bindings"]
        # A one-row aggregate (COUNT) is compared by its value, not by its one row.
        if len(bindings) == 1 and len(bindings[0]) == 1:
            (value,) = bindings[0].values()
            if value.get("datatype", "").endswith("#integer"):
                return int(value["value"])
        return len(bindings)
    except (ValueError, KeyError, UnicodeDecodeError):
        return None

"""The HTTP front's figures: unique trivial queries per second and a cheap ASK under slowloris.

``python -m bench.front http://127.0.0.1:8000/sparql`` against a running server (any of them:
``ccdkg serve``, ``--workers 0``, another WSGI server in front of ``create_app``):

* requests/s and p50/p99 of unique ``ASK {}`` queries (a ``# nonce N`` comment on each, so no
  cache answers) at concurrency 1 and 8 over keep-alive connections, ``--budget`` seconds each;
* the latency of a cheap ASK on a fresh connection while ``--slow`` sockets send one header line
  every 3 s (slowloris), and while as many declare ``Content-Length: 100000`` and send a byte every 3 s.

Bounded: a few seconds per figure, one client process. It prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import socket
import threading
import time
import urllib.parse

from bench.load import run_cell


def throughput(url: str, concurrency: int, budget: float) -> dict:
    cell = run_cell(
        url,
        lambda n: (f"ASK {{}}\n# nonce {n}", "application/sparql-results+json"),
        concurrency=concurrency,
        budget=budget,
        timeout=10.0,
        start_n=concurrency * 1_000_000_000 + int(time.time()) % 1_000_000 * 1000,
    )
    return cell.to_json()


def _ask(host: str, port: int, path: str, timeout: float) -> float | None:
    started = time.monotonic()
    try:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.request(
            "GET",
            f"{path}?{urllib.parse.urlencode({'query': f'ASK {{}} # {time.time_ns()}'})}",
            headers={"Accept": "application/sparql-results+json"},
        )
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return time.monotonic() - started if resp.status == 200 else None
    except OSError:
        return None


def under_slowloris(url: str, count: int, body: bool, seconds: float, timeout: float) -> dict:
    parts = urllib.parse.urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    if body:
        first = (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            "Content-Length: 100000\r\n\r\n"
        ).encode()
        drip = b" "
    else:
        first, drip = f"GET {path}?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n".encode(), b"X-Slow: 1\r\n"
    socks = []
    for _ in range(count):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(first)
        socks.append(s)
    done = threading.Event()

    def drip_all() -> None:
        while not done.wait(3.0):
            for s in socks:
                with contextlib.suppress(OSError):
                    s.sendall(drip)

    threading.Thread(target=drip_all, daemon=True).start()
    latencies: list[float | None] = []
    try:
        time.sleep(0.5)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            latencies.append(_ask(host, port, path, timeout))
            time.sleep(0.2)
    finally:
        done.set()
        for s in socks:
            s.close()
    answered = [x for x in latencies if x is not None]
    return {
        "asks": len(latencies),
        "unanswered": len(latencies) - len(answered),
        "worst_ms": round(max(answered) * 1000, 1) if answered else None,
        "timeout_s": timeout,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.front", description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the endpoint, e.g. http://127.0.0.1:8000/sparql")
    parser.add_argument("--budget", type=float, default=5.0, help="seconds per throughput figure")
    parser.add_argument("--slow", type=int, default=32, help="slowloris sockets")
    args = parser.parse_args(argv)
    figures = {
        "unique ASK c=1": throughput(args.url, 1, args.budget),
        "unique ASK c=8": throughput(args.url, 8, args.budget),
        f"cheap ASK under {args.slow} slow-header sockets": under_slowloris(
            args.url, args.slow, False, 3.0, 5.0
        ),
        f"cheap ASK under {args.slow} slow-body sockets": under_slowloris(
            args.url, args.slow, True, 3.0, 5.0
        ),
    }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Fixtures of the safety suite: a live ``ccdkg serve`` with a 2 s deadline and a canary server.

Everything listens on 127.0.0.1 on free ports and is stopped when the session ends. The live
server serves the shared fixture dataset (tests/server/fixture.trig: the four named graphs).
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from .helpers import DEADLINE, FIXTURE, Canary, Live, start_serve, stop


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    server = start_serve(tmp_path_factory.mktemp("live"), "--data", str(FIXTURE), "--deadline", str(DEADLINE))
    try:
        yield server
    finally:
        stop(server.proc)


@pytest.fixture(scope="session")
def canary() -> Iterator[Canary]:
    record = Canary(0)

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            record.hits.append(f"{self.command} {self.path}")
            body = b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_HEAD = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    record.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()

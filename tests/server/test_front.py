"""server/front.py without a socket: what the front answers before a request reaches the app.

granian hands the front a scope and a protocol object; these stand-ins record the response and
feed the body at a chosen pace, so each admission rule is checked in isolation (the live
behaviour, through granian, is tests/safety/test_front.py).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import pytest

from ccdkg.server.front import Front


class Headers(dict):
    def items(self):  # granian's headers: a list of pairs, repeats allowed
        return list(super().items())


class Scope:
    proto = "http"
    http_version = "1.1"
    scheme = "http"
    server = "127.0.0.1:8000"
    client = "127.0.0.2:5555"
    authority = None

    def __init__(self, method: str = "GET", path: str = "/", query: str = "", headers: dict | None = None):
        self.method, self.path, self.query_string = method, path, query
        self.headers = Headers(headers or {})


class Proto:
    def __init__(self, chunks: list[bytes] = (), delay: float = 0.0) -> None:
        self.chunks, self.delay = list(chunks), delay
        self.read = 0
        self.response: tuple[int, dict, bytes] | None = None

    def __aiter__(self):
        return self._body()

    async def _body(self):
        for chunk in self.chunks:
            await asyncio.sleep(self.delay)
            self.read += len(chunk)
            yield chunk

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.response = (status, dict(headers), body)


def echo_app(environ: dict, start_response: Any) -> list[bytes]:
    body = environ["wsgi.input"].read()
    info = {
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "remote": environ["REMOTE_ADDR"],
        "length": environ.get("CONTENT_LENGTH"),
        "accept": environ.get("HTTP_ACCEPT"),
        "body": body.decode(),
        "has_underscore_header": "HTTP_X_FORWARDED_FOR" in environ,
    }
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(info).encode()]


def _front(app=echo_app, **kw) -> Front:
    front = Front(
        app, threads=kw.pop("threads", 2), read_timeout=kw.pop("read_timeout", 1.0), max_body=1000, **kw
    )
    front.__rsgi_init__(None)
    return front


def _run(front: Front, scope: Scope, proto: Proto) -> tuple[int, dict, bytes]:
    asyncio.run(front.__rsgi__(scope, proto))
    assert proto.response is not None
    return proto.response


def test_a_complete_request_reaches_the_app_as_wsgi():
    front = _front()
    scope = Scope(
        "POST",
        "/id/上海",
        "q=%20a",
        {"accept": "text/plain", "content-length": "5", "x_forwarded_for": "6.6.6.6"},
    )
    status, _, body = _run(front, scope, Proto([b"he", b"llo"]))
    info = json.loads(body)
    assert status == 200
    assert info["path"] == "/id/上海".encode().decode("latin-1")  # WSGI: the UTF-8 bytes as latin-1
    assert info["query"] == "q=%20a" and info["remote"] == "127.0.0.2" and info["accept"] == "text/plain"
    assert info["body"] == "hello" and info["length"] == "5"
    assert info["has_underscore_header"] is False  # X_Forwarded_For must not pose as X-Forwarded-For


def test_a_body_over_the_cap_is_refused_before_it_is_read():
    proto = Proto([b"x" * 600, b"x" * 600])
    status, headers, _ = _run(_front(), Scope("POST", "/validate", headers={"content-length": "5000"}), proto)
    assert status == 413 and proto.read == 0
    proto = Proto([b"x" * 600, b"x" * 600])  # chunked: no length, stopped once past the cap
    status, _, _ = _run(_front(), Scope("POST", "/validate", headers={"transfer-encoding": "chunked"}), proto)
    assert status == 413


def test_a_slow_body_is_answered_408_at_the_read_timeout():
    front = _front(read_timeout=0.3)
    t0 = time.monotonic()
    status, headers, body = _run(
        front, Scope("POST", "/sparql", headers={"content-length": "10"}), Proto([b"a"] * 10, delay=0.1)
    )
    assert status == 408 and headers.get("connection") == "close"
    assert 0.25 < time.monotonic() - t0 < 1.0


def test_a_full_server_answers_503_with_retry_after_at_once():
    release = threading.Event()

    def stuck(environ, start_response):
        release.wait(5)
        start_response("200 OK", [])
        return [b""]

    front = _front(app=stuck, threads=1)

    async def both():
        first = Proto()
        task = asyncio.ensure_future(front.__rsgi__(Scope(), first))
        await asyncio.sleep(0.1)
        second = Proto()
        t0 = time.monotonic()
        await front.__rsgi__(Scope(), second)
        waited = time.monotonic() - t0
        release.set()
        await task
        return first.response, second.response, waited

    first, second, waited = asyncio.run(both())
    assert first[0] == 200
    assert second[0] == 503 and int(second[1]["retry-after"]) >= 1
    assert waited < 0.1


def test_a_client_gone_mid_body_is_not_dispatched():
    calls = []

    def app(environ, start_response):
        calls.append(environ)
        start_response("200 OK", [])
        return [b""]

    proto = Proto([b"abc"])
    asyncio.run(_front(app=app).__rsgi__(Scope("POST", "/sparql", headers={"content-length": "10"}), proto))
    assert calls == [] and proto.response is None


@pytest.mark.parametrize("bad", ["ten", "-1x"])
def test_a_malformed_content_length_is_400(bad):
    status, _, _ = _run(_front(), Scope("POST", "/sparql", headers={"content-length": bad}), Proto())
    assert status == 400


def test_an_app_that_never_starts_a_response_costs_no_thread():
    def broken(environ, start_response):
        return [b"no start_response"]

    front = _front(app=broken, threads=1)
    for _ in range(3):  # the one app thread survives each failure
        status, _, _ = _run(front, Scope(), Proto())
        assert status == 500
    assert front.busy == 0

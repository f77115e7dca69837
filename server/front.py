"""The HTTP front of ``ccdkg serve``: granian reads requests, a bounded thread pool runs the app.

Connections are handled by granian (Rust, hyper) on its event loop, never on the threads that
run the Flask app, so a slow client costs a socket and a little memory, not a thread:

* the request head must arrive within ``read_timeout`` seconds (hyper's header read timeout,
  which also closes idle keep-alive connections);
* the body is read here, on the event loop, within ``read_timeout`` plus one second per 64 KiB
  declared (else 408), up to ``max_body`` bytes (a larger ``Content-Length`` is refused 413
  before the client sends it; an ``Expect: 100-continue`` client gets its ``100 Continue`` from
  hyper only when the body is read, i.e. only for a request this front admits);
* only a complete request goes to an app thread. When every app thread is busy the answer is
  an immediate ``503`` with ``Retry-After`` from the event loop: requests reach the app's own
  bounded queue and deadline at once instead of waiting in the kernel's accept backlog.

The app threads number the query pool's workers and queue plus a spare eight (``app_threads``),
so that requests waiting for a query worker never take the last thread from a cheap request,
a page or a health check.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import queue
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ccdkg.server.direct import DirectQueries

log = logging.getLogger("ccdkg.front")

_PLAIN = [("content-type", "text/plain; charset=utf-8")]
# Seconds of reading allowed per 64 KiB of declared body, on top of the read timeout.
_BODY_RATE = 64 * 1024


def _plain(text: str) -> bytes:
    return (text.rstrip("\n") + "\n").encode("utf-8")


class Front:
    """An RSGI application (granian's native interface) around one WSGI application."""

    def __init__(
        self,
        wsgi_app: Callable[..., Any],
        *,
        threads: int,
        read_timeout: float,
        max_body: int,
        on_start: Callable[[], None] | None = None,
        multiprocess: bool = False,
        direct: DirectQueries | None = None,
    ) -> None:
        self.wsgi_app = wsgi_app
        self.threads = threads
        self.read_timeout = read_timeout
        self.max_body = max_body
        self.on_start = on_start
        self.multiprocess = multiprocess
        self.direct = direct  # plain GET /sparql answered on the loop (server/direct.py)
        self.busy = 0  # requests handed to the app threads and not done; changed on the loop only
        self.rejected = 0
        self._jobs: queue.SimpleQueue | None = None

    # granian calls these in each worker process, after the fork, before/after serving

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.on_start is not None:
            self.on_start()  # e.g. fork the query pool of this worker process
        self._jobs = queue.SimpleQueue()
        for i in range(self.threads):
            threading.Thread(target=self._serve_jobs, name=f"ccdkg-app-{i}", daemon=True).start()

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._jobs is not None:
            for _ in range(self.threads):
                self._jobs.put(None)

    def _serve_jobs(self) -> None:
        """An app thread: run requests handed over by the event loop, hand the responses back
        (a plain queue and call_soon_threadsafe: lighter than run_in_executor's two futures)."""
        assert self._jobs is not None
        get = self._jobs.get
        while True:
            job = get()
            if job is None:
                return
            loop, future, environ = job
            try:
                response = self._call(environ)
            except Exception:  # noqa: BLE001 - a broken response must not cost the server a thread
                log.exception("the application failed")
                response = 500, list(_PLAIN), _plain("internal server error")
            try:
                loop.call_soon_threadsafe(self._resolve, future, response)
            except RuntimeError:  # the loop has closed: the server is stopping
                return

    def _resolve(self, future: asyncio.Future, response: Any) -> None:
        """On the event loop: the app thread is free again; answer unless the client has left."""
        self.busy -= 1
        if not future.done():
            future.set_result(response)

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":  # websockets: not served
            proto.close(1008)
            return
        if self.direct is not None and scope.method == "GET":
            try:
                answer = await self.direct.answer(scope)
            except Exception:  # noqa: BLE001 - a bug there must not cost the request: Flask answers
                log.exception("the direct query path failed; answering through the app")
                answer = None
            if answer is not None:
                with contextlib.suppress(RuntimeError):  # the client went away
                    proto.response_bytes(*answer)
                return
        if self.busy >= self.threads:
            self._reject(proto)
            return
        headers = scope.headers
        declared = headers.get("content-length")
        length = 0
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                proto.response_bytes(400, _PLAIN, _plain("Content-Length is not a number"))
                return
            if length > self.max_body:
                proto.response_bytes(
                    413,
                    [*_PLAIN, ("connection", "close")],
                    _plain(f"request body larger than this server's cap of {self.max_body} bytes"),
                )
                return
        body = b""
        if declared is not None or "transfer-encoding" in headers:
            body_or_status = await self._read_body(proto, length)
            if isinstance(body_or_status, int):
                return
            body = body_or_status
        if self.busy >= self.threads:  # filled up while the body arrived
            self._reject(proto)
            return
        environ = self._environ(scope, body)
        assert self._jobs is not None
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.busy += 1  # until the app thread is done with it (_resolve), even if the client leaves
        self._jobs.put((loop, future, environ))
        status, out_headers, data = await future
        with contextlib.suppress(RuntimeError):  # the client went away (RSGIProtocolClosed)
            proto.response_bytes(status, out_headers, data)

    def _reject(self, proto: Any) -> None:
        self.rejected += 1
        proto.response_bytes(
            503,
            [*_PLAIN, ("retry-after", "1")],
            _plain("every request thread of this server is busy; retry shortly"),
        )

    async def _read_body(self, proto: Any, length: int) -> bytes | int:
        chunks: list[bytes] = []
        size = 0
        limit = self.read_timeout + length / _BODY_RATE
        try:
            async with asyncio.timeout(limit):
                async for chunk in proto:
                    size += len(chunk)
                    if size > self.max_body:
                        proto.response_bytes(
                            413,
                            [*_PLAIN, ("connection", "close")],
                            _plain(f"request body larger than this server's cap of {self.max_body} bytes"),
                        )
                        return 413
                    chunks.append(chunk)
            if length and size < length:
                return 499  # the client closed before sending what it declared: nobody to answer
        except TimeoutError:
            proto.response_bytes(
                408,
                [*_PLAIN, ("connection", "close")],
                _plain(f"the request body did not arrive within {limit:g} seconds"),
            )
            return 408
        except RuntimeError:  # the client went away mid-body
            return 499
        return b"".join(chunks)

    def _environ(self, scope: Any, body: bytes) -> dict[str, Any]:
        server_host, _, server_port = scope.server.rpartition(":")
        client_host, _, client_port = scope.client.rpartition(":")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": scope.method,
            "SCRIPT_NAME": "",
            # WSGI strings are bytes as latin-1; granian gives the percent-decoded path as UTF-8 text.
            "PATH_INFO": scope.path.encode("utf-8", "surrogateescape").decode("latin-1"),
            "QUERY_STRING": scope.query_string,
            "SERVER_NAME": server_host.strip("[]"),
            "SERVER_PORT": server_port,
            "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
            "REMOTE_ADDR": client_host.strip("[]"),
            "REMOTE_PORT": client_port,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": self.multiprocess,
            "wsgi.run_once": False,
        }
        for name, value in scope.headers.items():
            if "_" in name:  # X_Forwarded_For would pose as X-Forwarded-For in the environ: drop it
                continue
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            value = value.encode("utf-8", "surrogateescape").decode("latin-1")
            if key in environ:
                environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + value
            else:
                environ[key] = value
        if body or "CONTENT_LENGTH" in environ:
            environ["CONTENT_LENGTH"] = str(len(body))
        return environ

    def _call(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        """Run the WSGI app on this (app) thread; the whole response, to hand back to the loop."""
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: chunks.append(data)  # the legacy write() callable

        chunks: list[bytes] = []
        try:
            result = self.wsgi_app(environ, start_response)
            try:
                for chunk in result:
                    if chunk:
                        chunks.append(chunk)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except Exception:  # noqa: BLE001 - Flask answers its own errors; this is a bug below it
            log.exception("the application failed")
            return 500, list(_PLAIN), _plain("internal server error")
        status, headers = started
        return int(status[:3]), [(str(k), str(v)) for k, v in headers], b"".join(chunks)


# What granian's workers serve: set by ``ccdkg serve`` before it forks them.
serving: Front | None = None


def body_cap(app: Any) -> int:
    """The largest body any route accepts (the routes refuse beyond their own caps, with their
    own messages): the request cap, or the validation upload cap when that is larger."""
    from ccdkg.server.validation import DEFAULT_MAX_BYTES

    config = app.extensions["ccdkg"].config
    return max(
        config.max_request_bytes,
        int(app.config.get("MAX_CONTENT_LENGTH") or 0),
        int(app.config.get("VALIDATION_MAX_BYTES", DEFAULT_MAX_BYTES)),
    )

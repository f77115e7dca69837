"""The access log: one line per request (who, what, status, size, duration; for queries the
cache state and the query), from Flask's hook, the replay cache and the direct path alike.

Lines go to the ``ccdkg.access`` logger, so an embedding application configures them as it
configures any log. ``ccdkg serve`` instead writes them to standard error itself
(:func:`to_stream`): the request's thread only formats the line (the timestamp kept per second)
and queues it, and a writer thread writes what has queued every ``FLUSH_EVERY`` seconds — a
LogRecord, a Formatter and a locked write per request were a tenth of a trivial query's CPU.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing.util
import os
import queue
import threading
import time
from dataclasses import dataclass
from typing import IO

logger = logging.getLogger("ccdkg.access")

FLUSH_EVERY = 0.05  # seconds a line may wait before it is written
_DATE = "%Y-%m-%dT%H:%M:%S"  # as run.py's logging format wrote it: "%(asctime)s %(message)s"


class _StreamWriter:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._second = -1
        self._stamp = ""
        self._pid = -1
        self._lock = threading.Lock()

    def stamp(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._stamp = time.strftime(_DATE, time.localtime(now))
            self._second = now
        return self._stamp

    def put(self, line: str) -> None:
        self.lines.put(line)
        if self._pid != os.getpid():  # first line in this process (granian forks workers)
            self._start()

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="ccdkg-access-log", daemon=True).start()
            # At exit, what is queued: atexit for a plain process; multiprocessing's children
            # (granian's workers) end in os._exit, after running its finalizers instead.
            atexit.register(self.flush)
            multiprocessing.util.Finalize(self, self.flush, exitpriority=100)

    def _run(self) -> None:
        while True:
            time.sleep(FLUSH_EVERY)
            self.flush()

    def flush(self) -> None:
        batch = []
        try:
            while True:
                batch.append(self.lines.get_nowait())
        except queue.Empty:
            pass
        if batch:
            try:
                self.stream.write("".join(batch))
                self.stream.flush()
            except (OSError, ValueError):  # stderr closed: nobody reads the log any more
                pass


_writer: _StreamWriter | None = None


def to_stream(stream: IO[str]) -> None:
    """Write the access log to ``stream`` (``ccdkg serve``: standard error), off the request thread."""
    global _writer
    _writer = _StreamWriter(stream)
    logger.propagate = False
    logger.setLevel(logging.INFO)


def enabled() -> bool:
    return _writer is not None or logger.isEnabledFor(logging.INFO)


@dataclass(slots=True)
class Note:
    """What one request's handling tells its log line and metrics (``flask.g.ccdkg``, made when
    the request starts: server/app.py)."""

    started: float  # time.monotonic() at the start: durations, and the query's deadline
    query: str | None = None  # a query request's text
    cache: str = "-"  # the response cache: "hit", "miss" or "-" (not cached)


def note() -> Note:
    """The current request's note: made at its start (server/app.py), or now by whoever asks first."""
    from flask import g

    found = g.get("ccdkg")
    if found is None:
        found = g.ccdkg = Note(time.monotonic())
    return found


def line(client: str | None, request: str, status: int, size: int | str, ms: float, extra: str = "") -> None:
    """``client "request" status size 1.2ms extra`` — ``request`` is "METHOD target"."""
    text = f'{client or "-"} "{request}" {status} {size} {ms:.1f}ms{extra}'
    writer = _writer
    if writer is not None:
        writer.put(f"{writer.stamp()} {text}\n")
    elif logger.isEnabledFor(logging.INFO):
        logger.info("%s", text)


def query_extra(cache: str, query: str) -> str:
    """The part of a query's line after the duration: its cache state and its first 200 characters."""
    short = " ".join(query.split())
    return f" cache={cache} query={short[:200]!r}"

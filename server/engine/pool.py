"""The query pool: killable query workers over one loaded store, a queue, the quick lane."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import marshal
import os
import signal
import socket
import struct
import threading
import time
from collections import deque

from ccdkg.server.engine.wire import ERRORS, OK, REPLY, Channel, QueryJob, error_classes
from ccdkg.server.engine.worker import resident_bytes, zygote_main
from ccdkg.server.store import Overloaded, QueryError, QueryTimeout, Store

log = logging.getLogger("ccdkg.engine")


TIMEOUT_MESSAGE = (
    "query stopped at the server's deadline; simplify it, add LIMIT, "
    "or run it on your own copy of the data (see /downloads/)"
)

# Seconds a client whose query overran the quick lane's budget is served by the shared lane only.
QUICK_PENALTY = 30.0


QUEUE_FULL = "every query worker is busy and the queue is full; retry shortly"
ALL_BUSY = "every query worker is busy; retry shortly"


class _Waiter:
    """A request waiting for a shared worker: a thread (``wake``) or an event loop (``future``)."""

    __slots__ = ("wake", "loop", "future", "worker")

    def __init__(
        self,
        wake: threading.Condition | None,
        loop: asyncio.AbstractEventLoop | None = None,
        future: asyncio.Future | None = None,
    ) -> None:
        self.wake = wake
        self.loop = loop
        self.future = future
        self.worker: _Worker | None = None


class _Worker:
    __slots__ = ("pid", "conn", "jobs", "quick")

    def __init__(self, pid: int, conn: Channel, quick: bool = False) -> None:
        self.pid = pid
        self.conn = conn
        self.jobs = 0
        self.quick = quick  # a quick-lane worker (see the module's docstring)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.conn.close()


class QueryPool:
    """A pool of killable query workers over one loaded store."""

    def __init__(
        self,
        store: Store,
        size: int = 2,
        max_size: int = 3,
        max_queue: int = 32,
        queue_wait: float | None = None,
        max_jobs: int = 10_000,
        max_private: int | None = None,
        confined: bool = True,
        quick: int = 0,
        quick_budget: float = 0.25,
    ) -> None:
        self.store = store
        self.confined = confined  # workers confine themselves (sandbox.py) before any query
        self.size = size
        self.max_size = max_size
        self.quick = quick
        self.quick_budget = quick_budget
        self.max_queue = max_queue
        self.queue_wait = queue_wait  # None: a request waits for a worker until its own deadline
        self.max_jobs = max_jobs
        # None: as much as the whole loaded process (at least 64 MiB). Not less: a fresh worker
        # re-copies every page it touches, and retiring at a quarter of the store made heavy
        # queries at 1M triples 3-10x slower (each fresh worker paid the copy again). The cap of
        # the pool bounds memory; this catches growth beyond the store (result buffers, leaks).
        self.max_private = max_private
        self._max_private = 0
        self._owner: int | None = None
        self._lock = threading.Condition()
        self._spawn_lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._total = 0  # idle + busy + being spawned
        self._waiters: deque[_Waiter] = deque()  # requests waiting for a shared worker, oldest first
        self._quick_idle: list[_Worker] = []
        self._quick_waiting = 0
        self._inflight: dict[str, int] = {}  # client -> its queries running or waiting here
        self._penalized: dict[str, float] = {}  # client -> until when it skips the quick lane
        self._zygote_pid: int | None = None
        self._ctrl: socket.socket | None = None
        self.killed = 0  # workers killed at the deadline, for metrics and tests
        self.retired = 0  # workers replaced after max_jobs queries or past max_private
        self.quick_served = 0  # queries answered by the quick lane
        self.quick_overruns = 0  # queries stopped at the quick budget and moved to the shared lane

    # lifecycle

    @property
    def started(self) -> bool:
        return self._owner == os.getpid()

    def start(self) -> None:
        """Fork the zygote and the first workers. Call while the process is single-threaded."""
        with self._lock:
            if self.started:
                return
            self._reset_after_fork()
            self._max_private = (
                self.max_private if self.max_private is not None else max(64 << 20, resident_bytes())
            )
            parent, child = socket.socketpair()
            me = os.getpid()
            pid = os.fork()
            if pid == 0:
                try:
                    parent.close()
                    zygote_main(child, self.store, self.max_jobs, self._max_private, self.confined, me)
                finally:
                    os._exit(0)
            child.close()
            self._ctrl, self._zygote_pid, self._owner = parent, pid, os.getpid()
            for _ in range(self.size):
                self._idle.append(self._spawn())
            self._total = len(self._idle)
            for _ in range(self.quick):
                self._quick_idle.append(self._spawn(quick=True))

    def _reset_after_fork(self) -> None:
        # Whatever a parent process left in this object belongs to the parent's pool.
        self._idle, self._total, self._waiters = [], 0, deque()
        self._quick_idle, self._quick_waiting = [], 0
        self._inflight, self._penalized = {}, {}
        self._ctrl = None
        self._zygote_pid = None

    def close(self) -> None:
        with self._lock:
            if not self.started:
                return
            for worker in (*self._idle, *self._quick_idle):
                worker.kill()
            self._idle, self._quick_idle = [], []
            if self._ctrl is not None:
                self._ctrl.close()  # the zygote exits on EOF; busy workers die with it (PDEATHSIG)
            if self._zygote_pid:
                try:
                    os.kill(self._zygote_pid, signal.SIGKILL)
                    os.waitpid(self._zygote_pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
            self._owner = None

    def _spawn(self, quick: bool = False) -> _Worker:
        with self._spawn_lock:
            assert self._ctrl is not None
            self._ctrl.sendall(b"w")
            msg, fds, _flags, _addr = socket.recv_fds(self._ctrl, 4, 1)
            if len(msg) != 4 or len(fds) != 1:
                raise QueryError("the query worker pool cannot start a worker")
            (pid,) = struct.unpack("!i", msg)
            return _Worker(pid, Channel(socket.socket(fileno=fds[0])), quick)

    # running a query

    def _acquire(self, deadline: float) -> _Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            if self._total >= self.max_size:
                if len(self._waiters) >= self.max_queue:
                    raise Overloaded(QUEUE_FULL)
                waiter = _Waiter(threading.Condition(self._lock))
                self._waiters.append(waiter)
                limit = deadline
                if self.queue_wait is not None:
                    limit = min(deadline, time.monotonic() + self.queue_wait)
                while waiter.worker is None:
                    remaining = limit - time.monotonic()
                    if remaining <= 0:
                        self._waiters.remove(waiter)
                        raise Overloaded(ALL_BUSY)
                    waiter.wake.wait(remaining)
                return waiter.worker
            self._total += 1
        return self._grow()

    def _try_shared(self) -> _Worker | None:
        """A shared worker without waiting: an idle one, or a new one while the pool may grow."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
            if self._total >= self.max_size:
                return None
            self._total += 1
        return self._grow()

    def _grow(self) -> _Worker:
        """A new shared worker for a place already counted in ``_total`` (given back if it fails)."""
        try:
            return self._spawn()
        except BaseException:
            with self._lock:
                self._total -= 1
            raise

    def _try_quick(self, client: str | None) -> _Worker | None:
        """A quick-lane worker for ``client``, waiting at most one budget, or None."""
        if not self.quick:
            return None
        now = time.monotonic()
        with self._lock:
            if client is not None:
                if self._inflight.get(client, 0) > 1:  # counting this request
                    return None
                if not self._quick_admits(client, now):
                    return None
            if self._quick_idle:
                return self._quick_idle.pop()
            if self._quick_waiting >= self.quick:
                return None  # one waiting per quick worker: each waits at most about one budget
            self._quick_waiting += 1
            try:
                limit = now + self.quick_budget
                while not self._quick_idle:
                    remaining = limit - time.monotonic()
                    if remaining <= 0:
                        return None
                    self._lock.wait(remaining)
                return self._quick_idle.pop()
            finally:
                self._quick_waiting -= 1

    def _quick_admits(self, client: str | None, now: float) -> bool:
        """Whether the quick lane may serve ``client`` (under the lock): not penalized lately."""
        if not self.quick:
            return False
        if client is None:
            return True
        until = self._penalized.get(client)
        if until is not None:
            if until > now:
                return False
            del self._penalized[client]
        return True

    def _release(self, worker: _Worker) -> None:
        """A free worker goes to the longest waiting request (a thread or an event loop's), else idle."""
        waiter = None
        with self._lock:
            if worker.quick:
                self._quick_idle.append(worker)
                self._lock.notify_all()  # the quick lane's waiters wait on the pool's condition
                return
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.worker = worker
                if waiter.wake is not None:
                    waiter.wake.notify()
                    return
            else:
                self._idle.append(worker)
                return
        waiter.loop.call_soon_threadsafe(self._deliver, waiter)

    def _retire(self, worker: _Worker) -> None:
        """Replace a worker that exits by itself, off the request's path."""
        self.retired += 1
        threading.Thread(target=self._replace, args=(worker,), name="ccdkg-retire", daemon=True).start()

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        try:
            fresh = self._spawn(quick=worker.quick)
        except (OSError, QueryError):
            if not worker.quick:
                with self._lock:
                    self._total -= 1
            log.exception("could not replace a query worker")
            return
        self._release(fresh)

    def run(self, job: QueryJob, deadline: float, client: str | None = None) -> tuple[bytes, str]:
        """Answer ``job`` by ``deadline`` (a time.monotonic() value) or raise QueryTimeout.

        ``client`` (the requester's address) decides whether the quick lane may serve it."""
        if not self.started:
            self.start()
        if client is not None:
            with self._lock:
                self._inflight[client] = self._inflight.get(client, 0) + 1
        try:
            worker = self._try_shared()
            if worker is None:
                quick = self._try_quick(client)
                if quick is not None:
                    budget_end = min(deadline, time.monotonic() + self.quick_budget)
                    reply = self._exchange(quick, job, budget_end, overrun=budget_end < deadline)
                    if reply is not None:
                        self.quick_served += 1
                        return reply
                    self.quick_overruns += 1
                    if client is not None:
                        with self._lock:
                            self._penalized[client] = time.monotonic() + QUICK_PENALTY
                            if len(self._penalized) > 10_000:  # bounded: forget the oldest
                                self._penalized.pop(next(iter(self._penalized)))
                worker = self._acquire(deadline)
            reply = self._exchange(worker, job, deadline, overrun=False)
            assert reply is not None
            return reply
        finally:
            self.done(client)

    def _exchange(
        self, worker: _Worker, job: QueryJob, until: float, overrun: bool
    ) -> tuple[bytes, str] | None:
        """Run ``job`` on ``worker`` until ``until``. Past it the worker is killed and replaced;
        then None when ``overrun`` (the quick budget ran out before the deadline), else QueryTimeout."""
        try:
            worker.conn.send(marshal.dumps(job))
            ready = worker.conn.poll(until - time.monotonic())
        except (EOFError, OSError):
            self._replace(worker)
            raise Overloaded("the query worker stopped unexpectedly; retry shortly") from None
        except BaseException:
            self._replace(worker)
            raise
        if not ready:
            if overrun:
                self._replace_later(worker)
                return None
            self.killed += 1
            self._replace(worker)
            raise QueryTimeout(TIMEOUT_MESSAGE)
        return self.receive(worker)

    # The same exchange in steps, for a caller that waits on its own event loop (server/direct.py):
    # take_idle, send, wait until worker.conn is readable or the deadline, then receive or abandon.

    def take(self, client: str | None, loop: asyncio.AbstractEventLoop) -> _Worker | asyncio.Future | None:
        """A shared worker at once, or a future that ``loop`` resolves with one when one is free
        (None past the deadline: see :meth:`give_up`), or None: the caller takes :meth:`run`'s
        way, which may grow the pool or use the quick lane. The client counts as in flight
        until :meth:`done`."""
        if not self.started:
            return None
        with self._lock:
            if self._idle:
                worker: _Worker | asyncio.Future = self._idle.pop()
            elif self._total < self.max_size or (
                self._inflight.get(client or "", 0) == 0 and self._quick_admits(client, time.monotonic())
            ):
                return None  # the pool grows, or the quick lane may serve this client: run()'s way
            elif len(self._waiters) >= self.max_queue:
                raise Overloaded(QUEUE_FULL)
            else:
                worker = loop.create_future()
                self._waiters.append(_Waiter(None, loop, worker))
            if client is not None:
                self._inflight[client] = self._inflight.get(client, 0) + 1
        return worker

    def give_up(self, future: asyncio.Future) -> None:
        """On the loop, at the deadline: stop waiting for a worker (a late one goes back)."""
        with self._lock:
            for waiter in self._waiters:
                if waiter.future is future:
                    self._waiters.remove(waiter)
                    break
        if not future.done():
            future.set_result(None)

    def _deliver(self, waiter: _Waiter) -> None:
        """On the waiter's loop: hand it the worker, unless it stopped waiting."""
        assert waiter.future is not None and waiter.worker is not None
        if waiter.future.done():
            self._release(waiter.worker)
        else:
            waiter.future.set_result(waiter.worker)

    def send(self, worker: _Worker, job: QueryJob) -> None:
        try:
            worker.conn.send(marshal.dumps(job))
        except (EOFError, OSError):
            self._replace_later(worker)
            raise Overloaded("the query worker stopped unexpectedly; retry shortly") from None

    def receive(self, worker: _Worker) -> tuple[bytes, str]:
        """The reply of a worker that has one ready; the worker goes back to the pool (or retires).
        A broken one is replaced off the caller's thread: that may be the front's event loop."""
        try:
            reply = worker.conn.recv()
            kind, flags, length = REPLY.unpack_from(reply)
            end = REPLY.size + length
            label = bytes(reply[REPLY.size : end]).decode()
            body = bytes(memoryview(reply)[end:])
        except (EOFError, OSError, struct.error):
            self._replace_later(worker)
            raise Overloaded("the query worker stopped unexpectedly; retry shortly") from None
        except BaseException:
            self._replace_later(worker)
            raise
        if flags & 1:
            self._retire(worker)
        else:
            self._release(worker)
        if kind == OK:
            return body, label
        cls = ERRORS.get(label) or error_classes().get(label, QueryError)
        err = cls.__new__(cls)  # some subclasses build their message in __init__: set it as sent
        QueryError.__init__(err, body.decode("utf-8", "surrogatepass"))
        raise err

    def abandon(self, worker: _Worker) -> QueryTimeout:
        """The deadline passed: kill the worker now, fork its replacement off the caller's thread."""
        self.killed += 1
        self._replace_later(worker)
        return QueryTimeout(TIMEOUT_MESSAGE)

    def done(self, client: str | None) -> None:
        if client is None:
            return
        with self._lock:
            left = self._inflight.get(client, 1) - 1
            if left:
                self._inflight[client] = left
            else:
                self._inflight.pop(client, None)

    def _replace_later(self, worker: _Worker) -> None:
        """Kill a worker mid-query and fork its replacement off the request's path."""
        worker.kill()
        threading.Thread(target=self._replace, args=(worker,), name="ccdkg-replace", daemon=True).start()

"""Running user queries with a deadline that holds, even inside native code.

A query running inside Oxigraph cannot be interrupted from Python, so every user query against
a local store runs in a *query worker*: a process forked after the store was loaded (it shares
the loaded dataset copy-on-write; an on-disk store is reopened read-only in each worker). The
front process hands it the query over a socket pair and waits at most until the deadline; a
worker that overruns is killed with SIGKILL and replaced, and the client gets 504, while the
other workers keep answering.

Workers are forked by a *zygote*: one single-threaded process forked when the pool starts.
Forking replacements from the (multi-threaded) web process would risk inheriting locks held by
other threads; the zygote has no other threads, so its forks are safe, and it hands each new
worker's socket back over SCM_RIGHTS.

The pool starts with ``size`` workers and grows up to ``max_size`` (by default the cores plus one
spare, so a slow query never blocks a trivial one, yet CPU-bound queries do not multiply processes
that only compete for the same cores); at most ``max_queue`` requests wait for a free worker, each
until its own deadline, and beyond that the answer is 503 with Retry-After.

The *quick lane* keeps heavy queries from taking every worker from cheap ones: ``quick`` more
workers serve a request only when no shared worker is free, only for ``quick_budget`` seconds,
and only for a client (its address) that has no other query running or waiting and none stopped
in the quick lane in the last ``QUICK_PENALTY`` seconds. A query that overruns its quick budget
is killed there (the worker is replaced from the zygote) and waits for a shared worker like any
other; so each heavy query costs the quick lane at most one budget, and a client that sends many
cannot queue them there. Cheap queries from other clients thus wait at most about one budget.

Oxigraph's reads write to the pages they touch, so copy-on-write slowly gives each worker a
private copy of the store it shares. A worker therefore retires after ``max_jobs`` queries or once
its private memory passes ``max_private`` bytes; the zygote, which never queries, forks a fresh,
fully shared one in its place.

Each worker confines itself right after it starts, before its first query (sandbox.py: no
network, no file but the store), and dies with its parent (children.py). It receives the
request's :class:`~ccdkg.server.query.CheckedQuery`, never bare text to re-read.

A pool belongs to the process that started it: after a fork (``ccdkg serve --workers N``) the
child starts its own on first use or from the front's start hook (server/front.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import marshal
import os
import select
import signal
import socket
import struct
import threading
import time
from collections import deque

from ccdkg.server import children, sandbox
from ccdkg.server.query import CheckedQuery
from ccdkg.server.store import (
    Overloaded,
    QueryError,
    QueryTimeout,
    Store,
)

log = logging.getLogger("ccdkg.engine")


# --- the wire format between the front process and a worker ------------------------------------
#
# A job is a marshal'd tuple of strings (C-speed, no class lookups: both ends run the same
# interpreter, forked from one process). A reply is a 6-byte header -- kind, a "retire me" flag
# and the length of the content type or error class name -- then that string, then the body
# bytes, so the front process reads the serialized result as it is instead of unpickling it.

QueryJob = tuple  # (CheckedQuery.to_wire(), accept, format_param, max_bytes)
_REPLY = struct.Struct("!cBI")
_OK, _ERR = b"o", b"e"
_LENGTH = struct.Struct("!Q")
# One read takes a whole small message (most replies): one system call per message each way.
_READ = 64 * 1024


class Channel:
    """Length-prefixed messages over one end of a stream socket pair.

    Lighter than multiprocessing's Connection, which this replaces: a message goes out in one
    ``sendmsg`` (prefix, header and body gathered, the body never copied into a new buffer) and a
    small one comes in with one ``recv``. Each side sends only after the other's last message was
    read, so a read never holds the start of the next message.
    """

    __slots__ = ("sock",)

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()

    def send(self, *parts: bytes) -> None:
        size = sum(len(part) for part in parts)
        sent = self.sock.sendmsg([_LENGTH.pack(size), *parts])
        if sent < _LENGTH.size + size:  # a signal cut it short: the rest, in order
            self.sock.sendall(memoryview(b"".join([_LENGTH.pack(size), *parts]))[sent:])

    def recv(self) -> bytes | bytearray:
        """The next message (a bytearray when it took more than one read: not copied again)."""
        data = self.sock.recv(_READ)
        while len(data) < _LENGTH.size:
            more = self.sock.recv(_READ)
            if not more:
                raise EOFError("the other end closed")
            data += more
        (size,) = _LENGTH.unpack_from(data)
        end = _LENGTH.size + size
        if len(data) == end:
            return data[_LENGTH.size :]
        if len(data) > end:
            raise OSError("a message ran into the next one")
        buffer = bytearray(size)
        view = memoryview(buffer)
        have = len(data) - _LENGTH.size
        view[:have] = data[_LENGTH.size :]
        while have < size:
            got = self.sock.recv_into(view[have:])
            if not got:
                raise EOFError("the other end closed mid-message")
            have += got
        return buffer

    def poll(self, timeout: float) -> bool:
        """Whether a message (or EOF) is there to read within ``timeout`` seconds."""
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        return bool(poller.poll(max(0.0, timeout) * 1000))


def _error_classes() -> dict[str, type[QueryError]]:
    found: dict[str, type[QueryError]] = {}
    todo: list[type[QueryError]] = [QueryError]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


_ERRORS = _error_classes()


def _private_bytes() -> int:
    """This process's unique set size (pages no other process maps), from the kernel's rollup."""
    try:
        with open("/proc/self/smaps_rollup", "rb") as f:
            total = 0
            for line in f:
                if line.startswith((b"Private_Clean:", b"Private_Dirty:")):
                    total += int(line.split()[1]) * 1024
            return total
    except (OSError, ValueError, IndexError):
        return 0


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _worker_main(conn: Channel, store: Store, max_jobs: int, max_private: int, confined: bool) -> None:
    children.die_with_parent()
    store.after_fork()
    if confined:
        # Before the first query: whatever a query says, this process opens no connection
        # and reads nothing but the store and the interpreter's code (sandbox.py).
        try:
            sandbox.confine(read_paths=store.read_paths())
        except sandbox.SandboxUnavailable as err:
            log.critical("query worker %d not confined, so it answers nothing: %s", os.getpid(), err)
            return
    jobs = 0
    while True:
        try:
            wire, accept, format_param, max_bytes = marshal.loads(conn.recv())
            query = CheckedQuery.from_wire(wire)
        except (EOFError, OSError, ValueError, TypeError):
            return
        started = time.monotonic()
        try:
            body, label = store.execute(query, accept, format_param=format_param, max_bytes=max_bytes)
            kind = _OK
        except QueryError as err:
            kind, label, body = _ERR, type(err).__name__, err.message.encode("utf-8", "surrogatepass")
        except Exception as err:  # noqa: BLE001 - a bug must reach the client as 500, not kill the worker
            kind, label = _ERR, "QueryError"
            body = f"query failed: {type(err).__name__}: {err}".encode("utf-8", "surrogatepass")
        jobs += 1
        # Oxigraph's reads dirty the pages they touch, so a worker slowly turns the shared
        # copy-on-write dataset into a private copy. Checking costs ~0.5 ms, so only after
        # queries long enough to have touched much (or every 128th), and retire past the cap.
        retire = jobs >= max_jobs or bool(
            max_private > 0
            and (jobs % 128 == 0 or time.monotonic() - started > 0.025)
            and _private_bytes() > max_private
        )
        label_bytes = label.encode()
        try:
            conn.send(_REPLY.pack(kind, retire, len(label_bytes)), label_bytes, body)
        except OSError:
            return
        if retire:
            return  # the front process replaces us with a fresh fork from the zygote


def _zygote_main(
    ctrl: socket.socket, store: Store, max_jobs: int, max_private: int, confined: bool, parent: int
) -> None:
    # No PDEATHSIG here: it fires when the forking *thread* ends, and the pool may be started
    # from a request thread. The zygote exits on EOF of its control socket, or once its parent
    # is gone (a socket inherited by another process would keep it open); its workers have
    # PDEATHSIG and die with it.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped automatically
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    ctrl.settimeout(1.0)
    while True:
        try:
            request = ctrl.recv(1)
        except TimeoutError:
            if children.watch_parent(parent):
                continue
            request = b""
        except OSError:
            request = b""
        if not request:
            os._exit(0)
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                ctrl.close()
                ours.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _worker_main(Channel(theirs), store, max_jobs, max_private, confined)
            finally:
                os._exit(0)
        theirs.close()
        ctrl.settimeout(None)
        socket.send_fds(ctrl, [struct.pack("!i", pid)], [ours.fileno()])
        ctrl.settimeout(1.0)
        ours.close()


# --- the front process's side ------------------------------------------------------------------


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
                self.max_private if self.max_private is not None else max(64 << 20, _resident_bytes())
            )
            parent, child = socket.socketpair()
            me = os.getpid()
            pid = os.fork()
            if pid == 0:
                try:
                    parent.close()
                    _zygote_main(child, self.store, self.max_jobs, self._max_private, self.confined, me)
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
            if self._total < self.max_size:
                self._total += 1
                grow = True
            else:
                grow = False
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
        if grow:
            try:
                return self._spawn()
            except BaseException:
                with self._lock:
                    self._total -= 1
                raise
        raise AssertionError("unreachable")

    def _try_shared(self) -> _Worker | None:
        """A shared worker without waiting: an idle one, or a new one while the pool may grow."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
            if self._total >= self.max_size:
                return None
            self._total += 1
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
        """The reply of a worker that has one ready; the worker goes back to the pool (or retires)."""
        try:
            reply = worker.conn.recv()
            kind, flags, length = _REPLY.unpack_from(reply)
            end = _REPLY.size + length
            label = bytes(reply[_REPLY.size : end]).decode()
            body = bytes(memoryview(reply)[end:])
        except (EOFError, OSError, struct.error):
            self._replace(worker)
            raise Overloaded("the query worker stopped unexpectedly; retry shortly") from None
        except BaseException:
            self._replace(worker)
            raise
        if flags & 1:
            self._retire(worker)
        else:
            self._release(worker)
        if kind == _OK:
            return body, label
        cls = _ERRORS.get(label) or _error_classes().get(label, QueryError)
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


class QueryEngine:
    """Where user queries run: the pool for local stores, the calling thread for a remote one."""

    def __init__(self, store: Store, config) -> None:  # config: ccdkg.server.config.Config
        self.store = store
        self.deadline = config.deadline
        self.max_bytes = config.max_result_bytes
        self.pool = (
            QueryPool(
                store,
                size=config.query_workers,
                max_size=config.max_query_workers,
                max_queue=config.max_queue,
                queue_wait=config.queue_wait,
                max_jobs=config.worker_max_queries,
                max_private=config.worker_max_private_bytes,
                confined=config.confine_queries,
                quick=config.quick_workers,
                quick_budget=config.quick_budget,
            )
            if store.isolated
            else None
        )
        if self.pool is not None:
            if config.confine_queries:
                sandbox.check()  # fail closed: no server whose workers could reach the network
            else:
                log.warning("query workers run UNCONFINED (--unconfined): a query could open connections")

    def start(self) -> None:
        if self.pool is not None:
            self.pool.start()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def run(
        self,
        query: CheckedQuery,
        accept: str | None,
        format_param: str | None = None,
        deadline: float | None = None,
        client: str | None = None,
    ) -> tuple[bytes, str]:
        deadline = deadline if deadline is not None else time.monotonic() + self.deadline
        if self.pool is None:
            return self.store.execute(
                query, accept, deadline, format_param=format_param, max_bytes=self.max_bytes
            )
        return self.pool.run((query.to_wire(), accept, format_param, self.max_bytes), deadline, client)

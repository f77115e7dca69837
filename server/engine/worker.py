"""The processes that run user queries: the zygote, which forks them, and the query workers."""

from __future__ import annotations

import logging
import marshal
import os
import signal
import socket
import struct
import time

from ccdkg.server import children, sandbox
from ccdkg.server.engine.wire import ERR, OK, REPLY, Channel
from ccdkg.server.query import CheckedQuery
from ccdkg.server.store import QueryError, Store

log = logging.getLogger("ccdkg.engine")


def private_bytes() -> int:
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


def resident_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def worker_main(conn: Channel, store: Store, max_jobs: int, max_private: int, confined: bool) -> None:
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
            kind = OK
        except QueryError as err:
            kind, label, body = ERR, type(err).__name__, err.message.encode("utf-8", "surrogatepass")
        except Exception as err:  # noqa: BLE001 - a bug must reach the client as 500, not kill the worker
            kind, label = ERR, "QueryError"
            body = f"query failed: {type(err).__name__}: {err}".encode("utf-8", "surrogatepass")
        jobs += 1
        # Oxigraph's reads dirty the pages they touch, so a worker slowly turns the shared
        # copy-on-write dataset into a private copy. Checking costs ~0.5 ms, so only after
        # queries long enough to have touched much (or every 128th), and retire past the cap.
        retire = jobs >= max_jobs or bool(
            max_private > 0
            and (jobs % 128 == 0 or time.monotonic() - started > 0.025)
            and private_bytes() > max_private
        )
        label_bytes = label.encode()
        try:
            conn.send(REPLY.pack(kind, retire, len(label_bytes)), label_bytes, body)
        except OSError:
            return
        if retire:
            return  # the front process replaces us with a fresh fork from the zygote


def zygote_main(
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
                worker_main(Channel(theirs), store, max_jobs, max_private, confined)
            finally:
                os._exit(0)
        theirs.close()
        ctrl.settimeout(None)
        socket.send_fds(ctrl, [struct.pack("!i", pid)], [ours.fileno()])
        ctrl.settimeout(1.0)
        ours.close()

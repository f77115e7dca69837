"""Validation where it can be killed: each job (parse + validate) runs in its own process, under a
deadline, an address-space cap and a lower CPU priority, and dies with whoever started it.

``validate_isolated(inputs, deadline=…)`` is what POST /validate and ``ccdkg validate --timeout`` call.

How the processes are arranged, and why:

* A *helper* per calling process: a fresh interpreter started as ``python -P -E -c …`` with the caller's
  ``sys.path`` handed over verbatim. ``-P`` keeps the current directory off the path, so a checkout's
  ``ccdkg/`` folder never shadows the installed package (the child imports what the caller imported),
  and a fresh interpreter has no threads and no locks held by other threads, so forking it is safe.
  It imports rdflib, pyshacl and the shapes once (a warm-up validation), so jobs start in milliseconds.
* A *job* per validation: forked by the helper, its own process group (so a kill reaches anything it
  starts), SIGKILL when the helper dies (``PR_SET_PDEATHSIG``; the helper is single-threaded, so the
  signal is tied to its life), ``RLIMIT_AS`` a fixed budget above its size at the fork, ``nice`` 10 so
  a busy upload yields the CPU to queries. The caller waits for its answer until the deadline and then
  kills the job's whole process group.
* The helper watches its parent (a 0.25 s poll of ``getppid``, and EOF on its control socket): when
  the caller goes, however abruptly, the helper kills every job's process group and exits.

The answer comes back pickled, and is unpickled with an allow-list (rdflib terms and this package's
report classes): the job parses untrusted bytes, so its output is not trusted with arbitrary classes.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import pickle
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from ccdkg.errors import CcdkgError, InputError
from ccdkg.server.children import import_path

log = logging.getLogger("ccdkg.validation.worker")

Input = tuple[bytes, str, str]  # (data, rdflib parser plugin, name shown in errors)

DEFAULT_MAX_MEMORY = 1 << 30  # address space a job may add to what it inherits
STARTUP_WAIT = 120.0  # seconds the first job waits for the helper's imports and warm-up
_NICE = 10
_PID = struct.Struct("!i")


class Timeout(CcdkgError):
    """The job did not finish by its deadline and was killed (``ccdkg validate``: exit 3)."""

    exit_code = 3


class OutOfMemory(InputError):
    """The job needed more memory than its cap."""


class WorkerFailed(CcdkgError):
    """The job died or answered nothing usable (a bug or a crash in native code)."""


def validate_isolated(
    inputs: Sequence[Input],
    *,
    deadline: float,
    max_memory: int | None = DEFAULT_MAX_MEMORY,
    ontology: bool = True,
    progress: bool = False,
    warm: bool = True,
    profile: str | None = None,
) -> Any:
    """Parse ``inputs`` into one dataset and validate it in a job process; return the Report.

    Raises InputError (bad syntax, refused XML entities), OutOfMemory, Timeout after ``deadline``
    seconds, or WorkerFailed. ``progress``: the job prints its stage lines on standard error.
    ``warm``: the helper loads the shapes before forking jobs (a server); a one-off caller (the CLI)
    says False, so that the job's own imports count against its deadline instead.
    """
    options = {"ontology": ontology, "progress": progress, "profile": profile}
    return run_isolated(
        "ccdkg.validation.worker:_validate_job", (list(inputs), options), deadline, max_memory, warm=warm
    )


def run_isolated(
    target: str, args: tuple, deadline: float, max_memory: int | None, *, warm: bool = True
) -> Any:
    """Call ``module:function(*args)`` in a job process, killed (with its process group) at ``deadline``
    seconds after it was handed over (a helper's one-off start is bounded by STARTUP_WAIT instead)."""
    conn, pid = _HELPER.job(warm)
    try:
        conn.send_bytes(pickle.dumps((target, args, max_memory)))
        if not conn.poll(deadline):
            raise Timeout(f"did not finish within {deadline:g} seconds")
        kind, value = _loads(conn.recv_bytes())
    except (EOFError, OSError):
        cap = f"; its memory cap is {max_memory >> 20:,} MiB" if max_memory else ""
        raise WorkerFailed(
            f"the validation worker stopped without an answer (killed or crashed{cap})"
        ) from None
    finally:
        conn.close()
        _kill_group(pid)
    if kind == "ok":
        return value
    raise {"input": InputError, "memory": OutOfMemory}.get(kind, WorkerFailed)(value)


def prestart() -> None:
    """Start this process's helper in the background (once), so the first job need not wait for it."""
    if _HELPER.prestarted == os.getpid():
        return
    _HELPER.prestarted = os.getpid()

    def start() -> None:
        with contextlib.suppress(CcdkgError, OSError):  # the first job will report it
            _HELPER.ensure()

    threading.Thread(target=start, name="ccdkg-validation-helper", daemon=True).start()


def _kill_group(pid: int) -> None:
    # The job is its own process group: this reaches whatever it started too. A job that already
    # exited leaves an empty group (ESRCH); the helper reaps it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# -- the caller's side ------------------------------------------------------------------------------

_BOOT = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from ccdkg.validation.worker import _helper_main; "
    "_helper_main(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == 'warm')"
)


class _Helper:
    """This process's helper: started on first use (or by ``prestart``), again after a fork or a crash."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._ctrl: socket.socket | None = None
        self._proc: subprocess.Popen | None = None
        self.prestarted: int | None = None  # the pid that called prestart()

    def ensure(self, warm: bool = True) -> socket.socket:
        with self._lock:
            alive = self._proc is not None and self._proc.poll() is None
            if self._owner != os.getpid() or not alive or self._ctrl is None:
                self._start(warm)
            assert self._ctrl is not None
            return self._ctrl

    def _start(self, warm: bool) -> None:
        if self._owner == os.getpid() and self._ctrl is not None:
            self._ctrl.close()  # a dead helper's socket (a forked child never closes its parent's)
        ours, theirs = socket.socketpair()
        try:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    *_interpreter_flags(),
                    "-c",
                    _BOOT,
                    json.dumps(import_path()),
                    str(theirs.fileno()),
                    str(os.getpid()),
                    "warm" if warm else "cold",
                ],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # stderr is inherited: progress lines, the server's log
            )
        finally:
            theirs.close()
        ours.settimeout(STARTUP_WAIT)
        ready = ours.recv(1)  # one byte once imported and warmed up
        if ready != b"r":
            ours.close()
            raise WorkerFailed("the validation helper process did not start")
        ours.settimeout(None)
        self._ctrl, self._owner = ours, os.getpid()

    def job(self, warm: bool = True) -> tuple[Connection, int]:
        """A new job process and the caller's end of its socket."""
        for attempt in (1, 2):
            ctrl = self.ensure(warm)
            ours, theirs = socket.socketpair()
            try:
                with self._lock:
                    socket.send_fds(ctrl, [b"j"], [theirs.fileno()])
                    reply = _recv_exact(ctrl, _PID.size)
                (pid,) = _PID.unpack(reply)
                return Connection(ours.detach()), pid
            except (OSError, struct.error):
                ours.close()
                with self._lock:  # restart it once: it may have been killed
                    if self._ctrl is not None and self._owner == os.getpid():
                        self._ctrl.close()
                    self._ctrl = None
                if attempt == 2:
                    raise WorkerFailed("the validation helper process is not answering") from None
            finally:
                theirs.close()
        raise AssertionError("unreachable")


def _interpreter_flags() -> list[str]:
    """-P: no current directory or script folder in front of sys.path; -E: no PYTHONPATH (the path is
    handed over whole); -s/-S as this process has them, so .pth import hooks match ours."""
    flags = ["-P", "-E"]
    if sys.flags.no_user_site:
        flags.append("-s")
    if sys.flags.no_site:
        flags.append("-S")
    return flags


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("the validation helper closed its socket")
        data += chunk
    return data


_HELPER = _Helper()


# -- the reply ---------------------------------------------------------------------------------------

_SAFE_MODULES = ("rdflib.term", "rdflib.namespace", "ccdkg.validation.")
_SAFE_NAMES = {
    ("builtins", name) for name in ("set", "frozenset", "dict", "list", "tuple", "object", "getattr")
} | {("copyreg", "_reconstructor"), ("collections", "OrderedDict"), ("collections", "defaultdict")}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _SAFE_NAMES or module.startswith(_SAFE_MODULES) or module in _SAFE_MODULES:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"a validation worker sent {module}.{name}")


def _loads(data: bytes) -> tuple[str, Any]:
    try:
        kind, value = _Unpickler(io.BytesIO(data)).load()
    except Exception as err:  # noqa: BLE001 - whatever the worker sent, the caller gets one line
        raise WorkerFailed(f"the validation worker's answer was unreadable ({err})") from None
    return str(kind), value


# -- the helper process --------------------------------------------------------------------------------


def _warm_up() -> None:
    from rdflib import Graph

    import ccdkg.validation.cli  # noqa: F401 - the parsers' plugin table
    from ccdkg.validation import validate

    # Parses the shapes and the ontology once, for every job forked later; a failure here is reported
    # by each job as its own.
    with contextlib.suppress(Exception):
        validate(Graph())


def _helper_main(ctrl_fd: int, parent: int, warm: bool) -> None:
    ctrl = socket.socket(fileno=ctrl_fd)
    jobs: set[int] = set()

    def stop(*_: object) -> None:
        for pid in jobs:
            _kill_group(pid)
        os._exit(0)

    helper = os.getpid()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the caller, which kills the job
    if os.getppid() != parent:
        stop()
    if warm:
        _warm_up()
    ctrl.sendall(b"r")
    while True:
        for pid in list(jobs):  # reap finished jobs
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0]:
                    jobs.discard(pid)
        if os.getppid() != parent:  # the caller died (it cannot tell us): take its jobs with us
            stop()
        ready, _, _ = select.select([ctrl], [], [], 0.25)
        if not ready:
            continue
        try:
            msg, fds, _flags, _addr = socket.recv_fds(ctrl, 1, 1)
        except OSError:
            msg, fds = b"", []
        if not msg or not fds:
            stop()
        pid = os.fork()
        if pid == 0:
            try:
                ctrl.close()
                _job_main(fds[0], helper)
            finally:
                os._exit(0)
        os.close(fds[0])
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)  # also done by the job: whichever runs first, no kill can miss it
        jobs.add(pid)
        ctrl.sendall(_PID.pack(pid))


# -- a job process --------------------------------------------------------------------------------------


def _job_main(fd: int, helper: int) -> None:
    os.setpgid(0, 0)
    from ccdkg.server.children import die_with_parent

    die_with_parent(parent=helper)  # exits at once if the helper died before PDEATHSIG was set
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    conn = Connection(fd)
    try:
        target, args, max_memory = pickle.loads(conn.recv_bytes())  # from the caller: trusted
    except (EOFError, OSError):
        return
    with contextlib.suppress(OSError):
        os.nice(_NICE)
    confine()  # before the cap: confining allocates a little, and no job code has run yet
    if max_memory:
        _cap_memory(max_memory)
    try:
        module, _, name = target.partition(":")
        function = getattr(__import__(module, fromlist=[name]), name)
        reply: tuple[str, Any] = ("ok", function(*args))
    except InputError as err:
        reply = ("input", str(err))
    except MemoryError:
        reply = ("memory", f"validating this data needs more than {(max_memory or 0) >> 20:,} MiB of memory")
    except Exception as err:  # noqa: BLE001 - one line to the caller, never a traceback
        reply = ("error", f"{type(err).__name__}: {err}")
    try:
        data = pickle.dumps(reply)
    except Exception as err:  # noqa: BLE001
        data = pickle.dumps(("error", f"the report could not be sent ({type(err).__name__})"))
    with contextlib.suppress(OSError):
        conn.send_bytes(data)


def _cap_memory(budget: int) -> None:
    """RLIMIT_AS: what the job inherited (the helper's mappings) plus ``budget`` bytes."""
    try:
        with open("/proc/self/statm", "rb") as f:
            size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (size + budget, size + budget))


def confine() -> None:
    """No network and no file beyond the package's own folders for the job (server/sandbox.py, as for
    the query workers). A warm job has read the shapes, ontology and article already; a cold one (the
    CLI) imports and reads them after this call, from the package folders, which an editable install
    keeps outside sys.path. Where the kernel has no Landlock the job runs unconfined with a log line:
    the server itself refuses to start there unless told ``--unconfined``, and the CLI validates the
    user's own files."""
    import importlib.util

    from ccdkg.server import sandbox

    # The folders, found without importing the packages (the job imports only what its task needs).
    specs = [importlib.util.find_spec(f"ccdkg{sub}") for sub in ("", ".graph", ".ontology", ".validation")]
    folders = [loc for spec in specs if spec for loc in (spec.submodule_search_locations or ())]
    # A cold job (the CLI) loads native extensions after this call, and with them the system's shared
    # libraries (libstdc++ …): readable, never writable, and nothing in them is secret.
    folders += ["/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib", "/etc/ld.so.cache"]
    try:
        sandbox.confine(read_paths=folders)
    except sandbox.SandboxUnavailable as err:
        log.warning("validation job %d runs unconfined: %s", os.getpid(), err)


def _validate_job(inputs: list[Input], options: dict[str, bool]) -> Any:
    from rdflib import Dataset

    from ccdkg.validation import validate
    from ccdkg.validation.cli import PROGRESS_TRIPLES, parse_into

    dataset = Dataset()
    for data, plugin, name in inputs:
        parse_into(dataset, data, plugin, name)

    def say(line: str) -> None:
        print(f"ccdkg validate: {line}", file=sys.stderr, flush=True)

    # Progress lines only where validation takes long enough for someone to wonder, as in-process.
    large = options.get("progress") and len(dataset) >= PROGRESS_TRIPLES
    return validate(
        dataset,
        ontology=options.get("ontology", True),
        progress=say if large else None,
        profile=options.get("profile"),
    )


def _identity() -> tuple[int, int, int]:
    """(pid, process group, niceness) of a job: what the tests check about its confinement."""
    return os.getpid(), os.getpgid(0), os.nice(0)

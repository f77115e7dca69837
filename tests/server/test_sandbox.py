"""The second depth: a query worker cannot open a connection or a file it was not given.

These tests bypass the check (guard.py): they hand SERVICE straight to a query worker.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccdkg.server import children, sandbox
from ccdkg.server.engine import QueryPool
from ccdkg.server.query import trusted
from ccdkg.server.store import Confined, OxigraphStore, QueryError, open_store

from .helpers import FIXTURE
from .test_query import Canary

JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def canary():
    c = Canary()
    yield c
    c.server.shutdown()
    c.server.server_close()


@pytest.fixture(scope="module")
def store():
    s = open_store("memory", [FIXTURE])
    yield s
    s.close()


def _run(pool: QueryPool, text: str) -> tuple[bytes, str]:
    return pool.run((trusted(text).to_wire(), JSON, None, None), time.monotonic() + 10)


def test_the_kernel_here_can_confine():
    sandbox.check()  # CI and developers' machines: Linux >= 6.7 with Landlock, libseccomp
    assert sandbox.landlock_abi() >= sandbox.MIN_ABI


@pytest.mark.parametrize("silent", ["", "SILENT "])
def test_a_service_query_handed_to_a_worker_reaches_nothing(store, canary, silent):
    pool = QueryPool(store, size=1, max_size=1)
    try:
        before = len(canary.hits)
        query = f"SELECT * WHERE {{ SERVICE {silent}<{canary.url}worker> {{ ?s ?p ?o }} }}"
        if silent:
            body, _ = _run(pool, query)  # SILENT: the failed call is an empty solution, nothing more
            assert json.loads(body)["results"]["bindings"] == [{}]
        else:
            with pytest.raises(Confined) as info:
                _run(pool, query)
            assert info.value.status == 403
            assert "never opens" in info.value.message and "Permission denied" in info.value.message
        assert len(canary.hits) == before
        assert json.loads(_run(pool, "ASK { ?s ?p ?o }")[0])["boolean"] is True  # the worker still answers
    finally:
        pool.close()


def test_an_unconfined_worker_would_have_called_the_canary(store, canary):
    # the control: the same query, the same pool, without the sandbox
    pool = QueryPool(store, size=1, max_size=1, confined=False)
    try:
        before = len(canary.hits)
        _run(pool, f"SELECT * WHERE {{ SERVICE <{canary.url}control> {{ ?s ?p ?o }} }}")
        assert len(canary.hits) == before + 1
    finally:
        pool.close()


def test_workers_are_confined_before_their_first_query(store):
    pool = QueryPool(store, size=2, max_size=2)
    try:
        pool.start()
        _run(pool, "ASK {}")
        end = time.monotonic() + 10  # the second worker may still be forking on a loaded machine
        while len(pool._idle) < 2 and time.monotonic() < end:
            time.sleep(0.05)
        pids = [w.pid for w in pool._idle]
        assert len(pids) == 2
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            assert "\nSeccomp:\t2" in status and "\nNoNewPrivs:\t1" in status, status
    finally:
        pool.close()


class _FileProbe(OxigraphStore):
    """A store whose "query" is a path the worker tries to read: what a worker can open."""

    def __init__(self, given: Path) -> None:
        super().__init__(ox.Store(), "memory", "probe")
        self.given = given

    def read_paths(self) -> tuple[str, ...]:
        return (str(self.given),)

    def execute(self, query, media_type, deadline=None, *, format_param=None, max_bytes=None):
        try:
            with open(query.text, "rb") as f:
                return f.read(), "text/plain"
        except OSError as err:
            raise QueryError(f"errno {err.errno}") from None


def test_a_query_worker_opens_only_the_files_its_store_gave_it(tmp_path):
    given = tmp_path / "store"
    given.mkdir()
    (given / "data").write_text("store data")
    (tmp_path / "secret").write_text("not for queries")
    pool = QueryPool(_FileProbe(given), size=1, max_size=1)
    try:
        assert _run(pool, str(given / "data"))[0] == b"store data"
        for path in (tmp_path / "secret", Path("/etc/passwd"), Path("/proc/self/environ")):
            with pytest.raises(QueryError, match="errno 13"):
                _run(pool, str(path))
    finally:
        pool.close()


_PROBE = textwrap.dedent(
    """
    import json, os, socket, sys
    from ccdkg.server import sandbox
    given, other, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sandbox.confine(read_paths=[given])
    out = {}
    def attempt(name, action):
        try:
            action()
            out[name] = "done"
        except OSError as err:
            out[name] = err.errno
    attempt("read given", lambda: open(os.path.join(given, "data.txt")).read())
    attempt("read other", lambda: open(other).read())
    attempt("read /etc/passwd", lambda: open("/etc/passwd").read())
    attempt("read environ", lambda: open("/proc/self/environ").read())
    attempt("write given", lambda: open(os.path.join(given, "new.txt"), "w"))
    attempt("connect", lambda: socket.create_connection(("127.0.0.1", port), timeout=2))
    attempt("import", lambda: __import__("decimal"))
    print(json.dumps(out))
    """
)


def test_a_confined_process_opens_only_what_it_was_given(tmp_path):
    given = tmp_path / "given"
    given.mkdir()
    (given / "data.txt").write_text("yes")
    other = tmp_path / "other.txt"
    other.write_text("secret")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    try:
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, str(given), str(other), str(listener.getsockname()[1])],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        result = json.loads(out.stdout)
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert result["read given"] == "done"
    assert result["import"] == "done"
    assert result["read other"] == result["read /etc/passwd"] == result["read environ"] == 13  # EACCES
    assert result["write given"] == 13
    assert result["connect"] == 13


# --- children die with the server and import what it imported ----------------------------------

_SERVER = textwrap.dedent(
    """
    import sys, time
    from ccdkg.server.engine import QueryPool
    from ccdkg.server.query import trusted
    from ccdkg.server.store import open_store
    pool = QueryPool(open_store("memory", [sys.argv[1]]), size=2, max_size=2)
    pool.start()
    pool.run((trusted("ASK {}").to_wire(), "text/csv", None, None), time.monotonic() + 10)
    print(pool._zygote_pid, *[w.pid for w in pool._idle], flush=True)
    time.sleep(600)
    """
)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_every_query_process_dies_with_the_server():
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(FIXTURE)],
        stdout=subprocess.PIPE,
        text=True,
        env=children.python_environment(),
    )
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert len(pids) == 3 and all(_alive(p) for p in pids)
        os.kill(proc.pid, signal.SIGKILL)  # no cleanup runs
        proc.wait(10)
        end = time.monotonic() + 10
        while any(_alive(p) for p in pids) and time.monotonic() < end:
            time.sleep(0.05)
        assert not any(_alive(p) for p in pids)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_child_imports_the_servers_package_not_the_working_directory(tmp_path):
    # A checkout-like folder with its own "ccdkg" package that lacks ccdkg.server (the failure of
    # a non-editable install started from a checkout): the child must not pick it up.
    fake = tmp_path / "ccdkg"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    # (With an editable install its finder wins anyway; with a wheel, the folder would win.)
    probe = "import sys, ccdkg.server.query as q; print(q.__file__); print(sys.path[0])"
    fixed = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=children.python_environment(),
        check=True,
    )
    import ccdkg.server.query

    module, first = fixed.stdout.splitlines()
    assert Path(module) == Path(ccdkg.server.query.__file__)
    assert Path(first) != tmp_path  # no working directory in front of the server's own path


_NO_LANDLOCK = textwrap.dedent(
    """
    import sys
    from ccdkg.server import sandbox
    sandbox.landlock_abi = lambda: 0  # a kernel without Landlock
    from ccdkg.cli import main
    sys.exit(main(["serve", "--data", sys.argv[1], "--port", "1", *sys.argv[2:]]))
    """
)


def test_the_server_refuses_to_start_where_workers_cannot_be_confined():
    out = subprocess.run(
        [sys.executable, "-c", _NO_LANDLOCK, str(FIXTURE)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 1
    assert "ccdkg: error: Landlock ABI 0" in out.stderr and "--unconfined" in out.stderr
    assert "Traceback" not in out.stderr


def test_unconfined_is_a_development_flag():
    from ccdkg.cli import _parser
    from ccdkg.server.run import config_from_args

    assert config_from_args(_parser().parse_args(["serve"])).confine_queries is True
    assert config_from_args(_parser().parse_args(["serve", "--unconfined"])).confine_queries is False

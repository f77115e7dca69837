"""The validation job process (ccdkg.validation.worker): confined, killed at the deadline, capped in
memory, and its answer read with an allow-list (issue 13, items 2 and 6)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from flask import Flask

from ccdkg.server import validation as blueprint
from ccdkg.validation import worker
from ccdkg.validation.worker import OutOfMemory, Timeout, WorkerFailed, run_isolated, validate_isolated


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _deep(depth: int = 80_000) -> bytes:
    return (
        "@prefix : <http://example.org/> .\n:a :p " + "[ :p " * depth + ":b" + "]\n" * depth + ".\n"
    ).encode()


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                kids = {int(p) for p in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += sorted(kids - found)
            found |= kids
    return found


_NAP = "import time; time.sleep(120)  # ccdkg-test-nap"


def test_a_job_can_start_no_program() -> None:
    """Confined like a query worker (sandbox.py): not even the interpreter can be executed, so a job
    leaves nothing running behind it to kill."""
    import sys

    with pytest.raises(WorkerFailed, match="Permission denied"):
        run_isolated("subprocess:call", ([sys.executable, "-c", _NAP],), 30.0, None)


def test_deadline_kills_the_job() -> None:
    worker._HELPER.ensure()  # started (its one-off warm-up is not the job's deadline)
    helper = worker._HELPER._proc
    assert helper is not None
    before = _descendants(helper.pid)
    started = time.monotonic()
    with pytest.raises(Timeout):
        run_isolated("time:sleep", (120,), 2.0, None)
    assert time.monotonic() - started < 30
    end = time.monotonic() + 5
    while time.monotonic() < end and _descendants(helper.pid) - before:
        time.sleep(0.05)
    assert not [p for p in _descendants(helper.pid) - before if _alive(p)], "the job outlived its deadline"


def test_job_is_niced_in_its_own_process_group() -> None:
    pid, pgid, nice = run_isolated("ccdkg.validation.worker:_identity", (), 30, None)
    assert pid != os.getpid() and pgid == pid
    assert nice >= 10


def test_memory_cap_gives_a_clear_error() -> None:
    with pytest.raises(OutOfMemory, match=r"needs more than 64 MiB of memory"):
        validate_isolated([(_deep(), "ox-turtle", "data")], deadline=60, max_memory=64 << 20)


def test_upload_over_the_memory_cap_is_413() -> None:
    app = Flask("test-validation-memory")
    app.config.update(TESTING=True, VALIDATION_MAX_MEMORY=64 << 20, VALIDATION_DEADLINE=60)
    app.register_blueprint(blueprint.bp)
    response = app.test_client().post("/validate", data=_deep(), content_type="text/turtle")
    assert response.status_code == 413, response.get_json()
    assert "MiB of memory" in response.get_json()["error"]


def test_only_report_classes_come_back() -> None:
    assert run_isolated("os:getcwd", (), 30, None) == os.getcwd()  # the job runs where we do
    with pytest.raises(WorkerFailed, match="pathlib.PosixPath"):
        run_isolated("pathlib:Path", ("/",), 30, None)


def test_a_crashing_job_is_a_one_line_failure() -> None:
    with pytest.raises(WorkerFailed, match="without an answer"):
        run_isolated("os:abort", (), 30, None)


def test_upload_slots_turn_the_excess_away_at_once() -> None:
    app = Flask("test-validation-slots")
    app.config.update(TESTING=True, VALIDATION_WORKERS=1, VALIDATION_DEADLINE=30)
    app.register_blueprint(blueprint.bp)
    client = app.test_client()
    with app.app_context():
        slots = blueprint._slots()
    assert slots.acquire(blocking=False)  # one upload in flight
    try:
        started = time.monotonic()
        response = client.post("/validate", data=b"<http://a/b> <http://a/c> 1 .", content_type="text/turtle")
        assert response.status_code == 503 and time.monotonic() - started < 1
        assert response.headers["Retry-After"] == "30"
    finally:
        slots.release()
    response = client.post("/validate", data=b"<http://a/b> <http://a/c> 1 .", content_type="text/turtle")
    assert response.status_code == 200


def test_a_killed_helper_is_restarted() -> None:
    assert run_isolated("os:getpid", (), 30, None)
    helper = worker._HELPER._proc
    assert helper is not None
    helper.kill()
    helper.wait(10)
    assert run_isolated("os:getpid", (), 30, None)  # a fresh helper, transparently
    assert worker._HELPER._proc is not helper


def test_upload_deadline_is_never_longer_than_the_query_deadline() -> None:
    from ccdkg.server.config import Config

    assert Config(deadline=4).upload_deadline_seconds == 4
    assert Config(deadline=4, upload_deadline=1.5).upload_deadline_seconds == 1.5
    with pytest.raises(ValueError, match="no longer than the query deadline"):
        Config.from_mapping({"deadline": 4, "upload_deadline": 5})
    with pytest.raises(ValueError, match="upload_workers"):
        Config.from_mapping({"upload_workers": 0})

"""The validation job process (ccdkg.validation.worker): killed at the deadline with everything it
started, capped in memory, and its answer read with an allow-list (issue 13, items 2 and 6)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from flask import Flask

from ccdkg.server import validation as blueprint
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


def test_deadline_kills_the_job_and_what_it_started(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"sleep 120 & echo $! > {pids}; sh -c 'echo $$ >> {pids}; sleep 120' & wait"
    started = time.monotonic()
    with pytest.raises(Timeout):
        run_isolated("subprocess:call", (["sh", "-c", script],), 1.5, None)
    assert time.monotonic() - started < 10
    grandchildren = [int(p) for p in pids.read_text().split()]
    assert len(grandchildren) == 2
    end = time.monotonic() + 5
    while time.monotonic() < end and any(_alive(p) for p in grandchildren):
        time.sleep(0.05)
    assert not [p for p in grandchildren if _alive(p)], "a process started by the job outlived its deadline"


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

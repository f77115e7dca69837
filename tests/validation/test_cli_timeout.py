"""``ccdkg validate --timeout``, and hostile files on the command line (issue 13 item 2, issue 15)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.server.hostile import deep_turtle, laughs

CCDKG = Path(sys.executable).parent / "ccdkg"
HERE = Path(__file__).resolve().parent


def validate(*args: str, limit: float = 30) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [str(CCDKG), "validate", *args],
        capture_output=True,
        text=True,
        timeout=limit,
        stdin=subprocess.DEVNULL,
    )
    return done, time.monotonic() - started


def test_laughs_is_refused_at_once(tmp_path: Path) -> None:
    bomb = tmp_path / "laughs.rdf"
    bomb.write_bytes(laughs())
    done, seconds = validate(str(bomb))
    assert done.returncode == 2, done.stderr
    assert "entity declarations" in done.stderr and "laughs.rdf" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert seconds < 20


def test_timeout_stops_validation_with_one_line(tmp_path: Path) -> None:
    slow = tmp_path / "slow.ttl"
    slow.write_bytes(deep_turtle())
    done, seconds = validate("--timeout", "2", str(slow))
    assert done.returncode == 3, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("ccdkg: error: ") and "did not finish within 2 seconds" in line
    assert done.stdout == ""
    assert seconds < 15


def test_timeout_leaves_a_quick_validation_alone() -> None:
    done, _ = validate("--timeout", "60", str(HERE / "invalid-cluster-one-member.ttl"))
    assert done.returncode == 1, done.stderr
    assert "does NOT conform: 1 violation" in done.stdout


@pytest.mark.parametrize("bad", ["0", "-1", "soon"])
def test_timeout_must_be_a_positive_number(bad: str) -> None:
    done, _ = validate("--timeout", bad, str(HERE / "valid-minimal.ttl"))
    assert done.returncode == 2
    assert "--timeout" in done.stderr


def test_timeout_is_in_help() -> None:
    done, _ = validate("--help")
    assert "--timeout SECONDS" in done.stdout

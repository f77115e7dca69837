"""`make lint` holds on every commit: ruff finds nothing, and vulture finds no dead code (what it cannot
see used is listed, with the reason, in scripts/vulture_whitelist.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is part of the test extra: pip install -e '.[test]'")
    return found


def test_ruff_is_clean() -> None:
    for args in (["check", "--quiet", "."], ["format", "--check", "--quiet", "."]):
        done = subprocess.run([_tool("ruff"), *args], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


def test_no_dead_code() -> None:
    paths = ["ccdkg", "graph", "ontology", "server", "validation", "bench", "scripts", "tests"]
    done = subprocess.run(
        [_tool("vulture"), *paths, "--exclude", "*/vendor/*,*/node_modules/*", "--min-confidence", "60"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]

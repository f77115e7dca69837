"""The wheel a user installs: one ``ccdkg`` namespace, every stage, every data file."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Repository folder → the package it is installed as.
PACKAGES = {
    "ccdkg": "ccdkg",
    "ontology": "ccdkg/ontology",
    "graph": "ccdkg/graph",
    "validation": "ccdkg/validation",
    "server": "ccdkg/server",
}


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("ccdkg-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def _tracked(folder: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", folder], cwd=ROOT, check=True, capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line]


def test_only_the_ccdkg_namespace_lands_at_the_top(wheel_names: set[str]) -> None:
    tops = {name.split("/", 1)[0] for name in wheel_names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"ccdkg"}
    for generic in ("graph", "server", "ontology", "validation", "tests", "bench"):
        assert not any(n.startswith(generic + "/") for n in wheel_names), generic


def test_every_subpackage_is_in_the_wheel(wheel_names: set[str]) -> None:
    for installed in PACKAGES.values():
        assert f"{installed}/__init__.py" in wheel_names, installed


@pytest.mark.parametrize("folder", sorted(PACKAGES))
def test_every_tracked_file_of_a_stage_is_in_the_wheel(folder: str, wheel_names: set[str]) -> None:
    missing = []
    for path in _tracked(folder):
        rel = path[len(folder) + 1 :]
        if rel.endswith(".pyc"):
            continue
        if f"{PACKAGES[folder]}/{rel}" not in wheel_names:
            missing.append(path)
    assert not missing, f"tracked files missing from the wheel (fix package-data): {missing}"


def test_console_script_and_version(wheel_names: set[str]) -> None:
    (entry,) = [n for n in wheel_names if n.endswith("entry_points.txt")]
    assert entry.startswith("ccdkg-")
    from ccdkg import __version__

    assert __version__ != "0+unknown"

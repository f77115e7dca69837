"""The ``ccdkg`` command's contract: verbs, --version/--help, exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ccdkg import __version__
from ccdkg.cli import main

VERBS = ["build", "validate", "release", "serve"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ccdkg", *args], capture_output=True, text=True, timeout=120)


def test_version_on_the_command_and_every_verb() -> None:
    assert _run("--version").stdout.strip() == f"ccdkg {__version__}"
    for verb in VERBS:
        assert _run(verb, "--version").stdout.strip() == f"ccdkg {__version__}"


@pytest.mark.parametrize("verb", VERBS)
def test_help_on_every_verb(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([verb, "--help"])
    assert exc.value.code == 0
    assert f"usage: ccdkg {verb}" in capsys.readouterr().out


def test_usage_errors_exit_2_with_one_line() -> None:
    for args in (["frobnicate"], [], ["serve", "--port", "notaport"], ["build", "--no-such-flag"]):
        proc = _run(*args)
        assert proc.returncode == 2, args
        assert "Traceback" not in proc.stderr
        assert proc.stderr.strip().splitlines()[-1].startswith("ccdkg")

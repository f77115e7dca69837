"""The committed release artefacts are exactly what `ccdkg release` builds from the sources."""

from __future__ import annotations

import pytest

from ccdkg.cli import main


@pytest.mark.slow
def test_committed_release_reproduces_byte_for_byte(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["release", "--check"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "release is up to date" in out

"""``ccdkg build``: the committed release is reproducible, and a failing build writes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ccdkg.cli import main
from ccdkg.errors import BuildError, SourceTextError
from ccdkg.graph import build
from ccdkg.graph.build import ARTICLE_ENV, ARTICLE_FILE
from ccdkg.graph.coverage import REPORT as COVERAGE
from ccdkg.graph.release import DUMPS, RELEASE_DIR, REPORT, SUMS

FILES = (*DUMPS, REPORT, COVERAGE, SUMS)


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file of a release (it has sub-folders: tables/, shapes/), by relative path."""
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release")
    assert main(["build", "--release-dir", str(out), "-q"]) == 0
    return out


@pytest.mark.slow
def test_rebuild_is_byte_identical_to_the_committed_release(fresh: Path) -> None:
    committed = snapshot(RELEASE_DIR)
    assert set(FILES) <= set(snapshot(fresh)) and sorted(snapshot(fresh)) == sorted(committed)
    for name in committed:
        assert snapshot(fresh)[name] == committed[name], (
            f"{name} differs from graph/release/{name}: run ccdkg build"
        )


@pytest.mark.slow
def test_sha256sums_match(fresh: Path) -> None:
    lines = (fresh / SUMS).read_text().splitlines()
    assert {line.split("  ")[1] for line in lines} == set(snapshot(fresh)) - {SUMS}
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((fresh / name).read_bytes()).hexdigest() == digest


@pytest.fixture
def previous(tmp_path: Path, fresh: Path) -> Path:
    """A release directory holding a previous build."""
    out = tmp_path / "release"
    out.mkdir()
    for name, data in snapshot(fresh).items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    return out


def _broken_copies(tmp_path: Path) -> dict[str, Path]:
    text = ARTICLE_FILE.read_text(encoding="utf-8")
    no_table = tmp_path / "no-table.txt"
    no_table.write_text("\n".join(line for line in text.split("\n") if "\t" not in line), encoding="utf-8")
    bad_bytes = tmp_path / "bad-bytes.txt"
    bad_bytes.write_bytes(text.encode("utf-8")[:500] + b"\xff\xfe\xfa" + text.encode("utf-8")[500:])
    return {"missing": tmp_path / "does-not-exist.txt", "no-table": no_table, "bad-bytes": bad_bytes}


@pytest.mark.parametrize("case", ["missing", "no-table", "bad-bytes"])
def test_cli_failure_is_one_line_exit_1_and_writes_nothing(
    case: str,
    tmp_path: Path,
    previous: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = snapshot(previous)
    monkeypatch.setenv(ARTICLE_ENV, str(_broken_copies(tmp_path)[case]))
    assert main(["build", "--release-dir", str(previous)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ccdkg: error: ")
    assert snapshot(previous) == before


@pytest.mark.parametrize("case", ["missing", "no-table", "bad-bytes"])
def test_function_raises_source_text_error(case: str, tmp_path: Path, previous: Path) -> None:
    before = snapshot(previous)
    with pytest.raises(SourceTextError):
        build(out_dir=previous, source=_broken_copies(tmp_path)[case])
    assert snapshot(previous) == before


class _Failing:
    conforms = False

    def text(self) -> str:
        return "The data does NOT conform: 1 violation.\n"

    def turtle(self) -> str:
        return ""


def test_non_conforming_graph_is_not_written(previous: Path, tmp_path: Path) -> None:
    before = snapshot(previous)
    with pytest.raises(BuildError, match="does not conform"):
        build(out_dir=previous, validator=lambda dataset, text: _Failing())
    assert snapshot(previous) == before
    single = tmp_path / "one.ttl"
    with pytest.raises(BuildError):
        build(output=single, validator=lambda dataset, text: _Failing())
    assert not single.exists()


def test_output_writes_one_file_by_extension(tmp_path: Path, fresh: Path) -> None:
    out = tmp_path / "graph.nt"
    assert main(["build", "-o", str(out), "-q"]) == 0
    assert out.read_bytes() == (fresh / "ccdkg.nt").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["graph.nt"]

"""The release dumps: every format holds the same quads, in canonical order, whatever the hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccdkg.graph.release import DUMPS, RELEASE_DIR, SUMS

FORMATS = {
    "ccdkg.trig": ox.RdfFormat.TRIG,
    "ccdkg.nq": ox.RdfFormat.N_QUADS,
    "ccdkg.jsonld": ox.RdfFormat.JSON_LD,
    "ccdkg.ttl": ox.RdfFormat.TURTLE,
    "ccdkg.nt": ox.RdfFormat.N_TRIPLES,
}


def read(name: str) -> set[ox.Quad]:
    return set(ox.parse(path=RELEASE_DIR / name, format=FORMATS[name]))


def test_every_dump_holds_the_same_graph() -> None:
    quads = read("ccdkg.trig")
    assert len(quads) > 5000
    assert read("ccdkg.nq") == quads == read("ccdkg.jsonld")
    union = {ox.Quad(q.subject, q.predicate, q.object) for q in quads}
    assert read("ccdkg.ttl") == union == read("ccdkg.nt")
    assert {q.graph_name.value for q in quads} == {
        f"https://w3id.org/ccdkg/id/graph/{name}" for name in ("stated", "interpreted", "links", "ontology")
    }


@pytest.mark.parametrize("name", ["ccdkg.nq", "ccdkg.nt"])
def test_line_formats_are_sorted_without_duplicates(name: str) -> None:
    lines = (RELEASE_DIR / name).read_bytes().splitlines()
    assert lines == sorted(set(lines))


def test_turtle_header_lists_prefixes_in_order() -> None:
    for name in ("ccdkg.trig", "ccdkg.ttl"):
        lines = (RELEASE_DIR / name).read_text(encoding="utf-8").splitlines()
        header = [line for line in lines[:40] if line.startswith("@prefix ")]
        assert header and header == sorted(header) and lines[: len(header)] == header


@pytest.mark.slow
def test_another_process_and_hash_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    out = tmp_path / "release"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    command = [str(Path(sys.executable).with_name("ccdkg")), "build", "-q", "--release-dir", str(out)]
    subprocess.run(command, env=env, check=True, timeout=120)
    for name in (*DUMPS, SUMS):
        assert (out / name).read_bytes() == (RELEASE_DIR / name).read_bytes(), name

"""The benchmark's pieces work at a tiny size: data, query mix, load generator, a peer, the report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # `bench` is run from the repo root (python -m bench), not installed

from bench import mix, synth  # noqa: E402
from bench.__main__ import main  # noqa: E402
from bench.load import answer_size, fetch, run_cell  # noqa: E402
from bench.peers import Ccdkg, NaiveFlask, OxigraphMemory  # noqa: E402

SIZE = 1_000


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth.data_file(SIZE, tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def store(data: Path) -> ox.Store:
    s = ox.Store()
    s.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    return s


def test_synthetic_data_is_deterministic_and_shaped_like_the_graph(data: Path, tmp_path: Path) -> None:
    again = synth.data_file(SIZE, tmp_path)
    assert again.read_bytes() == data.read_bytes()
    assert 0.8 * SIZE <= synth.triple_count(data) <= 1.3 * SIZE
    text = data.read_text(encoding="utf-8")
    for lang in ("zh-Hans", "zh-Hant", "en"):
        assert f'"@{lang} ' in text
    for graph in ("stated", "interpreted", "links", "ontology"):
        assert f"<https://w3id.org/ccdkg/id/graph/{graph}> .\n" in text
    assert "城市群" in text


def test_every_query_parses_and_finds_something(store: ox.Store) -> None:
    shape = synth.Shape(SIZE)
    queries = mix.load_queries()
    assert len(queries) == 11
    for q in queries:
        cold = {q.render(shape, n) for n in range(5)}
        assert len(cold) == 5, f"{q.slug}: cold requests must be distinct"
        assert all(f"# nonce {n}\n" in q.render(shape, n) for n in range(5)), "unique: a nonce each"
        assert "# nonce" not in q.render(shape, 0, cold=False), "a repeated query is one fixed text"
        result = store.query(q.render(shape, 1), use_default_graph_as_union=True)
        fmt = ox.RdfFormat.N_TRIPLES if q.kind == "graph" else ox.QueryResultsFormat.JSON
        answer = answer_size(q.kind, result.serialize(format=fmt))
        assert answer not in (None, 0, False), f"{q.slug} finds nothing in the synthetic data"


def test_load_generator_against_oxigraph_serve(data: Path, tmp_path: Path) -> None:
    shape = synth.Shape(SIZE)
    point = next(q for q in mix.load_queries() if q.slug == "point")
    running = OxigraphMemory().start(data, tmp_path, limit=30)
    try:
        cell = run_cell(
            running.url,
            lambda n: (point.render(shape, n), point.accept),
            concurrency=4,
            budget=0.3,
            timeout=5,
        )
        assert cell.ok and cell.requests > 4 and cell.rps > 0
        assert 0 < cell.p50 <= cell.p99
        assert running.memory_mb() > 1
    finally:
        running.stop()
    assert not running.alive()


def test_ccdkg_serve_answers_the_mix_as_oxigraph_does(data: Path, store: ox.Store, tmp_path: Path) -> None:
    """The peers are compared on equal work: same answers (DESCRIBE is implementation-defined)."""
    if Ccdkg("memory").available():
        pytest.skip("ccdkg serve is not available")
    shape = synth.Shape(SIZE)
    running = Ccdkg("memory").start(data, tmp_path, limit=60)
    try:
        for q in mix.load_queries():
            if q.slug == "describe":
                continue
            text = q.render(shape, 2)
            status, body = fetch(running.url, text, q.accept)
            assert status == 200, (q.slug, body[:200])
            fmt = ox.RdfFormat.N_TRIPLES if q.kind == "graph" else ox.QueryResultsFormat.JSON
            expected = store.query(text, use_default_graph_as_union=True).serialize(format=fmt)
            assert answer_size(q.kind, body) == answer_size(q.kind, expected), q.slug
    finally:
        running.stop()


def test_the_naive_peer_answers_the_mix_as_oxigraph_does(data: Path, store: ox.Store, tmp_path: Path) -> None:
    """The naive Flask + pyoxigraph app is a fair peer: the same answers, from the same engine."""
    if NaiveFlask().available():
        pytest.skip(NaiveFlask().available())
    shape = synth.Shape(SIZE)
    running = NaiveFlask().start(data, tmp_path, limit=60)
    try:
        for q in mix.load_queries():
            if q.slug == "describe":
                continue
            text = q.render(shape, 3)
            status, body = fetch(running.url, text, q.accept)
            assert status == 200, (q.slug, body[:200])
            fmt = ox.RdfFormat.N_TRIPLES if q.kind == "graph" else ox.QueryResultsFormat.JSON
            expected = store.query(text, use_default_graph_as_union=True).serialize(format=fmt)
            assert answer_size(q.kind, body) == answer_size(q.kind, expected), q.slug
    finally:
        running.stop()
    assert not running.alive()


def test_a_whole_tiny_run_writes_the_report(tmp_path: Path) -> None:
    out, raw = tmp_path / "BENCH.md", tmp_path / "raw.json"
    code = main(
        [
            "--sizes",
            "1k",
            "--peers",
            "oxigraph-mem,oxigraph-disk",
            "--budget",
            "0.03",
            "--no-extras",
            "--output",
            str(out),
            "--json",
            str(raw),
        ]
    )
    assert code == 0
    results = json.loads(raw.read_text(encoding="utf-8"))
    peers = results["sizes"]["1k"]["peers"]
    assert peers["oxigraph-mem"]["answers"] == {k: v for k, v in peers["oxigraph-disk"]["answers"].items()}, (
        "both oxigraph modes must give the same answers"
    )
    report = out.read_text(encoding="utf-8")
    assert "| point lookup of one IRI | c1-cold |" in report
    assert "[NOT MEASURED] build ≤ 3 s" in report

"""Validation speed: pyshacl against a faster engine (pyshacl-turbo, a Rust engine with pyshacl's API), on
the same prepared data and the same core shapes, with a check that both give the same results on every
fixture and on the built graph before any time is compared.

``python -m bench.validation [--sizes 10k,100k] [--runs 1]`` prints one JSON object: per size, seconds for
pyshacl, pyshacl-turbo and the whole ``ccdkg.validation.validate`` (which uses pyshacl), and, first, the
agreement on the fixtures. ``make bench`` runs it as its "validation engines" section.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph
from rdflib.term import Node

from ccdkg.namespaces import SH

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "validation"
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}

Key = tuple[str, str, str, str, str]


def _engines() -> dict[str, Any]:
    import pyshacl

    engines: dict[str, Any] = {"pyshacl": pyshacl.validate}
    try:
        import pyshacl_turbo
    except ImportError:  # not installed: the report says so
        return engines
    engines["pyshacl-turbo"] = pyshacl_turbo.validate
    return engines


def _keys(report: Graph) -> set[Key]:
    def term(node: Node | None) -> str:
        return "_" if node is None or node.__class__.__name__ == "BNode" else node.n3()

    return {
        (
            term(report.value(r, SH.focusNode)),
            term(report.value(r, SH.resultPath)),
            term(report.value(r, SH.value)),
            term(report.value(r, SH.sourceShape)),
            term(report.value(r, SH.sourceConstraintComponent)),
        )
        for r in report.objects(None, SH.result)
    }


def run_engine(validate: Any, data: Graph, shapes: Graph) -> tuple[bool, set[Key], float]:
    copy = Graph()
    copy += data
    t0 = time.perf_counter()
    conforms, report, _ = validate(
        copy,
        shacl_graph=shapes,
        inference="none",
        inplace=True,
        allow_warnings=True,
        allow_infos=True,
        advanced=False,
    )
    seconds = time.perf_counter() - t0
    if not isinstance(report, Graph):
        raise RuntimeError(f"engine failed: {report}")
    return bool(conforms), _keys(report), seconds


def _profile_of(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# profile:"):
            return line.split(":", 1)[1].strip()
    return "dataset"


def agreement() -> dict[str, Any]:
    """Each engine on every fixture and on the built graph: the inputs on which an engine's results differ
    from pyshacl's (empty: it agrees everywhere)."""
    from ccdkg.validation import core_shapes, data_graph

    engines = _engines()
    inputs: list[tuple[str, Graph, str]] = []
    for path in sorted(FIXTURES.glob("*.ttl")):
        inputs.append((path.name, Graph().parse(path, format="turtle"), _profile_of(path)))
    built = Dataset()
    built.parse(REPO / "graph" / "release" / "ccdkg.trig", format="trig")
    inputs.append(("graph/release/ccdkg.trig", built, "dataset"))
    differ: dict[str, list[str]] = {name: [] for name in engines if name != "pyshacl"}
    errors: dict[str, str] = {}
    for name, graph, profile in inputs:
        data, shapes = data_graph(graph), core_shapes(profile)
        base = run_engine(engines["pyshacl"], data, shapes)[:2]
        for engine in differ:
            try:
                if run_engine(engines[engine], data, shapes)[:2] != base:
                    differ[engine].append(name)
            except Exception as err:  # noqa: BLE001 - an engine that breaks on an input disagrees on it
                differ[engine].append(name)
                errors.setdefault(engine, f"{name}: {type(err).__name__}: {err}"[:300])
    return {
        "inputs": len(inputs),
        "engines": sorted(engines),
        "differ": differ,
        "errors": errors,
        "agree": {engine: not names for engine, names in differ.items()},
    }


def timings(sizes: list[str], runs: int = 1) -> dict[str, Any]:
    """Seconds per engine on the synthetic graphs of make bench (bench/synth.py), the same prepared data
    graph (ccdkg.validation.data_graph) and core shapes; and the whole validate() for reference."""
    from bench.synth import data_file
    from ccdkg.validation import core_shapes, data_graph, validate

    engines = _engines()
    shapes = core_shapes()
    out: dict[str, Any] = {}
    for label in sizes:
        dataset = Dataset()
        dataset.parse(data_file(SIZES[label]), format="nquads")
        data = data_graph(dataset)
        row: dict[str, Any] = {"triples": len(data)}
        results: dict[str, tuple[bool, set[Key]]] = {}
        for name, fn in engines.items():
            times = []
            for _ in range(runs):
                conforms, keys, seconds = run_engine(fn, data, shapes)
                times.append(seconds)
            results[name] = (conforms, keys)
            row[name] = round(min(times), 2)
        row["same results"] = len({(c, frozenset(k)) for c, k in results.values()}) == 1
        t0 = time.perf_counter()
        validate(dataset)
        row["ccdkg validate() total"] = round(time.perf_counter() - t0, 2)
        out[label] = row
    return out


# Seconds the engines section needs per size (agreement ≈ 1 min, then both engines and validate()).
COST = {"1k": 60, "10k": 90, "100k": 240, "1M": 3000}


def run(sizes: list[str], remaining: float) -> dict[str, Any]:
    """make bench's "validation engines" section: agreement first, then the sizes that fit the time left."""
    try:
        result: dict[str, Any] = {"agreement": agreement()}
        fits = [s for s in sizes if COST.get(s, 600) <= remaining]
        result["seconds"] = timings(fits)
        result["not run"] = [s for s in sizes if s not in fits]
    except Exception as err:  # noqa: BLE001 - the report says what failed instead of losing the run
        return {"error": f"{type(err).__name__}: {err}"}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.validation", description=__doc__)
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated sizes among 1k,10k,100k,1M")
    parser.add_argument("--runs", type=int, default=1, help="runs per engine and size (the fastest counts)")
    parser.add_argument("--no-agreement", action="store_true", help="skip the fixture agreement check")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {}
    if not args.no_agreement:
        result["agreement"] = agreement()
    result["seconds"] = timings([s for s in args.sizes.split(",") if s], args.runs)
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

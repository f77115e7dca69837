"""``python -m bench``: ccdkg against oxigraph serve, a naive Flask app and rdflib-endpoint.

Two paths are measured for every query, at concurrency 1 and 8: *unique* queries (every request a
distinct text ending in ``# nonce N``, so no cache can answer: the query path) and *repeated* queries
(one text again and again: the response cache's path). The full run (``make bench``) measures 100k
and 1M synthetic triples (``--sizes`` to choose) and writes BENCHMARKS.md from that one run, with
the machine's other CPU load; ``--quick`` measures 10k with short cells and writes bench/work/quick.md
only; ``--profile`` times each stage of the unique-query path (bench/profile.py).
Everything is bounded: each cell by its time budget and the request timeout, each peer's load by
``--load-limit``, and the whole run by ``--max-minutes`` (what does not fit is recorded as not run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench import extras, report, side_by_side, validation
from bench.hostload import HostLoad, describe
from bench.load import Cell, answer_size, fetch, run_cell
from bench.mix import Query, load_queries
from bench.peers import DEFAULT_PEERS, Peer, PeerFailed, Running, all_peers, pyoxigraph_bulk_load
from bench.synth import WORK, Shape, data_file, triple_count

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1M": 1_000_000}
# (concurrency, unique?) in the order they run: unique first, so that no cache filled by the repeated
# cells can help them.
CELLS = (("c1", 1, True), ("c8", 8, True), ("c1", 1, False), ("c8", 8, False))
SLOW_SINGLE, RESTART_LIMIT = side_by_side.SLOW_SINGLE, side_by_side.RESTART_LIMIT


def cell_key(conc: str, unique: bool) -> str:
    return f"{conc}-{'unique' if unique else 'repeated'}"


class Clock:
    def __init__(self, minutes: float) -> None:
        self.t0 = time.monotonic()
        self.limit = minutes * 60

    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def remaining(self) -> float:
        return self.limit - self.elapsed()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _run_query(running: Running, q: Query, shape: Shape, budget: float, timeout: float) -> dict[str, dict]:
    cells: dict[str, dict] = {}
    skip: str | None = None
    for i, (conc_name, conc, unique) in enumerate(CELLS):
        key = cell_key(conc_name, unique)
        if skip:
            cells[key] = Cell(skipped=skip).to_json()
            continue
        repeated = q.render(shape, 0, unique=False)
        if not unique:  # prime: a repeated cell measures the cache's answer, not the first run
            try:
                fetch(running.url, repeated, q.accept, timeout=timeout)
            except OSError as err:
                cells[key] = Cell(errors=1, first_error=f"priming request failed: {err}").to_json()
                continue

        def make(n: int, unique: bool = unique, repeated: str = repeated) -> tuple[str, str]:
            return (q.render(shape, n) if unique else repeated), q.accept

        cell = run_cell(
            running.url, make, concurrency=conc, budget=budget, timeout=timeout, start_n=1 + i * 1_000_000
        )
        cells[key] = cell.to_json()
        if cell.timeouts:
            skip = "not run: an earlier cell of this query timed out"
        elif key == "c1-unique" and cell.latencies and cell.p50 >= SLOW_SINGLE:
            skip = f"not run: one request takes ≥ {SLOW_SINGLE:g} s at concurrency 1"
    return cells


def run_peer(
    peer: Peer,
    data: Path,
    shape: Shape,
    queries: Sequence[Query],
    args: argparse.Namespace,
    clock: Clock,
    work: Path,
) -> dict:
    out: dict = {"label": peer.label, "family": peer.family}
    why = peer.available()
    if why:
        out["failed"] = why
        return out
    if clock.remaining() < 60:
        out["failed"] = "not run: the run's time limit was reached"
        return out
    try:
        running = peer.start(data, work, min(args.load_limit, clock.remaining()))
    except PeerFailed as err:
        out["failed"] = f"did not load: {err}"
        return out
    log(f"  {peer.name}: loaded in {running.load_seconds:.2f} s")
    out.update(
        load_s=round(running.load_seconds, 3), mem_loaded_mb=round(running.memory_mb(), 1), **running.extra
    )
    answers: dict = {}
    queries_out: dict = {}
    try:
        for q in queries:
            try:
                status, body = fetch(
                    running.url, q.render(shape, 0, unique=False), q.accept, timeout=args.timeout
                )
                answers[q.slug] = answer_size(q.kind, body) if status == 200 else f"HTTP {status}"
            except OSError as err:
                answers[q.slug] = f"error: {err}"
            if clock.remaining() < 20:
                queries_out[q.slug] = {
                    k: Cell(skipped="not run: the run's time limit was reached").to_json()
                    for k in (cell_key(c, unique) for c, _, unique in CELLS)
                }
                continue
            cells = _run_query(running, q, shape, args.budget, args.timeout)
            queries_out[q.slug] = cells
            summary = cells["c1-unique"]
            log(
                f"    {q.slug:20s} c1 unique {summary['rps']:8.1f}/s p50 {summary['p50_ms']} ms"
                + (f"  [{summary['first_error'] or summary['skipped']}]" if not _cell_ok(summary) else "")
            )
            if any(c["timeouts"] for c in cells.values()) or not running.alive():
                # The peer may still be working on the abandoned query; restart it when that is cheap.
                out["mem_after_mb"] = round(running.memory_mb(), 1)
                running.stop()
                if running.load_seconds <= RESTART_LIMIT and clock.remaining() > 60:
                    log(f"  {peer.name}: restarting after a timeout")
                    running = peer.start(data, work, min(args.load_limit, clock.remaining()))
                else:
                    out["stopped"] = (
                        f"stopped after a timeout on {q.slug}; restarting would cost "
                        f"{running.load_seconds:.0f} s of load"
                    )
                    for rest in queries[queries.index(q) + 1 :]:
                        queries_out[rest.slug] = {
                            cell_key(c, unique): Cell(skipped="not run: " + out["stopped"]).to_json()
                            for c, _, unique in CELLS
                        }
                    break
        if running.alive():
            out["mem_after_mb"] = round(running.memory_mb(), 1)
    except PeerFailed as err:
        out["failed_midway"] = str(err)
    finally:
        running.stop()
    out["answers"] = answers
    out["queries"] = queries_out
    return out


def _cell_ok(cell: dict) -> bool:
    return not cell["errors"] and not cell["timeouts"] and not cell["skipped"] and cell["requests"] > 0


def run_size(
    label: str,
    size: int,
    peers: Sequence[Peer],
    queries: Sequence[Query],
    args: argparse.Namespace,
    clock: Clock,
) -> dict:
    data = data_file(size)
    shape = Shape(size)
    work = WORK / f"run-{label}"
    work.mkdir(parents=True, exist_ok=True)
    triples = triple_count(data)
    log(f"{label}: {triples} triples in {data.name}")
    result: dict = {"triples": triples, "file_mb": round(data.stat().st_size / 2**20, 1), "peers": {}}
    try:
        result["pyoxigraph_bulk_load"] = pyoxigraph_bulk_load(data)
    except Exception as err:  # noqa: BLE001 - the reference is reported as missing, the run goes on
        result["pyoxigraph_bulk_load"] = {"error": str(err)}
    alone: list[Peer] = []
    for peer in peers:
        if args.skip_rdflib_above and peer.family == "rdflib" and size > args.skip_rdflib_above:
            result["peers"][peer.name] = {
                "label": peer.label,
                "family": peer.family,
                "failed": f"not run above {args.skip_rdflib_above} triples (--skip-rdflib-above)",
            }
        elif args.sequential or peer.family == "rdflib":
            alone.append(peer)
    # The peers that the targets compare closely run side by side (bench/side_by_side.py);
    # rdflib-endpoint, 10-1000x slower and busy long after a timeout, runs alone afterwards.
    group = [p for p in peers if p not in alone and p.name not in result["peers"]]
    if group:
        result["peers"].update(
            side_by_side.run_group(group, data, shape, queries, CELLS, args, clock.remaining, work, log)
        )
    for peer in alone:
        result["peers"][peer.name] = run_peer(peer, data, shape, queries, args, clock, work)
    result["peers"] = {p.name: result["peers"][p.name] for p in peers if p.name in result["peers"]}
    return result


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--profile" in argv:  # the per-stage profile has its own options (python -m bench --profile -h)
        from bench import profile

        argv.remove("--profile")
        return profile.main(argv)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k triples only, short cells (≈3 min)")
    parser.add_argument(
        "--profile", action="store_true", help="time each stage of the unique-query path instead"
    )
    parser.add_argument(
        "--sizes", help="comma-separated sizes among 1k,10k,100k,1M (default: 100k,1M; --quick: 10k)"
    )
    parser.add_argument(
        "--peers",
        help=f"comma-separated peer names (default: {','.join(DEFAULT_PEERS)}; also: oxigraph-disk)",
    )
    parser.add_argument("--budget", type=float, help="seconds per cell (default 0.3; --quick 0.15)")
    parser.add_argument("--timeout", type=float, default=20.0, help="request timeout in seconds (default 20)")
    parser.add_argument(
        "--load-limit", type=float, default=300.0, help="seconds a peer may take to load (300)"
    )
    parser.add_argument("--max-minutes", type=float, default=18.0, help="stop starting work after this (18)")
    parser.add_argument(
        "--skip-rdflib-above", type=int, default=0, help="do not run rdflib-endpoint above N triples"
    )
    parser.add_argument(
        "--no-extras", action="store_true", help="skip build/validate/in-process measurements"
    )
    parser.add_argument(
        "--sequential",
        action="store_true",
        help="run the peers one at a time instead of side by side (less memory, more noise in ratios)",
    )
    parser.add_argument(
        "--json", type=Path, help="raw results (default: bench/results/latest.json or quick.json)"
    )
    parser.add_argument(
        "--output", type=Path, help="Markdown report (default: BENCHMARKS.md; quick: bench/work/quick.md)"
    )
    parser.add_argument(
        "--report-only", type=Path, metavar="JSON", help="re-render the report from raw results, run nothing"
    )
    args = parser.parse_args(argv)
    if args.report_only:
        results = json.loads(args.report_only.read_text(encoding="utf-8"))
        (args.output or REPO / "BENCHMARKS.md").write_text(report.markdown(results), encoding="utf-8")
        print(report.console(results))
        return 0
    sizes = (args.sizes or ("10k" if args.quick else "100k,1M")).split(",")
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {', '.join(unknown)}; choose among {', '.join(SIZES)}")
    args.budget = args.budget or (0.15 if args.quick else 0.3)
    output = args.output or (WORK / "quick.md" if args.quick else REPO / "BENCHMARKS.md")
    wanted = args.peers.split(",") if args.peers else list(DEFAULT_PEERS)
    peers = [p for p in all_peers() if p.name in wanted]
    unknown = set(wanted) - {p.name for p in peers}
    if unknown:
        parser.error(f"unknown peer {', '.join(sorted(unknown))}")
    host = HostLoad().start()
    queries = load_queries()
    clock = Clock(args.max_minutes)
    results: dict = {
        "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": extras.machine(),
        "config": {
            "sizes": sizes,
            "budget_s": args.budget,
            "timeout_s": args.timeout,
            "quick": args.quick,
            "load_limit_s": args.load_limit,
            "peers": [p.name for p in peers],
            "side_by_side": not args.sequential,
        },
        "queries": {q.slug: {"name": q.name, "kind": q.kind, "text": q.template} for q in queries},
        "sizes": {},
    }
    small = [s for s in sizes if SIZES[s] <= 100_000]
    if not args.no_extras:
        log("extras: build, start to first answer, in-process query path")
        results["extras"] = extras.run_before(small, quick=args.quick)
    for label in sizes:
        results["sizes"][label] = run_size(label, SIZES[label], peers, queries, args, clock)
        results["sizes"][label]["host_load"] = host.mark()
        log(f"  {label}: {describe(results['sizes'][label]['host_load'])}")
    if not args.no_extras:
        # pyshacl alone needs ~1 min at 10k and does not finish in 4 min at 100k: validate at 10k.
        log("extras: ccdkg validate against plain pyshacl")
        results["extras"]["validate"] = extras.run_validation(["10k"], clock.remaining())
        log("extras: SHACL engines (pyshacl, pyshacl-turbo) on the same prepared graph and shapes")
        results["extras"]["validation_engines"] = validation.run(["10k", "100k"], clock.remaining())
        results["extras"]["host_load"] = host.mark()
    host.stop()
    results["elapsed_s"] = round(clock.elapsed(), 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = args.json or (WORK / "quick.json" if args.quick else RESULTS / "latest.json")
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown = report.markdown(results)
    output.write_text(markdown, encoding="utf-8")
    print(report.console(results))
    log(f"wrote {output} and {raw} in {clock.elapsed() / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())

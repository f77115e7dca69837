"""Several peers measured side by side: all loaded at once, each cell's time shared out in turns.

On a shared machine the other processes' load changes from minute to minute, so peers measured one
after the other meet different machines, and a ratio between them measures the neighbours as much
as the servers. Here every peer of the group is started first (an idle server costs no CPU), then
each (query, cell) is measured in ``rounds`` slices per peer, taken in turn (A B C, B C A, C A B …),
and the slices of one peer are added up into its cell. A burst of other load then falls on every
peer alike. A peer that needs more than the cell's budget for one slice gets no further slice.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.load import Cell, answer_size, fetch, run_cell
from bench.mix import Query
from bench.peers import Peer, PeerFailed, Running
from bench.synth import Shape

SLOW_SINGLE = 1.0  # s: a query this slow at concurrency 1 is not run at 8 (it would only queue)
RESTART_LIMIT = 30.0  # s: a peer that timed out is restarted only if it loads faster than this


def merge(a: Cell, b: Cell) -> Cell:
    return Cell(
        requests=a.requests + b.requests,
        errors=a.errors + b.errors,
        timeouts=a.timeouts + b.timeouts,
        elapsed=a.elapsed + b.elapsed,
        latencies=a.latencies + b.latencies,
        first_error=a.first_error or b.first_error,
    )


def run_group(
    peers: Sequence[Peer],
    data: Path,
    shape: Shape,
    queries: Sequence[Query],
    cells: Sequence[tuple[str, int, bool]],
    args: argparse.Namespace,
    remaining: Callable[[], float],
    work: Path,
    log: Callable[[str], None],
    rounds: int = 3,
) -> dict[str, dict]:
    """{peer name: its results} in the shape run_peer gives, for peers measured side by side."""
    out: dict[str, dict] = {}
    running: dict[str, Running] = {}
    by_name = {p.name: p for p in peers}
    for peer in peers:
        res: dict = {"label": peer.label, "family": peer.family}
        out[peer.name] = res
        why = peer.available()
        if why:
            res["failed"] = why
            continue
        try:
            r = peer.start(data, work, min(args.load_limit, remaining()))
        except PeerFailed as err:
            res["failed"] = f"did not load: {err}"
            continue
        running[peer.name] = r
        log(f"  {peer.name}: loaded in {r.load_seconds:.2f} s")
        res.update(load_s=round(r.load_seconds, 3), mem_loaded_mb=round(r.memory_mb(), 1), **r.extra)
        res["answers"], res["queries"] = {}, {}
    try:
        for name, r in running.items():
            for q in queries:
                try:
                    status, body = fetch(
                        r.url, q.render(shape, 0, unique=False), q.accept, timeout=args.timeout
                    )
                    out[name]["answers"][q.slug] = (
                        answer_size(q.kind, body) if status == 200 else f"HTTP {status}"
                    )
                except OSError as err:
                    out[name]["answers"][q.slug] = f"error: {err}"
        for q in queries:
            if remaining() < 20:
                for name in running:
                    out[name]["queries"][q.slug] = {
                        _key(c, u): Cell(skipped="not run: the run's time limit was reached").to_json()
                        for c, _, u in cells
                    }
                continue
            skip: dict[str, str] = {}
            for i, (conc_name, conc, unique) in enumerate(cells):
                key = _key(conc_name, unique)
                repeated = q.render(shape, 0, unique=False)
                got: dict[str, Cell] = {}
                for name in list(running):
                    if name in skip:
                        out[name]["queries"].setdefault(q.slug, {})[key] = Cell(skipped=skip[name]).to_json()
                        continue
                    if not unique:  # prime: a repeated cell measures the cache's answer, not the first run
                        try:
                            fetch(running[name].url, repeated, q.accept, timeout=args.timeout)
                        except OSError as err:
                            got[name] = Cell(errors=1, first_error=f"priming request failed: {err}")
                            continue
                    got[name] = Cell()
                order = [n for n in running if n in got and not got[n].errors]
                for rnd in range(rounds):
                    turn = order[rnd % len(order) :] + order[: rnd % len(order)] if order else []
                    for name in turn:
                        cell = got[name]
                        if cell.timeouts or cell.errors or (rnd and cell.elapsed >= args.budget):
                            continue

                        def make(n: int, q: Query = q, unique: bool = unique, text: str = repeated) -> tuple:
                            return (q.render(shape, n) if unique else text), q.accept

                        got[name] = merge(
                            cell,
                            run_cell(
                                running[name].url,
                                make,
                                concurrency=conc,
                                budget=args.budget / rounds,
                                timeout=args.timeout,
                                start_n=1 + i * 1_000_000 + rnd * 100_000,
                            ),
                        )
                for name, cell in got.items():
                    out[name]["queries"].setdefault(q.slug, {})[key] = cell.to_json()
                    if cell.timeouts:
                        skip[name] = "not run: an earlier cell of this query timed out"
                    elif key.startswith("c1-unique") and cell.latencies and cell.p50 >= SLOW_SINGLE:
                        skip[name] = f"not run: one request takes ≥ {SLOW_SINGLE:g} s at concurrency 1"
            line = "    " + f"{q.slug:20s} c1 unique"
            for name in running:
                c = out[name]["queries"][q.slug].get(_key(cells[0][0], cells[0][2]), {})
                line += f"  {name} {c.get('rps', 0):.0f}/s"
            log(line)
            for name in [n for n, r in running.items() if n in skip or not r.alive()]:
                if "timed out" not in skip.get(name, "") and running[name].alive():
                    continue
                # The peer may still be working on the abandoned query; restart it when that is cheap.
                r = running[name]
                out[name]["mem_after_mb"] = round(r.memory_mb(), 1)
                r.stop()
                if r.load_seconds <= RESTART_LIMIT and remaining() > 60:
                    log(f"  {name}: restarting after a timeout")
                    try:
                        running[name] = by_name[name].start(data, work, min(args.load_limit, remaining()))
                        continue
                    except PeerFailed as err:
                        out[name]["failed_midway"] = str(err)
                else:
                    out[name]["stopped"] = (
                        f"stopped after a timeout on {q.slug}; "
                        f"restarting would cost {r.load_seconds:.0f} s of load"
                    )
                del running[name]
                for rest in queries[queries.index(q) + 1 :]:
                    out[name]["queries"][rest.slug] = {
                        _key(c, u): Cell(skipped="not run: " + out[name].get("stopped", "failed")).to_json()
                        for c, _, u in cells
                    }
        for name, r in running.items():
            if r.alive():
                out[name]["mem_after_mb"] = round(r.memory_mb(), 1)
    finally:
        for r in running.values():
            r.stop()
    return out


def _key(conc: str, unique: bool) -> str:
    return f"{conc}-{'unique' if unique else 'repeated'}"

"""From the raw results to the Markdown report and the target lines (HOLDS / MISSED / NOT MEASURED).

Ratios are requests/s of ccdkg over requests/s of the faster of oxigraph serve's two modes (memory,
read-only disk) in the same cell; "ccdkg" in a target is the fastest of its three modes in that cell
(memory, on-disk, two server processes), the per-mode figures are in the tables.  A query is *heavy*
at a size when oxigraph's faster mode needs ≥ 10 ms for it at concurrency 1 (p50, unique), *middle*
at 1-10 ms, else *trivial*. "cold" cells are unique queries (a ``# nonce N`` each), "warm" cells one
repeated text (``--repeated``: the response cache).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

PEERS = [
    "oxigraph-mem",
    "oxigraph-disk",
    "ccdkg-mem",
    "ccdkg-disk",
    "ccdkg-workers",
    "naive-flask",
    "rdflib-endpoint",
]
OXIGRAPH = ["oxigraph-mem", "oxigraph-disk"]
CCDKG = ["ccdkg-mem", "ccdkg-disk", "ccdkg-workers"]
RDFLIB = "rdflib-endpoint"
NAIVE = "naive-flask"  # bench/naive_app.py: Flask + pyoxigraph without any of ccdkg's safety
CELLS = ["c1-cold", "c8-cold", "c1-warm", "c8-warm"]
HEAVY_MS = 10.0
NOTES = Path(__file__).resolve().parent / "analysis.md"


@dataclass
class Target:
    text: str
    status: str  # HOLDS | MISSED | NOT MEASURED
    detail: str

    def line(self) -> str:
        return f"[{self.status}] {self.text} — {self.detail}"


def _cell(size: dict, peer: str, query: str, key: str) -> dict | None:
    """The cell when it ran cleanly, else None."""
    cell = size["peers"].get(peer, {}).get("queries", {}).get(query, {}).get(key)
    if not cell or cell["skipped"] or cell["errors"] or cell["timeouts"] or not cell["requests"]:
        return None
    return cell


def _best(size: dict, peers: list[str], query: str, key: str) -> tuple[float, str] | None:
    found = [(c["rps"], p) for p in peers if (c := _cell(size, p, query, key))]
    return max(found) if found else None


def _oxi_p50(size: dict, query: str) -> float | None:
    found = [c["p50_ms"] for p in OXIGRAPH if (c := _cell(size, p, query, "c1-cold"))]
    return min(found) if found else None


def _has_ccdkg(size: dict) -> bool:
    """Whether any ccdkg mode ran at this size (else its targets are not measured there)."""
    return any("queries" in size["peers"].get(p, {}) for p in CCDKG)


def _heavy(size: dict, query: str) -> bool | None:
    p50 = _oxi_p50(size, query)
    return None if p50 is None else p50 >= HEAVY_MS


def _ratio(size: dict, query: str, key: str, versus: list[str]) -> float | None:
    ours, theirs = _best(size, CCDKG, query, key), _best(size, versus, query, key)
    if not ours or not theirs:
        return None
    return ours[0] / theirs[0]


def _fmt_ratio(r: float | None) -> str:
    return "—" if r is None else (f"{r:.2f}×" if r < 10 else f"{r:.0f}×")


def _worst(items: list[tuple[float, str]]) -> str:
    if not items:
        return "no cell measured"
    r, where = min(items)
    finite = [x for x, _ in items if math.isfinite(x)]
    text = f"lowest {r:.2f}× ({where})"
    if finite:
        geo = math.exp(sum(math.log(max(x, 1e-9)) for x in finite) / len(finite))
        text += f", geometric mean {geo:.2f}× over {len(finite)} cells"
    if len(finite) < len(items):
        text += f" (+{len(items) - len(finite)} where the peer gave no answer in time)"
    return text


def _status(ok: bool, measured: bool) -> str:
    return "NOT MEASURED" if not measured else ("HOLDS" if ok else "MISSED")


def targets(results: dict) -> list[Target]:
    sizes = results.get("sizes", {})
    queries = list(results.get("queries", {}))
    out: list[Target] = []

    def ratios(select_query, keys: list[str], versus: list[str], floor: float) -> tuple[list, list]:
        items, missing = [], []
        for label, size in sizes.items():
            if not _has_ccdkg(size):
                continue
            for q in queries:
                if not select_query(size, q):
                    continue
                for key in keys:
                    theirs = _best(size, versus, q, key)
                    if theirs is None:
                        continue
                    r = _ratio(size, q, key, versus)
                    if r is None:
                        missing.append(f"{label} {q} {key}")
                        items.append((0.0, f"{label} {q} {key}: ccdkg did not answer"))
                    else:
                        items.append((r, f"{label} {q} {key}"))
        return items, [w for r, w in items if r < floor]

    def line(text: str, items: list, misses: list) -> Target:
        detail = _worst(items) + (f"; below in {len(misses)}: {', '.join(misses[:6])}" if misses else "")
        return Target(text, _status(not misses, bool(items)), detail)

    def band(lo: float, hi: float):
        return lambda s, q: (p := _oxi_p50(s, q)) is not None and lo <= p < hi

    unique = ["c1-cold", "c8-cold"]
    for text, lo, hi, floor in (
        ("trivial queries (oxigraph p50 < 1 ms), unique, ≥ 0.5× oxigraph serve's requests/s", 0, 1, 0.5),
        ("middle queries (1-10 ms), unique, ≥ 0.7× oxigraph serve", 1, HEAVY_MS, 0.7),
        ("heavy queries (≥ 10 ms), unique, ≥ 0.9× oxigraph serve", HEAVY_MS, math.inf, 0.9),
    ):
        items, misses = ratios(band(lo, hi), unique, OXIGRAPH, floor)
        out.append(line(text, items, misses))
    items, misses = ratios(lambda s, q: True, unique, [NAIVE], 1.0)
    t = line("never below the naive Flask + pyoxigraph app, unique queries at c=1 and c=8", items, misses)
    if not items:
        t.detail = "naive-flask not run (needs gunicorn: pip install -e '.[bench]')"
    out.append(t)
    items, misses = ratios(lambda s, q: True, ["c1-warm", "c8-warm"], OXIGRAPH, 1.0)
    t = line("repeated queries ≥ 1× oxigraph serve (the cache path)", items, misses)
    if not items:
        t.detail = "not run: python -m bench --repeated"
    out.append(t)

    pss = []
    for label, size in sizes.items():
        ours, theirs = size["peers"].get("ccdkg-mem", {}), size["peers"].get("oxigraph-mem", {})
        if ours.get("mem_loaded_mb") and theirs.get("mem_loaded_mb"):
            pss.append((ours["mem_loaded_mb"] / theirs["mem_loaded_mb"], label))
    out.append(
        Target(
            "memory (PSS of the process tree, loaded) ≤ 2× oxigraph serve's",
            _status(all(r <= 2.0 for r, _ in pss), bool(pss)),
            ", ".join(f"{label} {r:.2f}×" for r, label in pss) or "ccdkg-mem or oxigraph-mem not run",
        )
    )

    # rdflib-endpoint: never slower; ≥ 10× where a query costs it ≥ 10 ms (or it could not answer).
    never, ten = [], []
    for label, size in sizes.items():
        if RDFLIB not in size["peers"] or "queries" not in size["peers"][RDFLIB] or not _has_ccdkg(size):
            continue
        for q in queries:
            theirs_c1 = size["peers"][RDFLIB]["queries"].get(q, {}).get("c1-cold")
            for key in CELLS:
                ours, theirs = _best(size, CCDKG, q, key), _best(size, [RDFLIB], q, key)
                if ours and theirs:
                    never.append((ours[0] / theirs[0], f"{label} {q} {key}"))
                elif theirs and not ours:
                    never.append((0.0, f"{label} {q} {key}: ccdkg did not answer"))
            ours = _best(size, CCDKG, q, "c1-cold")
            if theirs_c1 and ours:
                slow = (theirs_c1["p50_ms"] or 0) >= HEAVY_MS or theirs_c1["timeouts"]
                if slow:
                    r = (
                        ours[0] / theirs_c1["rps"]
                        if theirs_c1["rps"] and not theirs_c1["timeouts"]
                        else math.inf
                    )
                    ten.append((r, f"{label} {q} c1-cold"))
    misses = [w for r, w in never if r < 1.0]
    out.append(line("never slower than rdflib-endpoint", never, misses))
    misses = [w for r, w in ten if r < 10.0]
    out.append(line("≥ 10× rdflib-endpoint on every query that costs it ≥ 10 ms", ten, misses))

    big = sizes.get("1M")
    if big is None:
        out.append(Target("no query that Oxigraph answers at 1M timing out", "NOT MEASURED", "1M not run"))
    else:
        answered = [q for q in queries if _best(big, OXIGRAPH, q, "c1-cold")]
        bad = []
        for q in answered:
            for peer in CCDKG:
                cells = big["peers"].get(peer, {}).get("queries", {}).get(q, {})
                for key, cell in cells.items():
                    if cell["timeouts"] or cell["errors"]:
                        error = cell["first_error"] or ""
                        # Our own overload refusal is not a timeout, but the query went unanswered.
                        kind = "refused (503)" if error.startswith("HTTP 503") else "timed out or failed"
                        bad.append(f"{peer} {q} {key} {kind}: {error[:80]}")
                if peer in big["peers"] and "queries" not in big["peers"][peer]:
                    bad.append(f"{peer}: {big['peers'][peer].get('failed', 'not run')}")
                    break
        out.append(
            Target(
                "no query that Oxigraph answers at 1M timing out",
                _status(not bad, bool(answered)),
                f"{len(answered)} queries answered by oxigraph at 1M"
                + (
                    f"; ccdkg failed: {'; '.join(sorted(set(bad))[:5])}"
                    if bad
                    else ", every ccdkg mode answered them all"
                ),
            )
        )
    if big and "ccdkg-mem" in big["peers"] and "load_s" in big["peers"]["ccdkg-mem"]:
        ref = big.get("pyoxigraph_bulk_load", {})
        ours = big["peers"]["ccdkg-mem"]
        if "wall_s" in ref:
            t_ratio = ours["load_s"] / ref["wall_s"]
            m_ratio = ours["mem_loaded_mb"] / ref["rss_mb"]
            out.append(
                Target(
                    "1M-triple load ≤ 1.5× pyoxigraph bulk load time, RSS ≤ 1.3×",
                    _status(t_ratio <= 1.5 and m_ratio <= 1.3, True),
                    f"time {ours['load_s']:.1f} s vs {ref['wall_s']:.1f} s = {t_ratio:.2f}×; memory "
                    f"{ours['mem_loaded_mb']:.0f} vs {ref['rss_mb']:.0f} MiB = {m_ratio:.2f}×",
                )
            )
        else:
            out.append(
                Target(
                    "1M-triple load ≤ 1.5× pyoxigraph bulk load time, RSS ≤ 1.3×",
                    "NOT MEASURED",
                    "pyoxigraph reference failed",
                )
            )
    else:
        out.append(
            Target(
                "1M-triple load ≤ 1.5× pyoxigraph bulk load time, RSS ≤ 1.3×",
                "NOT MEASURED",
                "ccdkg serve (memory) did not load 1M" if big else "1M not run",
            )
        )
    ex = results.get("extras", {})
    for key, text, limit in (
        ("build", "build ≤ 3 s", 3.0),
        ("start_to_first_answer", "start to first answer ≤ 2 s", 2.0),
    ):
        m = ex.get(key, {})
        if m.get("seconds") is None:
            out.append(Target(text, "NOT MEASURED", str(m.get("error", "not run"))))
        else:
            out.append(
                Target(
                    text,
                    _status(m["seconds"] <= limit, True),
                    f"{m['seconds']:.2f} s (runs: {', '.join(f'{x:.2f}' for x in m.get('runs', []))})",
                )
            )
    return out


def _fmt_cell(cell: dict | None) -> str:
    if not cell:
        return "—"
    if cell["skipped"]:
        return "skipped"
    if cell["timeouts"]:
        return "timeout"
    if cell["errors"]:
        return "error"
    rps = cell["rps"]
    r = f"{rps:.0f}" if rps >= 10 else f"{rps:.2g}"
    return f"{r} ({_ms(cell['p50_ms'])}/{_ms(cell['p99_ms'])})"


def _ms(v: float | None) -> str:
    if v is None:
        return "?"
    return f"{v:.1f}" if v < 100 else f"{v:.0f}"


def _peer_table(size: dict) -> list[str]:
    ref = size.get("pyoxigraph_bulk_load", {})
    rows = [
        "| server | load (s) | memory after load (MiB) | memory after run (MiB) | note |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for peer in PEERS:
        p = size["peers"].get(peer)
        if p is None:
            continue
        note = p.get("failed") or p.get("stopped") or p.get("failed_midway") or ""
        if "bulk_load_s" in p:
            note = (note + "; " if note else "") + f"of which `oxigraph load` {p['bulk_load_s']:.2f} s"
        rows.append(
            f"| {p['label']} | {p.get('load_s', '—')} | {p.get('mem_loaded_mb', '—')} | "
            f"{p.get('mem_after_mb', '—')} | {note} |"
        )
    if "wall_s" in ref:
        rows.append(
            f"| *pyoxigraph bulk_load in a fresh process (reference)* | {ref['wall_s']:.3f} | "
            f"{ref['rss_mb']:.1f} | — | peak {ref['maxrss_mb']:.0f} MiB |"
        )
    return rows


def _cells_table(size: dict, queries: dict) -> list[str]:
    present = [p for p in PEERS if p in size["peers"] and "queries" in size["peers"][p]]
    head = [
        "query",
        "cell",
        *[size["peers"][p]["label"] for p in present],
        "ccdkg / oxigraph",
        "ccdkg / rdflib",
    ]
    rows = ["| " + " | ".join(head) + " |", "| --- | --- | " + " | ".join("---:" for _ in head[2:]) + " |"]
    for q, meta in queries.items():
        heavy = _heavy(size, q)
        name = meta["name"] + (" **(heavy)**" if heavy else "")
        for key in CELLS:
            cells = [_fmt_cell(size["peers"][p]["queries"].get(q, {}).get(key)) for p in present]
            vs_oxi, vs_rdflib = _ratio(size, q, key, OXIGRAPH), _ratio(size, q, key, [RDFLIB])
            rows.append(
                f"| {name if key == 'c1-cold' else ''} | {key} | " + " | ".join(cells) + " | "
                f"{_fmt_ratio(vs_oxi)} | {_fmt_ratio(vs_rdflib)} |"
            )
    return rows


def _answers_check(size: dict, queries: dict) -> list[str]:
    """Peers whose answer to a query differs from oxigraph's (DESCRIBE is implementation-defined)."""
    ref = size["peers"].get("oxigraph-mem", {}).get("answers", {})
    lines = []
    for peer in PEERS:
        answers = size["peers"].get(peer, {}).get("answers", {})
        for q, meta in queries.items():
            if meta["kind"] == "graph" and q == "describe":
                continue
            if q in answers and q in ref and answers[q] != ref[q]:
                lines.append(f"- {peer}, {meta['name']}: {answers[q]!r} where oxigraph gives {ref[q]!r}")
    return lines


def _extras(ex: dict) -> list[str]:
    lines: list[str] = []
    b, s = ex.get("build", {}), ex.get("start_to_first_answer", {})
    lines.append(f"- `ccdkg build`: {s_or_err(b)}")
    lines.append(f"- `ccdkg serve` (built graph, memory store) from launch to first answer: {s_or_err(s)}")
    val = ex.get("validate", {})
    if "error" in val:
        lines.append(f"- validation: {val['error']}")
    else:
        lines += [
            "",
            "| triples | `ccdkg validate` (s) | plain `pyshacl.validate` (s) | ratio |",
            "| --- | ---: | ---: | ---: |",
        ]
        for label, row in val.items():
            a, b2 = row.get("ccdkg", {}), row.get("pyshacl", {})
            ratio = f"{a['seconds'] / b2['seconds']:.2f}×" if a.get("seconds") and b2.get("seconds") else "—"
            lines.append(f"| {label} | {s_or_err(a)} | {s_or_err(b2)} | {ratio} |")
    for label, ip in ex.get("in_process", {}).items():
        lines += ["", f"In-process cost per query at {label} (µs, mean of distinct queries):", ""]
        if "queries" not in ip:
            lines.append(f"not measured: {ip.get('error')}")
            continue
        paths = ip["paths"][1:]
        lines.append("| query | bare pyoxigraph | " + " | ".join(paths) + " | overhead of the app |")
        lines.append("| --- | ---: | " + " | ".join("---:" for _ in paths) + " | ---: |")
        for q, row in ip["queries"].items():
            vals = [str(row.get(f"{p}_us", row.get(f"{p}_error", "—"))) for p in paths]
            app = row.get("flask app_us")
            over = f"{app - row['bare_us']:+.0f} µs ({app / row['bare_us']:.1f}×)" if app else "—"
            lines.append(f"| {q} | {row['bare_us']} | " + " | ".join(vals) + f" | {over} |")
        if ip.get("error"):
            lines.append(f"\n({ip['error']})")
    return lines


def s_or_err(m: dict) -> str:
    if m.get("seconds") is None:
        return f"not measured ({m.get('error', 'not run')})"
    extra = f" (exit {m['exit']})" if m.get("exit") not in (None, 0) else ""
    return f"{m['seconds']:.2f} s{extra}"


def markdown(results: dict) -> str:
    m = results["machine"]
    cfg = results["config"]
    command = "python -m bench --quick" if cfg.get("quick") else "make bench"
    minutes = results.get("elapsed_s", 0) / 60
    lines = [
        "# Benchmarks",
        "",
        f"One run of `{command}` (`python -m bench`), started {results['started']}, {minutes:.1f} min, "
        f"commit `{m.get('commit')}`.",
        "",
        f"**Machine**: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GiB RAM, {m['os']}, "
        f"Python {m['python']}; load average at start {m['load_average']}. "
        "**The figures are noisy**: the machine was shared with six other engineers' builds and tests while "
        "this ran, and the load generator shares the same two cores with the server it measures, so compare "
        "ratios within one size and cell rather than absolute numbers, and expect ±20 % between runs.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v) + ".",
        "",
        "## Method",
        "",
        "- Data: `bench/synth.py`, deterministic N-Quads shaped like the ccdkg graph (clusters, cities, "
        "countries, core functions, passages quoting the article's Chinese text with offsets; labels zh-Hans "
        "in the stated graph, en and zh-Hant in the interpreted graph; coordinates and Wikidata links; "
        "a small class hierarchy in the ontology graph). Every server serves the union of the named "
        "graphs as its default graph (`oxigraph serve --union-default-graph`).",
        "- Servers, one at a time on loopback with the same file: `ccdkg serve --data FILE` with the memory "
        "store, with `--store PATH` (on-disk), and with `--workers 2`; `oxigraph serve` in memory "
        "(file uploaded through the Graph Store Protocol) and `oxigraph serve-read-only` on a store built by "
        "`oxigraph load`; a naive Flask + pyoxigraph app without guard or deadline (`bench/naive_app.py`, "
        "gunicorn, 2 sync workers, `--preload`); `rdflib-endpoint serve FILE`.",
        "- Queries: `bench/queries/*.rq`. *Cold* = unique: every request a distinct query (other entity, "
        "other offset, and a `# nonce N` comment, so no response cache can answer it; the default); "
        "*warm* = repeated: one text sent again and again after one priming request (`--repeated`, the "
        "response cache). c1/c8 = 1 or 8 keep-alive connections. "
        f"Each cell runs {cfg['budget_s']} s (at least one request); a request has {cfg['timeout_s']:g} s; "
        "a query that takes ≥ 1 s at "
        "concurrency 1 is not repeated at 8 (it would only queue). Cells: requests/s (p50/p99 ms).",
        "- Load time = launch to first answer (interpreter start, parse, index, upload). Memory = PSS of the "
        "server's process tree (forked workers share the graph loaded before fork and are not counted "
        "twice).",
        "- Ratios: ccdkg's fastest mode over the faster of oxigraph's two modes (and over rdflib-endpoint) "
        "in the same cell. *Heavy* = oxigraph's faster mode needs ≥ 10 ms at concurrency 1.",
        "",
        "## Targets (issues 10 and 19)",
        "",
        "```",
        *[t.line() for t in targets(results)],
        "```",
        "",
    ]
    if NOTES.exists():
        lines += [NOTES.read_text(encoding="utf-8").rstrip(), ""]
    for label, size in results["sizes"].items():
        lines += [f"## {label} ({size['triples']:,} triples, {size['file_mb']} MiB of N-Quads)", ""]
        lines += _peer_table(size) + [""]
        lines += _cells_table(size, results["queries"]) + [""]
        diff = _answers_check(size, results["queries"])
        if diff:
            lines += ["Answers that differ from oxigraph's:", "", *diff, ""]
    if results.get("extras"):
        lines += ["## Build, start, validation, in-process query path", "", *_extras(results["extras"]), ""]
    lines += ["Raw figures: `bench/results/latest.json`.", ""]
    return "\n".join(lines)


def console(results: dict) -> str:
    lines = []
    for label, size in results["sizes"].items():
        lines.append(f"\n{label}: ccdkg (fastest mode) / oxigraph serve (faster mode), requests/s per cell")
        lines.append(f"{'query':22s}" + "".join(f"{k:>10s}" for k in CELLS))
        for q in results["queries"]:
            heavy = _heavy(size, q)
            lines.append(
                f"{q + (' *' if heavy else ''):22s}"
                + "".join(f"{_fmt_ratio(_ratio(size, q, k, OXIGRAPH)):>10s}" for k in CELLS)
            )
    lines.append("\n(* heavy: ≥ 10 ms in oxigraph at concurrency 1)\n")
    lines += [t.line() for t in targets(results)]
    return "\n".join(lines)

"""From the raw results to the Markdown report and issue 19's target lines (PASS / MISS / NOT MEASURED).

Every ratio compares two servers in the same cell of the same run: requests/s of ``ccdkg serve``
(its default mode, memory store: what users run) over ``oxigraph serve`` (in memory), over the
naive Flask + pyoxigraph app (bench/naive_app.py) and over rdflib-endpoint. A query's class at a
size comes from oxigraph's p50 at concurrency 1 on unique queries: *trivial* < 1 ms, *middle*
1–10 ms, *heavy* ≥ 10 ms. The other ccdkg modes (on-disk store, gunicorn workers) are in the tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from bench.hostload import describe

PEERS = [
    "oxigraph-mem",
    "oxigraph-disk",
    "ccdkg-mem",
    "ccdkg-disk",
    "ccdkg-workers",
    "naive-flask",
    "rdflib-endpoint",
]
OURS = "ccdkg-mem"
OXIGRAPH = "oxigraph-mem"
NAIVE = "naive-flask"
CCDKG = ["ccdkg-mem", "ccdkg-disk", "ccdkg-workers"]
RDFLIB = "rdflib-endpoint"
UNIQUE = ["c1-unique", "c8-unique"]
REPEATED = ["c1-repeated", "c8-repeated"]
CELLS = UNIQUE + REPEATED
CELL_LABEL = {
    "c1-unique": "c1 unique",
    "c8-unique": "c8 unique",
    "c1-repeated": "c1 repeated (cache)",
    "c8-repeated": "c8 repeated (cache)",
}
TRIVIAL_MS, HEAVY_MS = 1.0, 10.0
NOTES = Path(__file__).resolve().parent / "analysis.md"


@dataclass
class Target:
    text: str
    status: str  # PASS | MISS | NOT MEASURED
    detail: str

    def line(self) -> str:
        return f"[{self.status}] {self.text} — {self.detail}"


def normalize(results: dict) -> dict:
    """Results written before the unique/repeated names (cold/warm) read as the new ones."""
    for size in results.get("sizes", {}).values():
        for peer in size.get("peers", {}).values():
            for q, cells in peer.get("queries", {}).items():
                peer["queries"][q] = {
                    k.replace("-cold", "-unique").replace("-warm", "-repeated"): v for k, v in cells.items()
                }
    return results


def _cell(size: dict, peer: str, query: str, key: str) -> dict | None:
    """The cell when it ran cleanly, else None."""
    cell = size["peers"].get(peer, {}).get("queries", {}).get(query, {}).get(key)
    if not cell or cell["skipped"] or cell["errors"] or cell["timeouts"] or not cell["requests"]:
        return None
    return cell


def _rps(size: dict, peer: str, query: str, key: str) -> float | None:
    c = _cell(size, peer, query, key)
    return c["rps"] if c else None


def _oxi_p50(size: dict, query: str) -> float | None:
    c = _cell(size, OXIGRAPH, query, "c1-unique")
    return c["p50_ms"] if c else None


def query_class(size: dict, query: str) -> str | None:
    p50 = _oxi_p50(size, query)
    if p50 is None:
        return None
    return "trivial" if p50 < TRIVIAL_MS else "heavy" if p50 >= HEAVY_MS else "middle"


def _ratio(size: dict, query: str, key: str, versus: str, ours: str = OURS) -> float | None:
    a, b = _rps(size, ours, query, key), _rps(size, versus, query, key)
    return a / b if a and b else None


def _fmt_ratio(r: float | None) -> str:
    return "—" if r is None else (f"{r:.2f}×" if r < 10 else f"{r:.0f}×")


def _summary(items: list[tuple[float, str]]) -> str:
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
    return "NOT MEASURED" if not measured else ("PASS" if ok else "MISS")


def _ran(size: dict, peer: str) -> bool:
    return "queries" in size["peers"].get(peer, {})


def targets(results: dict) -> list[Target]:
    """Issue 19's targets, in its order, each with its figures."""
    sizes = results.get("sizes", {})
    queries = list(results.get("queries", {}))
    out: list[Target] = []

    def ratios(select, keys: list[str], versus: str) -> list[tuple[float, str]]:
        items = []
        for label, size in sizes.items():
            if not _ran(size, OURS) or not _ran(size, versus):
                continue
            for q in queries:
                if not select(size, q):
                    continue
                for key in keys:
                    if _rps(size, versus, q, key) is None:
                        continue
                    r = _ratio(size, q, key, versus)
                    where = f"{label} {q} {key}"
                    items.append((0.0, f"{where}: ccdkg did not answer") if r is None else (r, where))
        return items

    def line(text: str, items: list[tuple[float, str]], floor: float) -> Target:
        misses = [w for r, w in items if r < floor]
        detail = _summary(items) + (f"; below in {len(misses)}: {', '.join(misses[:6])}" if misses else "")
        return Target(text, _status(not misses, bool(items)), detail)

    out.append(
        line(
            "never below the naive Flask app on any query (unique, c=1 and c=8)",
            ratios(lambda s, q: True, UNIQUE, NAIVE),
            1.0,
        )
    )
    for cls, floor, text in (
        ("trivial", 0.5, "trivial queries (Oxigraph p50 < 1 ms) ≥ 0.5× oxigraph serve's requests/s (unique)"),
        ("middle", 0.7, "middle queries (1–10 ms) ≥ 0.7× oxigraph serve (unique)"),
        ("heavy", 0.9, "heavy queries (≥ 10 ms) ≥ 0.9× oxigraph serve (unique)"),
    ):
        of_class = ratios(lambda s, q, cls=cls: query_class(s, q) == cls, UNIQUE, OXIGRAPH)
        out.append(line(text, of_class, floor))
    out.append(
        line(
            "repeated queries (the cache) ≥ 1× oxigraph serve on every query, c=1 and c=8",
            ratios(lambda s, q: True, REPEATED, OXIGRAPH),
            1.0,
        )
    )

    # ≥ 10× rdflib-endpoint wherever it needs ≥ 10 ms (its p50 at c1 unique) or gave no answer in time;
    # checked at c1 and c8.
    ten = []
    for label, size in sizes.items():
        if not _ran(size, RDFLIB) or not _ran(size, OURS):
            continue
        for q in queries:
            single = size["peers"][RDFLIB]["queries"].get(q, {}).get("c1-unique")
            if not single or single["skipped"]:
                continue
            if not (single["timeouts"] or (single["p50_ms"] or 0) >= HEAVY_MS):
                continue
            for key in UNIQUE:
                theirs = size["peers"][RDFLIB]["queries"].get(q, {}).get(key)
                if not theirs or (theirs["skipped"] and not single["timeouts"]):
                    continue
                ours = _rps(size, OURS, q, key)
                if ours is None:
                    ten.append((0.0, f"{label} {q} {key}: ccdkg did not answer"))
                elif theirs["timeouts"] or theirs["skipped"] or not theirs["rps"]:
                    ten.append((math.inf, f"{label} {q} {key}"))
                else:
                    ten.append((ours / theirs["rps"], f"{label} {q} {key}"))
    out.append(line("≥ 10× rdflib-endpoint wherever it needs ≥ 10 ms (unique, c=1 and c=8)", ten, 10.0))

    big = sizes.get("1M")
    text = "no query that Oxigraph answers at 1M times out (every ccdkg mode)"
    if big is None or not _ran(big, OXIGRAPH):
        out.append(Target(text, "NOT MEASURED", "1M not run"))
    else:
        answered = [q for q in queries if _cell(big, OXIGRAPH, q, "c1-unique")]
        bad = []
        for peer in CCDKG:
            if peer not in big["peers"]:
                continue
            if not _ran(big, peer):
                bad.append(f"{peer}: {big['peers'][peer].get('failed', 'not run')}")
                continue
            for q in answered:
                for key, cell in big["peers"][peer]["queries"].get(q, {}).items():
                    if cell["timeouts"] or cell["errors"]:
                        error = cell["first_error"] or ""
                        kind = "refused (503)" if error.startswith("HTTP 503") else "timed out or failed"
                        bad.append(f"{peer} {q} {key} {kind}: {error[:80]}")
        out.append(
            Target(
                text,
                _status(not bad, bool(answered)),
                f"{len(answered)} queries answered by oxigraph at 1M"
                + (f"; ccdkg failed: {'; '.join(sorted(set(bad))[:5])}" if bad else ", ccdkg answered all"),
            )
        )

    mem = []
    for label, size in sizes.items():
        ours, theirs = size["peers"].get(OURS, {}), size["peers"].get(OXIGRAPH, {})
        for when, key in (("after load", "mem_loaded_mb"), ("after the run", "mem_after_mb")):
            a, b = ours.get(key), theirs.get(key)
            if a and b and math.isfinite(a) and math.isfinite(b):
                mem.append((b / a, f"{label} {when}: {a:.0f} vs {b:.0f} MiB = {a / b:.2f}×"))
    worst = min(mem) if mem else None
    out.append(
        Target(
            "PSS ≤ 2× oxigraph serve's",
            _status(all(x >= 0.5 for x, _ in mem), bool(mem)),
            "; ".join(["highest " + worst[1], *(w for _, w in mem if w != worst[1])]) if worst else "not run",
        )
    )
    mid = sizes.get("100k", {}).get("peers", {}).get(OURS, {})
    text = "start to first answer ≤ 1 s at 100k (launch of ccdkg serve --data to its first answer)"
    if "load_s" in mid:
        oxi = sizes["100k"]["peers"].get(OXIGRAPH, {}).get("load_s")
        out.append(
            Target(
                text,
                _status(mid["load_s"] <= 1.0, True),
                f"{mid['load_s']:.2f} s" + (f" (oxigraph serve with its upload: {oxi:.2f} s)" if oxi else ""),
            )
        )
    else:
        why = "100k not run" if "100k" not in sizes else "ccdkg did not load"
        out.append(Target(text, "NOT MEASURED", why))
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
    present = [p for p in PEERS if _ran(size, p)]
    head = [
        "query",
        "cell",
        *[size["peers"][p]["label"] for p in present],
        "ccdkg / oxigraph",
        "ccdkg / naive",
        "ccdkg / rdflib",
    ]
    rows = ["| " + " | ".join(head) + " |", "| --- | --- | " + " | ".join("---:" for _ in head[2:]) + " |"]
    for q, meta in queries.items():
        cls = query_class(size, q)
        name = meta["name"] + (f" *({cls})*" if cls else "")
        for key in CELLS:
            cells = [_fmt_cell(size["peers"][p]["queries"].get(q, {}).get(key)) for p in present]
            ratios = [_fmt_ratio(_ratio(size, q, key, v)) for v in (OXIGRAPH, NAIVE, RDFLIB)]
            rows.append(
                f"| {name if key == CELLS[0] else ''} | {CELL_LABEL[key]} | "
                + " | ".join(cells + ratios)
                + " |"
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
    lines += _engines(ex.get("validation_engines"))
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


def _engines(eng: dict | None) -> list[str]:
    """The validation-engines section (bench/validation.py): agreement, then seconds per engine."""
    if not eng:
        return []
    if "error" in eng:
        return ["", f"SHACL engines: not measured ({eng['error']})"]
    agree = eng.get("agreement", {})
    verdicts = ", ".join(
        f"{name} {'agrees' if ok else 'differs on ' + ', '.join(agree['differ'][name])}"
        for name, ok in agree.get("agree", {}).items()
    )
    lines = [
        "",
        f"SHACL engines on {agree.get('inputs', '?')} inputs (fixtures + built graph): {verdicts or '—'}",
        "",
    ]
    lines += [
        "| triples | pyshacl (s) | pyshacl-turbo (s) | same results | `validate()` total (s) |",
        "| --- | ---: | ---: | --- | ---: |",
    ]
    for label, row in eng.get("seconds", {}).items():
        lines.append(
            f"| {label} ({row.get('triples', '?')}) | {row.get('pyshacl', '—')} "
            f"| {row.get('pyshacl-turbo', '—')} | {row.get('same results', '—')} "
            f"| {row.get('ccdkg validate() total', '—')} |"
        )
    return lines


def s_or_err(m: dict) -> str:
    if m.get("seconds") is None:
        return f"not measured ({m.get('error', 'not run')})"
    extra = f" (exit {m['exit']})" if m.get("exit") not in (None, 0) else ""
    return f"{m['seconds']:.2f} s{extra}"


def _host_lines(results: dict) -> list[str]:
    lines = []
    for label, size in results.get("sizes", {}).items():
        lines.append(f"- while measuring {label}: {describe(size.get('host_load'))}")
    if results.get("extras", {}).get("host_load"):
        lines.append(f"- while validating: {describe(results['extras']['host_load'])}")
    return lines


def markdown(results: dict) -> str:
    results = normalize(results)
    m = results["machine"]
    cfg = results["config"]
    command = "python -m bench --quick" if cfg.get("quick") else "make bench"
    minutes = results.get("elapsed_s", 0) / 60
    lines = [
        "# Benchmarks",
        "",
        f"One run of `{command}` (`python -m bench --sizes {','.join(cfg['sizes'])}`), started "
        f"{results['started']}, {minutes:.1f} min, commit `{m.get('commit')}`.",
        "",
        f"**Machine**: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GiB RAM, {m['os']}, "
        f"Python {m['python']}; load average at start {m['load_average']}. "
        "**The figures are noisy**: the machine is shared (other processes' CPU use during the run is "
        "below, from /proc), and the load generator shares the same cores with the server it measures, "
        "so compare ratios within one size and cell rather than absolute numbers, and expect ±20 % "
        "between runs (more when other processes kept a core busy).",
        "",
        "Other CPU load during the run:",
        "",
        *_host_lines(results),
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
        "- Servers, "
        + (
            "side by side on loopback with the same file (bench/side_by_side.py: all loaded at once, each "
            "cell's time shared out in three turns per server, so that a burst of other load falls on all "
            "alike; rdflib-endpoint runs alone afterwards): "
            if cfg.get("side_by_side")
            else "one at a time on loopback with the same file: "
        )
        + "`ccdkg serve --data FILE` (default "
        "options, memory store: the *ccdkg* of every ratio), with `--store PATH` (on-disk) and with "
        "`--workers 2`; `oxigraph serve` in memory (file uploaded through the Graph Store Protocol); the "
        "naive Flask + pyoxigraph app `bench/naive_app.py` under gunicorn (2 sync workers, `--preload`, no "
        "guard, no deadline, no cache: the cost of safety is ccdkg's distance to it); `rdflib-endpoint "
        "serve FILE`.",
        "- Peers in this run: "
        + ", ".join(f"`{p}`" for p in cfg.get("peers", []))
        + " (the columns of the tables; a target whose peer did not run says NOT MEASURED).",
        "- Queries: `bench/queries/*.rq`. *Unique* = every request a distinct query (other entity, other "
        "offset, and a trailing `# nonce N` comment, so no response cache can answer it: the query path). "
        "*Repeated (cache)* = one text again and again after one priming request: the response cache's "
        "path. c1/c8 = 1 or 8 keep-alive connections (the naive app's sync workers close each one). "
        f"Each cell runs {cfg['budget_s']} s (at least one request); a request has {cfg['timeout_s']:g} s; "
        "a query that takes ≥ 1 s at concurrency 1 is not repeated at 8 (it would only queue). "
        "Cells: requests/s (p50/p99 ms).",
        "- Load time = launch to first answer (interpreter start, parse, index, upload). Memory = PSS of the "
        "server's process tree (gunicorn workers share the graph loaded before fork and are not counted "
        "twice).",
        "- Classes, per size, from `oxigraph serve`'s p50 at c1 unique: *trivial* < 1 ms, *middle* "
        "1–10 ms, *heavy* ≥ 10 ms.",
        "",
        "## Targets (issue 19)",
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
    results = normalize(results)
    lines = [
        "The machine is shared and the load generator runs on the same cores: absolute figures are noisy,",
        "compare ratios within one cell. Other CPU load during the run:",
        *_host_lines(results),
    ]
    for label, size in results["sizes"].items():
        lines.append(f"\n{label}: requests/s of ccdkg serve over oxigraph serve | over the naive Flask app")
        lines.append(f"{'query':22s}{'class':>8s}" + "".join(f"{CELL_LABEL[k]:>21s}" for k in CELLS))
        for q in results["queries"]:
            row = f"{q:22s}{query_class(size, q) or '?':>8s}"
            for k in CELLS:
                pair = f"{_fmt_ratio(_ratio(size, q, k, OXIGRAPH))} | {_fmt_ratio(_ratio(size, q, k, NAIVE))}"
                row += f"{pair:>21s}"
            lines.append(row)
    lines.append("")
    lines += [t.line() for t in targets(results)]
    return "\n".join(lines)

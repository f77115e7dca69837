"""Rewrite the answer table under each claim-layer query of docs/data-model.md from the built release.

Run after `ccdkg build` when graph/curation/claims.yaml changed:
    .venv/bin/python scripts/refresh-data-model-answers.py
tests/graph/test_data_model_queries.py then checks the page against the graph again.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "data-model.md"
RELEASE = ROOT / "graph" / "release" / "ccdkg.nq"
BLOCK = re.compile(r"(```sparql\n(?P<q>.*?)```\n\n)(?P<table>(?:\|[^\n]*\|\n)+)", re.S)


def table(store: ox.Store, query: str) -> str:
    result = store.query(query, use_default_graph_as_union=True)
    header = [v.value for v in result.variables]
    rows = [["" if t is None else t.value.replace("|", "\\|") for t in row] for row in result]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def main() -> int:
    store = ox.Store()
    store.load(RELEASE.read_bytes(), format=ox.RdfFormat.N_QUADS)
    text = DOC.read_text(encoding="utf-8")
    head, marker, rest = text.partition("## Claim-layer queries")
    if not marker:
        print("docs/data-model.md has no '## Claim-layer queries' section", file=sys.stderr)
        return 1
    section, sep, tail = rest.partition("\n## ")
    section = BLOCK.sub(lambda m: m.group(1) + table(store, m["q"]), section)
    DOC.write_text(head + marker + section + sep + tail, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""docs/data-model.md's claim-layer queries give the answers the page prints, on the built release.

The expected rows are read from the page (the table under each query), so the page and the graph
cannot drift apart: change either and this fails until both agree again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from ccdkg.graph.release import RELEASE_DIR

DOC = (Path(__file__).resolve().parents[2] / "docs" / "data-model.md").read_text(encoding="utf-8")
SECTION = DOC.split("## Claim-layer queries", 1)[-1].split("\n## ", 1)[0]


def _examples() -> list[tuple[str, list[str], list[list[str]]]]:
    """(query, header, rows) for each sparql block followed by a table."""
    out = []
    for m in re.finditer(r"```sparql\n(?P<q>.*?)```\s*(?P<table>(?:\|[^\n]*\|\n)+)", SECTION, re.S):
        lines = [ln for ln in m["table"].splitlines() if not re.fullmatch(r"\|[\s|:-]+\|", ln)]
        cells = [
            [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", ln.strip()[1:-1])] for ln in lines
        ]
        out.append((m["q"], cells[0], cells[1:]))
    return out


EXAMPLES = _examples()


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    s.load((RELEASE_DIR / "ccdkg.nq").read_bytes(), format=ox.RdfFormat.N_QUADS)
    return s


def test_the_page_documents_at_least_ten_claim_layer_queries() -> None:
    assert len(EXAMPLES) >= 10
    assert all(rows for _, _, rows in EXAMPLES), "every query shows a non-empty answer"


@pytest.mark.parametrize(
    ("query", "header", "rows"), EXAMPLES, ids=[f"query-{i + 1}" for i in range(len(EXAMPLES))]
)
def test_query_answers_as_documented(
    store: ox.Store, query: str, header: list[str], rows: list[list[str]]
) -> None:
    result = store.query(query, use_default_graph_as_union=True)
    assert [v.value for v in result.variables] == header
    got = [["" if t is None else t.value for t in row] for row in result]
    assert got == rows

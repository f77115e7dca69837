"""The README's example queries give the answers the README prints, on the built graph."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _examples() -> list[tuple[str, list[list[str]]]]:
    """(query, documented rows) for each query block followed by its documented answer."""
    blocks = re.finditer(
        r"(?:```sparql\n(?P<q>.*?)```|<<'EOF'\n(?P<h>.*?)\nEOF\n```)\s*"
        r"(?:```\n(?P<csv>.*?)```|(?P<table>(?:\|[^\n]*\|\n)+))",
        README,
        re.S,
    )
    out = []
    for m in blocks:
        query = m["q"] or m["h"]
        if m["csv"] is not None:
            rows = list(csv.reader(io.StringIO(m["csv"])))
        else:
            lines = [ln for ln in m["table"].splitlines() if not re.fullmatch(r"\|[\s|:-]+\|", ln)]
            rows = [[cell.strip() for cell in ln.strip("|").split("|")] for ln in lines]
        out.append((query, rows))
    return out


EXAMPLES = _examples()


def test_the_readme_has_three_examples_with_answers() -> None:
    assert len(EXAMPLES) == 3


@pytest.mark.parametrize("query,rows", EXAMPLES, ids=[f"example-{i + 1}" for i in range(len(EXAMPLES))])
def test_example_answers_as_documented(make_app: Any, query: str, rows: list[list[str]]) -> None:
    client = make_app(data=None).test_client()  # data=None: the built release
    resp = client.post("/sparql", data={"query": query}, headers={"Accept": "text/csv"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    got = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert got == rows

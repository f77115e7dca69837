"""Evidence as people read it: each statement's passages once, as clean text, with where to read them.

``pages.views.resource_view`` collects the passages behind a page's statements; this module turns them into
what the template shows: the quote without the copy's markup, a Table 1 cell inside its row, a link
into the reader, and one list of passages per property instead of the same quote under every value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from . import web
from .cleantext import plain

_TABLE_CELL = re.compile(r"/id/passage/(?P<sec>[a-z0-9-]+?)-table1-r(?P<row>\d+)-(?P<cell>[a-z]+)(?P<n>\d*)$")
# Table 1's footer ("资料来源：笔者自制。") says who drew the table, not what any row states.
_NOT_EVIDENCE = re.compile(r"/id/passage/[a-z0-9-]+-table1-note$")


def is_shown(e: dict[str, Any]) -> bool:
    return not _NOT_EVIDENCE.search(e["iri"])


def enrich(e: dict[str, Any]) -> dict[str, Any]:
    """A passage from ``pages.queries.evidence`` with clean text, its Table 1 row and its reader link."""
    from .reader import article, reader_href

    out = dict(e)
    out["text"] = plain(e["exact"])
    out["before"] = plain(e.get("prefix") or "")[-24:]
    out["after"] = plain(e.get("suffix") or "")[:24]
    out["read_href"] = reader_href(e["iri"])
    m = _TABLE_CELL.search(e["iri"])
    if "\t" in e["exact"]:  # a whole row quoted at once
        out["row"] = [{"text": plain(c), "hit": False} for c in e["exact"].split("\t") if c.strip()]
    elif m:
        rows = article().table.rows
        n = int(m.group("row"))
        if 1 <= n <= len(rows):
            row = rows[n - 1]
            cell = m.group("cell")
            cells = (row.cluster.text, row.cities_cell.text, row.functions_cell.text)
            if not any(e["exact"] in c for c in cells):  # other data than the shipped article
                return out
            out["row"] = [
                {"text": plain(row.cluster.text), "hit": cell == "cluster"},
                {"text": plain(row.cities_cell.text), "hit": cell == "city"},
                {"text": plain(row.functions_cell.text), "hit": cell == "function"},
            ]
    return out


def grouped(groups: Iterable[dict[str, Any]]) -> None:
    """Move the evidence of a property's values onto the property: each passage once, naming its values."""
    for g in groups:
        by: dict[str, dict[str, Any]] = {}
        for v in g["values"]:
            for e in v.pop("evidence", None) or []:
                if not is_shown(e):
                    continue
                item = by.setdefault(e["iri"], enrich(e) | {"for": []})
                name = v.get("label") or v.get("value")
                if name not in item["for"]:
                    item["for"].append(name)
        g["evidence"] = _merge_rows(sorted(by.values(), key=lambda e: (int(e.get("start") or 0), e["iri"])))


def _merge_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two cells of one Table 1 row are one piece of evidence: the row, with both cells marked."""
    out: list[dict[str, Any]] = []
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for e in items:
        m = _TABLE_CELL.search(e["iri"])
        if not (m and e.get("row")):
            out.append(e)
            continue
        key = (m.group("sec"), m.group("row"))
        if key not in rows:
            rows[key] = e
            out.append(e)
            continue
        have = rows[key]
        if have.get("read_href"):  # the reader highlights the whole row
            have["read_href"] = have["read_href"].split("#", 1)[0] + f"#{key[0]}-table1-r{key[1]}"
        have["row"] = [
            {"text": a["text"], "hit": a["hit"] or b["hit"]}
            for a, b in zip(have["row"], e["row"], strict=False)
        ]
        have["for"] += [f for f in e.get("for", []) if f not in have["for"]]
    return out


def page_evidence(
    evidence: Iterable[dict[str, Any]], groups: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The resource's own passages, less those a property already shows."""
    shown = {e["iri"] for g in groups for e in g.get("evidence", [])}
    return [enrich(e) for e in evidence if is_shown(e) and e["iri"] not in shown]


def ordered_values(values: list[dict[str, Any]], orders: dict[str, int]) -> list[dict[str, Any]]:
    """The article's order where the values have one (sub-paths 1, 2, 3), else by label."""
    values = [v for v in values if not (v.get("iri") and _NOT_EVIDENCE.search(v["iri"]))]
    return sorted(
        values,
        key=lambda v: (
            v.get("iri") not in orders,
            orders.get(v.get("iri") or "", 0),
            *web.sort_key(v),
        ),
    )

"""Helpers every test area may use: reading the site's pages as a browser asks for them, asking the
direct query path as the front does, and keeping measured figures for the closing notes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"  # gitignored

#: What a browser sends: HTML first, anything else at a lower weight.
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def page(c: Any, path: str, **kw: Any) -> str:
    """The HTML of a page that must answer 200."""
    r = c.get(path, headers=BROWSER, **kw)
    assert r.status_code == 200, (path, r.status_code)
    return r.get_data(as_text=True)


def main_of(html: str) -> str:
    """The page's <main>: what it shows beside the site's header and footer."""
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def jsonld_blocks(html: str) -> list:
    """The JSON-LD a page carries in its <script type="application/ld+json"> blocks."""
    return [
        json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


def record_figure(artifact: str, name: str, value: object) -> None:
    """Keep a measured figure (status, seconds, p99) in test-artifacts/<artifact>, beside the others."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / artifact
    try:
        figures = json.loads(path.read_text())
    except (OSError, ValueError):
        figures = {}
    figures[name] = value
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


@dataclass
class Scope:
    """What granian's RSGI scope offers server/direct.py."""

    query_string: str
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    path: str = "/sparql"
    client: str = "127.0.0.1:50000"


def ask_direct(app: Any, params: list[tuple[str, str]], headers: dict[str, str] | None = None, **scope: Any):
    """``GET /sparql?params`` as the front asks the direct path: (status, headers, body), or None
    when it leaves the request to Flask."""
    import asyncio
    from urllib.parse import urlencode

    from ccdkg.server import direct

    lane = direct.for_app(app)
    assert lane is not None
    app.extensions["ccdkg"].engine.start()
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    return asyncio.run(lane.answer(Scope(urlencode(params), lowered, **scope)))

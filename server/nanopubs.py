"""``/np/<artefact code>``: each nanopublication of the release, as TriG or N-Quads, and the link from a
resource's page to the nanopublication that makes its statement citable.

The bundle (graph/release/nanopubs.trig) and its index (nanopubs.tsv) belong to the release: they are
served only when the server serves the release itself, not ``--data`` or a remote store. The bundle
is split into its nanopublications once, on first use; w3id maps ``https://w3id.org/ccdkg/np/RA…``
onto this path.
"""

from __future__ import annotations

import csv
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, abort, current_app, request

from ccdkg.server import formats

bp = Blueprint("nanopubs", __name__)
NP_BASE = "https://w3id.org/ccdkg/np/"
OFFERS = (formats.TRIG, formats.N_QUADS)


class Bundle:
    """The release's nanopublications: node IRI → nanopub IRI, and each nanopub's quads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @cached_property
    def introducing(self) -> dict[str, str]:
        path = self.folder / "nanopubs.tsv"
        if not path.is_file():
            return {}
        with path.open(encoding="utf-8", newline="") as fh:
            return {row["introduces"]: row["nanopub"] for row in csv.DictReader(fh, delimiter="\t")}

    @cached_property
    def quads(self) -> dict[str, list[ox.Quad]]:
        out: dict[str, list[ox.Quad]] = {}
        path = self.folder / "nanopubs.trig"
        if path.is_file() and path.stat().st_size:
            for quad in ox.parse(path=str(path), format=ox.RdfFormat.TRIG):
                name = quad.graph_name.value.split("#", 1)[0]
                out.setdefault(name, []).append(quad)
        return out


def _bundle() -> Bundle | None:
    return current_app.extensions["ccdkg"].nanopubs


def nanopub_for(iri: str) -> str | None:
    """The local path of the nanopublication introducing ``iri``, or None (a template global)."""
    bundle = _bundle()
    found = bundle.introducing.get(iri) if bundle else None
    return f"{request.script_root}/np/{found[len(NP_BASE) :]}" if found else None


@bp.route("/np/<code>")
def nanopub(code: str) -> Response:
    bundle = _bundle()
    quads = bundle.quads.get(NP_BASE + code) if bundle else None
    if not quads:
        abort(404)
    fmt = formats.choose(OFFERS, what="a nanopublication")
    if isinstance(fmt, Response):
        return fmt
    body = ox.serialize(quads, format=fmt.oxigraph)
    return formats.conditional_response(body, fmt.content_type, code)


def init_app(app: Flask) -> None:
    app.add_template_global(nanopub_for, "nanopub_for")

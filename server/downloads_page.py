"""/downloads/ and /.well-known/void for a browser, as pages of the site: each file with its format, size
and SHA-256; the dataset description as readable Turtle. Scripts keep the plain answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Response, render_template, request

from . import web


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def render(
    downloads: Iterable[Any],
    file: Callable[[Any], bytes],
    digest: Callable[[Any], bytes],
    release_files: Iterable[Any] = (),
) -> Response:
    root = request.script_root + "/downloads/"
    rows = []
    for d in downloads:
        rows.append(
            {
                "name": d.name,
                "href": root + d.name,
                "media_type": d.fmt.media_type,
                "what": "ontology" if d.graph else "dataset",
                "size": _size(len(file(d))),
                "sha256": digest(d).hex(),
            }
        )
    for f in release_files:  # tables, mappings, nanopublications, crate: as the release has them
        rows.append(
            {
                "name": f.name,
                "href": root + f.name,
                "media_type": f.media_type,
                "what": "release",
                "size": _size(f.path.stat().st_size),
                "sha256": f.sha256,
            }
        )
    html = render_template("downloads.html", rows=rows, sums=root + "SHA256SUMS")
    resp = Response(html, mimetype="text/html")
    resp.vary.add("Accept")
    return web.remember_lang(resp)


def render_void(turtle: str) -> Response:
    root = request.script_root
    formats = [
        (name, f"{root}/.well-known/void?format={short}")
        for name, short in (
            ("Turtle", "turtle"),
            ("N-Triples", "ntriples"),
            ("RDF/XML", "rdfxml"),
            ("JSON-LD", "jsonld"),
        )
    ]
    resp = Response(render_template("void.html", turtle=turtle, formats=formats), mimetype="text/html")
    resp.vary.add("Accept")
    return web.remember_lang(resp)

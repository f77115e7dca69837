"""What the release offers beside the RDF dumps, derived from the same canonical quads.

``render_exports`` returns release-relative paths and bytes: the tidy tables with their CSVW
metadata, the SSSOM mapping set, the claim-level statements as nanopublications, the shapes the
graph was validated with, and, last because they describe all the others, the DCAT catalogue and
the RO-Crate metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox

from ccdkg.graph.exports.crate import CRATE_FILE, DCAT_FILE, render_crate, render_dcat
from ccdkg.graph.exports.mappings import SSSOM_FILE, render_mappings
from ccdkg.graph.exports.nanopubs import render_nanopubs
from ccdkg.graph.exports.tables import render_tables

__all__ = ["render_exports"]


def _shapes() -> dict[str, bytes]:
    from ccdkg import validation

    folder = Path(validation.__file__).resolve().parent
    return {f"shapes/{p.name}": p.read_bytes() for p in sorted(folder.glob("*.ttl"))}


def render_exports(quads: list[ox.Quad], dumps: Mapping[str, bytes], article_text: bytes) -> dict[str, bytes]:
    """The tables, mappings, nanopublications, shapes, DCAT and RO-Crate files for a release whose dumps
    are ``dumps`` and whose passages quote ``article_text``."""
    store = ox.Store()
    store.bulk_extend(quads)
    files = {
        **render_tables(store),
        SSSOM_FILE: render_mappings(store),
        **render_nanopubs(store, article_text),
        **_shapes(),
    }
    described = {**dumps, **files}
    files[DCAT_FILE] = render_dcat(described)
    described[DCAT_FILE] = files[DCAT_FILE]
    files[CRATE_FILE] = render_crate(described)
    return files

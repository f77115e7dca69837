"""The ccdkg ontology: the core (``ccdkg.ttl``), the alignment module (``ccdkg-align.ttl``) and
their release.

The Turtle sources carry zh-Hans and en labels; the zh-Hant labels are generated here with
OpenCC (``ccdkg.labels.to_traditional``) rather than typed by hand, so that they never drift
from the zh-Hans wording. Every consumer should load the ontology through :func:`load_ontology`
(or read the release files, which contain the generated labels).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import RDFS

from ccdkg.labels import to_traditional
from ccdkg.namespaces import CCD, ONTOLOGY_IRI

HERE = Path(__file__).resolve().parent
ONTOLOGY_FILE = HERE / "ccdkg.ttl"
ALIGN_FILE = HERE / "ccdkg-align.ttl"
RELEASE_DIR = HERE / "release"
DOCS_DIR = HERE / "docs"
W3ID_DIR = HERE / "w3id"


def add_traditional_labels(graph: Graph) -> Graph:
    """Add a zh-Hant ``rdfs:label`` for every zh-Hans label of a ccd: term (in place)."""
    for subject, label in list(graph.subject_objects(RDFS.label)):
        ours = str(subject).startswith(str(CCD))
        if ours and isinstance(label, Literal) and (label.language or "").lower() == "zh-hans":
            graph.add((subject, RDFS.label, Literal(to_traditional(str(label)), lang="zh-Hant")))
    return graph


@lru_cache(maxsize=2)
def _load(align: bool) -> Graph:
    graph = Graph()
    graph.parse(ONTOLOGY_FILE, format="turtle")
    if align:
        graph.parse(ALIGN_FILE, format="turtle")
    return add_traditional_labels(graph)


def load_ontology(align: bool = True) -> Graph:
    """The ontology as an rdflib Graph, zh-Hant labels included; with ``align`` also the
    alignment module. Parsed once per process; each call returns a fresh copy, so callers may
    modify what they get."""
    cached = _load(align)
    graph = Graph()
    for prefix, namespace in cached.namespaces():
        graph.bind(prefix, namespace, override=True)
    graph += cached
    return graph


def release(out_dir: Path | str | None = None) -> list[Path]:
    """Write the versioned release files, the pyLODE documentation and the w3id rules; return the
    paths written. See :mod:`ccdkg.ontology.publish`."""
    from ccdkg.ontology.publish import write_release

    return write_release(out_dir)


__all__ = [
    "ALIGN_FILE",
    "DOCS_DIR",
    "ONTOLOGY_FILE",
    "ONTOLOGY_IRI",
    "RELEASE_DIR",
    "W3ID_DIR",
    "add_traditional_labels",
    "load_ontology",
    "release",
]

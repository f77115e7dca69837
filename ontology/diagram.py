"""A diagram of the ontology, drawn by Graphviz at release: classes, sub-class links and the object
properties between classes (domain → range), with the zh-Hans and English labels.

The DOT source is written in sorted order and Graphviz's layout is deterministic for the same input
and version, so the SVG is a release artefact like the others (``ontology/docs/ccdkg-diagram.svg``,
also inlined in the documentation page).
"""

from __future__ import annotations

import shutil
import subprocess

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ccdkg.errors import BuildError
from ccdkg.namespaces import CCD


def _local(term: URIRef) -> str:
    return str(term)[len(str(CCD)) :]


def _label(graph: Graph, term: URIRef, lang: str) -> str:
    for label in graph.objects(term, RDFS.label):
        if getattr(label, "language", None) and label.language.lower() == lang.lower():
            return str(label)
    return _local(term)


def _quote(text: str) -> str:
    """A DOT string: backslashes and quotes escaped, line breaks as DOT's \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def dot_source(graph: Graph) -> str:
    """The ontology as a DOT digraph (classes and object properties of ccd: only)."""
    ours = lambda t: isinstance(t, URIRef) and str(t).startswith(str(CCD))  # noqa: E731
    classes = sorted({c for c in graph.subjects(RDF.type, OWL.Class) if ours(c)})
    lines = [
        "digraph ccdkg {",
        '  graph [rankdir=LR, fontname="WenQuanYi Micro Hei", fontsize=10, nodesep=0.25, ranksep=0.6];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#5b7bb3",'
        ' fontname="WenQuanYi Micro Hei", fontsize=10];',
        '  edge [fontname="WenQuanYi Micro Hei", fontsize=8, color="#7a8699"];',
    ]
    for c in classes:
        text = f"{_label(graph, c, 'zh-Hans')}\n{_label(graph, c, 'en')}"
        lines.append(f"  {_quote(_local(c))} [label={_quote(text)}, URL={_quote('#' + _local(c))}];")
    for c in classes:
        for sup in sorted(s for s in graph.objects(c, RDFS.subClassOf) if ours(s)):
            lines.append(f"  {_quote(_local(c))} -> {_quote(_local(sup))} [arrowhead=empty, style=dashed];")
    props = sorted({p for p in graph.subjects(RDF.type, OWL.ObjectProperty) if ours(p)})
    for p in props:
        for dom in sorted(d for d in graph.objects(p, RDFS.domain) if ours(d)):
            for rng in sorted(r for r in graph.objects(p, RDFS.range) if ours(r)):
                lines.append(
                    f"  {_quote(_local(dom))} -> {_quote(_local(rng))} [label={_quote(_local(p))},"
                    f" URL={_quote('#' + _local(p))}];"
                )
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_svg(graph: Graph) -> str:
    """The diagram as SVG, from Graphviz's ``dot`` (Debian package graphviz)."""
    dot = shutil.which("dot")
    if dot is None:
        raise BuildError("Graphviz is needed to draw the ontology diagram: apt-get install graphviz")
    done = subprocess.run(
        [dot, "-Tsvg"], input=dot_source(graph), capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise BuildError(f"Graphviz could not draw the ontology diagram: {done.stderr.strip()[:200]}")
    return done.stdout

"""The ontology release: versioned serialisations, pyLODE documentation and w3id rules.

Everything written here is committed, so every output is deterministic: triples are written in
a sorted order, pyLODE is fed a graph built from sorted N-Triples, and no generation time is
recorded anywhere (the dates in the files are the ontology's own dcterms:created/modified).
Rebuilding without a change to the sources gives byte-identical files.
"""

from __future__ import annotations

import filecmp
import json
import logging
import tempfile
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

from ccdkg import formats
from ccdkg.errors import BuildError
from ccdkg.namespaces import CCD, ONTOLOGY_IRI, PREFIXES
from ccdkg.ontology.diagram import render_svg

from . import ALIGN_FILE, DOCS_DIR, RELEASE_DIR, W3ID_DIR, load_ontology

# The deployment the w3id rules redirect to; a maintainer changes it here before submitting.
DEPLOYMENT = "https://ccdkg.example.org"
# The release's formats (from the project's table), by file name suffix.
FORMATS: dict[str, formats.Format] = {
    f.extension: f for f in (formats.TURTLE, formats.RDF_XML, formats.JSON_LD, formats.N_TRIPLES)
}
HTACCESS_TEMPLATE = W3ID_DIR / "htaccess.in"
# pyLODE's own vocabulary for what its class entries show.
ONTDOC_HAS_INSTANCE = URIRef("https://w3id.org/profile/ontdoc/hasInstance")


def version() -> str:
    """The ontology's ``owl:versionInfo``: the name of the release folder."""
    info = load_ontology(align=False).value(URIRef(ONTOLOGY_IRI), OWL.versionInfo)
    if info is None:
        raise ValueError("ccdkg.ttl has no owl:versionInfo")
    return str(info)


def _used_prefixes(graph: Graph) -> dict[str, str]:
    """The project's prefixes (plus the sources' own, e.g. doco:) that the graph's IRIs use:
    release headers list what is used and nothing else."""
    known = {**{p: str(n) for p, n in Graph().parse(ALIGN_FILE, format="turtle").namespaces()}, **PREFIXES}
    used = {str(term) for triple in graph for term in triple if isinstance(term, URIRef)}
    used |= {str(o.datatype) for o in graph.objects() if isinstance(o, Literal) and o.datatype}
    return {p: iri for p, iri in sorted(known.items()) if any(term.startswith(iri) for term in used)}


def _sorted_copy(graph: Graph) -> Graph:
    """A copy whose triples were inserted in sorted order: rdflib's serialisers (and pyLODE)
    iterate in insertion order, so this fixes every output's order."""
    lines = sorted(set(graph.serialize(format="nt").splitlines()) - {""})
    copy = Graph(bind_namespaces="none")
    copy.parse(data="\n".join(lines) + "\n", format="nt")
    for prefix, iri in _used_prefixes(copy).items():
        copy.bind(prefix, iri, override=True, replace=True)
    return copy


def _serialise(graph: Graph, fmt: formats.Format) -> str:
    """Turtle through rdflib (grouped, sorted, readable); the other formats through pyoxigraph's
    streaming serialisers fed with the triples in sorted order, which fixes their byte order
    (rdflib's RDF/XML and JSON-LD writers follow hash-seeded set order)."""
    if fmt is formats.TURTLE:
        text = graph.serialize(format="turtle")
        return text if text.endswith("\n") else text + "\n"
    lines = sorted(set(graph.serialize(format="nt").splitlines()) - {""})
    triples = ox.parse("\n".join(lines) + "\n", format=ox.RdfFormat.N_TRIPLES)
    prefixes = _used_prefixes(graph) if fmt is formats.RDF_XML else None
    assert isinstance(fmt.oxigraph, ox.RdfFormat)
    text = ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes).decode()
    if fmt is formats.JSON_LD:  # expanded JSON-LD on one line: indent it, keeping the sorted order
        text = json.dumps(json.loads(text), ensure_ascii=False, indent=1)
    return text if text.endswith("\n") else text + "\n"


def _docs_graph() -> Graph:
    """Core + alignments for the documentation: only statements about our own terms and the
    ontology, so the alignment axioms show up as super-classes, while the declarations of
    outside terms (schema:City, foaf:Person …) do not become entries of their own (pyLODE would
    list them among our classes, under clashing anchors such as #City)."""
    graph = load_ontology(align=True)
    docs = Graph(bind_namespaces="none")
    for triple in graph:
        if triple[0] == URIRef(ONTOLOGY_IRI) or str(triple[0]).startswith(str(CCD)):
            docs.add(triple)
    # List the named individuals (ccd:Stated …) under their class too ("Has Instance").
    for individual in graph.subjects(RDF.type, OWL.NamedIndividual):
        for cls in graph.objects(individual, RDF.type):
            if str(cls).startswith(str(CCD)):
                docs.add((cls, ONTDOC_HAS_INSTANCE, individual))
    return _sorted_copy(docs)


def _ontpub() -> type:
    """pyLODE's OntPub with a section for named individuals, which OntPub 3.3.4 lacks (it links
    "Has Instance" entries to anchors it never writes); built with pyLODE's own section_html."""
    from pylode import OntPub
    from pylode.rdf_elements import CLASS_PROPS
    from pylode.utils import section_html

    class OntPubWithIndividuals(OntPub):
        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - OntPub's own signature
            super().__init__(*args, **kwargs)
            # Every term's entry is the fragment of its IRI (…/ontology#CityCluster → id="CityCluster"),
            # so hash IRIs dereferenced in a browser land on it; pyLODE would derive ids from labels.
            for term in set(self.ont.subjects()):
                if str(term).startswith(str(CCD)):
                    self.fids[str(term)] = str(term)[len(str(CCD)) :]

        def _make_main_sections(self) -> None:
            super()._make_main_sections()
            if (None, RDF.type, OWL.NamedIndividual) in self.ont:
                with self.content:
                    section_html(
                        "Named Individuals",
                        self.ont,
                        self.back_onts,
                        self.ns,
                        OWL.NamedIndividual,
                        [p for p in CLASS_PROPS if p != ONTDOC_HAS_INSTANCE],
                        self.toc,
                        "named_individuals",
                        self.fids,
                        self.props_labeled,
                    ).render()

    return OntPubWithIndividuals


def _docs_html() -> str:
    # pyLODE logs its background-ontology loading at INFO; keep `ccdkg release` quiet.
    logging.getLogger().setLevel(max(logging.getLogger().level, logging.WARNING))
    html = _ontpub()(_docs_graph(), sort_subjects=True).make_html()
    html = html if html.endswith("\n") else html + "\n"
    return _with_diagram(html, render_svg(load_ontology(align=False)))


DIAGRAM_FILE = "ccdkg-diagram.svg"
CLASSES_SECTION = '<div class="section" id="classes">'


def _with_diagram(html: str, svg: str) -> str:
    """The documentation page with the ontology diagram inlined before the list of classes (inline,
    so the page stays one self-contained file wherever it is served)."""
    if CLASSES_SECTION not in html:
        raise BuildError("pyLODE's page has no classes section to put the diagram before")
    body = svg[svg.index("<svg") :]
    figure = (
        '<div class="section" id="diagram">\n<h2>Diagram</h2>\n'
        "<p>Classes (boxes), sub-classes (dashed arrows) and object properties from domain to range.</p>\n"
        f'<div style="overflow-x:auto">{body}</div>\n</div>\n'
    )
    return html.replace(CLASSES_SECTION, figure + CLASSES_SECTION, 1)


def _htaccess(ver: str) -> str:
    return HTACCESS_TEMPLATE.read_text(encoding="utf-8").format(deployment=DEPLOYMENT, version=ver)


def _write(path: Path, text: str, written: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    # Leave an unchanged file alone (keeps mtimes, and `git status` clean).
    if not path.exists() or path.read_bytes() != data:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    written.append(path)


def write_release(out_dir: Path | str | None = None) -> list[Path]:
    """Write ``<out>/release/<version>/ccdkg.{ttl,rdf,jsonld,nt}`` (core, zh-Hant labels included),
    ``ccdkg-align.*`` likewise, ``<out>/docs/index.html`` (also copied into the version folder)
    and ``<out>/w3id/.htaccess``. ``out_dir`` defaults to the ontology folder itself."""
    root = Path(out_dir) if out_dir is not None else None
    release_dir = root / "release" if root else RELEASE_DIR
    docs_dir = root / "docs" if root else DOCS_DIR
    w3id_dir = root / "w3id" if root else W3ID_DIR
    ver = version()
    written: list[Path] = []

    core = _sorted_copy(load_ontology(align=False))
    # The alignment module as it stands: it carries no labels of its own to convert.
    align = _sorted_copy(Graph().parse(ALIGN_FILE, format="turtle"))
    for name, graph in (("ccdkg", core), ("ccdkg-align", align)):
        for ext, fmt in FORMATS.items():
            _write(release_dir / ver / f"{name}.{ext}", _serialise(graph, fmt), written)

    html = _docs_html()
    _write(docs_dir / "index.html", html, written)
    _write(docs_dir / DIAGRAM_FILE, render_svg(load_ontology(align=False)), written)
    _write(release_dir / ver / "index.html", html, written)
    _write(w3id_dir / ".htaccess", _htaccess(ver), written)
    return written


def stale_artefacts() -> list[Path]:
    """The committed release files that differ from a fresh build (empty when up to date)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = write_release(tmp)
        stale: list[Path] = []
        for path in fresh:
            committed = _committed_path(path, Path(tmp))
            if not committed.exists() or not filecmp.cmp(path, committed, shallow=False):
                stale.append(committed)
        return stale


def _committed_path(fresh: Path, tmp_root: Path) -> Path:
    rel = fresh.relative_to(tmp_root)
    base = {"release": RELEASE_DIR, "docs": DOCS_DIR, "w3id": W3ID_DIR}[rel.parts[0]]
    return base.joinpath(*rel.parts[1:])


def release_files() -> dict[str, Path]:
    """Media type → current release file of the core ontology, for content negotiation at the
    ontology IRI (``text/html`` → the pyLODE page)."""
    ver = version()
    out = {fmt.media_type: RELEASE_DIR / ver / f"ccdkg.{ext}" for ext, fmt in FORMATS.items()}
    out["text/html"] = DOCS_DIR / "index.html"
    return out


__all__ = ["DEPLOYMENT", "FORMATS", "release_files", "stale_artefacts", "version", "write_release"]

"""SHACL validation of ccdkg data: the shapes (``shapes.ttl``), the grounding check against the shipped
article, and a vocabulary check against the ontology, merged into one :class:`Report`.

``validate(data)`` is the stage function the build, the CLI (``ccdkg validate``) and the server call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from ccdkg.namespaces import CCD, SH
from ccdkg.validation.profiles import DEFAULT, PROFILES
from ccdkg.validation.profiles import profile as get_profile
from ccdkg.validation.report import SHAPES, Report, Result, curie, path_text, path_triples

HERE = Path(__file__).resolve().parent
SHAPES_FILE = HERE / "shapes.ttl"
# Domain/range/functional shapes written from the ontology by `ccdkg release` (validation/generate.py).
GENERATED_SHAPES_FILE = HERE / "generated-shapes.ttl"

Progress = Callable[[str], None]

__all__ = [
    "PROFILES",
    "SHAPES",
    "SHAPES_FILE",
    "Report",
    "Result",
    "core_shapes",
    "data_graph",
    "shacl_results",
    "hoist_property_shapes",
    "load_shapes",
    "reload_shapes",
    "validate",
]


EVIDENCE_SHAPES_FILE = HERE / "evidence-shapes.ttl"


@lru_cache(maxsize=4)
def _shapes(profile: str = DEFAULT) -> Graph:
    chosen = get_profile(profile)
    graph = Graph()
    graph.parse(SHAPES_FILE, format="turtle")
    if GENERATED_SHAPES_FILE.exists():  # absent only before the first `ccdkg release`
        graph.parse(GENERATED_SHAPES_FILE, format="turtle")
    if chosen.relation_evidence:
        graph.parse(EVIDENCE_SHAPES_FILE, format="turtle")
    return chosen.apply(_name_property_shapes(graph))


@lru_cache(maxsize=4)
def _split(profile: str = DEFAULT) -> tuple[Graph, list[tuple[URIRef, Node]]]:
    from ccdkg.validation.sparql import split_shapes

    core, sparql = split_shapes(_shapes(profile))
    return hoist_property_shapes(core), sparql


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def reload_shapes() -> None:
    """Forget the parsed shapes (after ``ccdkg release`` rewrote the generated ones)."""
    _shapes.cache_clear()
    _split.cache_clear()


def hoist_property_shapes(shapes: Graph) -> Graph:
    """The same shapes with each property shape of a targeted node shape given that node shape's targets.

    SHACL validates ``N sh:property P`` for a focus node by validating P for it, so P with N's targets has
    exactly the same results. pyshacl, though, evaluates a nested property shape once per focus node (and
    re-reads its constraints each time), but a targeted one once for all of its focus nodes: for
    ccdsh:TextSpanShape's twelve property shapes on ~300 spans that is 0.6 s against a few hundredths.
    Node shapes used inside other shapes (sh:node, sh:or, ...) keep their sh:property: those are
    validated for the focus nodes their users give them, not only for their targets.
    """
    nested = {o for p, o in shapes.predicate_objects() if p != RDF.type}  # a shape used by another
    hoist: list[tuple[Node, Node]] = []
    for shape in set(shapes.subjects(SH.property, None)):
        if shape in nested or (shape, SH.deactivated, Literal(True)) in shapes:
            continue
        if (shape, RDF.type, RDFS.Class) in shapes or (shape, RDF.type, OWL.Class) in shapes:
            continue  # implicit class target: not among the explicit ones copied below
        if not any((shape, t, None) in shapes for t in _TARGETS):
            continue
        hoist += [(shape, prop) for prop in shapes.objects(shape, SH.property)]
    if not hoist:
        return shapes
    out = Graph()
    for prefix, ns in shapes.namespaces():
        out.bind(prefix, ns)
    out += shapes
    for shape, prop in hoist:
        out.remove((shape, SH.property, prop))
        for t in _TARGETS:
            for target in shapes.objects(shape, t):
                out.add((prop, t, target))
    return out


def load_shapes(profile: str = DEFAULT) -> Graph:
    """The shapes graph of a profile (a fresh copy), inline property shapes named
    ``<node shape>-<property>-<n>``: shapes.ttl, generated-shapes.ttl and, where the profile asks for it,
    evidence-shapes.ttl."""
    copy = Graph()
    for prefix, ns in _shapes(profile).namespaces():
        copy.bind(prefix, ns)
    copy += _shapes(profile)
    return copy


def _name_property_shapes(graph: Graph) -> Graph:
    """Give every inline (blank-node) property shape an IRI, so that a report can name the shape it failed
    in a way that means something outside this process (``ccdsh:CityShape-locatedIn-1``)."""
    renames: dict[BNode, URIRef] = {}
    for parent in sorted({s for s in graph.subjects(SH.property, None) if isinstance(s, URIRef)}):
        inline = [o for o in graph.objects(parent, SH.property) if isinstance(o, BNode)]
        # Order by the shape's own content, so names do not depend on parsing order.
        inline.sort(key=lambda b: sorted((str(p), str(o)) for p, o in graph.predicate_objects(b)))
        counts: dict[str, int] = {}
        for node in inline:
            path = graph.value(node, SH.path)
            local = path_text(path, graph).split(":")[-1].strip("()^*+?").replace("|", "-or-")
            counts[local] = counts.get(local, 0) + 1
            renames[node] = URIRef(f"{parent}-{local}-{counts[local]}")
    if not renames:
        return graph
    named = Graph()
    for prefix, ns in graph.namespaces():
        named.bind(prefix, ns)
    for s, p, o in graph:
        named.add((renames.get(s, s), p, renames.get(o, o)))  # type: ignore[arg-type]
    return named


_OUTSIDE_STATUSES = (CCD.Interpreted, CCD.External)


def _status_records(data: Graph) -> Graph:
    """For a dataset: each IRI-to-IRI triple found only in named graphs marked ccd:assertionStatus
    ccd:Interpreted or ccd:External, reified with that status (a blank rdf:Statement), so that the relation
    evidence constraint, which sees one merged graph, knows it needs no passage."""
    out = Graph()
    if not isinstance(data, Dataset | ConjunctiveGraph):
        return out
    status: dict[Node, Node] = {}
    for g, _, value, _ in data.quads((None, CCD.assertionStatus, None, None)):
        if value in _OUTSIDE_STATUSES:
            status[g] = value
    if not status:
        return out
    for g in sorted(status, key=str):
        for s, p, o in sorted(data.graph(g)):  # type: ignore[arg-type]
            if not isinstance(o, URIRef) or p == RDF.type:
                continue
            # Only where no other graph (id:graph/stated, the default graph) also holds the triple.
            holders = {c.identifier if isinstance(c, Graph) else c for *_, c in data.quads((s, p, o, None))}
            if holders - set(status):
                continue
            record = BNode()
            out.add((record, RDF.type, RDF.Statement))
            out.add((record, RDF.subject, s))
            out.add((record, RDF.predicate, p))
            out.add((record, RDF.object, o))
            out.add((record, CCD.assertionStatus, status[g]))
    return out


def _union(data: Graph) -> Graph:
    """One graph holding every triple of every named graph (pyshacl would validate each graph alone)."""
    union = Graph()
    for prefix, ns in data.namespaces():
        union.bind(prefix, ns)
    triples = (
        ((s, p, o) for s, p, o, _ in data.quads((None, None, None, None)))
        if isinstance(data, Dataset | ConjunctiveGraph)
        else iter(data)
    )
    for s, p, o in triples:
        # RDF 1.1: "x" and "x"^^xsd:string are one literal, but rdflib keeps them apart (Oxigraph's parsers
        # give the second form), which would make sh:in and sh:hasValue miss.
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        union.add((s, p, o))
    return union


def _class_hierarchy(ontology: Graph) -> Graph:
    """The ontology's ``rdfs:subClassOf`` axioms (``owl:equivalentClass`` both ways).

    SHACL's sh:targetClass and sh:class follow rdfs:subClassOf in the data graph, so these triples are all
    that "subclasses count" needs. Full RDFS inference would be wrong here, not only slow: rdfs:range would
    type every value of ccd:hasMemberCity as a ccd:City and so silence the very sh:class checks we want.
    """
    axioms = Graph()
    for s, o in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            axioms.add((s, RDFS.subClassOf, o))
    for s, o in ontology.subject_objects(OWL.equivalentClass):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            axioms.add((s, RDFS.subClassOf, o))
            axioms.add((o, RDFS.subClassOf, s))
    # The ontology's own individuals (ccd:Stated, ccd:Endorsed …) are values of the data: their classes,
    # so that a range shape (ccd:authorStance → ccd:Stance) knows them without the whole ontology.
    for individual in ontology.subjects(RDF.type, OWL.NamedIndividual):
        for cls in ontology.objects(individual, RDF.type):
            if isinstance(individual, URIRef) and isinstance(cls, URIRef) and cls != OWL.NamedIndividual:
                axioms.add((individual, RDF.type, cls))
    return axioms


def _load_ontology() -> Graph | None:
    try:
        from ccdkg.ontology import load_ontology
    except ImportError:  # the ontology stage is not installed: validate against the shapes alone
        return None
    try:
        return load_ontology()
    except (OSError, FileNotFoundError):
        return None


def data_graph(data: Graph, *, ontology: bool = True) -> Graph:
    """The graph the SHACL engines validate: the union of ``data``'s named graphs, the status records of its
    interpreted/external relations and (with ``ontology``) the ontology's class hierarchy. The second-engine
    tests and the benchmark feed exactly this to the other engines."""
    union = _union(data)
    union += _status_records(data)
    onto = _load_ontology() if ontology else None
    if onto is not None:
        union += _class_hierarchy(onto)
    return union


def core_shapes(profile: str = DEFAULT) -> Graph:
    """The shapes graph without its SHACL-SPARQL constraints, property shapes hoisted: what pyshacl runs."""
    return _split(profile)[0]


# The engine for the core shapes. pyshacl-turbo (a Rust engine with pyshacl's API) gives the same results
# on every fixture and on the built graph, but on rdflib input most of its time goes into converting terms:
# bench/validation.py measured 0.97 s against pyshacl's 1.31 s at 10k triples and 11.1 s against 11.6 s at
# 100k, too little for a second engine to depend on; engine="pyshacl-turbo" selects it where installed.
ENGINES = ("pyshacl", "pyshacl-turbo")


def _engine(name: str | None) -> Callable[..., tuple[object, object, object]]:
    for candidate in (name,) if name else ENGINES[:1]:
        try:
            if candidate == "pyshacl-turbo":
                import pyshacl_turbo

                return pyshacl_turbo.validate  # type: ignore[no-any-return]
            if candidate == "pyshacl":
                import pyshacl

                return pyshacl.validate  # type: ignore[no-any-return]
        except ImportError:
            if name:
                raise
    raise ValueError(f"unknown SHACL engine {name!r}; use one of: {', '.join(ENGINES)}")


def shacl_results(
    union: Graph, profile: str = DEFAULT, say: Progress | None = None, *, engine: str | None = None
) -> list[Result]:
    """The SHACL results for a prepared data graph (data_graph), one per engine result, not yet merged:
    pyshacl (or ``engine``: ``pyshacl-turbo``) for the core shapes, Oxigraph for the SHACL-SPARQL
    constraints (validation/sparql.py). ``union`` is validated in place (it must be a copy of one's own)."""
    from ccdkg.validation.sparql import check_sparql

    say = say or (lambda _line: None)
    shapes = _shapes(profile)
    core, sparql_constraints = _split(profile)
    # no inference (see _class_hierarchy); warnings/infos do not fail.
    _, report_graph, _ = _engine(engine)(
        union,
        shacl_graph=core,  # SHACL-SPARQL constraints run natively below
        inference="none",
        inplace=True,
        allow_warnings=True,
        allow_infos=True,
        advanced=False,
    )
    if not isinstance(report_graph, Graph):  # pyshacl reports a broken shapes graph as a "failure"
        raise RuntimeError(f"SHACL validation could not run: {report_graph}")
    results = list(_read_results(report_graph, shapes))
    say(f"[2/5] SHACL-SPARQL constraints ({len(sparql_constraints)}, on Oxigraph)")
    results += check_sparql(union, shapes, sparql_constraints)
    return results


def validate(
    data: Graph,
    *,
    text: str | None = None,
    ontology: bool = True,
    progress: Progress | None = None,
    profile: str | None = None,
) -> Report:
    """Validate ``data`` (an rdflib Graph or Dataset: the union of its named graphs) and return a Report.

    - SHACL: ``validation/shapes.ttl`` and the shapes generated from the ontology
      (``generated-shapes.ttl``), with the ontology's class hierarchy added (``ontology=True``), so that an
      instance of a subclass meets its superclass' shapes.
    - grounding: every ``oa:exact`` occurs in the article ``text`` (default: the shipped clean text) and at
      its ``oa:start``/``oa:end`` offsets, ignoring whitespace and Markdown markup.
    - vocabulary (with the ontology): no ``ccd:`` term the ontology does not define, no node in two
      disjoint classes.

    ``profile`` (ccdkg.validation.profiles): ``dataset`` (default), ``evidence`` (with evidence for every
    relation) or ``reuse`` (the model's structure only, for your own data). Overlapping shapes' results
    about one mistake are merged into one (report.merge_duplicates).

    ``progress`` receives one line per stage (the CLI prints them on stderr for large inputs).
    """
    from ccdkg.validation.grounding import check_grounding
    from ccdkg.validation.vocabulary import check_vocabulary

    chosen = get_profile(profile)
    say = progress or (lambda _line: None)
    started = time.perf_counter()
    union = _union(data)
    size = len(union)
    if chosen.relation_evidence:  # only the relation-evidence constraint reads them
        union += _status_records(data)
    onto = _load_ontology() if ontology else None
    if onto is not None:
        union += _class_hierarchy(onto)
    against = f"{SHAPES_FILE.name}" + (" and the ontology" if onto else "")
    say(f"[1/5] SHACL core shapes ({chosen.name} profile): {size:,} triples against {against}")

    results = shacl_results(union, chosen.name, say)
    if chosen.grounding:
        say("[3/5] quotations against the article text")
        results += check_grounding(union, text)
    if onto is not None:
        say("[4/5] terms and disjoint classes against the ontology")
        results += check_vocabulary(union, onto)
    say("[5/5] the report")
    nodes = {r.focus for r in results} | {r.value for r in results if isinstance(r.value, URIRef)}
    report = Report(
        results, labels=_labels(union, nodes), types=_types(union, {r.focus for r in results}), triples=size
    )
    say(f"done: {len(report.results)} results in {time.perf_counter() - started:.1f} s")
    return report


def _read_results(report: Graph, shapes: Graph) -> list[Result]:
    out = []
    # Top-level results only: pyshacl also types the nested sh:detail results of sh:node as results.
    for node in report.objects(None, SH.result):
        shape = report.value(node, SH.sourceShape)
        path = report.value(node, SH.resultPath)
        focus = report.value(node, SH.focusNode)
        node_level = path is None and _single_property(shapes, shape)
        if node_level:  # a node shape on the uses of one property: the result is about that property
            path = _single_property(shapes, shape)
        messages = list(report.objects(node, SH.resultMessage))
        # pyshacl copies every sh:message of the shape; fall back to its own English text.
        en = _message(messages, "en") or _message(shapes_messages(shapes, shape), "en")
        zh = _message(messages, "zh") or _message(shapes_messages(shapes, shape), "zh")
        out.append(
            Result(
                focus=focus,
                severity=report.value(node, SH.resultSeverity) or SH.Violation,
                message_en=en,
                message_zh=zh,
                path=path,
                path_label=path_text(path, report),
                value=report.value(node, SH.value),
                shape=curie(shape) if isinstance(shape, URIRef) else _shape_name(shapes, shape),
                shape_node=shape if isinstance(shape, URIRef) else None,
                component=report.value(node, SH.sourceConstraintComponent),
                path_triples=tuple(path_triples(report, path)),
                node_level=bool(node_level),
            )
        )
    return out


def _single_property(shapes: Graph, shape: Node | None) -> URIRef | None:
    """The property a node shape targets the subjects of, when that is its only target."""
    if shape is None or (shape, SH.path, None) in shapes:
        return None
    targets = [(t, o) for t in _TARGETS for o in shapes.objects(shape, t)]
    if len(targets) == 1 and targets[0][0] == SH.targetSubjectsOf and isinstance(targets[0][1], URIRef):
        return targets[0][1]
    return None


def shapes_messages(shapes: Graph, shape: Node | None) -> list[Node]:
    return list(shapes.objects(shape, SH.message)) if shape is not None else []


def _shape_name(shapes: Graph, shape: Node | None) -> str:
    if shape is None:
        return ""
    parent = shapes.value(None, SH.property, shape) or shapes.value(None, SH.sparql, shape)
    return curie(parent) if parent is not None else curie(shape)


def _message(messages: list[Node], lang: str) -> str:
    for message in messages:
        tag = (getattr(message, "language", None) or "").lower()
        if tag.startswith(lang) or (lang == "en" and not tag):
            return str(message)
    return ""


_LABEL_PREFERENCE = ("en", "zh-hans", "zh-hant", "")


def _labels(graph: Graph, nodes: set[Node]) -> dict[Node, str]:
    """A display label per node: English first, then zh-Hans (plus zh-Hans in brackets when both exist)."""
    out: dict[Node, str] = {}
    for node in nodes:
        by_lang: dict[str, str] = {}
        for label in graph.objects(node, RDFS.label):
            if isinstance(label, Literal):
                by_lang.setdefault((label.language or "").lower(), str(label))
        en, zh = by_lang.get("en"), by_lang.get("zh-hans")
        if en and zh and en != zh:
            out[node] = f"{en} / {zh}"
        else:
            for lang in _LABEL_PREFERENCE:
                if lang in by_lang:
                    out[node] = by_lang[lang]
                    break
    return out


def _types(graph: Graph, nodes: set[Node]) -> dict[Node, tuple[str, ...]]:
    return {node: tuple(sorted(curie(t) for t in graph.objects(node, RDF.type))) for node in nodes}

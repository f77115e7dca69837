"""The SHACL-SPARQL constraints of shapes.ttl, evaluated natively by Oxigraph.

pyshacl runs a SPARQL constraint once per focus node on rdflib's Python engine, re-parsing the query each
time: minutes for a few thousand triples. Here each constraint runs once over the whole graph with
``$this`` as an ordinary variable, and the solutions are kept for the shape's focus nodes only. That is
the same set of results as pre-binding ``$this`` to each focus node (SHACL 1.0 §5.3), because the queries
bind ``$this`` in their first triple pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from ccdkg.namespaces import SH
from ccdkg.validation.report import Result, curie, path_text


def split_shapes(shapes: Graph) -> tuple[Graph, list[tuple[URIRef, Node]]]:
    """The shapes graph without its sh:sparql constraints (for pyshacl) and those constraints."""
    core = Graph()
    for prefix, ns in shapes.namespaces():
        core.bind(prefix, ns)
    sparql = sorted((s, o) for s, o in shapes.subject_objects(SH.sparql) if isinstance(s, URIRef))
    for triple in shapes:
        if triple[1] != SH.sparql:
            core.add(triple)
    return core, sparql


def _to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    assert isinstance(term, Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def _from_ox(term: object) -> Node | None:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype.endswith("#string") else URIRef(datatype))
    return None


def _targets(data: Graph, shapes: Graph, shape: Node) -> set[Node]:
    """The focus nodes of a node shape: its targetNode, targetClass (with subclasses), subjects/objects-of."""
    nodes: set[Node] = set(shapes.objects(shape, SH.targetNode))
    for cls in shapes.objects(shape, SH.targetClass):
        classes = set(data.transitive_subjects(RDFS.subClassOf, cls))
        for c in classes:
            nodes.update(data.subjects(RDF.type, c))
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        nodes.update(data.subjects(p, None))
    for p in shapes.objects(shape, SH.targetObjectsOf):
        nodes.update(data.objects(None, p))
    return nodes


def _prefixes(shapes: Graph, constraint: Node) -> str:
    lines = []
    for source in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(source, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


def _message(template: str, row: dict[str, Node | None]) -> str:
    def fill(match: re.Match[str]) -> str:
        value = row.get(match.group(1))
        if value is None:
            return match.group(0)
        return str(value) if isinstance(value, Literal) else curie(value)

    return re.sub(r"\{[?$](\w+)\}", fill, template)


def check_sparql(data: Graph, shapes: Graph, constraints: Iterable[tuple[URIRef, Node]]) -> list[Result]:
    constraints = list(constraints)
    if not constraints:
        return []
    store = ox.Store()
    store.extend(ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in data)  # type: ignore[arg-type]
    results: list[Result] = []
    for shape, constraint in constraints:
        if Literal(True) in (shapes.value(constraint, SH.deactivated), shapes.value(shape, SH.deactivated)):
            continue
        targets = _targets(data, shapes, shape)
        query = _prefixes(shapes, constraint) + str(shapes.value(constraint, SH.select)).replace(
            "$this", "?this"
        )
        severity = shapes.value(constraint, SH.severity) or SH.Violation
        messages = {(m.language or "en").lower()[:2]: str(m) for m in shapes.objects(constraint, SH.message)}
        solutions = store.query(query)
        names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
        for solution in solutions:  # type: ignore[union-attr]
            row = {name: _from_ox(solution[name]) for name in names}
            focus = row.get("this")
            if focus is None or focus not in targets:
                continue
            path = row.get("path")
            results.append(
                Result(
                    focus=focus,
                    severity=severity,  # type: ignore[arg-type]
                    message_en=_message(messages.get("en", ""), row),
                    message_zh=_message(messages.get("zh", ""), row),
                    path=path,
                    path_label=path_text(path, None),
                    value=row.get("value"),
                    shape=curie(shape),
                    shape_node=shape,
                    component=SH.SPARQLConstraintComponent,
                )
            )
    return results

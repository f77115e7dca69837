"""Checks against the ontology that plain SHACL shapes cannot state without listing the ontology twice:
no ``ccd:`` class or property the ontology does not define (a typo would otherwise pass silently, since
shapes only look at the properties they name), and no node in two classes the ontology declares disjoint.
"""

from __future__ import annotations

import difflib
from collections import defaultdict

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from ccdkg.namespaces import CCD, SH
from ccdkg.validation.report import SHAPES, VOCABULARY_COMPONENT, Result, curie

VOCABULARY_SHAPE = SHAPES.VocabularyShape


def check_vocabulary(graph: Graph, ontology: Graph) -> list[Result]:
    defined = {
        s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(str(CCD))
    }
    results: list[Result] = []

    def unknown(focus: Node, path: URIRef, value: Node | None, term: URIRef) -> None:
        names = sorted(str(t)[len(str(CCD)) :] for t in defined)
        close = difflib.get_close_matches(str(term)[len(str(CCD)) :], names, n=1)
        hint_en = f" Did you mean ccd:{close[0]}?" if close else ""
        hint_zh = f"是否应为 ccd:{close[0]}？" if close else ""
        results.append(
            Result(
                focus=focus,
                severity=SH.Violation,
                message_en=f"{curie(term)} is not a term of the ccdkg ontology.{hint_en}",
                message_zh=f"{curie(term)} 不是 ccdkg 本体中的术语。{hint_zh}",
                path=path,
                path_label=curie(path),
                value=value,
                shape=curie(VOCABULARY_SHAPE),
                shape_node=VOCABULARY_SHAPE,
                component=VOCABULARY_COMPONENT,
            )
        )

    for predicate in sorted({p for p in graph.predicates() if isinstance(p, URIRef)}):
        if str(predicate).startswith(str(CCD)) and predicate not in defined:
            for subject in sorted(set(graph.subjects(predicate, None))):
                unknown(subject, predicate, None, predicate)
    for subject, cls in sorted(graph.subject_objects(RDF.type)):
        if isinstance(cls, URIRef) and str(cls).startswith(str(CCD)) and cls not in defined:
            unknown(subject, RDF.type, cls, cls)
    results += _disjointness(graph, ontology)
    return results


def _superclasses(ontology: Graph) -> dict[Node, set[Node]]:
    direct: dict[Node, set[Node]] = defaultdict(set)
    for s, o in ontology.subject_objects(RDFS.subClassOf):
        direct[s].add(o)
    closure: dict[Node, set[Node]] = {}
    for cls in list(direct):
        seen, todo = {cls}, [cls]
        while todo:
            for sup in direct.get(todo.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        closure[cls] = seen
    return closure


def _disjointness(graph: Graph, ontology: Graph) -> list[Result]:
    disjoint: set[frozenset[Node]] = {
        frozenset((a, b)) for a, b in ontology.subject_objects(OWL.disjointWith)
    }
    if not disjoint:
        return []
    closure = _superclasses(ontology)
    types: dict[Node, set[Node]] = defaultdict(set)
    for subject, cls in graph.subject_objects(RDF.type):
        types[subject] |= closure.get(cls, {cls})
    results = []
    for node in sorted(n for n, ts in types.items() if len(ts) > 1):
        clash = sorted((sorted(pair) for pair in disjoint if pair <= types[node]), key=str)
        for a, b in clash:
            results.append(
                Result(
                    focus=node,
                    severity=SH.Violation,
                    message_en=f"Both a {curie(a)} and a {curie(b)}: the ontology makes these disjoint.",
                    message_zh=f"此节点同时属于 {curie(a)} 与 {curie(b)}，而本体声明二者互斥。",
                    path=RDF.type,
                    path_label="rdf:type",
                    value=b,
                    shape=curie(VOCABULARY_SHAPE),
                    shape_node=VOCABULARY_SHAPE,
                    component=VOCABULARY_COMPONENT,
                )
            )
    return results

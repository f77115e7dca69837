"""The validation report: SHACL results and the grounding check in one list, rendered for people and machines.

``Report.graph`` is a W3C ``sh:ValidationReport``; it is rebuilt from the results (not pyshacl's own graph)
so that its Turtle is byte-identical for the same input: blank-node ids are hashes of the result's content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from ccdkg.namespaces import BASE, PREFIXES, SH

SHAPES = Namespace(BASE + "shapes#")
# Results that SHACL cannot express come from these pseudo-components (declared in shapes.ttl).
GROUNDING_COMPONENT = SHAPES.GroundingConstraintComponent
VOCABULARY_COMPONENT = SHAPES.VocabularyConstraintComponent

SEVERITIES = (SH.Violation, SH.Warning, SH.Info)
_SEVERITY_NAME = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_PATH_PREDICATES = (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath)


def curie(node: Node | None, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """A short, readable name for a term: ``ccd:City``, ``id:city/shanghai``, ``"text"@en``."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        text = str(node)
        best = ""
        for prefix, ns in {**prefixes, "ccdsh": str(SHAPES)}.items():
            if text.startswith(ns) and len(ns) > len(best) and text != ns:
                best, name = ns, f"{prefix}:{text[len(ns) :]}"
        return name if best else f"<{text}>"
    if isinstance(node, Literal):
        text = json.dumps(str(node), ensure_ascii=False)
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype and node.datatype != XSD.string:
            return f"{text}^^{curie(node.datatype, prefixes)}"
        return text
    return f"_:{node}"


def path_text(path: Node | None, graph: Graph | None) -> str:
    """A SHACL property path in SPARQL-like notation: ``ccd:locatedIn``, ``^ccd:hasDriver``, ``a|b``."""
    if path is None:
        return ""
    if isinstance(path, URIRef) or graph is None:
        return curie(path)
    for predicate in _PATH_PREDICATES:
        inner = graph.value(path, predicate)
        if inner is None:
            continue
        if predicate == SH.inversePath:
            return "^" + path_text(inner, graph)
        if predicate == SH.alternativePath:
            return "(" + "|".join(path_text(p, graph) for p in Collection(graph, inner)) + ")"
        suffix = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}[predicate]
        return path_text(inner, graph) + suffix
    if graph.value(path, RDF.first) is not None:
        return "/".join(path_text(p, graph) for p in Collection(graph, path))
    return curie(path)


@dataclass(frozen=True)
class Result:
    """One finding: which node, property and value, what is wrong (en + zh-Hans), how bad, which shape."""

    focus: Node
    severity: URIRef
    message_en: str
    message_zh: str
    path: Node | None = None
    value: Node | None = None
    shape: str = ""  # readable name of the shape, e.g. "ccdsh:CityShape → ccd:locatedIn"
    shape_node: Node | None = None
    component: URIRef | None = None
    path_label: str = ""  # readable path, also for complex paths that are blank nodes
    path_triples: tuple[tuple[Node, Node, Node], ...] = field(default=(), compare=False, repr=False)
    # A node shape's result about the one property it targets (sh:targetSubjectsOf): that is its path.
    node_level: bool = field(default=False, compare=False, repr=False)
    # The other shapes that reported the same mistake, merged into this result (see merge_duplicates).
    merged: tuple[str, ...] = field(default=(), compare=False)

    @property
    def severity_name(self) -> str:
        return _SEVERITY_NAME.get(self.severity, curie(self.severity))

    @property
    def check(self) -> str:
        """Where the finding comes from: ``shacl``, ``grounding`` (the article text) or ``vocabulary``."""
        if self.component == GROUNDING_COMPONENT:
            return "grounding"
        if self.component == VOCABULARY_COMPONENT:
            return "vocabulary"
        return "shacl"

    def sort_key(self) -> tuple[str, int, str, str, str, str]:
        return (
            str(self.focus),
            SEVERITIES.index(self.severity) if self.severity in SEVERITIES else 9,
            self.path_label,
            curie(self.value),
            self.shape,
            str(self.component or ""),
        )

    def to_dict(self, labels: Mapping[Node, str]) -> dict[str, Any]:
        return {
            "focusNode": _term_json(self.focus),
            "focusLabel": labels.get(self.focus),
            "path": self.path_label or None,
            "value": _term_json(self.value) if self.value is not None else None,
            "valueLabel": labels.get(self.value) if self.value is not None else None,
            "severity": self.severity_name,
            "message": {"en": self.message_en, "zh-Hans": self.message_zh},
            "shape": self.shape,
            "constraintComponent": curie(self.component) if self.component else None,
            "check": self.check,
            "alsoReportedBy": list(self.merged),
        }


def _term_json(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, Literal):
        return curie(node)
    return f"_:{node}"


# Which result speaks for a merged group: the constraint nearest the cause first (a wrong kind or datatype
# explains a failed range or cardinality on the same value).
_COMPONENT_RANK = tuple(
    SH[name]
    for name in (
        "ClassConstraintComponent",
        "DatatypeConstraintComponent",
        "NodeKindConstraintComponent",
        "NodeConstraintComponent",
        "InConstraintComponent",
        "PatternConstraintComponent",
    )
)


def _is_generated(result: Result) -> bool:
    return result.shape.startswith("ccdsh:Generated-")


def _rank(result: Result) -> tuple[int, int, int, str, str]:
    component = _COMPONENT_RANK.index(result.component) if result.component in _COMPONENT_RANK else 99
    valueless = result.value is None or result.value == result.focus
    return (int(valueless), component, int(_is_generated(result)), result.shape, str(result.component))


def merge_duplicates(results: Iterable[Result]) -> list[Result]:
    """One result per mistake: results about the same node, property and value from overlapping shapes
    (a hand-written class shape and the generated range shape, two shapes' datatype and range checks on one
    latitude) become one, in a stable order.

    - Results with a path are grouped by (severity, focus, path, value); a result without a value on that
      focus and path (a cardinality, or a generated domain shape's "this node may not use the property")
      joins the group of the first offending value, since it is about the same triple.
    - Results without a path (node-level: an IRI pattern, sh:or) merge only with the same constraint
      component on the same node: two shapes' IRI patterns on one IRI are one mistake, a bad IRI and a
      missing piece of evidence are two.

    The result that speaks for a group is the hand-written one nearest the cause (see _COMPONENT_RANK); a
    domain shape's message is added to it, since it says something the range does not (the subject's kind).
    """
    groups: dict[tuple[str, ...], list[Result]] = {}
    valueless: dict[tuple[str, ...], list[Result]] = {}
    for r in sorted(set(results), key=Result.sort_key):
        sev, focus = str(r.severity), str(r.focus)
        if not r.path_label:
            groups.setdefault((sev, focus, "", str(r.component), curie(r.value)), []).append(r)
        elif r.value is None or r.value == r.focus:
            valueless.setdefault((sev, focus, r.path_label), []).append(r)
        else:
            groups.setdefault((sev, focus, r.path_label, curie(r.value)), []).append(r)
    for key, extra in valueless.items():
        target = next((k for k in sorted(groups) if k[:3] == key and len(k) == 4), None)
        groups.setdefault(target or (*key, ""), []).extend(extra)
    out = []
    for members in groups.values():
        members.sort(key=_rank)
        head = members[0]
        if len(members) == 1:
            out.append(head)
            continue
        en, zh = [head.message_en], [head.message_zh]
        for m in members[1:]:
            if m.node_level and m.message_en not in en:
                en.append(m.message_en)
                zh.append(m.message_zh)
        others = tuple(sorted({m.shape for m in members[1:] if m.shape != head.shape}))
        merged = tuple(sorted(set(head.merged) | set(others)))
        out.append(
            replace(head, message_en=" ".join(e for e in en if e), message_zh="".join(zh), merged=merged)
        )
    return out


class Report:
    """A validation report: ``conforms`` is false when there is at least one ``sh:Violation``.

    Warnings and infos are reported but do not make the data non-conforming (see the severities in
    validation/shapes.ttl).
    """

    def __init__(
        self,
        results: Iterable[Result],
        *,
        labels: Mapping[Node, str] | None = None,
        types: Mapping[Node, tuple[str, ...]] | None = None,
        triples: int | None = None,
    ) -> None:
        self.results: list[Result] = sorted(merge_duplicates(results), key=Result.sort_key)
        self.labels: dict[Node, str] = dict(labels or {})
        self.types: dict[Node, tuple[str, ...]] = dict(types or {})
        self.triples = triples
        self._graph: Graph | None = None

    # -- summary ---------------------------------------------------------------------------------

    @property
    def conforms(self) -> bool:
        return not any(r.severity == SH.Violation for r in self.results)

    def count(self, severity: URIRef) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def summary(self) -> str:
        counts = ", ".join(
            f"{self.count(s)} {_SEVERITY_NAME[s].lower()}{'s' if self.count(s) != 1 else ''}"
            for s in SEVERITIES
        )
        verdict = "conforms" if self.conforms else "does NOT conform"
        size = f" ({self.triples:,} triples)" if self.triples is not None else ""
        return f"The data{size} {verdict}: {counts}."

    def __repr__(self) -> str:
        return f"<Report conforms={self.conforms} results={len(self.results)}>"

    # -- renderings ------------------------------------------------------------------------------

    def text(self, labels: Mapping[Node, str] | None = None, *, lang: str = "both") -> str:
        """The human report: one block per focus node (with its label and type), one entry per finding.

        ``labels`` overrides or adds display labels; ``lang`` is ``en``, ``zh`` or ``both`` (messages).
        """
        names = {**self.labels, **(labels or {})}
        lines = [self.summary()]
        by_focus: dict[Node, list[Result]] = {}
        for result in self.results:
            by_focus.setdefault(result.focus, []).append(result)
        for focus, results in by_focus.items():
            lines.append("")
            head = curie(focus)
            if focus in names:
                head += f"  “{names[focus]}”"
            if self.types.get(focus):
                head += "  (" + ", ".join(self.types[focus]) + ")"
            lines.append(head)
            for r in results:
                where = f"  {r.path_label}" if r.path_label else ""
                lines.append(f"  [{r.severity_name}]{where}")
                if lang in ("en", "both") and r.message_en:
                    lines.append(f"      {r.message_en}")
                if lang in ("zh", "both") and r.message_zh:
                    lines.append(f"      {r.message_zh}")
                if r.value is not None and r.value != r.focus:  # sh:or on the node itself repeats it
                    value = curie(r.value)
                    if r.value in names:
                        value += f"  “{names[r.value]}”"
                    lines.append(f"      value: {value}")
                component = f" ({curie(r.component)})" if r.component else ""
                lines.append(f"      shape: {r.shape}{component}")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "triples": self.triples,
            "counts": {_SEVERITY_NAME[s]: self.count(s) for s in SEVERITIES},
            "results": [r.to_dict(self.labels) for r in self.results],
        }

    def json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent) + "\n"

    @property
    def graph(self) -> Graph:
        """The W3C SHACL validation report (``sh:ValidationReport``) as an rdflib Graph."""
        if self._graph is None:
            self._graph = self._build_graph()
        return self._graph

    def turtle(self) -> str:
        return self.graph.serialize(format="turtle")

    def _build_graph(self) -> Graph:
        g = Graph()
        g.bind("sh", SH)
        g.bind("ccdsh", SHAPES)
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        # A content hash names each blank node, so equal reports serialise to equal bytes.
        digest = hashlib.sha256(self.json(indent=None).encode()).hexdigest()[:16]
        report = BNode(f"report{digest}")
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(self.conforms)))
        for index, r in enumerate(self.results):
            node = BNode(f"r{digest}x{index:05d}")
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.focusNode, r.focus))
            g.add((node, SH.resultSeverity, r.severity))
            if r.path is not None:
                # Complex paths are blank nodes from another graph: rename them after this result.
                renamed = {
                    b: BNode(f"r{digest}x{index:05d}p{n}")
                    for n, b in enumerate(
                        dict.fromkeys(t for t in _flatten(r.path_triples, r.path) if isinstance(t, BNode))
                    )
                }
                g.add((node, SH.resultPath, renamed.get(r.path, r.path)))
                for s, p, o in r.path_triples:
                    g.add((renamed.get(s, s), p, renamed.get(o, o)))
            if r.value is not None:
                g.add((node, SH.value, r.value))
            if r.message_en:
                g.add((node, SH.resultMessage, Literal(r.message_en, lang="en")))
            if r.message_zh:
                g.add((node, SH.resultMessage, Literal(r.message_zh, lang="zh-Hans")))
            if r.shape_node is not None:
                g.add((node, SH.sourceShape, r.shape_node))
            if r.component is not None:
                g.add((node, SH.sourceConstraintComponent, r.component))
            if r.focus in self.labels:
                g.add((node, RDFS.comment, Literal(self.labels[r.focus])))
        return g

    # -- reading a stored report -----------------------------------------------------------------

    @classmethod
    def from_graph(cls, graph: Graph) -> Report:
        """Read a ``sh:ValidationReport`` (e.g. graph/release/build-report.ttl) back into a Report."""
        results = []
        labels: dict[Node, str] = {}
        for node in graph.subjects(RDF.type, SH.ValidationResult):
            focus = graph.value(node, SH.focusNode)
            messages = list(graph.objects(node, SH.resultMessage))
            path = graph.value(node, SH.resultPath)
            shape_node = graph.value(node, SH.sourceShape)
            comment = graph.value(node, RDFS.comment)
            if comment is not None and focus is not None:
                labels[focus] = str(comment)
            results.append(
                Result(
                    focus=focus,
                    severity=graph.value(node, SH.resultSeverity) or SH.Violation,
                    message_en=_pick(messages, "en"),
                    message_zh=_pick(messages, "zh"),
                    path=path,
                    path_label=path_text(path, graph),
                    value=graph.value(node, SH.value),
                    shape=curie(shape_node) if isinstance(shape_node, URIRef) else "",
                    shape_node=shape_node if isinstance(shape_node, URIRef) else None,
                    component=graph.value(node, SH.sourceConstraintComponent),
                    path_triples=tuple(path_triples(graph, path)),
                )
            )
        return cls(results, labels=labels)


def _pick(messages: list[Node], lang: str) -> str:
    """The message in ``lang`` (prefix match, so zh matches zh-Hans); untagged ones count as English."""
    for m in messages:
        tag = (getattr(m, "language", None) or "").lower()
        if tag.startswith(lang) or (lang == "en" and not tag):
            return str(m)
    return ""


def _flatten(triples: Iterable[tuple[Node, Node, Node]], first: Node) -> list[Node]:
    return [first] + [term for triple in triples for term in (triple[0], triple[2])]


def path_triples(graph: Graph, path: Node | None) -> list[tuple[Node, Node, Node]]:
    """The triples that spell out a complex (blank-node) property path."""
    out: list[tuple[Node, Node, Node]] = []
    todo = [path] if isinstance(path, BNode) else []
    seen: set[Node] = set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in graph.predicate_objects(node):
            out.append((node, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    return out

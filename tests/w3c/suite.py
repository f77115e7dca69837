"""The W3C SPARQL 1.1 test suite (vendored from w3c/rdf-tests, see README.md): its manifests as cases.

Each case keeps the test's IRI, type, files and what it needs; :func:`cases` lists every entry of
the manifests' ``mf:entries`` lists, in the manifests' order. Files are named by their IRI under
``http://www.w3.org/2009/sparql/docs/tests/data-sparql11/`` (the IRIs the suite was published at),
which is also the base IRI a query and its data are read with.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection

HERE = Path(__file__).parent
ROOT = HERE / "sparql11"
PUBLISHED = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")

# Evaluation (query language and result formats) and syntax: the manifests of SPARQL 1.1 Query
# and its results formats, and the update syntax tests (refused here, with the right status).
MANIFESTS = (
    "aggregates",
    "bind",
    "bindings",
    "cast",
    "construct",
    "exists",
    "functions",
    "grouping",
    "negation",
    "project-expression",
    "property-path",
    "subquery",
    "syntax-query",
    "csv-tsv-res",
    "json-res",
    "syntax-update-1",
    "syntax-update-2",
)

POSITIVE_SYNTAX = {MF.PositiveSyntaxTest11, MF.PositiveSyntaxTest}
NEGATIVE_SYNTAX = {MF.NegativeSyntaxTest11, MF.NegativeSyntaxTest}
POSITIVE_UPDATE = {MF.PositiveUpdateSyntaxTest11}
NEGATIVE_UPDATE = {MF.NegativeUpdateSyntaxTest11}
EVALUATION = {MF.QueryEvaluationTest, MF.CSVResultFormatTest}


@dataclass(frozen=True)
class Case:
    iri: str
    kind: str  # "syntax+", "syntax-", "update+", "update-", "eval"
    action: Path  # the query (or update) file
    data: tuple[Path, ...] = ()  # qt:data: the default graph
    graph_data: tuple[Path, ...] = ()  # qt:graphData: named graphs
    result: Path | None = None
    name: str = ""

    @property
    def id(self) -> str:
        """``dir/name`` as in the manifest, e.g. ``aggregates/agg01``."""
        rel = self.iri[len(PUBLISHED) :] if self.iri.startswith(PUBLISHED) else self.iri
        return rel.replace("manifest#", "")

    @property
    def base(self) -> str:
        """The IRI the suite publishes the query at: its base IRI."""
        return iri_of(self.action)


def iri_of(path: Path) -> str:
    return PUBLISHED + path.relative_to(ROOT).as_posix()


def _file(node: object) -> Path:
    text = str(node)
    if not text.startswith(PUBLISHED):
        raise ValueError(f"{text} is not a file of the vendored suite")
    return ROOT / text[len(PUBLISHED) :]


def _kind(types: set) -> str | None:
    if types & POSITIVE_SYNTAX:
        return "syntax+"
    if types & NEGATIVE_SYNTAX:
        return "syntax-"
    if types & POSITIVE_UPDATE:
        return "update+"
    if types & NEGATIVE_UPDATE:
        return "update-"
    if types & EVALUATION:
        return "eval"
    return None


def _manifest_cases(directory: str) -> list[Case]:
    path = ROOT / directory / "manifest.ttl"
    g = Graph().parse(path, format="turtle", publicID=iri_of(path))
    manifest = URIRef(iri_of(path))
    out = []
    for lst in g.objects(manifest, MF.entries):
        for test in Collection(g, lst):
            kind = _kind(set(g.objects(test, RDF.type)))
            if kind is None:
                continue
            action = g.value(test, MF.action)
            if kind == "eval":
                query = g.value(action, QT.query)
                data = tuple(sorted(_file(d) for d in g.objects(action, QT.data)))
                graph_data = tuple(sorted(_file(d) for d in g.objects(action, QT.graphData)))
                result = g.value(test, MF.result)
                case = Case(
                    str(test),
                    kind,
                    _file(query),
                    data,
                    graph_data,
                    _file(result) if result is not None else None,
                    str(g.value(test, MF.name) or ""),
                )
            else:
                case = Case(str(test), kind, _file(action), name=str(g.value(test, MF.name) or ""))
            out.append(case)
    return out


def cases() -> list[Case]:
    return [case for directory in MANIFESTS for case in _manifest_cases(directory)]

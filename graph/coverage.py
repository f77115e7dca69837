"""How much of the article's argument the claim layer covers, measured by the build.

A body sentence (a sentence passage of the abstract, the introduction or sections 一–四) is
*covered* when it is the evidence (``prov:wasDerivedFrom``) of a node of the claim layer: a claim,
a concept or an enumeration. The outline's points do not count: each driver and function derives
from its whole section, so they would cover everything and measure nothing. A sentence that is not
covered is either listed in claims.yaml's ``uncovered:`` with the reason it carries no claim, or
reported as ``unexplained``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Dataset, URIRef
from rdflib.namespace import PROV, RDF

from ccdkg.graph.parse import Article
from ccdkg.namespaces import CCD, GRAPH_STATED, ID

REPORT = "coverage.tsv"
LAYER = (CCD.Claim, CCD.Concept, CCD.Enumeration)


@dataclass(frozen=True)
class Row:
    passage: str  # the passage slug, e.g. s1-2-p1-1
    section: str
    status: str  # uncovered | unexplained
    reason: str
    text: str


@dataclass(frozen=True)
class Coverage:
    covered: int
    total: int
    rows: tuple[Row, ...]
    footnotes: int  # footnotes whose citation supports a claim
    footnotes_total: int
    has_claims: bool

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 0.0

    @property
    def unexplained(self) -> int:
        return sum(1 for r in self.rows if r.status == "unexplained")

    def line(self, report: str | None = None) -> str:
        """One line for the build's summary; ``report`` names the file the list was written to."""
        where = f" (list in {report})" if report else ""
        if not self.has_claims:
            return f"coverage: no claims.yaml (no claim layer): 0 of {self.total} body sentences{where}"
        return (
            f"coverage: {self.covered} of {self.total} body sentences ({self.percent:.1f} %) are evidence "
            f"of a claim, concept or list; {len(self.rows) - self.unexplained} uncovered with a reason, "
            f"{self.unexplained} unexplained; {self.footnotes} of {self.footnotes_total} footnotes reach "
            f"a claim{where}"
        )

    def report(self) -> bytes:
        lines = ["passage\tsection\tstatus\treason\ttext"]
        lines += [
            f"{r.passage}\t{r.section}\t{r.status}\t{r.reason}\t{' '.join(r.text.split())}" for r in self.rows
        ]
        return ("\n".join(lines) + "\n").encode("utf-8")


def measure(
    dataset: Dataset, article: Article, uncovered: dict[URIRef, tuple[str, str]], has_claims: bool
) -> Coverage:
    """The coverage of the article's body sentences by the dataset's claim layer."""
    stated = dataset.graph(GRAPH_STATED)
    layer = {s for cls in LAYER for s in stated.subjects(RDF.type, cls)}
    evidence = {p for node in layer for p in stated.objects(node, PROV.wasDerivedFrom)}
    rows, covered, total = [], 0, 0
    for para in article.paragraphs():
        for sentence in para.sentences:
            total += 1
            passage = ID[f"passage/{sentence.key}"]
            if passage in evidence:
                covered += 1
            elif passage in uncovered:
                rows.append(
                    Row(sentence.key, para.section, "uncovered", uncovered[passage][0], sentence.span.text)
                )
            else:
                rows.append(Row(sentence.key, para.section, "unexplained", "", sentence.span.text))
    reaching = {
        str(fn)
        for citation in stated.subjects(RDF.type, CCD.Citation)
        if any(True for _ in dataset.quads((citation, CCD.supportsClaim, None, None)))
        for fn in stated.objects(citation, CCD.citingFootnote)
    }
    return Coverage(covered, total, tuple(rows), len(reaching), len(article.footnotes), has_claims)

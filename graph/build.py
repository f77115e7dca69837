"""``ccdkg build``: parse → extract → (+ ontology) → witness → validate → write atomically.

Nothing is written unless the graph conforms to the shapes; the previous release then stays
byte-identical.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Dataset, URIRef
from rdflib.namespace import RDF

from ccdkg.errors import BuildError, SourceTextError
from ccdkg.graph.coverage import REPORT as COVERAGE_REPORT
from ccdkg.graph.coverage import Coverage, measure
from ccdkg.graph.curation import load_curation
from ccdkg.graph.extract import run
from ccdkg.graph.parse import parse_article
from ccdkg.graph.release import RELEASE_DIR, write_one, write_release
from ccdkg.namespaces import CCD, GRAPH_ONTOLOGY, PREFIXES

SOURCES_DIR = Path(__file__).resolve().parent / "sources"
ARTICLE_FILE = SOURCES_DIR / "001_7f0eaf4949258080.txt"
WEB_COPY_FILE = SOURCES_DIR / "000_83f388a3a6206e82.txt"
# Point the build at another copy of the article (tests, forks of the text).
ARTICLE_ENV = "CCDKG_ARTICLE"
Validator = Callable[..., Any]


@dataclass
class BuildResult:
    dataset: Dataset
    written: list[Path]
    triples: int
    per_class: dict[str, int]
    passages: int
    witness: object | None = None
    conforms: bool = True
    report_text: str = ""
    notes: list[str] = field(default_factory=list)
    coverage: Coverage | None = None
    witness_report: Path | None = None

    def summary(self) -> str:
        lines = [f"ccdkg build: {self.triples} triples, {self.passages} passages"]
        lines.append("individuals per class:")
        for name, n in sorted(self.per_class.items()):
            lines.append(f"  {name:<28} {n:>5}")
        if self.witness is not None:
            # one line here; every differing passage is in the report file beside the release
            line = self.witness.summary(show=0).splitlines()[0]
            if self.witness_report is not None:
                line += f"; details in {self.witness_report}"
            lines.append(line)
        lines.extend(self.notes)
        if self.coverage is not None:
            report = [str(p) for p in self.written if p.name == COVERAGE_REPORT]
            lines.append(self.coverage.line(report[0] if report else None))
        if self.written:
            where = sorted({str(p.parent) for p in self.written})
            lines.append(f"wrote {len(self.written)} file(s) to {', '.join(where)}")
        return "\n".join(lines)


def read_article(path: Path) -> str:
    """The article text; a missing or undecodable file is a one-line SourceTextError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as err:
        raise SourceTextError(f"the article text {path} does not exist") from err
    except OSError as err:
        raise SourceTextError(f"cannot read the article text {path}: {err.strerror}") from err
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SourceTextError(f"the article text {path} is not valid UTF-8 (byte {err.start})") from err


def _curie(node: URIRef) -> str:
    s = str(node)
    for prefix, ns in PREFIXES.items():
        if s.startswith(ns) and prefix in ("ccd", "fabio", "oa"):
            return f"{prefix}:{s[len(ns) :]}"
    return s


def count_classes(dataset: Dataset) -> dict[str, int]:
    """Individuals (subjects under id:) per rdf:type, over the data graphs."""
    counts: Counter[str] = Counter()
    seen = set()
    for s, _, o, g in dataset.quads((None, RDF.type, None, None)):
        if g == GRAPH_ONTOLOGY or not str(s).startswith(PREFIXES["id"]):
            continue
        if (s, o) in seen:
            continue
        seen.add((s, o))
        counts[_curie(o)] += 1
    return dict(counts)


def build(
    out_dir: Path | str | None = None,
    output: Path | str | None = None,
    *,
    source: Path | str | None = None,
    web_copy: Path | str | None = None,
    validator: Validator | None = None,
    claims: Path | str | None = None,
) -> BuildResult:
    """Build the graph from the shipped article and write the release (or just ``output``).

    ``source``/``web_copy`` read other copies of the texts; ``validator`` replaces
    ``ccdkg.validation.validate`` (same signature, returns a Report); ``claims`` reads the claim
    layer from another file than graph/curation/claims.yaml.
    """
    article_path = Path(source or os.environ.get(ARTICLE_ENV) or ARTICLE_FILE)
    text = read_article(article_path)
    article = parse_article(text)
    curation = load_curation(claims=claims)
    ctx = run(article, curation)
    dataset = ctx.ds
    coverage = measure(dataset, article, ctx.uncovered, curation.claims is not None)
    witness = None
    witness_path = Path(web_copy) if web_copy else WEB_COPY_FILE
    try:
        from ccdkg.graph.witness import attest
    except ImportError:  # pragma: no cover - the witness stage is optional while it is written
        attest = None
    if attest is not None:
        witness = attest(dataset, article, read_article(witness_path))
    data_triples = len(dataset)
    try:
        from ccdkg.ontology import load_ontology
    except ImportError:  # pragma: no cover - the ontology package always ships with ccdkg
        load_ontology = None
    if load_ontology is not None:
        try:
            onto = load_ontology()
        except (OSError, SyntaxError, ValueError) as err:
            raise BuildError(f"cannot load the ontology: {err}") from err
        g = dataset.graph(GRAPH_ONTOLOGY)
        g += onto
    report_turtle, report_text, conforms = _validate(dataset, text, validator)
    if not conforms:
        first = report_text.strip().splitlines()[0] if report_text.strip() else "see ccdkg validate"
        raise BuildError(f"the extracted graph does not conform to the shapes; nothing written ({first})")
    written: list[Path] = []
    if output is not None:
        written.append(write_one(dataset, output))
    else:
        written = write_release(
            dataset,
            out_dir or RELEASE_DIR,
            report_turtle,
            {COVERAGE_REPORT: coverage.report()},
            text.encode("utf-8"),
        )
    # -o FILE writes that one file; a release build keeps the witness details beside the release
    witness_report = (
        None
        if output is not None
        else _write_witness_report(witness, Path(out_dir or RELEASE_DIR).parent / "build")
    )
    return BuildResult(
        dataset,
        written,
        len(dataset),
        count_classes(dataset),
        len({s for s, _, _, _ in dataset.quads((None, RDF.type, CCD.Passage, None))}),
        witness,
        conforms,
        report_text,
        [f"data graphs: {data_triples} triples (ontology graph: {len(dataset) - data_triples})"],
        coverage,
        witness_report=witness_report,
    )


def _write_witness_report(witness: object | None, folder: Path) -> Path | None:
    """Every passage the web copy words differently, for whoever wants the detail (not a release file)."""
    if witness is None:
        return None
    path = folder / "witness-report.txt"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(witness.summary(show=10**6) + "\n", encoding="utf-8")  # type: ignore[attr-defined]
    except OSError:
        return None  # an installed, read-only package: the one-line figure still prints
    return path


def _validate(dataset: Dataset, text: str, validator: Validator | None) -> tuple[str, str, bool]:
    if validator is None:
        from ccdkg.validation import validate as validator
    report = validator(dataset, text=text)
    return report.turtle(), report.text(), report.conforms

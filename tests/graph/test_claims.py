"""The claim layer: claims.yaml read strictly (CLAIMS-FORMAT.md), every span verbatim in its section,
the layer's nodes and relations, the statement records, the coverage the build measures."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from ccdkg.errors import BuildError
from ccdkg.graph import build, load_curation
from ccdkg.graph.claims import load_claims
from ccdkg.graph.curation import CURATION_DIR
from ccdkg.graph.extract import extract, run
from ccdkg.graph.extract.statements import STRUCTURAL
from ccdkg.graph.parse import Article
from ccdkg.namespaces import CCD, CITO, GRAPH_INTERPRETED, GRAPH_STATED, ID, statement_iri

FIXTURE = Path(__file__).parent / "fixtures" / "claims.yaml"
SHIPPED = CURATION_DIR / "claims.yaml"


@pytest.fixture(scope="module")
def layer(article: Article) -> Dataset:
    return extract(article, load_curation(claims=FIXTURE))


def quads(ds: Dataset, s=None, p=None, o=None, g=None) -> list[tuple]:
    return list(ds.quads((s, p, o, g)))


def objects(ds: Dataset, s: URIRef, p: URIRef, graph: URIRef | None = None) -> set:
    return {o for _, _, o, _ in ds.quads((s, p, None, graph))}


# --- the loader ----------------------------------------------------------------------------------


def test_the_fixture_uses_every_key_of_the_format() -> None:
    from ccdkg.graph.claims import SCHEMA

    file = load_claims(FIXTURE)
    for section, (keys, _) in SCHEMA.items():
        used = {k for e in file[section] for k in e.data}
        assert used == set(keys), (section, set(keys) - used)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = FIXTURE.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "claims.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


LOAD_ERRORS = [
    (
        "    supports: [driver/state-will]\n",
        "    suports: [driver/state-will]\n",
        r"claims.yaml:4: claims\[0\] \(state-will-supports-clusters\): unknown key 'suports'",
    ),
    (
        "    kind: precedent\n",
        "    kind: anecdote\n",
        r"claims\[3\] \(hansa-precedent\): kind must be one of",
    ),
    (
        "    intent: citesAsAuthority\n",
        "    intent: citesAsGospel\n",
        r"citations\[0\] \(fn01\): intent must be one of a CiTO",
    ),
    ("    reason: transition\n", "    reason: boring\n", r"uncovered\[1\]"),
    ("  - slug: state-will-first\n", "  - slug: State_Will\n", r"slug must be a slug"),
    (
        "  - slug: state-will-second\n",
        "  - slug: state-will-first\n",
        r"claim/state-will-first is declared twice",
    ),
    ("lists:\n", "lsts:\n", r"unknown section 'lsts'"),
]


@pytest.mark.parametrize(("old", "new", "message"), LOAD_ERRORS)
def test_a_malformed_entry_is_one_line_naming_file_line_and_entry(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(BuildError, match=message) as err:
        load_claims(_broken(tmp_path, old, new))
    assert "\n" not in str(err.value)
    assert str(err.value).startswith(str(tmp_path / "claims.yaml")) or "claims.yaml:" in str(err.value)


EXTRACT_ERRORS = [
    (
        "about: [driver/state-will]\n    supports",
        "about: [driver/state-wil]\n    supports",
        r"unknown reference driver/state-wil",
    ),
    (
        "elaborates: [claim/state-will-supports-clusters]\n  - slug: state-will-second",
        "elaborates: [claim/nope]\n  - slug: state-will-second",
        r"unknown reference claim/nope",
    ),
    (
        "text: 其一，持续发挥中心城市",
        "text: 其一,持续发挥中心城市",
        r"does not occur verbatim in section s1-2",
    ),
    (
        "    text: 而城市群是由经济联系生成的区域形态\n",
        "    text: 城市群外交\n",
        r"occurs \d+ times in section s3-2: lengthen it",
    ),
    (
        "    section: s2-2\n    text: 以欧洲西北部",
        "    section: s9\n    text: 以欧洲西北部",
        r"unknown section 's9'",
    ),
    (
        "    works: [work/chen-zhao-2017]\n",
        "    works: [work/yang-dong-2017]\n",
        r"fn01 does not cite work/yang-dong-2017",
    ),
    ('    pinpoint: "73"\n', '    pinpoint: "74"\n', r"pinpoint '74' is not in the footnote"),
    (
        '    period: "13 世纪"\n',
        '    period: "14 世纪"\n',
        r"period '14 世纪' does not occur verbatim in section intro",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), EXTRACT_ERRORS)
def test_a_span_or_reference_that_does_not_hold_is_a_build_error(
    article: Article, tmp_path: Path, old: str, new: str, message: str
) -> None:
    curation = load_curation(claims=_broken(tmp_path, old, new))
    with pytest.raises(BuildError, match=message) as err:
        extract(article, curation)
    assert "claims.yaml:" in str(err.value) and "\n" not in str(err.value)


def test_without_a_claims_file_the_build_emits_no_claims(article: Article, tmp_path: Path) -> None:
    ds = extract(article, load_curation(claims=tmp_path / "absent.yaml"))
    assert quads(ds, None, RDF.type, CCD.Claim) == []
    assert quads(ds, None, RDF.type, CCD.Citation) != []  # citations come from works.yaml


# --- what the fixture gives ------------------------------------------------------------------------

FIXTURE_COUNTS = {
    CCD.Claim: 15,
    CCD.Example: 1,
    CCD.Precedent: 2,
    CCD.DefinitionClaim: 1,
    CCD.QuantitativeClaim: 1,
    CCD.Answer: 1,
    CCD.Rebuttal: 1,
    CCD.Contrast: 1,
    CCD.Background: 1,
    CCD.Concept: 2,
    CCD.Enumeration: 1,
    CCD.ListItem: 2,
    CCD.UnnamedScholars: 1,
    CCD.Citation: 18,
    CCD.Grant: 3,
    CCD.Authorship: 23,
}


@pytest.mark.parametrize(("cls", "n"), FIXTURE_COUNTS.items(), ids=lambda x: str(x).rsplit("#")[-1])
def test_counts_per_class_with_the_fixture(layer: Dataset, cls: URIRef, n: int) -> None:
    assert len({s for s, _, _, _ in quads(layer, None, RDF.type, cls, GRAPH_STATED)}) == n


def test_a_claim_is_labelled_with_its_words_and_derived_from_the_sentence(layer: Dataset) -> None:
    claim = ID["claim/state-will-first"]
    label = objects(layer, claim, RDFS.label, GRAPH_STATED)
    assert label == {
        Literal("其一，持续发挥中心城市聚集大型跨国公司、金融机构、国际组织与国际移民的能力", lang="zh-Hans")
    }
    assert objects(layer, claim, PROV.wasDerivedFrom) == {ID["passage/s1-2-p2-4"]}
    assert objects(layer, claim, CCD.elaborates) == {ID["claim/state-will-supports-clusters"]}
    assert objects(layer, claim, CCD.attributedTo) == {ID["person/han-xiao"]}
    assert objects(layer, claim, CCD.authorStance) == {CCD.Endorsed}


def test_lists_are_ordered_items_not_rdf_lists(layer: Dataset) -> None:
    ways = ID["list/state-will-ways"]
    items = objects(layer, ways, CCD.hasItem)
    order = {
        next(iter(objects(layer, i, CCD.order))).toPython(): next(iter(objects(layer, i, CCD.itemContent)))
        for i in items
    }
    assert order == {1: ID["claim/state-will-first"], 2: ID["claim/state-will-second"]}
    assert quads(layer, None, RDF.first, None) == []


def test_precedent_period_stated_century_interpreted(layer: Dataset) -> None:
    hansa = ID["claim/hansa-precedent"]
    assert objects(layer, hansa, CCD.period, GRAPH_STATED) == {Literal("13 世纪")}
    assert {o.toPython() for o in objects(layer, hansa, CCD.century, GRAPH_INTERPRETED)} == {13}
    assert objects(layer, hansa, CCD.century, GRAPH_STATED) == set()
    assert ID["organisation/hanseatic-league"] in objects(layer, hansa, CCD.hasParticipant)
    assert {ID["city/luebeck"], ID["region/baltic-sea"]} <= objects(layer, hansa, CCD.involves)
    # interpreted: true puts the claim's relations in the interpreted graph
    rhine = ID["claim/rhine-swabia-precedent"]
    assert objects(layer, rhine, CCD.hasParticipant, GRAPH_INTERPRETED) == {
        ID["organisation/rhine-swabian-leagues"]
    }
    assert objects(layer, rhine, CCD.hasParticipant, GRAPH_STATED) == set()


def test_quantity_text_stated_reading_interpreted(layer: Dataset) -> None:
    q = ID["claim/clusters-half-of-gdp"]
    assert objects(layer, q, CCD.quantityText, GRAPH_STATED) == {Literal("一半以上")}
    assert {str(o) for o in objects(layer, q, CCD.quantityValue, GRAPH_INTERPRETED)} == {"0.5"}
    assert objects(layer, q, CCD.comparator, GRAPH_INTERPRETED) == {Literal(">")}


def test_attribution_to_unnamed_scholars_and_to_a_work(layer: Dataset) -> None:
    (who,) = objects(layer, ID["claim/scholars-growth-pole"], CCD.attributedTo)
    assert (who, RDF.type, CCD.UnnamedScholars, GRAPH_STATED) in layer
    assert objects(layer, ID["claim/scholars-growth-pole"], CCD.authorStance) == {CCD.Reported}
    assert objects(layer, ID["claim/scholars-used-the-term"], CCD.attributedTo) == {ID["work/yang-dong-2017"]}


def test_concepts_with_verbatim_definitions_and_broader(layer: Dataset) -> None:
    c = ID["concept/city-cluster-diplomacy"]
    assert (c, RDF.type, SKOS.Concept, GRAPH_STATED) in layer
    (definition,) = objects(layer, c, SKOS.definition)
    assert definition.language == "zh-Hans" and str(definition).startswith("城市群外交是空间集聚的城市群落")
    assert objects(layer, c, SKOS.broader) == {ID["concept/sub-state-diplomacy"]}


def test_citation_intent_interpreted_pinpoint_on_the_citation(layer: Dataset) -> None:
    c = ID["citation/fn01-chen-zhao-2017"]
    assert objects(layer, c, CCD.citationIntent, GRAPH_INTERPRETED) == {CITO.citesAsAuthority}
    assert objects(layer, c, CCD.pinpoint) == {Literal("73")}
    assert objects(layer, c, CCD.citedWork) == {ID["work/chen-zhao-2017"]}
    assert objects(layer, c, CCD.citingFootnote) == {ID["footnote/fn01"]}
    # the claim is in the sentence the marker follows: stated
    assert objects(layer, c, CCD.supportsClaim, GRAPH_STATED) == {ID["claim/scholars-growth-pole"]}


def test_entities_the_file_declares(layer: Dataset) -> None:
    league = ID["organisation/rhine-swabian-leagues"]
    assert (league, RDF.type, CCD.CityLeague, GRAPH_STATED) in layer
    assert objects(layer, league, CCD.partOfRegion) == {ID["region/rhine-basin"], ID["region/swabia"]}
    grant = ID["grant/cupl-start-up"]
    assert objects(layer, grant, CCD.funder) == {ID["organisation/cupl"]}


# --- statement records -------------------------------------------------------------------------------


def test_every_stated_relation_has_a_statement_record_with_evidence(layer: Dataset) -> None:
    stated = layer.graph(GRAPH_STATED)
    spans = set(stated.subjects(RDF.type, CCD.Passage)) | set(stated.subjects(RDF.type, CCD.Footnote))
    records = set(stated.subjects(RDF.type, CCD.StatementRecord))
    relations = [
        (s, p, o)
        for s, p, o in stated
        if isinstance(o, URIRef)
        and p not in STRUCTURAL
        and s not in records
        and str(s).startswith(str(ID))
        and str(o).startswith(str(ID))
    ]
    assert len(relations) > 400
    for s, p, o in relations:
        line = f"<{s}> <{p}> <{o}> ."
        node = URIRef(f"{ID}statement/{hashlib.sha256(line.encode()).hexdigest()[:16]}")
        assert str(node) == statement_iri(s, p, o)
        assert (node, RDF.type, RDF.Statement) in stated
        assert (node, RDF.subject, s) in stated and (node, RDF.predicate, p) in stated, (s, p, o)
        assert (node, RDF.object, o) in stated
        evidence = set(stated.objects(node, PROV.wasDerivedFrom))
        assert evidence and evidence <= spans, (s, p, o)
    assert len(records) == len(set(relations))


def test_a_relation_records_the_passage_that_states_it(layer: Dataset) -> None:
    s, p, o = ID["cluster/yangtze-river-delta"], CCD.hasMemberCity, ID["city/shanghai"]
    record = URIRef(statement_iri(s, p, o))
    assert objects(layer, record, PROV.wasDerivedFrom) == {
        ID["passage/s2-table1-r7-city1"],
        ID["passage/s2-table1-r7-cluster"],
    }


# --- coverage ------------------------------------------------------------------------------------------


def test_coverage_with_the_fixture(article: Article) -> None:
    from ccdkg.graph.coverage import measure

    ctx = run(article, load_curation(claims=FIXTURE))
    cov = measure(ctx.ds, article, ctx.uncovered, True)
    assert cov.total == len(article.sentences()) == 177
    assert cov.covered == 16
    assert {r.passage: r.reason for r in cov.rows if r.status == "uncovered"} == {
        "s1-2-p2-1": "transition",
        "s1-2-p2-3": "repetition",
    }
    assert cov.unexplained == 177 - 16 - 2
    assert cov.footnotes == 4
    assert "16 of 177 body sentences (9.0 %)" in cov.line()


def test_build_prints_the_coverage_and_writes_the_list(tmp_path: Path) -> None:
    result = build(out_dir=tmp_path, claims=FIXTURE)
    summary = result.summary()
    assert "coverage: 16 of 177 body sentences (9.0 %)" in summary
    rows = (tmp_path / "coverage.tsv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "passage\tsection\tstatus\treason\ttext"
    assert (
        "s1-2-p2-1\ts1-2\tuncovered\ttransition\t以城市群建设引领城市化浪潮是世界范围内发达国家的普遍选择。"
        in rows
    )
    assert len(rows) == 1 + 177 - 16


@pytest.mark.skipif(
    not SHIPPED.exists(), reason="graph/curation/claims.yaml (from the curation branch) not merged yet"
)
def test_the_shipped_claim_layer_covers_95_percent_and_every_footnote(article: Article) -> None:
    from ccdkg.graph.coverage import measure

    ctx = run(article, load_curation())
    cov = measure(ctx.ds, article, ctx.uncovered, True)
    assert cov.percent >= 95.0, cov.line()
    assert cov.unexplained == 0, [r.passage for r in cov.rows if r.status == "unexplained"]
    assert cov.footnotes == cov.footnotes_total == 12, cov.line()


def test_the_claim_layer_is_queryable_natively(layer: Dataset) -> None:
    store = ox.Store()
    store.load(layer.serialize(format="nquads").encode(), format=ox.RdfFormat.N_QUADS)
    rows = list(
        store.query(
            """PREFIX ccd: <https://w3id.org/ccdkg/ontology#>
            SELECT ?period WHERE { ?c a ccd:Precedent ; ccd:period ?period } ORDER BY ?period""",
            use_default_graph_as_union=True,
        )
    )
    assert [r[0].value for r in rows] == ["13 世纪", "在这之前"]


# --- shapes ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validated(layer: Dataset, article_text: str):
    from ccdkg.ontology import load_ontology
    from ccdkg.validation import validate

    def run_with(change) -> set[tuple[str, str]]:
        ds = Dataset()
        for q in layer.quads((None, None, None, None)):
            ds.add(q)
        change(ds.graph(GRAPH_STATED))
        ds.graph(URIRef(str(ID) + "graph/ontology")).__iadd__(load_ontology())
        report = validate(ds, text=article_text)
        return {(str(r.focus), str(r.shape)) for r in report.results if str(r.severity).endswith("Violation")}

    return run_with


SHAPE_CASES = {
    "ClaimAttributionShape": lambda g: g.remove((ID["claim/state-will-first"], CCD.attributedTo, None)),
    "CitationShape": lambda g: g.add(
        (ID["citation/fn01-chen-zhao-2017"], CCD.citationIntent, ID["city/shanghai"])
    ),
    "ListItemShape": lambda g: g.remove((ID["list-item/state-will-ways-1"], CCD.order, None)),
    "PrecedentShape": lambda g: g.set(
        (ID["claim/hansa-precedent"], CCD.period, Literal("13 世纪", lang="zh-Hans"))
    ),
    "StatementRecordShape": lambda g: g.remove(
        (
            URIRef(statement_iri(ID["claim/state-will-first"], CCD.attributedTo, ID["person/han-xiao"])),
            PROV.wasDerivedFrom,
            None,
        )
    ),
}


@pytest.mark.parametrize("shape", SHAPE_CASES)
def test_the_claim_layer_shapes_catch_a_broken_node(validated, shape: str) -> None:
    assert validated(lambda g: None) == set()
    found = validated(SHAPE_CASES[shape])
    assert any(shape in s for _, s in found), found


def test_a_record_names_the_claim_that_states_its_relation(layer: Dataset) -> None:
    s, p, o = ID["organisation/hanseatic-league"], CCD.coreCity, ID["city/luebeck"]
    record = URIRef(statement_iri(s, p, o))
    assert objects(layer, record, CCD.supportsClaim) == {ID["claim/hansa-precedent"]}
    # the claim layer's own relations are their claim's already
    own = URIRef(statement_iri(ID["claim/hansa-precedent"], CCD.involves, ID["city/luebeck"]))
    assert objects(layer, own, CCD.supportsClaim) == set()

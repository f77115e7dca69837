"""The release's FAIR packaging, checked by each format's reference tool: SSSOM (sssom), CSVW (csvw),
RO-Crate (rocrate), DCAT (parsed as RDF); and the tables and mappings agree with the graph."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

import ccdkg
from ccdkg.graph.release import RELEASE_DIR

SSSOM = RELEASE_DIR / "ccdkg.sssom.tsv"
TABLES = RELEASE_DIR / "tables"


def _count(store: ox.Store, where: str) -> int:
    q = f"PREFIX ccd: <https://w3id.org/ccdkg/ontology#> SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"
    return int(next(iter(store.query(q, use_default_graph_as_union=True)))["n"].value)


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return ccdkg.load()


def _rows(path: Path) -> list[dict[str, str]]:
    body = "".join(
        line for line in path.read_text(encoding="utf-8").splitlines(True) if not line.startswith("#")
    )
    return list(csv.DictReader(body.splitlines(), delimiter="\t"))


# sssom (through linkml) changes rdflib's global literal handling when imported: it runs in a child
# process, so the rest of the suite sees the rdflib every user has.
SSSOM_CHECK = """
import sys
from sssom.constants import SchemaValidationType
from sssom.parsers import parse_sssom_table
from sssom.validators import validate

msdf = parse_sssom_table(sys.argv[1])
kinds = [SchemaValidationType.JsonSchema, SchemaValidationType.PrefixMapCompleteness,
         SchemaValidationType.StrictCurieFormat]
validate(msdf, kinds, fail_on_error=True)
print(len(msdf.df))
"""


def test_sssom_validates_and_keeps_every_link(store: ox.Store) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SSSOM_CHECK, str(SSSOM)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    parsed = int(done.stdout.strip().splitlines()[-1])
    links = _count(
        store,
        "VALUES ?p { <http://www.w3.org/2002/07/owl#sameAs> <http://www.w3.org/2004/02/skos/core#exactMatch>"
        " <http://www.w3.org/2000/01/rdf-schema#seeAlso> }"
        " GRAPH <https://w3id.org/ccdkg/id/graph/links> { ?s ?p ?o }",
    )
    # sssom drops a row it cannot read (a non-ASCII CURIE, say) with only a log line: none may be lost
    assert parsed == links == len(_rows(SSSOM))


def test_sssom_identity_links_only_from_verified_rows() -> None:
    rows = _rows(SSSOM)
    by_predicate: dict[str, set[str]] = {}
    for row in rows:
        by_predicate.setdefault(row["predicate_id"], set()).add(row["mapping_justification"])
        assert 0 < float(row["confidence"]) <= 1
        if row["predicate_id"] in ("owl:sameAs", "skos:exactMatch"):
            assert "verified=yes" in row["comment"]
            assert row["mapping_justification"] == "semapv:ManualMappingCuration"
        else:
            assert row["predicate_id"] == "rdfs:seeAlso" and float(row["confidence"]) < 0.9
    assert set(by_predicate) == {"owl:sameAs", "skos:exactMatch", "rdfs:seeAlso"}


def test_unverified_reference_rows_are_never_identity_links() -> None:
    from ccdkg.graph.curation import load_curation

    unverified = {e.wikidata for e in load_curation().entities.values() if e.wikidata and not e.verified}
    identity = {
        r["object_id"].removeprefix("wikidata:") for r in _rows(SSSOM) if r["predicate_id"] == "owl:sameAs"
    }
    assert identity and not identity & unverified


def test_csvw_tables_validate_with_their_keys() -> None:
    import csvw

    group = csvw.TableGroup.from_file(TABLES / "tables.csv-metadata.json")
    counts = {t.url.string: sum(1 for _ in t.iterdicts(strict=True)) for t in group.tables}
    assert group.check_referential_integrity()
    assert set(counts) == {p.name for p in TABLES.glob("*.csv")}
    assert all(n > 0 for n in counts.values()), counts


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ("clusters.csv", "?x a ccd:CityCluster"),
        ("cities.csv", "?x a ccd:City"),
        ("cluster-members.csv", "?x ccd:hasMemberCity ?y"),
        ("works.csv", "?x a ccd:CitedWork"),
        ("passages.csv", "?x a ccd:Passage"),
    ],
)
def test_tables_have_one_row_per_thing(store: ox.Store, table: str, where: str) -> None:
    with (TABLES / table).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == _count(store, where)


def test_table_values_come_from_the_graph(store: ox.Store) -> None:
    with (TABLES / "clusters.csv").open(encoding="utf-8", newline="") as fh:
        rows = {r["cluster"]: r for r in csv.DictReader(fh)}
    yrd = rows["https://w3id.org/ccdkg/id/cluster/yangtze-river-delta"]
    assert yrd["label_zh_hans"] == "长三角城市群" and yrd["member_cities"] == "5"


def test_ro_crate_reads_and_every_checksum_holds() -> None:
    from rocrate.rocrate import ROCrate

    crate = ROCrate(RELEASE_DIR)
    root = crate.root_dataset
    for key in ("name", "description", "datePublished", "license"):  # RO-Crate 1.1 MUSTs
        assert root[key], key
    assert root["version"] == ccdkg.__version__
    doc = json.loads((RELEASE_DIR / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    files = [e for e in doc["@graph"] if e.get("@type") == "File"]
    on_disk = {p.relative_to(RELEASE_DIR).as_posix() for p in RELEASE_DIR.rglob("*") if p.is_file()}
    assert {e["@id"] for e in files} == on_disk - {"ro-crate-metadata.json", "SHA256SUMS"}
    for entity in files:
        data = (RELEASE_DIR / entity["@id"]).read_bytes()
        assert entity["sha256"] == hashlib.sha256(data).hexdigest(), entity["@id"]
        assert entity["contentSize"] == str(len(data))
    assert any(e["@id"].startswith("https://doi.org/10.13851/") for e in doc["@graph"])


def test_dcat_describes_every_dump() -> None:
    g = ox.Store()
    g.load(path=str(RELEASE_DIR / "dcat.ttl"), format=ox.RdfFormat.TURTLE)
    q = (
        "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX spdx: <http://spdx.org/rdf/terms#> "
        "SELECT ?url ?sum WHERE { ?d a dcat:Dataset ; dcat:distribution ?x . "
        "?x dcat:downloadURL ?url ; spdx:checksum/spdx:checksumValue ?sum }"
    )
    sums = {r["url"].value.rsplit("/downloads/", 1)[1]: r["sum"].value for r in g.query(q)}
    for name in ("ccdkg.trig", "ccdkg.nq", "ccdkg.sssom.tsv", "tables/clusters.csv"):
        assert sums[name] == hashlib.sha256((RELEASE_DIR / name).read_bytes()).hexdigest()


def test_python_api_loads_the_release_and_queries_it(tmp_path: Path) -> None:
    store = ccdkg.load()
    assert _count(store, "?c a ccd:CityCluster") == 7
    rows = ccdkg.query(
        "PREFIX ccd: <https://w3id.org/ccdkg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?label WHERE { <https://w3id.org/ccdkg/id/cluster/yangtze-river-delta> rdfs:label ?label "
        'FILTER(langMatches(lang(?label), "zh-Hans")) }'
    )
    assert rows == [{"label": "长三角城市群"}]
    assert ccdkg.query("ASK { ?s ?p ?o }") is True
    bad = tmp_path / "bad.trig"
    bad.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(ccdkg.errors.CcdkgError, match="bad.trig"):
        ccdkg.load(bad)
    with pytest.raises(ccdkg.errors.CcdkgError, match="does not parse"):
        ccdkg.query("SELECT WHERE {")


# ---- nanopublications ------------------------------------------------------------------------------

NP_FIXTURE = """
@prefix ccd: <https://w3id.org/ccdkg/ontology#> . @prefix id: <https://w3id.org/ccdkg/id/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
id:graph\\/stated {
  id:cluster\\/a ccd:hasMemberCity id:city\\/b .
  id:statement\\/0123456789abcdef a rdf:Statement, ccd:StatementRecord ; rdf:subject id:cluster\\/a ;
     rdf:predicate ccd:hasMemberCity ; rdf:object id:city\\/b ; prov:wasDerivedFrom id:passage\\/p1 .
  id:claim\\/c1 a ccd:Claim ; rdfs:label "城市群是外交行为体"@zh-Hans ; prov:wasDerivedFrom id:passage\\/p1 .
  id:passage\\/p1 oa:exact "城市群是外交行为体" ; oa:start "0"^^xsd:nonNegativeInteger ;
     oa:end "9"^^xsd:nonNegativeInteger ; oa:suffix "。" .
}
"""


def _np_store() -> ox.Store:
    store = ox.Store()
    store.load(NP_FIXTURE.encode("utf-8"), format=ox.RdfFormat.TRIG)
    return store


def _bundle(data: bytes) -> dict[str, list[tuple]]:
    from ccdkg.graph.exports.nanopubs import read_bundle

    return read_bundle(data)


def test_every_claim_level_statement_is_a_nanopub_whose_trusty_uri_reproduces() -> None:
    from ccdkg.graph.exports.nanopubs import render_nanopubs, verify

    files = render_nanopubs(_np_store(), "城市群是外交行为体。".encode())
    bundle = _bundle(files["nanopubs.trig"])
    index = list(csv.DictReader(files["nanopubs.tsv"].decode().splitlines(), delimiter="\t"))
    assert {r["introduces"] for r in index} == {
        "https://w3id.org/ccdkg/id/statement/0123456789abcdef",
        "https://w3id.org/ccdkg/id/claim/c1",
    }
    assert set(bundle) == {r["nanopub"] for r in index}
    for iri, quads in bundle.items():
        assert iri.startswith("https://w3id.org/ccdkg/np/RA") and len(iri.rsplit("/", 1)[1]) == 45
        assert verify(iri, quads), iri
    # the same input, the same URIs (a second render)
    assert render_nanopubs(_np_store(), "城市群是外交行为体。".encode()) == files


def test_a_changed_statement_no_longer_matches_its_trusty_uri() -> None:
    from rdflib import Literal, URIRef

    from ccdkg.graph.exports.nanopubs import render_nanopubs, verify

    bundle = _bundle(render_nanopubs(_np_store(), "城市群是外交行为体。".encode())["nanopubs.trig"])
    for iri, quads in bundle.items():
        assertion = URIRef(iri + "#assertion")
        changed = [
            (
                g,
                s,
                p,
                Literal("城市群不是外交行为体", lang="zh-hans")
                if isinstance(o, Literal)
                else URIRef(str(o) + "x"),
            )
            if g == assertion
            else (g, s, p, o)
            for g, s, p, o in quads
        ]
        assert changed != quads
        assert not verify(iri, changed), iri


def test_provenance_quotes_the_hashed_article_text() -> None:
    from ccdkg.graph.exports.nanopubs import render_nanopubs, text_iri

    text = "城市群是外交行为体。".encode()
    trig = render_nanopubs(_np_store(), text)["nanopubs.trig"].decode()
    assert str(text_iri(text)) in trig
    assert "TextQuoteSelector" in trig and "TextPositionSelector" in trig


def test_the_release_bundle_reproduces(store: ox.Store) -> None:
    """Every nanopub shipped in the release still hashes to its URI, one per evidenced statement."""
    from ccdkg.graph.exports.nanopubs import verify

    bundle = _bundle((RELEASE_DIR / "nanopubs.trig").read_bytes())
    evidenced = _count(
        store,
        "{ ?x a ccd:StatementRecord } UNION { ?x a ccd:Claim } "
        "FILTER EXISTS { ?x <http://www.w3.org/ns/prov#wasDerivedFrom> ?e }",
    )
    assert len(bundle) == evidenced
    assert all(verify(iri, quads) for iri, quads in bundle.items())

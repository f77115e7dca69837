"""The errors issue 14 found in the 0.1.0 graph, each pinned by a test that failed on 0.1.0."""

from __future__ import annotations

from rdflib import Dataset, Literal
from rdflib.namespace import PROV, RDF, RDFS

from ccdkg.graph import extract, load_curation
from ccdkg.graph.build import WEB_COPY_FILE
from ccdkg.graph.parse import Article
from ccdkg.graph.witness import attest, repair
from ccdkg.namespaces import CCD, GRAPH_STATED, ID, PRISM


def objects(ds: Dataset, s, p) -> set:
    return {o for _, _, o, _ in ds.quads((s, p, None, None))}


def test_the_four_links_that_are_not_examples_have_their_own_relations(dataset: Dataset) -> None:
    ex = {(s, o) for s, _, o, _ in dataset.quads((None, CCD.exemplifiedBy, None, None))}
    rec = ID["recommendation/major-country-diplomacy-layout"]
    framework = ID["policy/major-country-diplomacy-with-chinese-characteristics"]
    assert (rec, framework) not in ex
    assert objects(dataset, rec, CCD.joinsFramework) == {framework}
    path4 = ID["recommendation/scientific-path"]
    assert (path4, ID["policy/dual-circulation"]) not in ex
    assert objects(dataset, path4, CCD.hasSetting) == {ID["policy/dual-circulation"]}
    node = ID["recommendation/node-cities"]
    assert {o for s, o in ex if s == node} == {ID["policy/belt-and-road"]}
    assert objects(dataset, node, CCD.hasAgent) == {ID["city-role/node-city"]}
    assert objects(dataset, node, CCD.benefits) == {ID["city-role/inland-city"]}


def test_a_publishers_address_is_no_city(dataset: Dataset) -> None:
    assert not list(dataset.quads((ID["city/cambridge"], None, None, None)))
    assert all("Cambridge" not in str(o) for _, _, o, _ in dataset.quads((None, RDF.type, CCD.City, None)))


def test_shanghai_is_not_evidenced_by_a_publishers_name(dataset: Dataset) -> None:
    evidence = objects(dataset, ID["city/shanghai"], PROV.wasDerivedFrom)
    assert evidence == {ID["passage/s2-table1-r7-city1"]}
    # the publisher keeps the footnote as its evidence
    press = ID["organisation/shanghai-peoples-publishing-house"]
    assert ID["passage/fn11-2"] in objects(dataset, press, PROV.wasDerivedFrom)


def test_cited_pages_are_the_citations_pinpoint_not_the_works_extent(dataset: Dataset) -> None:
    for prop in (PRISM.startingPage, PRISM.endingPage, PRISM.pageRange):
        assert [s for s, _, _, _ in dataset.quads((None, prop, None, None)) if "/work/" in str(s)] == []
    pinpoints = {
        str(s).rsplit("/", 1)[-1]: str(o) for s, _, o, _ in dataset.quads((None, CCD.pinpoint, None, None))
    }
    assert pinpoints["fn07-he-2015"] == "55"
    assert pinpoints["fn03-gottmann-1957"] == "190-192"
    assert len(pinpoints) == 15  # every page a footnote gives; 3 of the 18 references give none
    # the article's own page range stays on the article
    assert objects(dataset, ID["article/han-2022"], PRISM.startingPage) == {Literal("80")}


def test_no_reference_year_the_article_does_not_give(dataset: Dataset) -> None:
    assert list(dataset.quads((None, CCD.referenceYear, None, None))) == []


def test_the_english_region_is_not_england(dataset: Dataset) -> None:
    region = ID["region/english-region"]
    en = {str(o) for o in objects(dataset, region, RDFS.label) if o.language == "en"}
    assert en == {"English region of the North-western European megalopolis"}
    assert all("England" not in label for label in en)
    assert objects(dataset, region, CCD.partOfRegion) == {ID["region/northwestern-europe"]}
    assert not [o for o in objects(dataset, region, None) if "Q21" in str(o)]  # Wikidata's England


def test_the_web_copy_attests_the_author_and_the_keywords(article: Article) -> None:
    """Lines 1-2 of the web copy: 韓笑, and 【關(guān)鍵詞】 with "?" where full-width spaces were lost."""
    dataset = extract(article, load_curation())
    attest(dataset, article, WEB_COPY_FILE.read_text(encoding="utf-8"))
    stated = dataset.graph(GRAPH_STATED)
    for key in ("front-author", "front-keywords"):
        assert str(stated.value(ID[f"passage/{key}"], CCD.witnessStatus)) == "attested", key


def test_a_real_question_mark_survives_the_repair() -> None:
    assert repair("【關鍵詞】??城市群外交 ?全球化") == "【关键词】城市群外交 全球化"
    assert repair("誰來代表城市群?") == "谁来代表城市群?"

"""What the extracted dataset says, checked against the article."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS

from ccdkg.graph.extract.context import HAN
from ccdkg.graph.parse import Article
from ccdkg.namespaces import CCD, GRAPH_INTERPRETED, GRAPH_STATED, ID, OA, sparql_prefixes
from ccdkg.validation.grounding import _PAGE_BREAK


@pytest.fixture(scope="module")
def store(dataset: Dataset) -> ox.Store:
    s = ox.Store()
    s.load(dataset.serialize(format="nquads").encode(), format=ox.RdfFormat.N_QUADS)
    return s


def select(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    rows = store.query(sparql_prefixes() + query, use_default_graph_as_union=True)
    return [tuple(t.value if t is not None else None for t in row) for row in rows]


def zh(dataset: Dataset, node: URIRef) -> str:
    labels = [o for o in dataset.graph(GRAPH_STATED).objects(node, RDFS.label) if o.language == "zh-Hans"]
    assert len(labels) == 1, node
    return str(labels[0])


COUNTS = {
    "CityCluster": 7,
    "CoreDiplomaticFunction": 14,
    "CityClusterDiplomacy": 1,
    "Driver": 4,
    "DiplomacyFunction": 4,
    "PoliticalImpact": 3,
    "Challenge": 3,
    "Footnote": 12,
    "CitedWork": 18,
}


@pytest.mark.parametrize(("cls", "n"), sorted(COUNTS.items()))
def test_individuals_per_class(store: ox.Store, cls: str, n: int) -> None:
    assert select(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) {{ ?x a ccd:{cls} }}") == [(str(n),)]


def test_recommendations_top_level_and_sub_points(store: ox.Store) -> None:
    top = select(store, "SELECT ?r ?o { ?d ccd:hasRecommendation ?r . ?r ccd:order ?o } ORDER BY ?o")
    assert [o for _, o in top] == ["1", "2", "3", "4"]
    subs = select(
        store, "SELECT ?r (COUNT(?s) AS ?n) { ?r ccd:hasSubRecommendation ?s } GROUP BY ?r ORDER BY ?r"
    )
    assert sorted(int(n) for _, n in subs) == [3, 3, 3]


def test_table1_members_and_shared_functions(store: ox.Store) -> None:
    assert select(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?k ccd:hasMemberCity ?c }") == [("24",)]
    shared = select(
        store,
        """SELECT ?l (COUNT(?k) AS ?n) { ?k ccd:hasCoreFunction ?f .
        ?f rdfs:label ?l FILTER(langMatches(lang(?l), "zh-Hans")) }
        GROUP BY ?l HAVING (COUNT(?k) > 1) ORDER BY ?l""",
    )
    assert dict(shared) == {
        "国际政治交往": "3",
        "国际金融服务": "2",
        "国际航运交通": "2",
        "国际旅游": "2",
        "制度示范": "2",
    }


CLUSTERS = [
    "美国东北部城市群",
    "北美五大湖城市群",
    "英国伦敦城市群",
    "欧洲西北部城市群",
    "日本太平洋沿岸城市群",
    "粤港澳大湾区城市群",
    "长三角城市群",
]
DRIVERS = [
    "全球问题与多边议程下城市网络的成熟与分化",
    "国家推进治理体系现代化与经济社会持续发展的意志",
    "全球产业分工将城市群落整体纳入国际生产协作体系",
    "城市治理的复杂性加速城市形成更具规模的关系认同",
]
FUNCTIONS = [
    "提升城市参与全球治理的能力与制度影响力",
    "增强国家在全球贸易与技术进步领域的竞争力",
    "促进国内外人才双向流动与跨文化传播交流",
    "在全球发挥社会包容与发展转型的示范影响",
]
IMPACTS = [
    "激发城市外交在国家外交中的活力，提升城市外交的整体水平",
    "推动域内城市协同开放与能级跃迁的探索性实践",
    "丰富大国外交内容，创新外事工作管理体制，推动国际交往新理念和范式的传播",
]
CHALLENGES = [
    "城市群外交功能的拓展挑战了传统外交观念",
    "城市群外交在实践中不可避免会与现行行政管理体制发生碰撞",
    "关于城市群外交的主体身份不明晰和交往对象的选择",
]
RECOMMENDATIONS = [
    "充分发挥中心城市在深化区域开放进程中的带动影响",
    "将城市群外交纳入中国特色大国外交的总体布局，在城市外交与国家外交之间提供区域支撑",
    "在密集的国际城市网络议题中体现城市群的发展诉求，构建城市群协同发展的知识体系",
    "遵循城市群建设与制度变迁的科学思路，推动城市群外交向纵深发展",
]
CORE_FUNCTIONS = {
    "国际政治交往",
    "国际金融服务",
    "国际航运交通",
    "国际商贸合作",
    "跨国工业生产",
    "国际经济合作",
    "国际旅游",
    "现代科技与文娱产业",
    "现代产业制造",
    "国际科技创新",
    "国际航空枢纽",
    "制度示范",
    "国际航运枢纽",
    "国际交往中心",
}


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ("hasDriver", DRIVERS),
        ("hasFunction", FUNCTIONS),
        ("hasImpact", IMPACTS),
        ("hasChallenge", CHALLENGES),
        ("hasRecommendation", RECOMMENDATIONS),
    ],
)
def test_argument_labels_in_order(store: ox.Store, prop: str, expected: list[str]) -> None:
    rows = select(
        store,
        f"""SELECT ?l {{ ?d a ccd:CityClusterDiplomacy ; ccd:{prop} ?x . ?x ccd:order ?o ;
        rdfs:label ?l FILTER(langMatches(lang(?l), "zh-Hans")) }} ORDER BY ?o""",
    )
    assert [r[0] for r in rows] == expected


def test_cluster_and_core_function_labels(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?l { ?c a ccd:CityCluster ; ccd:order ?o ; rdfs:label ?l
        FILTER(langMatches(lang(?l), "zh-Hans")) } ORDER BY ?o""",
    )
    assert [r[0] for r in rows] == CLUSTERS
    rows = select(
        store,
        """SELECT ?l { ?c a ccd:CoreDiplomaticFunction ; rdfs:label ?l
        FILTER(langMatches(lang(?l), "zh-Hans")) }""",
    )
    assert {r[0] for r in rows} == CORE_FUNCTIONS


def test_sub_points_of_the_second_recommendation(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?l { ?r ccd:order 2 ; ^ccd:hasRecommendation ?d ; ccd:hasSubRecommendation ?s .
        ?s ccd:order ?o ; rdfs:label ?l FILTER(langMatches(lang(?l), "zh-Hans")) } ORDER BY ?o""",
    )
    assert [r[0] for r in rows] == [
        "城市群开展外交活动应与国家主体功能区战略定位紧密结合",
        "城市群涉外环境既包括场馆建设等基础设施，也包括营商、交流、法治、人才流动、机制保障等软环境",
        "发挥国家顶层设计中节点城市的作用",
    ]


def test_every_exact_occurs_at_its_offsets(dataset: Dataset, article: Article) -> None:
    g = dataset.graph(GRAPH_STATED)
    passages = set(g.subjects(OA.exact, None))
    assert len(passages) > 250
    cut = 0
    for p in passages:
        start, end = int(g.value(p, OA.start)), int(g.value(p, OA.end))
        exact = str(g.value(p, OA.exact))
        there = article.text[start:end]
        if there != exact:  # a sentence a page break cuts: its pieces are joined, the break left out
            assert "".join(_PAGE_BREAK.sub("", there).split()) == exact, p
            cut += 1
        assert article.text[max(0, start - 32) : start].endswith(str(g.value(p, OA.prefix) or "")), p
    assert cut == 11


def test_every_drawn_individual_has_evidence(dataset: Dataset) -> None:
    stated = dataset.graph(GRAPH_STATED)
    passages = set(stated.subjects(RDF.type, CCD.Passage))
    for s, _, cls in stated.triples((None, RDF.type, None)):
        if cls in (CCD.Passage, CCD.SourceText, CCD.Section):
            continue
        evidence = set(stated.objects(s, PROV.wasDerivedFrom))
        assert evidence & passages, f"{s} ({cls}) has no passage"


def test_interpreted_things_are_marked(dataset: Dataset) -> None:
    interp = dataset.graph(GRAPH_INTERPRETED)
    france = ID["country/france"]
    assert (france, RDF.type, CCD.Country) in interp
    assert (None, None, None) not in dataset.graph(GRAPH_STATED).triples((france, RDF.type, None))
    assert (ID["city/paris"], CCD.locatedIn, france) in interp


def test_no_blank_nodes_and_every_individual_labelled_in_the_language_it_is_in(dataset: Dataset) -> None:
    """docs/vocabulary.md: a name in Chinese has zh-Hans (the article's wording), en and zh-Hant; a name
    the article prints in Latin script only is labelled en, never zh-Hans/zh-Hant. Statement records are
    not named at all."""
    labels: dict[URIRef, dict[str, str]] = {}
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        assert not isinstance(s, BNode) and not isinstance(o, BNode)
        if p == RDFS.label and isinstance(o, Literal):
            labels.setdefault(s, {})[o.language] = str(o)
    records = set(dataset.graph(GRAPH_STATED).subjects(RDF.type, CCD.StatementRecord))
    for s, _, _ in dataset.graph(GRAPH_STATED).triples((None, RDF.type, None)):
        if str(s).startswith(str(ID)) and s not in records:
            have = labels.get(s, {})
            assert "en" in have, s
            assert ("zh-Hans" in have) == ("zh-Hant" in have), s
            if "zh-Hans" in have:
                assert HAN.search(have["zh-Hans"]) and HAN.search(have["zh-Hant"]), s


def test_latin_script_names_are_tagged_en_not_copied_as_chinese(dataset: Dataset) -> None:
    """The 31 Latin-script names that 0.1.0 tagged @zh-Hans and copied as @zh-Hant."""
    latin = [
        (s, str(o))
        for s, p, o, _ in dataset.quads((None, RDFS.label, None, None))
        if isinstance(o, Literal) and o.language in ("zh-Hans", "zh-Hant") and not HAN.search(str(o))
    ]
    assert latin == []
    stated = dataset.graph(GRAPH_STATED)
    gottmann = ID["person/jean-gottmann"]
    assert set(stated.objects(gottmann, RDFS.label)) == {Literal("Jean Gottmann", lang="en")}
    work = ID["work/gottmann-1957"]
    assert {o.language for _, _, o, _ in dataset.quads((work, RDFS.label, None, None))} == {"en"}
    # the curator's English form of a Latin-script name is an alternative label
    alt = {o for _, _, o, _ in dataset.quads((ID["organisation/macmillan"], SKOS.altLabel, None, None))}
    assert Literal("Macmillan", lang="en") in alt


def test_zh_hant_via_opencc(dataset: Dataset) -> None:
    labels = {
        o.language: str(o)
        for _, _, o, _ in dataset.quads((ID["cluster/yangtze-river-delta"], RDFS.label, None, None))
    }
    assert labels["zh-Hans"] == "长三角城市群"
    assert labels["zh-Hant"] == "長三角城市群"


def test_evidence_for_a_recommendation_is_its_paragraph(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?exact { ?r ccd:order 4 ; ^ccd:hasRecommendation ?d ; prov:wasDerivedFrom ?p .
        ?p oa:exact ?exact ; oa:start ?s } ORDER BY ?s""",
    )
    assert rows[0][0].startswith("第四，遵循城市群建设与制度变迁的科学思路")
    assert len(rows) >= 4


def test_footnotes_cite_works_from_the_passage(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?t { ?p ccd:hasFootnote <https://w3id.org/ccdkg/id/footnote/fn12> ; cito:cites ?w .
        ?w dcterms:title ?t }""",
    )
    assert rows == [("Urban World: Mapping the Economic Power of Cities",)]
    n = select(store, "SELECT (COUNT(DISTINCT ?w) AS ?n) { ?a a fabio:JournalArticle ; cito:cites ?w }")
    assert n == [("18",)]


def test_statistics_of_the_english_region(store: ox.Store) -> None:
    rows = select(
        store,
        """SELECT ?v ?u ?src { ?s a ccd:Statistic ; ccd:statisticOf ?r ; ccd:value ?v ; ccd:unit ?u ;
        dcterms:source ?w . ?w dcterms:title ?src . ?r rdfs:label "英伦地区"@zh-Hans } ORDER BY ?v""",
    )
    assert [(float(v), u) for v, u, _ in rows] == [(4.5, "万平方公里"), (62.7, "%"), (80.0, "%")]
    assert {src for *_, src in rows} == {"Urban World: Mapping the Economic Power of Cities"}


def test_stated_relations_and_the_interpreted_ones_apart(store: ox.Store) -> None:
    league = select(store, "SELECT ?c { ?l a ccd:CityLeague ; ccd:coreCity ?c }")
    assert league == [("https://w3id.org/ccdkg/id/city/luebeck",)]
    olympics = select(
        store, "SELECT ?c { GRAPH id:graph\\/stated { ?e a ccd:Event ; ccd:involves ?c } } ORDER BY ?c"
    )
    assert [c.rsplit("/", 1)[1] for (c,) in olympics] == ["beijing", "zhangjiakou"]
    interpreted = select(
        store,
        """SELECT ?s { GRAPH ?g { ?s ccd:hasCityRole ?r } ?g ccd:assertionStatus ccd:Interpreted }""",
    )
    assert interpreted == [("https://w3id.org/ccdkg/id/city/beijing",)]

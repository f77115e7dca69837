"""Deterministic synthetic data shaped like the ccdkg graph, at any size.

The graph has the shape of the real one (docs/data-model.md): city clusters with member cities and
core diplomatic functions, cities located in countries, passages quoting the article's Chinese text
with character offsets, labels in zh-Hans (stated graph), en and zh-Hant (interpreted graph), outside
identifiers and coordinates (links graph) and a small class hierarchy (ontology graph).  Sizes are
reached by repeating a "block" (one cluster, its ten cities, two functions and their passages), so
the selectivity of every benchmark query stays the same at 10k, 100k and 1M triples.

Same size in, byte-identical N-Quads out: the file is cached under ``bench/work/data/`` and its name
carries the generator version, so a change here regenerates it.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ccdkg.labels import to_traditional
from ccdkg.namespaces import CCD, GRAPH_INTERPRETED, GRAPH_LINKS, GRAPH_ONTOLOGY, GRAPH_STATED, ID, OA, WGS

GENERATOR_VERSION = 2
SEED = 20220405  # the article's issue, 2022(4); any constant would do
REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "graph" / "sources" / "001_7f0eaf4949258080.txt"
WORK = REPO / "bench" / "work"

CITIES_PER_CLUSTER = 10
FUNCTIONS_PER_CLUSTER = 2
CLUSTERS_PER_COUNTRY = 4
CITY_KINDS = 12  # synthetic subclasses of ccd:City, so that rdfs:subClassOf* has depth to walk
REGIONS = 8
SECTIONS = 16

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
WD = "http://www.wikidata.org/entity/Q"
# Synthetic subclasses of ccd:City live outside the ccd: namespace: the ontology does not define them.
KIND = "https://w3id.org/ccdkg/bench/kind#"


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


@dataclass(frozen=True)
class Shape:
    """How many of each kind a synthetic graph of ``size`` triples holds, and how to name them.

    The load generator draws its distinct (cold) queries from these names, so it needs no access to
    the data file.
    """

    size: int

    @cached_property
    def clusters(self) -> int:
        # ≈ 265 triples per block; see _block().  At least 4 so that every query has something to find.
        return max(4, round(self.size / 265))

    @property
    def cities(self) -> int:
        return self.clusters * CITIES_PER_CLUSTER

    @property
    def countries(self) -> int:
        return -(-self.clusters // CLUSTERS_PER_COUNTRY)

    @property
    def functions(self) -> int:
        return self.clusters * FUNCTIONS_PER_CLUSTER

    def city(self, i: int) -> str:
        return f"{ID}city/city-{i % self.cities:06d}"

    def cluster(self, i: int) -> str:
        return f"{ID}cluster/cluster-{i % self.clusters:05d}"

    def country(self, i: int) -> str:
        return f"{ID}country/country-{i % self.countries:04d}"

    def city_country(self, i: int) -> str:
        """The country city ``i`` is located in."""
        return self.country((i % self.cities) // CITIES_PER_CLUSTER // CLUSTERS_PER_COUNTRY)

    def city_label(self, i: int) -> str:
        return _name(i % self.cities) + "市"

    def cluster_label(self, i: int) -> str:
        return _name(i % self.clusters, salt=1) + "城市群"

    def country_label(self, i: int) -> str:
        return _name(i % self.countries, salt=2) + "国"

    def classes(self) -> list[str]:
        """Classes with instances below them, for the rdfs:subClassOf* query."""
        return [str(CCD[c]) for c in ("Place", "City", "CityCluster", "Country")] + [
            f"{KIND}CityKind{k}" for k in range(CITY_KINDS)
        ]

    @staticmethod
    def name_chars() -> str:
        """Characters city names are written with, for CONTAINS queries that hit."""
        return _alphabet()


def _article_text() -> str:
    return ARTICLE.read_text(encoding="utf-8")


_ALPHABET: str | None = None


def _alphabet() -> str:
    """The 400 commonest Han characters of the article, in a stable order, for synthetic names."""
    global _ALPHABET
    if _ALPHABET is None:
        counts: dict[str, int] = {}
        for ch in re.findall(r"[\u4e00-\u9fff]", _article_text()):
            counts[ch] = counts.get(ch, 0) + 1
        _ALPHABET = "".join(sorted(counts, key=lambda c: (-counts[c], c))[:400])
    return _ALPHABET


def _name(i: int, salt: int = 0) -> str:
    """A unique two-to-three character name for index ``i``: its digits in base len(alphabet)."""
    alphabet = _alphabet()
    base = len(alphabet)
    # An affine permutation spreads consecutive indices over the alphabet; base is not a multiple of 7.
    n = (i * 7 + salt * 131) % (base**3)
    digits = [n % base, (n // base) % base, n // (base * base)]
    return "".join(alphabet[d] for d in digits[: 3 if n >= base * base else 2])


def _passages() -> list[tuple[int, int, str]]:
    """Spans of Han text in the article (start, end, text), the pool passages quote from."""
    text = _article_text()
    spans = []
    for m in re.finditer(r"[\u4e00-\u9fff，、；：“”（）]{20,}", text):
        for start in range(m.start(), m.end() - 20, 37):
            end = min(m.end(), start + 20 + (start % 41))
            spans.append((start, end, text[start:end]))
    return spans


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.count = 0

    def quad(self, s: str, p: str, o: str, g: str) -> None:
        self.lines.append(f"<{s}> <{p}> {o} <{g}> .\n")
        self.count += 1


def _labels(w: _Writer, s: str, zh: str, en: str, graph: str | None = None) -> None:
    w.quad(s, RDFS + "label", _lit(zh, "zh-Hans"), graph or str(GRAPH_STATED))
    w.quad(s, RDFS + "label", _lit(en, "en"), graph or str(GRAPH_INTERPRETED))
    w.quad(s, RDFS + "label", _lit(to_traditional(zh), "zh-Hant"), graph or str(GRAPH_INTERPRETED))


def _ontology(w: _Writer) -> None:
    """The ontology's place classes and synthetic city kinds two levels deep below ccd:City, so that
    ``rdfs:subClassOf*`` has a hierarchy to walk; plus the individuals every block refers to."""
    g, stated, interp = str(GRAPH_ONTOLOGY), str(GRAPH_STATED), str(GRAPH_INTERPRETED)
    tree = {str(CCD[c]): str(CCD.Place) for c in ("City", "CityCluster", "Country", "Region")}
    tree[str(CCD.Place)] = None
    for k in range(CITY_KINDS):
        half = CITY_KINDS // 2
        tree[f"{KIND}CityKind{k}"] = str(CCD.City) if k < half else f"{KIND}CityKind{k - half}"
    zh = {"Place": "地点", "City": "城市", "CityCluster": "城市群", "Country": "国家", "Region": "区域"}
    for cls, parent in tree.items():
        name = cls.rsplit("#", 1)[1]
        w.quad(cls, RDF_TYPE, _iri(OWL + "Class"), g)
        if parent:
            w.quad(cls, RDFS + "subClassOf", _iri(parent), g)
        _labels(w, cls, zh.get(name, f"城市类型{name[8:]}"), name, g)
    for graph, status in (
        (GRAPH_STATED, "Stated"),
        (GRAPH_INTERPRETED, "Interpreted"),
        (GRAPH_LINKS, "External"),
    ):
        w.quad(str(graph), str(CCD.assertionStatus), _iri(str(CCD[status])), stated)
    source = f"{ID}source/clean-text"
    w.quad(source, RDF_TYPE, _iri(str(CCD.SourceText)), stated)
    _labels(w, source, "文章全文", "Clean text of the article")
    for s in range(SECTIONS):
        section = f"{ID}section/s{s}"
        w.quad(section, RDF_TYPE, _iri(str(CCD.Section)), stated)
        _labels(w, section, f"第{s + 1}节", f"Section {s + 1}")
    for r in range(7):
        role = f"{ID}city-role/role-{r}"
        w.quad(role, RDF_TYPE, _iri(str(CCD.CityRole)), stated)
        _labels(w, role, _name(r, salt=5) + "城市", f"Synthetic city role {r}")
        w.quad(role, str(CCD.assertionStatus), _iri(str(CCD.Interpreted)), interp)


def _passage(w: _Writer, pid: str, span: tuple[int, int, str], section: int) -> None:
    g = str(GRAPH_STATED)
    start, end, text = span
    w.quad(pid, RDF_TYPE, _iri(str(CCD.Passage)), g)
    _labels(w, pid, text[:12] + "…", f"Passage at {start}–{end}")
    w.quad(pid, str(OA.exact), _lit(text), g)
    w.quad(pid, str(OA.start), _lit(str(start), datatype=XSD + "nonNegativeInteger"), g)
    w.quad(pid, str(OA.end), _lit(str(end), datatype=XSD + "nonNegativeInteger"), g)
    w.quad(pid, str(CCD.inSection), _iri(f"{ID}section/s{section}"), g)
    w.quad(pid, str(OA.hasSource), _iri(f"{ID}source/clean-text"), g)


def _block(w: _Writer, shape: Shape, b: int, spans: list[tuple[int, int, str]], rng: random.Random) -> None:
    """One cluster with its cities, functions and passages: ≈ 265 triples."""
    stated, interp, links = str(GRAPH_STATED), str(GRAPH_INTERPRETED), str(GRAPH_LINKS)
    cl = shape.cluster(b)
    country = shape.country(b // CLUSTERS_PER_COUNTRY)
    region = f"{ID}region/region-{b % REGIONS}"

    def passage(kind: str, n: int) -> str:
        pid = f"{ID}passage/{kind}-{n:06d}"
        _passage(w, pid, spans[rng.randrange(len(spans))], rng.randrange(SECTIONS))
        return pid

    w.quad(cl, RDF_TYPE, _iri(str(CCD.CityCluster)), stated)
    _labels(w, cl, shape.cluster_label(b), f"Synthetic Cluster {b}")
    w.quad(cl, str(CCD.partOfRegion), _iri(region), stated)
    w.quad(cl, PROV_DERIVED, _iri(passage("cluster", b)), stated)
    for f in range(FUNCTIONS_PER_CLUSTER):
        fid = f"{ID}core-function/function-{b * FUNCTIONS_PER_CLUSTER + f:06d}"
        w.quad(cl, str(CCD.hasCoreFunction), _iri(fid), stated)
        w.quad(fid, RDF_TYPE, _iri(str(CCD.CoreDiplomaticFunction)), stated)
        w.quad(fid, str(CCD.isCoreFunctionOf), _iri(cl), stated)
        _labels(w, fid, _name(b * FUNCTIONS_PER_CLUSTER + f, salt=3) + "服务", f"Synthetic function {b}-{f}")
        w.quad(fid, PROV_DERIVED, _iri(passage("function", b * FUNCTIONS_PER_CLUSTER + f)), stated)
    for c in range(CITIES_PER_CLUSTER):
        i = b * CITIES_PER_CLUSTER + c
        city = shape.city(i)
        w.quad(cl, str(CCD.hasMemberCity), _iri(city), stated)
        w.quad(city, RDF_TYPE, _iri(str(CCD.City)), stated)
        w.quad(city, RDF_TYPE, _iri(f"{KIND}CityKind{i % CITY_KINDS}"), stated)
        _labels(w, city, shape.city_label(i), f"Synthetic City {i}")
        w.quad(city, str(CCD.isMemberCityOf), _iri(cl), stated)
        # Half the countries are named with the city in the text, half are a curator's interpretation.
        w.quad(city, str(CCD.locatedIn), _iri(country), stated if i % 2 else interp)
        w.quad(city, PROV_DERIVED, _iri(passage("city", i)), stated)
        if i % 3 == 0:
            w.quad(city, str(CCD.hasCityRole), _iri(f"{ID}city-role/role-{i % 7}"), stated)
        w.quad(city, str(WGS.lat), _lit(f"{rng.uniform(-60, 70):.4f}", datatype=XSD + "decimal"), links)
        w.quad(city, str(WGS.long), _lit(f"{rng.uniform(-180, 180):.4f}", datatype=XSD + "decimal"), links)
        w.quad(city, OWL + "sameAs", _iri(f"{WD}{1_000_000 + i}"), links)
    if b % CLUSTERS_PER_COUNTRY == 0:
        n = b // CLUSTERS_PER_COUNTRY
        w.quad(country, RDF_TYPE, _iri(str(CCD.Country)), stated)
        _labels(w, country, shape.country_label(n), f"Synthetic Country {n}")
        w.quad(country, str(CCD.partOfRegion), _iri(region), interp)
        w.quad(country, str(CCD.assertionStatus), _iri(str(CCD.Interpreted)), interp)
        w.quad(country, OWL + "sameAs", _iri(f"{WD}{500_000 + n}"), links)


def quads(size: int) -> Iterator[str]:
    """The N-Quads lines of the synthetic graph of about ``size`` triples, in a fixed order."""
    shape = Shape(size)
    rng = random.Random(SEED)
    spans = _passages()
    w = _Writer()
    _ontology(w)
    for r in range(REGIONS):
        region = f"{ID}region/region-{r}"
        w.quad(region, RDF_TYPE, _iri(str(CCD.Region)), str(GRAPH_STATED))
        _labels(w, region, _name(r, salt=4) + "地区", f"Synthetic Region {r}")
        w.quad(region, str(CCD.assertionStatus), _iri(str(CCD.Interpreted)), str(GRAPH_INTERPRETED))
    for b in range(shape.clusters):
        _block(w, shape, b, spans, rng)
        if len(w.lines) > 50_000:
            yield from w.lines
            w.lines.clear()
    yield from w.lines


def data_file(size: int, directory: Path | None = None) -> Path:
    """The cached N-Quads file for ``size``, generated on first use (atomically)."""
    directory = directory or WORK / "data"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"synth-{size}-v{GENERATOR_VERSION}.nq"
    if path.exists():
        return path
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for line in quads(size):
            out.write(line)
    tmp.replace(path)
    return path


def triple_count(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

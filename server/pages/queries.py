"""What the linked-data pages ask the store: trusted native queries, their rows as the store gives them.

Every IRI goes into a query through :func:`ccdkg.server.web.sparql_iri`, which refuses anything that
could break out of ``<…>``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from ccdkg.namespaces import CCD, GRAPH_ONTOLOGY, OA, PROV
from ccdkg.ontology.publish import release_files

from .. import web
from ..store import Term

DERIVED_FROM = str(PROV.wasDerivedFrom)
RDF_SUBJECT = "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"
RDF_OBJECT = "http://www.w3.org/1999/02/22-rdf-syntax-ns#object"
OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"
MAX_INCOMING = 2000
Row = dict[str, Term]


def _both_patterns(pattern: str) -> str:
    """A pattern over the named graphs (binding ?g) and over the default graph alone.

    Works whether or not the store serves the default graph as the union of the named
    graphs, and whether the data came as a dataset or as plain triples (``--data``).
    """
    return (
        f"{{ GRAPH ?g {{ {pattern} }} }} UNION "
        f"{{ {pattern} FILTER NOT EXISTS {{ GRAPH ?h {{ {pattern} }} }} }}"
    )


def exists(iri: str) -> bool:
    r = web.sparql_iri(iri)
    return bool(
        web.store().ask(
            f"ASK {{ {{ {r} ?p ?o }} UNION {{ ?s ?q {r} }} UNION {{ GRAPH ?g {{ {r} ?p ?o }} }}"
            f" UNION {{ GRAPH ?g {{ ?s ?q {r} }} }} }}"
        )
    )


def describe(iri: str) -> list[ox.Quad]:
    """What the page's document holds: every statement with the resource as subject or object,
    in the named graph that holds it (the default graph for data given as plain triples)."""
    r = web.sparql_iri(iri)
    rows = web.store().select(
        f"SELECT ?s ?p ?o ?g WHERE {{ {{ BIND({r} AS ?s) {_both_patterns(f'{r} ?p ?o')} }}"
        f" UNION {{ BIND({r} AS ?o) {_both_patterns(f'?s ?p {r}')} }} }}"
    )
    default = ox.DefaultGraph()
    return [ox.Quad(row["s"], row["p"], row["o"], row.get("g") or default) for row in rows]  # type: ignore[arg-type]


def outgoing(iri: str) -> list[Row]:
    """?p ?o ?g of every statement about the resource."""
    r = web.sparql_iri(iri)
    return web.store().select(f"SELECT ?p ?o ?g WHERE {{ {_both_patterns(f'{r} ?p ?o')} }}")


def incoming(iri: str) -> list[Row]:
    """?s ?p ?g of the statements pointing at the resource, at most MAX_INCOMING of them."""
    r = web.sparql_iri(iri)
    return web.store().select(
        f"SELECT ?s ?p ?g WHERE {{ {_both_patterns(f'?s ?p {r}')} }} ORDER BY ?p ?s LIMIT {MAX_INCOMING}"
    )


def evidence(passages: Iterable[str]) -> list[dict[str, Any]]:
    """The passages' quotes with their section and both witnesses' status."""
    passages = sorted(set(passages))
    if not passages:
        return []
    values = " ".join(web.sparql_iri(p) for p in passages)
    rows = web.store().select(
        f"""SELECT ?ps ?exact ?sec ?ws ?att ?start ?end ?prefix ?suffix WHERE {{
          VALUES ?ps {{ {values} }}
          ?ps <{OA.exact}> ?exact .
          OPTIONAL {{ ?ps <{CCD.inSection}> ?sec }}
          OPTIONAL {{ ?ps <{CCD.witnessStatus}> ?ws }}
          OPTIONAL {{ ?ps <{CCD.attestedBy}> ?att }}
          OPTIONAL {{ ?ps <{OA.start}> ?start }}
          OPTIONAL {{ ?ps <{OA.end}> ?end }}
          OPTIONAL {{ ?ps <{OA.prefix}> ?prefix }}
          OPTIONAL {{ ?ps <{OA.suffix}> ?suffix }}
        }}"""
    )
    by: dict[str, dict[str, Any]] = {}
    for row in rows:
        ps = row["ps"].value
        item = by.setdefault(
            ps,
            {
                "iri": ps,
                "href": web.href(ps),
                "exact": row["exact"].value,
                "prefix": row["prefix"].value if row.get("prefix") else "",
                "suffix": row["suffix"].value if row.get("suffix") else "",
                "section": web.term_view(row["sec"]) if row.get("sec") else None,
                "witness": row["ws"].value if row.get("ws") else None,
                "attested_by": [],
                "start": row["start"].value if row.get("start") else None,
                "end": row["end"].value if row.get("end") else None,
            },
        )
        if row.get("att") and row["att"].value not in item["attested_by"]:
            item["attested_by"].append(row["att"].value)
    return [by[p] for p in sorted(by, key=lambda p: (int(by[p]["start"] or 0), p))]


def fact_evidence(iri: str, others: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """For each linked node, the passages that state the link.

    A stated link has a statement record (``ccd:StatementRecord``) naming its passages: those are
    the evidence. For a link without one (an interpretation, an outside link), a passage that one
    end was drawn from and whose words (the quote with its prefix and suffix) name the other end in
    the article's wording (zh-Hans) is where the article says so: the Table 1 cell 国际金融服务 of the
    row that begins 美国东北部城市群.
    """
    nodes = sorted({iri, *others})[:400]
    values = " ".join(web.sparql_iri(n) for n in nodes)
    me = web.sparql_iri(iri)
    recorded = web.store().select(
        f"SELECT ?other ?ps WHERE {{ VALUES ?other {{ {values} }}"
        f" {{ ?r <{RDF_SUBJECT}> {me} ; <{RDF_OBJECT}> ?other }} UNION"
        f" {{ ?r <{RDF_SUBJECT}> ?other ; <{RDF_OBJECT}> {me} }}"
        f" ?r a <{CCD.StatementRecord}> ; <{DERIVED_FROM}> ?ps }}"
    )
    found: dict[str, set[str]] = defaultdict(set)
    for row in recorded:
        found[row["other"].value].add(row["ps"].value)
    rows = web.store().select(
        f"SELECT ?x ?ps ?exact ?prefix ?suffix WHERE {{ VALUES ?x {{ {values} }}"
        f" ?x <{DERIVED_FROM}> ?ps . ?ps <{OA.exact}> ?exact"
        f" OPTIONAL {{ ?ps <{OA.prefix}> ?prefix }} OPTIONAL {{ ?ps <{OA.suffix}> ?suffix }} }}"
    )
    passages: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        words = "".join(row[k].value for k in ("prefix", "exact", "suffix") if row.get(k) is not None)
        passages[row["x"].value].append((row["ps"].value, words))
    own_label = web.labels_of(iri).get("zh-Hans", "")
    for other in nodes:
        if other == iri or other in found:  # recorded: the record's passages, not a guess
            continue
        other_label = web.labels_of(other).get("zh-Hans", "")
        for ps, words in passages.get(iri, []):
            if other_label and other_label in words:
                found[other].add(ps)
        for ps, words in passages.get(other, []):
            if own_label and own_label in words:
                found[other].add(ps)
    all_ps = {p for ps in found.values() for p in ps}
    details = {e["iri"]: e for e in evidence(all_ps)}
    return {o: [details[p] for p in sorted(ps) if p in details] for o, ps in found.items()}


def orders(nodes: Iterable[str]) -> dict[str, int]:
    """ccd:order of the linked nodes: their place in the article (sub-paths 1, 2, 3)."""
    values = " ".join(web.sparql_iri(n) for n in sorted(nodes)[:400])
    if not values:
        return {}
    rows = web.store().select(f"SELECT ?x ?n WHERE {{ VALUES ?x {{ {values} }} ?x <{CCD.order}> ?n }}")
    out: dict[str, int] = {}
    for r in rows:
        try:
            out[r["x"].value] = int(r["n"].value)
        except ValueError:
            continue
    return out


def resource_query(iri: str) -> str:
    """A ready SPARQL query about the resource, for the query UI."""
    r = web.sparql_iri(iri)
    return (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "# Everything the graph says about this resource, with the named graph that says it\n"
        "SELECT ?direction ?property ?value ?valueLabel ?graph WHERE {\n"
        f'  {{ BIND("out" AS ?direction) GRAPH ?graph {{ {r} ?property ?value }} }}\n'
        f'  UNION {{ BIND("in" AS ?direction) GRAPH ?graph {{ ?value ?property {r} }} }}\n'
        '  OPTIONAL { ?value rdfs:label ?valueLabel FILTER(langMatches(lang(?valueLabel), "en")) }\n'
        "}\nORDER BY ?direction ?property ?value\n"
    )


# --------------------------------------------------------------------------- the ontology


def ontology_triples() -> list[ox.Triple]:
    triples = web.store().construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {web.sparql_iri(str(GRAPH_ONTOLOGY))} {{ ?s ?p ?o }} }}"
    )
    if triples:
        return triples
    # Serving other data (--data) without our ontology graph: fall back to the release files,
    # which (unlike the Turtle sources) carry the generated zh-Hant labels.
    out: list[ox.Triple] = []
    core = release_files()["text/turtle"]
    for path in (core, core.with_name("ccdkg-align.ttl")):
        if path.exists():
            out.extend(q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    return out


def ontology_terms() -> list[Row]:
    """?t ?kind of every class and property the ontology graph declares under the ontology's IRI."""
    return web.store().select(
        f"""PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?t ?kind WHERE {{
          GRAPH {web.sparql_iri(str(GRAPH_ONTOLOGY))} {{
            VALUES ?kind {{ owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }}
            ?t a ?kind FILTER(isIRI(?t) && STRSTARTS(STR(?t), {_lit(web.public_base() + "ontology#")}))
          }}
        }}"""
    )


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def usage_counts() -> dict[str, int]:
    """How many instances each class has and how many statements use each property."""

    def build() -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in web.store().select("SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c } GROUP BY ?c"):
            counts[row["c"].value] = int(row["n"].value)
        for row in web.store().select("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"):
            counts[row["p"].value] = counts.get(row["p"].value, 0) + int(row["n"].value)
        return counts

    return web.cached("usage-counts", build)


def is_class(t: str) -> bool:
    """Whether the term ``t`` (already ``<…>``) is a class: declared one, or something is one."""
    return bool(
        web.store().ask(
            f"ASK {{ {{ {t} a <{OWL_CLASS}> }} UNION {{ ?x a {t} }}"
            f" UNION {{ GRAPH ?g {{ {t} a <{OWL_CLASS}> }} }} }}"
        )
    )


def instances(t: str) -> list[Row]:
    return web.store().select(f"SELECT ?x WHERE {{ ?x a {t} }} ORDER BY ?x LIMIT 1000")


def instance_count(t: str) -> int:
    return int(web.store().select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {t} }}")[0]["n"].value)


def subclasses(t: str) -> list[Row]:
    """?c ?n: every subclass of ``t`` (at any depth) with its number of instances."""
    return web.store().select(
        "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { "
        "?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ "
        f"{t} OPTIONAL {{ ?x a ?c }} }} GROUP BY ?c ORDER BY ?c"
    )


def use_count(t: str) -> int:
    uses = web.store().select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {t} ?o }}")
    return int(uses[0]["n"].value) if uses else 0


def uses_per_graph(t: str) -> list[Row]:
    """?g ?n: how many statements with the property ``t`` each named graph holds."""
    return web.store().select(
        f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s {t} ?o }} }} GROUP BY ?g ORDER BY ?g"
    )


def examples(t: str) -> list[Row]:
    return web.store().select(f"SELECT ?s ?o WHERE {{ ?s {t} ?o }} ORDER BY ?s ?o LIMIT 25")

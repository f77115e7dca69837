"""The outside links as an SSSOM mapping set (graph/release/ccdkg.sssom.tsv).

The rows are read from ``id:graph/links``, so the mapping set says exactly what the graph says:
``owl:sameAs`` (Wikidata) and ``skos:exactMatch`` (GeoNames) exist only for rows of the reference
table that were verified; ``rdfs:seeAlso`` marks leads (an unverified GeoNames record, or a DBpedia
IRI built mechanically from an English title). Unverified rows never become identity links, here
or in the graph. Confidence and justification follow from that status; see ``mappings.yaml``.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import yaml

from ccdkg import __version__
from ccdkg.namespaces import GRAPH_LINKS

HERE = Path(__file__).resolve().parent
SSSOM_FILE = "ccdkg.sssom.tsv"
COLUMNS = (
    "subject_id",
    "subject_label",
    "subject_category",
    "predicate_id",
    "object_id",
    "object_source",
    "mapping_justification",
    "confidence",
    "comment",
)

CURIE_SAFE = "/:()',_-.!~*"
LINKS_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?p ?o ?label ?class WHERE {
  GRAPH <%s> { ?s ?p ?o FILTER(isIRI(?o) && ?p IN (%s)) }
  OPTIONAL { ?s rdfs:label ?label FILTER(langMatches(lang(?label), "zh-Hans")) }
  OPTIONAL { ?s a ?class FILTER(STRSTARTS(STR(?class), "https://w3id.org/ccdkg/ontology#")) }
} ORDER BY ?s ?p ?o ?class
"""


@cache
def spec() -> dict:
    return yaml.safe_load((HERE / "mappings.yaml").read_text(encoding="utf-8"))


def _curie(iri: str, prefixes: dict[str, str]) -> str:
    # the longest namespace wins (ccd: and ccdid: share a stem)
    best = max((ns for ns in prefixes.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(p for p, ns in prefixes.items() if ns == best)
    # CURIE local parts must be ASCII: an IRI's non-ASCII characters (dbpedia:Lübeck) percent-encoded
    return f"{prefix}:{quote(iri[len(best) :], safe=CURIE_SAFE)}"


def _rule(predicate: str, target: str) -> dict:
    for rule in spec()["rules"]:
        if rule["predicate"] == predicate and target.startswith(rule["target"]):
            return rule
    raise KeyError(f"no mapping rule for {predicate} → {target}")


def render_mappings(store: ox.Store) -> bytes:
    """The SSSOM/TSV file: a YAML metadata block (commented) and one row per link, sorted."""
    prefixes: dict[str, str] = spec()["curie_map"]
    predicates = ", ".join(f"<{r['predicate']}>" for r in spec()["rules"])
    rows: dict[tuple[str, str, str], dict[str, str]] = {}
    for sol in store.query(LINKS_QUERY % (GRAPH_LINKS, predicates), use_default_graph_as_union=True):
        s, p, o = sol["s"].value, sol["p"].value, sol["o"].value
        key = (s, p, o)
        if key in rows:  # a second ccd: class of the same subject: the first (sorted) is kept
            continue
        rule = _rule(p, o)
        rows[key] = {
            "subject_id": _curie(s, prefixes),
            "subject_label": sol["label"].value if sol["label"] else "",
            "subject_category": _curie(sol["class"].value, prefixes) if sol["class"] else "",
            "predicate_id": _curie(p, prefixes),
            "object_id": _curie(o, prefixes),
            "object_source": rule["object_source"],
            "mapping_justification": rule["justification"],
            "confidence": str(rule["confidence"]),
            "comment": rule["comment"],
        }
    header = {
        "curie_map": prefixes,
        "mapping_set_id": spec()["mapping_set_id"],
        "mapping_set_version": __version__,
        "mapping_set_title": spec()["title"],
        "mapping_set_description": spec()["description"],
        "license": spec()["license"],
        "subject_source": spec()["subject_source"],
        "mapping_provider": spec()["mapping_provider"],
        "author_label": [spec()["author_label"]],
        "see_also": spec()["see_also"],
    }
    head = yaml.safe_dump(header, allow_unicode=True, sort_keys=False, width=1000)
    out = io.StringIO()
    out.writelines(f"#{line}\n" for line in head.splitlines())
    writer = csv.DictWriter(out, COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    for key in sorted(rows):
        writer.writerow(rows[key])
    return out.getvalue().encode("utf-8")

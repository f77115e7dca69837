"""What the page templates show, built from the store's answers (:mod:`.queries`)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph as ox

from ccdkg.namespaces import CCD, OA

from .. import evidence, web
from . import queries
from .documents import query_link

OUTSIDE_LINK_PROPERTIES = {
    "http://www.w3.org/2002/07/owl#sameAs",
    "http://www.w3.org/2004/02/skos/core#exactMatch",
    "http://www.w3.org/2004/02/skos/core#closeMatch",
    "http://www.w3.org/2000/01/rdf-schema#seeAlso",
}
WGS_LAT = "http://www.w3.org/2003/01/geo/wgs84_pos#lat"
WGS_LONG = "http://www.w3.org/2003/01/geo/wgs84_pos#long"
LABEL_PROPERTIES = {web.RDFS_LABEL}
DERIVED_FROM = queries.DERIVED_FROM
# Links whose evidence is beside them already (the passage itself) or that say nothing about the text.
_NO_FACT_EVIDENCE = {DERIVED_FROM, web.RDF_TYPE, str(CCD.inSection), str(OA.hasSource), str(CCD.attestedBy)}
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_REIFICATION = {_RDF + "subject", _RDF + "predicate", _RDF + "object"}


def resource_view(iri: str) -> dict[str, Any]:
    """Everything the HTML page shows about one resource."""
    out_rows = queries.outgoing(iri)
    in_rows = queries.incoming(iri)
    inverse = web.site().inverse

    labels: list[dict[str, Any]] = []
    types: list[dict[str, Any]] = []
    outside: list[dict[str, Any]] = []
    coords: dict[str, str] = {}
    derived: list[str] = []
    props: dict[str, list[dict[str, Any]]] = defaultdict(list)
    out_pairs: set[tuple[str, str]] = set()
    linked: set[str] = set()
    for row in out_rows:
        p, o = row["p"].value, row["o"]
        graph = row["g"].value if row.get("g") else None
        status = web.status_of_graph(graph)
        view = web.term_view(o) | {"status": status, "graph": graph}
        if isinstance(o, ox.NamedNode):
            out_pairs.add((p, o.value))
        if p in LABEL_PROPERTIES and isinstance(o, ox.Literal):
            labels.append(view)
        elif p == web.RDF_TYPE:
            types.append(view)
        elif p in OUTSIDE_LINK_PROPERTIES and isinstance(o, ox.NamedNode) and not web.is_local(o.value):
            outside.append(view | {"property": web.term_view(row["p"])})
        elif p in (WGS_LAT, WGS_LONG):
            coords["lat" if p == WGS_LAT else "long"] = o.value
            props[p].append(view)
        else:
            if p == DERIVED_FROM and isinstance(o, ox.NamedNode):
                derived.append(o.value)
            if isinstance(o, ox.NamedNode) and p not in _NO_FACT_EVIDENCE:
                linked.add(o.value)
            props[p].append(view)

    incoming: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in in_rows:
        s, p = row["s"].value, row["p"].value
        if p in _REIFICATION:
            continue  # a statement record about this resource: its statement is shown already
        inv = inverse.get(p)
        if inv and (inv, s) in out_pairs:
            continue  # already shown as the inverse statement going out
        graph = row["g"].value if row.get("g") else None
        incoming[p].append(web.term_view(row["s"]) | {"status": web.status_of_graph(graph), "graph": graph})
        if p not in _NO_FACT_EVIDENCE:
            linked.add(s)

    fact_ev = queries.fact_evidence(iri, linked) if linked else {}
    orders = queries.orders(linked)
    for views in (*props.values(), *incoming.values()):
        for v in views:
            if v.get("iri") in fact_ev:
                v["evidence"] = fact_ev[v["iri"]]

    def prop_groups(groups: dict[str, list[dict[str, Any]]], direction: str) -> list[dict[str, Any]]:
        result = []
        for p, values in groups.items():
            name_iri = inverse.get(p) if direction == "in" else p
            result.append(
                {
                    "iri": p,
                    "href": web.href(p),
                    "label": web.label(name_iri) if name_iri else web.label(p),
                    "inverse_named": bool(direction == "in" and name_iri),
                    "values": evidence.ordered_values(_dedupe(values), orders),
                }
            )
        result.sort(key=lambda g: (web.property_rank(g["iri"]), g["label"].lower(), g["iri"]))
        evidence.grouped(result)
        return result

    own_passage = iri if props.get(str(OA.exact)) else None
    own_evidence = queries.evidence([*derived, *([own_passage] if own_passage else [])])
    props_view, incoming_view = prop_groups(props, "out"), prop_groups(incoming, "in")
    statuses = {v["status"] for vs in props.values() for v in vs} | {v["status"] for v in types + labels}
    return {
        "iri": iri,
        "label": web.label(iri),
        "labels": sorted(
            _dedupe(labels), key=lambda v: web.LANGS.index(v["lang"]) if v["lang"] in web.LANGS else 9
        ),
        "types": sorted(_dedupe(types), key=web.sort_key),
        "props": props_view,
        "incoming": incoming_view,
        "incoming_truncated": len(in_rows) >= queries.MAX_INCOMING,
        "outside": sorted(_dedupe(outside), key=lambda v: (v["source"] or "~", v["iri"])),
        "coords": coords if len(coords) == 2 else None,
        "evidence": evidence.page_evidence(own_evidence, [*props_view, *incoming_view]),
        "is_passage": own_passage is not None,
        "has_interpreted": "interpreted" in statuses,
    }


def _dedupe(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per value; a value stated and also interpreted shows as stated."""
    rank = {"stated": 0, "ontology": 1, "interpreted": 2, "external": 3}
    best: dict[tuple[Any, ...], dict[str, Any]] = {}
    for v in values:
        key = (v.get("kind"), v.get("iri"), v.get("value"), v.get("lang"), v.get("datatype"))
        if key not in best or rank.get(v["status"], 9) < rank.get(best[key]["status"], 9):
            best[key] = v
    return list(best.values())


def term_facts(iri: str) -> dict[str, Any]:
    """What an ontology term's page shows beside its statements: a class's instances and
    subclasses, a property's use (per named graph, a few examples, a query for all of them)."""
    t = web.sparql_iri(iri)
    extra: dict[str, Any] = {}
    if queries.is_class(t):
        extra["instances"] = sorted((web.term_view(r["x"]) for r in queries.instances(t)), key=web.sort_key)
        extra["instance_count"] = queries.instance_count(t)
        extra["subclasses"] = [
            web.term_view(r["c"]) | {"count": int(r["n"].value)} for r in queries.subclasses(t)
        ]
    else:
        extra["use_count"] = queries.use_count(t)
        extra["per_graph"] = [
            {
                "graph": web.term_view(r["g"]),
                "count": int(r["n"].value),
                "status": web.status_of_graph(r["g"].value),
            }
            for r in queries.uses_per_graph(t)
        ]
        extra["examples"] = [
            {"s": web.term_view(r["s"]), "o": web.term_view(r["o"])} for r in queries.examples(t)
        ]
        all_uses = f"SELECT ?s ?o WHERE {{\n  ?s {t} ?o\n}}\nORDER BY ?s ?o\nLIMIT 100\n"
        extra["use_query"] = query_link(all_uses)
    return extra


def term_groups() -> dict[str, list[dict[str, Any]]]:
    """The ontology's classes and properties (``"class"``, ``"property"``), each with its use count."""
    counts = queries.usage_counts()
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in queries.ontology_terms():
        t = row["t"].value
        kind = "class" if row["kind"].value.endswith("#Class") else "property"
        groups[kind].append(
            {
                "iri": t,
                "href": web.href(t),
                "label": web.label(t),
                "name": web.local_name(t),
                "count": counts.get(t, 0),
            }
        )
    for items in groups.values():
        items.sort(key=lambda x: x["name"])
    return groups

"""Linked-data pages: every IRI under /id/… and /ontology… dereferences.

A browser gets an HTML page; an RDF client gets Turtle, N-Triples, JSON-LD (compact, with the
project's @context), RDF/XML, or TriG / N-Quads (which keep each statement's named graph) by
``Accept`` (``Vary: Accept``), answered with 200 and a ``Content-Location`` naming the
document (``/id/city/shanghai.ttl``); ``?format=`` forces one. An IRI the graph does not
know answers 404 with a page that offers a search.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request, send_file, send_from_directory

from ccdkg import jsonld
from ccdkg.namespaces import CCD, GRAPH_ONTOLOGY, OA, ONTOLOGY_IRI, PREFIXES, PROV
from ccdkg.ontology import RELEASE_DIR
from ccdkg.ontology.publish import release_files

from . import evidence, formats, web

bp = Blueprint("pages", __name__)
bp.record_once(lambda state: web.template_globals(state.app))

OUTSIDE_LINK_PROPERTIES = {
    "http://www.w3.org/2002/07/owl#sameAs",
    "http://www.w3.org/2004/02/skos/core#exactMatch",
    "http://www.w3.org/2004/02/skos/core#closeMatch",
    "http://www.w3.org/2000/01/rdf-schema#seeAlso",
}
WGS_LAT = "http://www.w3.org/2003/01/geo/wgs84_pos#lat"
WGS_LONG = "http://www.w3.org/2003/01/geo/wgs84_pos#long"
LABEL_PROPERTIES = {web.RDFS_LABEL}
DERIVED_FROM = str(PROV.wasDerivedFrom)
RDF_SUBJECT = "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"
RDF_OBJECT = "http://www.w3.org/1999/02/22-rdf-syntax-ns#object"
# Links whose evidence is beside them already (the passage itself) or that say nothing about the text.
_NO_FACT_EVIDENCE = {DERIVED_FROM, web.RDF_TYPE, str(CCD.inSection), str(OA.hasSource), str(CCD.attestedBy)}
MAX_INCOMING = 2000
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_REIFICATION = {_RDF + "subject", _RDF + "predicate", _RDF + "object"}


# --------------------------------------------------------------------------- negotiation
# A page is HTML or any RDF format of the one table (ccdkg.formats.PAGES), by document
# extension (/id/city/shanghai.ttl), then ?format=, then Accept; no Accept at all means HTML.


def _split_ext(path: str) -> tuple[str, formats.Format | None]:
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext:
        fmt = next((f for f in formats.PAGES if f.extension == ext), None)
        if fmt is not None:
            return stem, fmt
    return path, None


def choose_format(forced: formats.Format | None = None) -> formats.Format | Response:
    """The representation to send, or the 400/406 answer when there is none."""
    if forced is not None:
        return forced
    if not request.headers.get("Accept", "").strip() and not request.args.get("format"):
        return formats.HTML  # no Accept header: anything goes, and a person is the likelier reader
    return formats.choose(formats.PAGES)


def serialize(statements: Iterable[ox.Triple] | Iterable[ox.Quad], fmt: formats.Format) -> bytes:
    """Triples, or quads for the formats that keep named graphs, in one canonical order."""
    rdf = fmt.oxigraph
    assert isinstance(rdf, ox.RdfFormat)
    # Deterministic output: the same release always gives the same bytes (ETags, diffs).
    items = set(statements)
    if not fmt.supports_datasets or rdf is ox.RdfFormat.JSON_LD:
        items = {s.triple if isinstance(s, ox.Quad) else s for s in items}
    ordered = sorted(items, key=_statement_key)
    if fmt is formats.JSON_LD:
        return jsonld.serialize(ordered)  # compact, with the project's @context
    prefixes = PREFIXES if rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(ordered, format=rdf, prefixes=prefixes)


def _statement_key(st: ox.Triple | ox.Quad) -> tuple[str, ...]:
    if isinstance(st, ox.Quad):
        return (str(st.graph_name), str(st.subject), str(st.predicate), str(st.object))
    return (str(st.subject), str(st.predicate), str(st.object))


def _rdf_response(body: bytes, fmt: formats.Format, doc_path: str, forced: bool) -> Response:
    resp = Response(body, 200, content_type=fmt.content_type)
    resp.vary.add("Accept")
    if not forced:
        resp.headers["Content-Location"] = f"{request.script_root}{doc_path}.{fmt.extension}"
    resp.headers["Link"] = _alternate_links(doc_path)
    return resp


def _alternate_links(doc_path: str) -> str:
    root = request.script_root
    return ", ".join(
        f'<{root}{doc_path}.{f.extension}>; rel="alternate"; type="{f.media_type}"' for f in formats.PAGES
    )


# --------------------------------------------------------------------------- queries


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


def _evidence(passages: Iterable[str]) -> list[dict[str, Any]]:
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


def _fact_evidence(iri: str, others: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
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
    details = {e["iri"]: e for e in _evidence(all_ps)}
    return {o: [details[p] for p in sorted(ps) if p in details] for o, ps in found.items()}


def resource_view(iri: str) -> dict[str, Any]:
    """Everything the HTML page shows about one resource."""
    r = web.sparql_iri(iri)
    st = web.store()
    out_rows = st.select(f"SELECT ?p ?o ?g WHERE {{ {_both_patterns(f'{r} ?p ?o')} }}")
    in_rows = st.select(
        f"SELECT ?s ?p ?g WHERE {{ {_both_patterns(f'?s ?p {r}')} }} ORDER BY ?p ?s LIMIT {MAX_INCOMING}"
    )
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

    fact_ev = _fact_evidence(iri, linked) if linked else {}
    orders = _orders(linked)
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
    own_evidence = _evidence([*derived, *([own_passage] if own_passage else [])])
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
        "incoming_truncated": len(in_rows) >= MAX_INCOMING,
        "outside": sorted(_dedupe(outside), key=lambda v: (v["source"] or "~", v["iri"])),
        "coords": coords if len(coords) == 2 else None,
        "evidence": evidence.page_evidence(own_evidence, [*props_view, *incoming_view]),
        "is_passage": own_passage is not None,
        "has_interpreted": "interpreted" in statuses,
    }


def _orders(nodes: Iterable[str]) -> dict[str, int]:
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


def _dedupe(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per value; a value stated and also interpreted shows as stated."""
    rank = {"stated": 0, "ontology": 1, "interpreted": 2, "external": 3}
    best: dict[tuple[Any, ...], dict[str, Any]] = {}
    for v in values:
        key = (v.get("kind"), v.get("iri"), v.get("value"), v.get("lang"), v.get("datatype"))
        if key not in best or rank.get(v["status"], 9) < rank.get(best[key]["status"], 9):
            best[key] = v
    return list(best.values())


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


def format_links(doc_path: str) -> list[dict[str, str]]:
    root = request.script_root
    return [
        {"ext": f.extension, "name": f.label, "mime": f.media_type, "href": f"{root}{doc_path}.{f.extension}"}
        for f in formats.RDF
    ]


def query_link(query: str) -> str:
    return f"{request.script_root}/query?{urlencode({'query': query})}"


# --------------------------------------------------------------------------- rendering


def not_found(iri: str) -> Response:
    from .search import search  # the index is the search page's; a 404 offers its suggestions

    wanted = choose_format()
    name = web.local_name(iri)
    if wanted is not formats.HTML:
        resp = Response(f"404 Not Found: the graph does not know <{iri}>\n", 404, mimetype="text/plain")
    else:
        hits = search(name.replace("-", " "), limit=8) if name else []
        resp = Response(render_template("notfound.html", iri=iri, hits=hits, query=name), 404)
        web.remember_lang(resp)
    resp.vary.add("Accept")
    return resp


def serve_resource(
    iri: str, doc_path: str, forced: formats.Format | None, extra: dict[str, Any] | None = None
) -> Response:
    fmt = choose_format(forced)
    if isinstance(fmt, Response):
        return fmt
    if not exists(iri):
        return not_found(iri)
    if fmt is not formats.HTML:
        return _rdf_response(serialize(describe(iri), fmt), fmt, doc_path, forced is not None)
    view = resource_view(iri)
    data = [q.triple for q in describe(iri)]
    jsonld = serialize(data, formats.JSON_LD).decode("utf-8")
    html = render_template(
        "resource.html",
        r=view,
        jsonld=jsonld,
        formats=format_links(doc_path),
        sparql_href=query_link(resource_query(iri)),
        extra=extra or {},
        triple_count=len(set(data)),
    )
    resp = Response(html, 200, mimetype="text/html")
    resp.vary.add("Accept")
    if forced is None:
        resp.headers["Content-Location"] = f"{request.script_root}{doc_path}.html"
    resp.headers["Link"] = _alternate_links(doc_path)
    return web.remember_lang(resp)


# Characters no IRI may hold: a path with one names nothing here (404, not a failed query).
_NOT_IRI = frozenset('<>"{}|^`\\ \n\r\t')


@bp.route("/id/<path:rest>")
def resource(rest: str) -> Response:
    path, forced = _split_ext(rest)
    if _NOT_IRI.intersection(path):
        abort(404)
    return serve_resource(web.iri_for_path("id/" + path), "/id/" + path, forced)


# --------------------------------------------------------------------------- the ontology


def _ontology_dir() -> Path:
    import ccdkg.ontology

    return Path(ccdkg.ontology.__file__).parent


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


@bp.route("/ontology/release/<path:name>")
def ontology_release_file(name: str) -> Response:
    """The frozen files behind the version IRIs (the w3id rules redirect here)."""
    fmt = formats.by_extension(name.rsplit(".", 1)[-1], formats.PAGES)
    if fmt is None:
        abort(404)
    return send_from_directory(RELEASE_DIR, name, mimetype=fmt.media_type)


@bp.route("/ontology")
@bp.route("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:
    forced = None
    if ext is not None:
        forced = next((f for f in formats.PAGES if f.extension == ext), None)
        if forced is None:
            abort(404)
    fmt = choose_format(forced)
    if isinstance(fmt, Response):
        return fmt
    if fmt is formats.HTML:
        # the site's own page (header, language switch); pyLODE's full documentation at /ontology/docs
        resp = terms_overview(landing=True)
        resp.vary.add("Accept")
        if ext is None:
            resp.headers["Content-Location"] = f"{request.script_root}/ontology.html"
        return resp
    return _rdf_response(serialize(ontology_triples(), fmt), fmt, "/ontology", ext is not None)


def _term_iri(name: str) -> str:
    return web.public_base() + "ontology#" + name


@bp.route("/ontology/docs")
def ontology_docs() -> Response:
    """The pyLODE documentation generated at release time."""
    docs = _ontology_dir() / "docs" / "index.html"
    if not docs.exists():
        abort(404)
    return send_file(docs, mimetype="text/html", max_age=0)


@bp.route("/ontology/terms")
def terms_overview(landing: bool = False) -> Response:
    """Every class and property of the ontology with how much of the data uses it."""
    rows = web.store().select(
        f"""PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?t ?kind WHERE {{
          GRAPH {web.sparql_iri(str(GRAPH_ONTOLOGY))} {{
            VALUES ?kind {{ owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }}
            ?t a ?kind FILTER(isIRI(?t) && STRSTARTS(STR(?t), {_lit(web.public_base() + "ontology#")}))
          }}
        }}"""
    )
    counts = _usage_counts()
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
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
        # a class that is also declared as another kind shows once
    resp = Response(
        render_template(
            "terms.html",
            classes=groups["class"],
            properties=groups["property"],
            landing=landing,
            ontology=web.term_view(ox.NamedNode(ONTOLOGY_IRI)) if landing else None,
            formats=format_links("/ontology") if landing else [],
        )
    )
    return web.remember_lang(resp)


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _usage_counts() -> dict[str, int]:
    def build() -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in web.store().select("SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c } GROUP BY ?c"):
            counts[row["c"].value] = int(row["n"].value)
        for row in web.store().select("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"):
            counts[row["p"].value] = counts.get(row["p"].value, 0) + int(row["n"].value)
        return counts

    return web.cached("usage-counts", build)


@bp.route("/ontology/term/<path:rest>")
def term(rest: str) -> Response:
    name, forced = _split_ext(rest)
    if _NOT_IRI.intersection(name):
        abort(404)
    iri = _term_iri(name)
    t = web.sparql_iri(iri)
    st = web.store()
    is_class = st.ask(
        f"ASK {{ {{ {t} a <http://www.w3.org/2002/07/owl#Class> }} UNION {{ ?x a {t} }}"
        f" UNION {{ GRAPH ?g {{ {t} a <http://www.w3.org/2002/07/owl#Class> }} }} }}"
    )
    extra: dict[str, Any] = {"term": True, "name": name}
    if choose_format(forced) is formats.HTML:
        if is_class:
            inst = st.select(f"SELECT ?x WHERE {{ ?x a {t} }} ORDER BY ?x LIMIT 1000")
            extra["instances"] = sorted((web.term_view(r["x"]) for r in inst), key=web.sort_key)
            extra["instance_count"] = int(
                st.select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {t} }}")[0]["n"].value
            )
            sub = st.select(
                "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { "
                "?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ "
                f"{t} OPTIONAL {{ ?x a ?c }} }} GROUP BY ?c ORDER BY ?c"
            )
            extra["subclasses"] = [web.term_view(r["c"]) | {"count": int(r["n"].value)} for r in sub]
        else:
            uses = st.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {t} ?o }}")
            extra["use_count"] = int(uses[0]["n"].value) if uses else 0
            per_graph = st.select(
                f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s {t} ?o }} }} GROUP BY ?g ORDER BY ?g"
            )
            extra["per_graph"] = [
                {
                    "graph": web.term_view(r["g"]),
                    "count": int(r["n"].value),
                    "status": web.status_of_graph(r["g"].value),
                }
                for r in per_graph
            ]
            examples = st.select(f"SELECT ?s ?o WHERE {{ ?s {t} ?o }} ORDER BY ?s ?o LIMIT 25")
            extra["examples"] = [{"s": web.term_view(r["s"]), "o": web.term_view(r["o"])} for r in examples]
            extra["use_query"] = query_link(
                f"SELECT ?s ?o WHERE {{\n  ?s {t} ?o\n}}\nORDER BY ?s ?o\nLIMIT 100\n"
            )
    return serve_resource(iri, "/ontology/term/" + name, forced, extra)

"""The checked query: one scan that ends tokens where Oxigraph's parser does, and its value.

The differential test runs every generated query through Oxigraph itself against an empty store,
with a canary HTTP server as the SERVICE target: whenever the parser accepts a query and calls
the canary, the check must have refused that query.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ccdkg.server.config import QueryLimits
from ccdkg.server.guard import QueryRefused
from ccdkg.server.query import CheckedQuery, check_query, scan, trusted

LIMITS = QueryLimits()
SERVED = ["https://w3id.org/ccdkg/id/graph/stated", "https://w3id.org/ccdkg/id/graph/links"]


class Canary:
    def __init__(self) -> None:
        self.hits: list[str] = []
        record = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                record.append(self.path)
                body = b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.server.shutdown()
    c.server.server_close()


def _runs_service(query: str, canary: Canary) -> bool:
    """True when Oxigraph parses ``query`` and calls the canary while running it."""
    before = len(canary.hits)
    try:
        result = ox.Store().query(query, base_iri="http://base.example/")
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except (SyntaxError, OSError, ValueError, RuntimeError):
        pass
    return len(canary.hits) > before


def _accepted(query: str) -> bool:
    try:
        check_query(query, LIMITS, served_graphs=SERVED)
    except QueryRefused:
        return False
    return True


# --- adversarial juxtapositions -----------------------------------------------------------------

# What can stand right before a group pattern inside { … }: each ends in a different terminal.
BEFORE = [
    "?s ?p true",
    "?s ?p false",
    "?s ?p 1.",
    "?s ?p 1.5",
    "?s ?p 1e3",
    "?s ?p ?o",
    "?s ?p ?o.",
    '?s ?p "x"',
    "?s ?p 'x'@en",
    '?s ?p "1"^^c:t',
    "?s ?p c:o",
    "?s a c:C",
    "?s ?p []",
    "?s ?p ()",
    "?s ?p (1 c:x)",
    "?s ?p [ ?q ?r ]",
    "?s c:p* ?o",
    "FILTER(1<2)",
    "FILTER(?x<?y)",
    "FILTER(true)",
    "FILTER c:f(1)",
    "BIND(1 AS ?x)",
    "VALUES ?x {1}",
    "VALUES ?x {UNDEF}",
    "OPTIONAL{}",
    "MINUS{}",
    "{}",
    "{} UNION {}",
    "GRAPH ?g {}",
    "",
]
KEYWORD = ["SERVICE", "service", "SeRvIcE"]
SILENT = ["", " SILENT", "SILENT", " silent "]
TARGET = ["<{u}a>", "c:b", ":d", "?e", " <{u}f>", "SERVICE:g"]
SEP = ["", " ", "\n", "#x\n", "\t"]
WRAP = ["{}", "OPTIONAL {{{}}}", "FILTER EXISTS {{{}}}", "FILTER(NOT EXISTS {{{}}})", "{{ SELECT * {{{}}} }}"]
FORM = ["ASK {{{}}}", "SELECT * {{{}}}", "SELECT (1<2 AS ?z) {{{}}}", "CONSTRUCT WHERE {{{}}}"]


def _prologue(url: str, service_prefix: bool = False) -> str:
    prologue = f"PREFIX c: <{url}> PREFIX : <{url}> "
    return prologue + (f"PREFIX SERVICE: <{url}> " if service_prefix else "")


# SERVICE where the parser never reads a keyword: the check must let these through.
INERT = [
    "'SERVICE <{u}s> {{}}'",
    "#SERVICE <{u}s> {{}}\n",
    "<{u}SERVICE>",
    "?SERVICE",
    "c:SERVICE",
    '"""SERVICE"""',
]


@st.composite
def service_queries(draw, url: str) -> str:
    before = draw(st.sampled_from(BEFORE))
    if draw(st.booleans()):
        inert = draw(st.sampled_from(INERT)).replace("{u}", url).replace("{{}}", "{}")
        body = f"{before} . ?s ?p {inert} " if "?" not in inert[:1] else f"{before} . ?s ?p {inert} "
        return _prologue(url) + draw(st.sampled_from(FORM)).format(draw(st.sampled_from(WRAP)).format(body))
    call = (
        draw(st.sampled_from(KEYWORD))
        + draw(st.sampled_from(SILENT))
        + draw(st.sampled_from(SEP))
        + draw(st.sampled_from(TARGET)).format(u=url)
        + draw(st.sampled_from(SEP))
        + "{}"
    )
    if "?e" in call:
        call = f"BIND(<{url}e> AS ?e) " + call
    body = (
        before
        + draw(st.sampled_from(SEP))
        + call
        + draw(st.sampled_from(SEP))
        + draw(st.sampled_from(BEFORE))
    )
    body = draw(st.sampled_from(WRAP)).format(body)
    return _prologue(url, "SERVICE:" in call) + draw(st.sampled_from(FORM)).format(body)


FRAGMENTS = [
    "SERVICE",
    "SILENT",
    "true",
    "false",
    "a",
    "FILTER",
    "BIND",
    "AS",
    "VALUES",
    "UNDEF",
    "OPTIONAL",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    "<=",
    ">",
    ".",
    ";",
    ",",
    "#",
    "\n",
    " ",
    "'",
    '"',
    "'''",
    "?x",
    "$y",
    "c:",
    ":z",
    "c:x",
    "1",
    "1.",
    ".5",
    "e3",
    "@en",
    "^^",
    "<{u}i>",
    "<{u}#>",
    "{u}",
    "SERVICE<{u}j>{}",
    "SERVICE c:k{}",
    "SERVICE SILENT?x{}",
    "SERVICE:l{}",
    "BIND(<{u}m> AS ?x)",
    "EXISTS",
    "NOT",
    "IN",
    "SELECT",
    "*",
    "WHERE",
    "GRAPH",
    "-",
    "!",
    "&&",
    "||",
    "=",
]


@st.composite
def juxtapositions(draw, url: str) -> str:
    parts = draw(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12))
    body = "".join(p.replace("{u}", url) for p in parts)
    return _prologue(url) + draw(st.sampled_from(FORM)).format(body)


# Real query shapes with a SERVICE call where a group may hold one (§); whitespace is then
# squeezed out at random, so that tokens meet in every way the grammar allows.
SHAPES = [
    "SELECT ?s (COUNT(DISTINCT <{u}#a>) AS ?n) WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) § } GROUP BY ?s",
    "SELECT * WHERE { ?s <{u}p#x> (1 <{u}c#d>) . § FILTER(STR(?s) < 'b#') }",
    "ASK { BIND(c:f(1 < 2, <{u}#x>) AS ?b) § ?s c:p/c:q* ?o }",
    "SELECT * { { SELECT ?s (1 < 2 AS ?t) { § } ORDER BY ?s c:f(?s) } § }",
    "CONSTRUCT { ?s ?p [ c:q ( 1 'x'@en ) ] } WHERE { VALUES (?s ?p) { (<{u}a#> c:p) } § }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o IN (<{u}#a>, 1)) OPTIONAL { § } MINUS { ?s ?p 'x'^^c:t } }",
    "ASK { FILTER NOT EXISTS { § } FILTER(?a <= ?b || !(?c > 1)) § }",
]
CALLS = ["SERVICE <{u}h> {{}}", "SERVICE SILENT c:k {{}}", "service ?e {{}}", "SERVICE :z {{}}"]


@st.composite
def squeezed(draw, url: str) -> str:
    shape = draw(st.sampled_from(SHAPES))
    parts = shape.split("§")
    text = parts[0]
    for rest in parts[1:]:
        text += (draw(st.sampled_from(CALLS)) if draw(st.booleans()) else "") + rest
    text = text.replace("{u}", url).replace("{{}}", "{}").replace("?e {}", f"<{url}e> {{}}")
    pieces = text.split(" ")
    out = pieces[0]
    for piece in pieces[1:]:
        out += ("" if draw(st.booleans()) else " ") + piece
    return _prologue(url) + out


def test_the_canary_sees_an_unchecked_service(canary):
    # the differential test below is only as good as this detection
    assert _runs_service(f"ASK {{ ?s ?p trueSERVICE<{canary.url}x>{{}} }}", canary)
    assert _runs_service(_prologue(canary.url) + "ASK{FILTER(1<2)SERVICEc:x#>\n{}}", canary)
    assert not _runs_service(f"ASK {{ ?s ?p 'SERVICE <{canary.url}x> {{}}' }}", canary)


# Terminals whose end decides what follows: escapes and odd characters in names, tags, numbers.
EDGES = [
    r"c:a\-SERVICE<{u}q>{{}}",
    "c:a%41SERVICE<{u}q>{{}}",
    "c:a\u00b7SERVICE<{u}q>{{}}",
    "c:a.SERVICE<{u}q>{{}}",
    "c:a:SERVICE<{u}q>{{}}",
    "?a\u00b7SERVICE<{u}q>{{}}",
    "?a\u0300SERVICE<{u}q>{{}}",
    "?a-SERVICE<{u}q>{{}}",
    "'a'@en-SERVICE<{u}q>{{}}",
    "'a'@en--ltrSERVICE<{u}q>{{}}",
    "1e3SERVICE<{u}q>{{}}",
    "_:b.SERVICE<{u}q>{{}}",
    "_:b-SERVICE<{u}q>{{}}",
    "'a\\'SERVICE<{u}q>{{}}'",
    "<<( ?s ?p ?o )>>SERVICE<{u}q>{{}}",
    "'x'^^<{u}d>SERVICE<{u}q>{{}}",
    "'x'^^c:dSERVICE<{u}q>{{}}",
    "\u00a0SERVICE<{u}q>{{}}",
]


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("wrap", ["ASK {{ ?s ?p {} }}", "ASK {{ {} }}", "ASK {{ ?s {} }}"])
def test_terminal_edges(canary, edge, wrap):
    body = edge.encode().decode("unicode_escape").replace("{u}", canary.url).replace("{{}}", "{}")
    _differential(_prologue(canary.url) + wrap.format(body), canary)


def _differential(query: str, canary: Canary, record: bool = False) -> None:
    ran = _runs_service(query, canary)
    accepted = _accepted(query)
    if record:
        event(f"parser ran SERVICE: {ran}, check accepted: {accepted}")
    assert not (ran and accepted), f"the check let through a query that called the canary: {query!r}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_accepted_query_runs_service(canary, data):
    _differential(data.draw(service_queries(canary.url)), canary, record=True)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_accepted_squeezed_query_runs_service(canary, data):
    _differential(data.draw(squeezed(canary.url)), canary, record=True)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_accepted_juxtaposition_runs_service(canary, data):
    _differential(data.draw(juxtapositions(canary.url)), canary, record=True)


# --- tokens end where the grammar's terminals end -------------------------------------------------


def _tokens(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in scan(text) if t.kind not in ("ws", "comment")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trueSERVICE<x>", [("word", "trueSERVICE"), ("iri", "<x>")]),
        ("?x-1", [("var", "?x"), ("punct", "-"), ("number", "1")]),  # VARNAME has no "-"
        ("1.SERVICE", [("number", "1"), ("punct", "."), ("word", "SERVICE")]),
        ("ex:a.b.", [("pname", "ex:a.b"), ("punct", ".")]),  # a local name does not end in "."
        (
            "FILTER(1<2)",
            [("word", "FILTER"), ("open", "("), ("number", "1"), ("punct", "<")]
            + [("number", "2"), ("close", ")")],
        ),
        ("{ ?s <p> ?o }", [("open", "{"), ("var", "?s"), ("iri", "<p>"), ("var", "?o"), ("close", "}")]),
        (
            "{?s ?p (1 <a#b>)}",
            [("open", "{"), ("var", "?s"), ("var", "?p"), ("open", "("), ("number", "1")]
            + [("iri", "<a#b>"), ("close", ")"), ("close", "}")],
        ),  # a collection: "<" after a term is an IRI
        (
            "FILTER(?x IN (<a#>))",
            [("word", "FILTER"), ("open", "("), ("var", "?x"), ("word", "IN")]
            + [("open", "("), ("iri", "<a#>"), ("close", ")"), ("close", ")")],
        ),
        (
            "COUNT(DISTINCT <a#>)",
            [("word", "COUNT"), ("open", "("), ("word", "DISTINCT")] + [("iri", "<a#>"), ("close", ")")],
        ),
        ("'''a''''", [("string", "'''a'''"), ("string", "'")]),
        ('"a\\"b"', [("string", '"a\\"b"')]),
    ],
)
def test_scan_ends_tokens_where_the_grammar_does(text, expected):
    assert _tokens(text) == expected


def test_less_than_that_reads_as_an_iri_is_refused_where_it_could_hide_something():
    # "<?b&&(?c>" has the shape of an IRI holding a bracket: less-than here, but refused, since
    # an IRI reading would hide text; the comment sends the query down the full path.
    with pytest.raises(QueryRefused) as info:
        check_query("ASK { FILTER(?a<?b&&(?c>1)) } # service", LIMITS)
    assert (info.value.status, info.value.reason) == (400, "ambiguous")
    check_query("ASK { FILTER(?a < ?b&&(?c>1)) } # service", LIMITS)
    check_query("ASK { FILTER(?a<?b) } # service", LIMITS)


# --- the value ----------------------------------------------------------------------------------


def test_the_value_has_form_dataset_and_base():
    q = check_query(
        "PREFIX g: <https://w3id.org/ccdkg/id/graph/>\nconstruct { ?s ?p ?o } FROM g:stated "
        "FROM NAMED <https://w3id.org/ccdkg/id/graph/links> WHERE { ?s ?p ?o }",
        LIMITS,
        served_graphs=SERVED,
        base_iri="https://w3id.org/ccdkg/",
    )
    assert (q.form, q.kind, q.base_iri) == ("CONSTRUCT", "graph", "https://w3id.org/ccdkg/")
    assert q.from_graphs == ("https://w3id.org/ccdkg/id/graph/stated",)
    assert q.from_named_graphs == ("https://w3id.org/ccdkg/id/graph/links",)
    assert q.declares_dataset and not q.union_default_graph
    assert CheckedQuery.from_wire(q.to_wire()) == q


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("ASK {}", "ASK"),
        ("# SELECT\nPREFIX ask: <http://select/> DESCRIBE <x>", "DESCRIBE"),
        ("BASE <http://a/> SELECT * {}", "SELECT"),
        ("select*{}", "SELECT"),
    ],
)
def test_form(text, form):
    assert check_query(text, LIMITS).form == form
    assert trusted(text).form == form


def test_dataset_parameters_replace_the_union():
    q = check_query("ASK {}", LIMITS, served_graphs=SERVED, default_graph_uris=[SERVED[0]])
    assert q.default_graph_uris == (SERVED[0],) and not q.union_default_graph
    with pytest.raises(QueryRefused) as info:
        check_query("ASK {}", LIMITS, served_graphs=SERVED, named_graph_uris=["file:///etc/passwd"])
    assert (info.value.status, info.value.reason) == (400, "dataset")


def test_relative_from_resolves_against_the_base():
    q = check_query(
        "SELECT * FROM <id/graph/stated> {}", LIMITS, served_graphs=SERVED, base_iri="https://w3id.org/ccdkg/"
    )
    assert q.from_graphs == (SERVED[0],)
    with pytest.raises(QueryRefused):
        check_query(
            "SELECT * FROM <id/graph/stated> {}", LIMITS, served_graphs=SERVED, base_iri="http://evil/"
        )


def test_the_wire_form_carries_every_field_in_order():
    """A query worker rebuilds the checked query from to_wire(): no field may be left behind."""
    from dataclasses import astuple

    checked = check_query(
        "BASE <http://b/> SELECT * FROM <g> FROM NAMED <n> WHERE { ?s ?p ?o } # RAND()",
        QueryLimits(),
        served_graphs=None,
        default_graph_uris=["http://d"],
        named_graph_uris=["http://n"],
        base_iri="http://base/",
    )
    assert checked.to_wire() == astuple(checked)
    assert CheckedQuery.from_wire(checked.to_wire()) == checked

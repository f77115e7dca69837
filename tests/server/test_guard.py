"""The guard on its own: what it refuses, what it lets through, and why its limits are where they are."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from ccdkg.server.config import QueryLimits
from ccdkg.server.guard import QueryRefused, check_query
from ccdkg.server.query import scan

SERVED = ["https://w3id.org/ccdkg/id/graph/stated", "https://w3id.org/ccdkg/id/graph/links"]
LIMITS = QueryLimits()


def refused(query: str, **kw) -> QueryRefused:
    with pytest.raises(QueryRefused) as info:
        check_query(query, LIMITS, served_graphs=SERVED, **kw)
    return info.value


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://x/> INSERT LOAD" }',
        "SELECT * WHERE { ?s ?p '''it's DELETE ''\\''' }",
        'SELECT * WHERE { ?s ?p """a "quoted" FROM <file:///etc/passwd>""" }',
        "SELECT ?service ?load WHERE { ?service <http://x/SERVICE> ?load }",
        "PREFIX ex: <http://ex/> SELECT * WHERE { ?s ex:service ex:insert }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/> ; DROP ALL\n",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
        "PREFIX g: <https://w3id.org/ccdkg/id/graph/> SELECT * FROM g:stated FROM NAMED g:links { ?s ?p ?o }",
        "BASE <https://w3id.org/ccdkg/id/> SELECT * FROM <graph/stated> WHERE { ?s ?p ?o }",
        "ASK { FILTER(?x IN (" + ", ".join(str(i) for i in range(1000)) + ")) }",
        "ASK { << <http://a> <http://b> ?o >> ?p ?q }",
    ],
)
def test_accepted(query):
    check_query(query, LIMITS, served_graphs=SERVED)


@pytest.mark.parametrize(
    ("query", "status", "reason", "fragment"),
    [
        ("SELECT * WHERE { SeRvIcE <http://127.0.0.1/> { ?s ?p ?o } }", 403, "service", "line 1, column 18"),
        # an update sent as a query is a malformed query (issue 13): 400, not 403
        ("ASK {}\n;\ninsert data { <a:b> <a:c> <a:d> }", 400, "update", "INSERT at line 3, column 1"),
        ("load <http://x/>", 400, "update", "LOAD"),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", 400, "update", "WITH"),
        ("SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }", 400, "dataset", "FROM <file:///etc/passwd>"),
        ("SELECT * FROM NAMED <http://evil/> { ?s ?p ?o }", 400, "dataset", "FROM NAMED <http://evil/>"),
        ("PREFIX e: <http://evil/> SELECT * FROM e:x { ?s ?p ?o }", 400, "dataset", "<http://evil/x>"),
        (
            "BASE <http://evil/> SELECT * FROM <graph/stated> { ?s ?p ?o }",
            400,
            "dataset",
            "<http://evil/graph",
        ),
        ("SELECT * FROM ?g { ?s ?p ?o }", 400, "dataset", "must be followed"),
        ("SELECT * WHERE { FILTER(" + "(" * 65 + "1" + ")" * 65 + ") }", 400, "depth", "64 levels"),
        ("SELECT * WHERE { ?s ?p " + "[ ?p " * 17 + "1" + "]" * 17 + " }", 400, "depth", "blank nodes"),
        ("SELECT * WHERE { ?s ?p " + "(" * 17 + "1" + ")" * 17 + " }", 400, "depth", "collections"),
        ("ASK { FILTER(" + "- " * 33 + "1) }", 400, "depth", "operators"),
        ("SELECT * { " + "?s ?p ?o . " * 129 + "}", 400, "patterns", "128 triple patterns"),
        ("", 400, "empty", "empty"),
        ("ASK {} \x00", 400, "encoding", "NUL"),
        ("ASK { ?s ?p '\udcff' }", 400, "encoding", "UTF-8"),
        ("ASK {} #" + "é" * 40000, 413, "size", "80008 bytes"),
    ],
)
def test_refused(query, status, reason, fragment):
    err = refused(query)
    assert (err.status, err.reason) == (status, reason), err.message
    assert fragment in err.message


def test_from_checks_need_the_served_graphs():
    # Safe by default: a caller that does not say which graphs it serves allows no FROM at all.
    with pytest.raises(QueryRefused):
        check_query("SELECT * FROM <https://w3id.org/ccdkg/id/graph/stated> { ?s ?p ?o }", LIMITS)


def test_tokenizer_is_linear_and_total_on_hostile_text():
    hostile = ["'''" + "'" * 50_000, '"' + "\\" * 50_001, "<" * 60_000, "#" * 60_000, "?" * 60_000]
    for text in hostile:
        started = time.monotonic()
        assert "".join(t.text for t in scan(text)) == text  # every character in one token
        assert time.monotonic() - started < 1.0


# Why the limits: Oxigraph's parser, run in a child process so that its crash cannot hurt pytest.
_PARSE = "import sys, pyoxigraph; pyoxigraph.Store().query(sys.stdin.read())"


def _parse_in_child(query: str, timeout: float = 20) -> tuple[int | None, float]:
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _PARSE], input=query, text=True, capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - started
    return proc.returncode, time.monotonic() - started


def test_the_parser_really_dies_on_what_the_guard_refuses():
    code, _ = _parse_in_child("SELECT * WHERE { FILTER(" + "(" * 50_000 + "1" + ")" * 50_000 + ") }")
    assert code is not None and code < 0  # killed by a signal: the stack overflowed
    code, seconds = _parse_in_child("SELECT * WHERE { ?s ?p " + "[ ?p (" * 64 + " 1 " + ") ]" * 64 + " }", 3)
    assert code is None and seconds >= 3  # still parsing after 3 s: exponential backtracking


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p " + "[ ?p (" * 8 + " 1 " + ") ]" * 8 + " }",
        "SELECT * WHERE " + "{" * 47 + " ?s ?p " + "[ ?p " * 16 + "1" + "]" * 16 + "}" * 47,
        "SELECT * WHERE { FILTER(" + "(" * 62 + "1" + ")" * 62 + ") }",
        "ASK { FILTER(" + "!" * 32 + "true) }",
    ],
)
def test_the_worst_accepted_shapes_parse_quickly(query):
    check_query(query, LIMITS)
    code, seconds = _parse_in_child(query)
    assert code == 0
    assert seconds < 2.0


FAST_PATH = [
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 10",
    "ASK { ?s a <https://w3id.org/ccdkg/ontology#City> }",
    "DESCRIBE <https://w3id.org/ccdkg/id/city/shanghai>",
    "SELECT * WHERE { ?s ?p ?o }\n# from a comment",
]


@pytest.mark.parametrize("query", FAST_PATH)
def test_fast_path_agrees_with_the_tokenizer(query, monkeypatch):
    from ccdkg.server import guard

    outcomes = []
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr(guard, "_plainly_fine", lambda *a: False)
        try:
            check_query(query, LIMITS, served_graphs=SERVED)
            outcomes.append(None)
        except QueryRefused as err:
            outcomes.append((err.status, err.reason))
    assert outcomes[0] == outcomes[1]

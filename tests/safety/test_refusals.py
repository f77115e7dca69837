"""Refusals over every route and form, and a canary that no query may ever make the server call.

Oxigraph itself executes ``SERVICE <http://…>`` and ``LOAD <http://…>`` over HTTP (the canary
sees those requests when the guard is bypassed), so these tests fail on a server without it.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

from .helpers import SERVED, unique

FORMS = ("get", "form", "body")


def _attacks(canary) -> list[tuple[str, str, int, str]]:
    """(name, query, expected status, expected message fragment)."""
    url = canary.url
    return [
        ("service", f"SELECT * WHERE {{ SERVICE <{url('/sparql')}> {{ ?s ?p ?o }} }}", 403, "SERVICE"),
        ("service-mixed-case", f"SELECT * WHERE {{ SeRvIcE <{url('/q')}> {{ ?s ?p ?o }} }}", 403, "SERVICE"),
        (
            "service-silent-prefixed",
            f"PREFIX c: <{url('/')}>\n"
            "SELECT * WHERE { ?x ?y ?z OPTIONAL { service silent c:sparql { ?s ?p ?o } } }",
            403,
            "SERVICE",
        ),
        (
            "service-variable",
            f"SELECT * WHERE {{ BIND(<{url('/v')}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
            403,
            "SERVICE",
        ),
        ("from-http", f"SELECT * FROM <{url('/from')}> WHERE {{ ?s ?p ?o }}", 400, "does not serve"),
        ("from-named", f"SELECT * FROM NAMED <{url('/named')}> WHERE {{ ?s ?p ?o }}", 400, "does not serve"),
        ("from-file", "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", 400, "does not serve"),
        (
            "from-prefixed",
            f"PREFIX c: <{url('/')}>\nASK FROM c:g {{ ?s ?p ?o }}",
            400,
            "does not serve",
        ),
        # an update sent as query= is a malformed query: 400 (the update operation stays 403)
        ("load", f"LOAD <{url('/data.ttl')}>", 400, "read-only"),
        ("load-into", f"LOAD SILENT <{url('/d.ttl')}> INTO GRAPH <{url('/g')}>", 400, "read-only"),
        (
            "smuggled-update",
            f"ASK {{ ?s ?p ?o }} ;\nLOAD <{url('/smuggled.ttl')}>",
            400,
            "read-only",
        ),
        ("insert", "INSERT DATA { <http://a/s> <http://a/p> <http://a/o> }", 400, "read-only"),
        ("delete-where", "DELETE WHERE { ?s ?p ?o }", 400, "read-only"),
        ("drop", "DROP ALL", 400, "read-only"),
        ("clear", "CLEAR DEFAULT", 400, "read-only"),
    ]


@pytest.mark.parametrize("form", FORMS)
def test_no_query_form_makes_the_server_contact_anything(live, canary, form):
    for name, query, status, fragment in _attacks(canary):
        reply = live.query(query + unique(), form=form)
        assert reply.status == status, (name, form, reply.status, reply.text)
        assert fragment in reply.text, (name, form, reply.text)
    assert canary.hits == []
    assert live.alive()


def test_updates_in_update_parameter_and_update_body_are_refused(live, canary):
    update = f"LOAD <{canary.url('/via-update.ttl')}>"
    form = live.request(
        "POST",
        "/sparql",
        urllib.parse.urlencode({"update": update}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    body = live.request("POST", "/sparql", update.encode(), {"Content-Type": "application/sparql-update"})
    get = live.get("/sparql", {"update": update})
    for reply in (form, body, get):
        assert reply.status == 403, reply.text
        assert "read-only" in reply.text
    assert canary.hits == []


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_protocol_dataset_parameters_naming_other_graphs_are_refused(live, canary, param):
    for target in (canary.url("/dg"), "file:///etc/passwd"):
        reply = live.get("/sparql", [("query", "ASK { ?s ?p ?o }" + unique()), (param, target)])
        assert reply.status == 400, reply.text
        assert "not served" in reply.text
    assert canary.hits == []


def test_served_graphs_stay_usable_in_from_and_parameters(live):
    stated = SERVED[1]
    q = (
        "PREFIX g: <https://w3id.org/ccdkg/id/graph/>\n"
        f"ASK FROM g:stated FROM NAMED <{stated}> {{ ?s ?p ?o }}"
    )
    for form in FORMS:
        reply = live.query(q + unique(), form=form)
        assert reply.status == 200, reply.text
        assert json.loads(reply.body)["boolean"] is True
    reply = live.get("/sparql", [("query", "ASK { ?s ?p ?o }" + unique()), ("default-graph-uri", stated)])
    assert reply.status == 200


def test_keywords_inside_literals_iris_comments_and_names_are_not_refused(live):
    q = (
        "SELECT ?service WHERE {"
        ' BIND("SERVICE <http://x/> LOAD INSERT FROM <file:///etc/passwd>" AS ?service)'
        " BIND('''DELETE WHERE { ?s ?p ?o }''' AS ?from)"
        " BIND(<http://example.org/SERVICE/LOAD> AS ?iri) }  # SERVICE <http://x/> FROM <file:///x>"
    )
    for form in FORMS:
        reply = live.query(q + unique(), form=form)
        assert reply.status == 200, reply.text
        assert "SERVICE <http://x/>" in reply.text


@pytest.mark.parametrize(
    ("query", "status", "fragment"),
    [
        ("SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }", 400, "levels deep"),
        ("SELECT * WHERE " + "{" * 5000 + "}" * 5000, 400, "levels deep"),
        ("SELECT * WHERE { ?s ?p " + "[ ?p " * 40 + "1" + " ]" * 40 + " }", 400, "blank nodes"),
        ("ASK { FILTER(" + "!" * 50000 + "true) }", 400, "operators"),
        (
            "SELECT * WHERE { " + " ".join(f"?s ?p ?o{i} ." for i in range(300)) + " }",
            400,
            "triple patterns",
        ),
        ("   # nothing but a comment\n", 400, "empty"),
        ("SELECT * WHERE { ?s ?p ?o } # " + "x" * 70000, 413, "cap of"),
    ],
    ids=["parens-5000", "braces-5000", "bnodes-40", "not-50000", "patterns-300", "empty", "size-70k"],
)
def test_queries_beyond_the_limits_are_refused_before_the_parser(live, query, status, fragment):
    reply = live.query(query, form="body")
    assert reply.status == status, reply.text[:300]
    assert fragment in reply.text
    assert reply.seconds < 1.0
    assert live.alive()


def test_invalid_utf8_is_refused_in_every_form(live):
    bad = b'ASK { ?s ?p "\xff\xfe" }'
    encoded = urllib.parse.quote_from_bytes(bad)
    replies = [
        live.request("GET", "/sparql?query=" + encoded),
        live.request(
            "POST",
            "/sparql",
            b"query=" + encoded.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        live.request("POST", "/sparql", bad, {"Content-Type": "application/sparql-query"}),
    ]
    for reply in replies:
        assert reply.status == 400, reply.text
        assert "UTF-8" in reply.text


def test_oversized_body_is_refused_413(live):
    body = b"ASK {} #" + b"x" * (2 * 1024 * 1024)
    reply = live.request("POST", "/sparql", body, {"Content-Type": "application/sparql-query"})
    assert reply.status == 413
    assert live.alive()


def test_validation_upload_never_fetches_a_remote_jsonld_context(live, canary):
    doc = json.dumps({"@context": canary.url("/context.jsonld"), "@id": "http://a/x", "name": "x"})
    reply = live.request(
        "POST",
        "/validate",
        doc.encode(),
        {"Content-Type": "application/ld+json", "Accept": "application/json"},
    )
    assert reply.status < 500, reply.text
    assert canary.hits == []

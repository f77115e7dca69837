"""The W3C SPARQL 1.1 test suite through the endpoint (Flask test client, in-memory store).

* syntax tests (``syntax-query``, and the syntax tests of the evaluation manifests): a positive
  test must be answered 200, a negative one 400;
* update syntax tests (``syntax-update-*``): every update, well-formed or not, is refused as an
  update operation (403, the endpoint is read-only) and is never run when sent as a query;
* evaluation tests whose dataset fits ``--data`` (a default graph only: the server's default
  graph is the union of its named graphs): the data is served as ``ccdkg serve --data FILE``
  serves it and the answer must match the suite's expected result.

A failure is the engine's when Oxigraph itself, run directly (pyoxigraph, the same data loaded the
same way, the same query with the same base IRI) gives the same verdict or the same bytes as the
endpoint: such tests are expected to fail, with the reason. Any other failure is ours and fails
the suite. The pass rate is printed and written to ``test-artifacts/w3c.json``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from .suite import Case, cases

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "w3c.json"
CASES = cases()
OUTCOMES: dict[str, dict[str, str]] = {}
ANY_RESULT = "application/sparql-results+json, application/n-triples"
RESULT_ACCEPT = {
    ".srx": "application/sparql-results+json",
    ".srj": "application/sparql-results+json",
    ".tsv": "text/tab-separated-values",
    ".csv": "text/csv",
    ".ttl": "application/n-triples",
    ".rdf": "application/n-triples",
    ".nt": "application/n-triples",
}
RDFLIB_SYNTAX = {".ttl": "turtle", ".rdf": "xml", ".nt": "nt"}
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte")}

# Failures that are ours and wait on a change being made elsewhere: each names what is missing and
# where. They are expected failures until then; once they pass they count as passes (and the entry
# is to be deleted).
# Failures that are ours and known (each with its reason); the goal, and the state, is none.
KNOWN_OURS: dict[str, str] = {}


def _record(case: Case, outcome: str, reason: str = "") -> None:
    OUTCOMES[case.id] = {"kind": case.kind, "outcome": outcome, "reason": reason}


def _passed(case: Case) -> None:
    _record(case, "pass")


def _engine_failure(case: Case, reason: str) -> None:
    _record(case, "engine", reason)
    pytest.xfail(f"Oxigraph's own answer: {reason}")


def _ours(case: Case, reason: str) -> None:
    if case.id in KNOWN_OURS:
        _record(case, "ours", f"known: {KNOWN_OURS[case.id]} ({reason})")
        pytest.xfail(f"ours, known: {KNOWN_OURS[case.id]}")
    _record(case, "ours", reason)
    pytest.fail(f"ours: {reason}")


@pytest.fixture(scope="module", autouse=True)
def report(request: pytest.FixtureRequest) -> Any:
    yield
    ran = {k: v for k, v in OUTCOMES.items() if v["outcome"] not in ("not-fit", "policy")}
    counts = Counter(v["outcome"] for v in OUTCOMES.values())
    passed = counts["pass"]
    summary = {
        "suite": "W3C SPARQL 1.1 (w3c/rdf-tests, see tests/w3c/README.md)",
        "cases": len(CASES),
        "run": len(ran),
        "passed": passed,
        "pass_rate": round(passed / len(ran), 4) if ran else 0.0,
        "engine_failures": {k: v["reason"] for k, v in sorted(OUTCOMES.items()) if v["outcome"] == "engine"},
        "our_failures": {k: v["reason"] for k, v in sorted(OUTCOMES.items()) if v["outcome"] == "ours"},
        "not_fit": {k: v["reason"] for k, v in sorted(OUTCOMES.items()) if v["outcome"] == "not-fit"},
        "refused_by_design": {
            k: v["reason"] for k, v in sorted(OUTCOMES.items()) if v["outcome"] == "policy"
        },
        "by_kind": {
            kind: dict(Counter(v["outcome"] for v in OUTCOMES.values() if v["kind"] == kind))
            for kind in sorted({v["kind"] for v in OUTCOMES.values()})
        },
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None and ran:
        terminal.write_line(
            f"\nW3C SPARQL 1.1: {passed}/{len(ran)} passed ({100 * passed / len(ran):.1f} %), "
            f"{counts['engine']} engine failures, {counts['ours']} ours (known: {len(KNOWN_OURS)}), "
            f"{counts['policy']} refused by design, {counts['not-fit']} not run (dataset does not fit "
            f"--data); see {ARTIFACT}"
        )


# ---------------------------------------------------------------------------------- the engine


def _engine_store(files: tuple[Path, ...]) -> ox.Store:
    """The data as the server loads ``--data`` files: bulk-loaded, syntax by extension, relative
    IRIs against the file's location."""
    store = ox.Store()
    for path in files:
        fmt = ox.RdfFormat.from_extension(path.suffix[1:])
        store.bulk_load(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
    return store


def _engine_parses(text: str, base: str) -> bool:
    try:
        ox.Store().query(text, base_iri=base)
    except SyntaxError:
        return False
    except Exception:  # noqa: BLE001 - parsed, then failed to evaluate (an unknown function): valid
        return True
    return True


def _engine_answer(case: Case, text: str, accept: str, union: bool = True) -> bytes | None:
    """Oxigraph's own bytes for the query, in the format the endpoint was asked for; ``union``: the
    default graph is the union of all graphs, as the server queries it."""
    try:
        result = _engine_store(case.data).query(text, base_iri=case.base, use_default_graph_as_union=union)
    except (SyntaxError, OSError, ValueError):
        return None
    if isinstance(result, ox.QueryTriples):
        return result.serialize(format=ox.RdfFormat.N_TRIPLES)
    return result.serialize(format=ox.QueryResultsFormat.from_media_type(accept))


# ---------------------------------------------------------------------------------- comparing


_BNODE = re.compile(rb'_:([A-Za-z0-9]+)|"type":"bnode","value":"([^"]+)"|<bnode>([^<]+)</bnode>')


def relabel(body: bytes) -> bytes:
    """Blank node labels in order of first appearance: two runs of one query compare byte for byte."""
    names: dict[bytes, bytes] = {}

    def one(m: re.Match[bytes]) -> bytes:
        label = next(g for g in m.groups() if g is not None)
        new = names.setdefault(label, b"b%d" % len(names))
        return m.group(0).replace(label, new)

    return _BNODE.sub(one, body)


def _canonical(term: Any) -> str:
    """A literal's value in Oxigraph's canonical form ("1.0"^^xsd:decimal is 1, "0"^^xsd:boolean false)."""
    if isinstance(term, ox.Literal) and term.datatype.value in NUMERIC:
        try:
            from decimal import Decimal

            return f"number {Decimal(term.value).normalize()}"
        except ArithmeticError:
            return _term(term)
    if isinstance(term, ox.Literal) and term.datatype.value == XSD + "boolean":
        return f"boolean {term.value in ('1', 'true')}"
    return _term(term)


def _term(term: Any) -> str:
    return "_:" if isinstance(term, ox.BlankNode) else str(term)


def _solutions(result: Any, term: Any = _term) -> Any:
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    names = [v.value for v in result.variables]
    return Counter(frozenset((n, term(s[n])) for n in names if s[n] is not None) for s in result)


def _csv_rows(data: bytes) -> Counter:
    """CSV rows as {column: value} (columns in any order, blank node labels ignored)."""
    import csv
    import io

    text = re.sub(r"_:[A-Za-z0-9]+", "_:", data.decode("utf-8"))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0] if rows else []
    return Counter(frozenset(zip(header, row, strict=True)) for row in rows[1:] if row)


def _expected_solutions(case: Case) -> Any:
    assert case.result is not None
    fmt = ox.QueryResultsFormat.from_extension(case.result.suffix[1:])
    return ox.parse_query_results(path=str(case.result), format=fmt)


def _why(case: Case, body: bytes, accept: str) -> str:
    """What differs, for the record of an engine failure."""
    assert case.result is not None
    if case.result.suffix not in (".srx", ".srj", ".tsv"):
        return "a different result than the expected one"
    actual = ox.parse_query_results(body, format=ox.QueryResultsFormat.from_media_type(accept))
    expected, got = _solutions(_expected_solutions(case), _canonical), _solutions(actual, _canonical)
    if expected == got:
        return "the expected values, in other lexical forms (Oxigraph keeps numbers and booleans canonical)"
    if isinstance(expected, bool) or isinstance(got, bool):
        return f"ASK answering {str(got).lower()}, expected {str(expected).lower()}"
    missing, extra = expected - got, got - expected
    return (
        f"{sum(got.values())} solutions, expected {sum(expected.values())}: "
        f"{sum(missing.values())} missing, {sum(extra.values())} unexpected"
    )


def _matches(case: Case, body: bytes, accept: str) -> bool:
    assert case.result is not None
    suffix = case.result.suffix
    if suffix in RDFLIB_SYNTAX:
        expected = Graph().parse(case.result, format=RDFLIB_SYNTAX[suffix], publicID=_iri(case.result))
        return isomorphic(expected, Graph().parse(data=body.decode("utf-8"), format="nt"))
    if suffix == ".csv":
        return _csv_rows(body) == _csv_rows(case.result.read_bytes())
    expected = _expected_solutions(case)
    actual = ox.parse_query_results(body, format=ox.QueryResultsFormat.from_media_type(accept))
    return _solutions(expected) == _solutions(actual)


def _iri(path: Path) -> str:
    from .suite import iri_of

    return iri_of(path)


# ---------------------------------------------------------------------------------- the tests


def _post_query(client: Any, text: str, accept: str) -> Any:
    return client.post(
        "/sparql",
        data=text.encode("utf-8"),
        content_type="application/sparql-query",
        headers={"Accept": accept},
    )


SYNTAX = [c for c in CASES if c.kind in ("syntax+", "syntax-")]
UPDATES = [c for c in CASES if c.kind in ("update+", "update-")]
EVALUATION = [c for c in CASES if c.kind == "eval"]


@pytest.mark.parametrize("case", SYNTAX, ids=lambda c: c.id)
def test_syntax(client: Any, case: Case) -> None:
    text = case.action.read_text(encoding="utf-8")
    reply = _post_query(client, text, ANY_RESULT)
    positive = case.kind == "syntax+"
    # parsed: answered, or run and failed in evaluation (an unsupported custom function)
    accepted = reply.status_code == 200 or reply.get_data(as_text=True).startswith("query failed:")
    if (positive and accepted) or (not positive and reply.status_code == 400):
        _passed(case)
        return
    got = f"{reply.status_code}: {reply.get_data(as_text=True).strip()[:300]}"
    if positive and reply.status_code == 400 and "names a graph this endpoint does not serve" in got:
        # By design (SECURITY.md): FROM never fetches; the query is refused as a dataset, not as syntax.
        _record(case, "policy", f"refused by design: {got}")
        pytest.skip("FROM names a graph this endpoint does not serve: refused by design")
    if accepted == _engine_parses(text, case.base):
        verdict = "accepts" if accepted else "rejects"
        _engine_failure(
            case, f"Oxigraph {verdict} this {'valid' if positive else 'invalid'} query too ({got})"
        )
    _ours(case, f"expected {'200' if positive else '400'}, got {got}")


@pytest.mark.parametrize("case", UPDATES, ids=lambda c: c.id)
def test_update_is_refused_as_an_update(client: Any, case: Case) -> None:
    text = case.action.read_text(encoding="utf-8")
    direct = client.post("/sparql", data=text.encode("utf-8"), content_type="application/sparql-update")
    form = client.post("/sparql", data={"update": text})
    as_query = _post_query(client, text, ANY_RESULT)
    statuses = (direct.status_code, form.status_code, as_query.status_code)
    if direct.status_code == form.status_code == 403 and as_query.status_code in (400, 403):
        _passed(case)
        return
    _ours(case, f"update refused with {statuses} (want 403, 403, and 400 or 403 as a query)")


def _not_fit(case: Case) -> str | None:
    if case.graph_data:
        return (
            "named graphs beside a default graph: the server's default graph is the union of its named graphs"
        )
    if re.search(r"\bFROM\b", case.action.read_text(encoding="utf-8"), re.IGNORECASE):
        return "the query names its own dataset (FROM): the server serves only the graphs it loaded"
    return None


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A client of the server over a test's data (``ccdkg serve --data FILE``); the few most recent
    servers are kept (tests of one manifest share data), older ones are closed with their workers."""
    from collections import OrderedDict

    from ccdkg.errors import StoreError
    from ccdkg.server import create_app

    empty = tmp_path_factory.mktemp("w3c") / "empty.ttl"
    empty.write_text("", encoding="utf-8")
    apps: OrderedDict[tuple[Path, ...], Any] = OrderedDict()

    def client(files: tuple[Path, ...]) -> Any:
        if files not in apps:
            settings = {"data": list(files or (empty,)), "testing": True, "cache_bytes": 0}
            try:
                apps[files] = create_app(settings | {"query_workers": 1, "max_query_workers": 1})
            except StoreError as err:
                return err
            while len(apps) > 4:
                apps.popitem(last=False)[1].extensions["ccdkg"].close()
        apps.move_to_end(files)
        return apps[files].test_client()

    yield client
    for app in apps.values():
        app.extensions["ccdkg"].close()


@pytest.mark.parametrize("case", EVALUATION, ids=lambda c: c.id)
def test_evaluation(served: Any, case: Case) -> None:
    reason = _not_fit(case)
    if reason is not None:
        _record(case, "not-fit", reason)
        pytest.skip(reason)
    assert case.result is not None
    text = case.action.read_text(encoding="utf-8")
    accept = RESULT_ACCEPT[case.result.suffix]
    client = served(case.data)
    if isinstance(client, Exception):
        _ours(case, f"the server does not start over this data: {client}")
    reply = _post_query(client, text, accept)
    if reply.status_code == 200 and _matches(case, reply.data, accept):
        _passed(case)
        return
    engine = _engine_answer(case, text, accept)
    got = f"{reply.status_code}: {reply.data[:300]!r}"
    if reply.status_code == 200 and engine is not None and relabel(engine) == relabel(reply.data):
        reason = "Oxigraph's own bytes, with " + _why(case, reply.data, accept)
        plain = _engine_answer(case, text, accept, union=False)
        if plain is not None and _matches(case, plain, accept):
            reason += "; right when the default graph is not the union of all graphs (the server's setting)"
        _engine_failure(case, reason)
    _ours(
        case, f"the endpoint's answer differs from Oxigraph's own ({got}; engine: {(engine or b'')[:300]!r})"
    )


# A plain GET of each query, asked of the direct path (server/direct.py, as ccdkg serve's front asks
# it) and of the Flask view: the same status, body and headers, over every evaluation test's data.
DIRECT_CASES = [
    c for c in EVALUATION if _not_fit(c) is None and len(c.action.read_text(encoding="utf-8")) < 16 * 1024
]
_HTTP_LAYER = {"date", "server", "content-length"}


@pytest.mark.parametrize("case", DIRECT_CASES, ids=lambda c: c.id)
def test_the_direct_path_answers_as_the_view(served: Any, case: Case) -> None:
    from ..helpers import ask_direct

    client = served(case.data)
    if isinstance(client, Exception):
        pytest.fail(f"the server does not start over this data: {client}")
    assert case.result is not None
    text = case.action.read_text(encoding="utf-8")
    accept = RESULT_ACCEPT[case.result.suffix]
    answer = ask_direct(client.application, [("query", text)], {"Accept": accept})
    view = client.get("/sparql", query_string={"query": text}, headers={"Accept": accept})
    if answer is None:  # left to Flask (a form the scan cannot read: the engine's parser words it)
        assert view.status_code == 400, view.data[:200]
        return
    status, headers, body = answer
    assert status == view.status_code, (body[:200], view.data[:200])
    ours = {(k.lower(), v) for k, v in headers if k.lower() not in _HTTP_LAYER}
    assert ours == {(k.lower(), v) for k, v in view.headers.items() if k.lower() not in _HTTP_LAYER}
    if ("cache-control", "no-store") not in ours:  # a volatile answer differs between runs
        assert relabel(body) == relabel(view.data)  # fresh blank nodes in each run's CONSTRUCT

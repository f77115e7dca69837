"""Validation on the web: the build's SHACL report as a page (GET /validation) and validation of a user's
own RDF (GET /validate: a form; POST /validate: the data in the body or the form).

POSTed data is validated in a child process forked from a forkserver that has already imported
pyshacl, so a request that overruns its deadline is killed rather than left running, and the server's
own process never parses untrusted input. Both answer by content negotiation: HTML, JSON or Turtle
(the W3C sh:ValidationReport).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from rdflib import Graph, URIRef

from ccdkg.errors import InputError
from ccdkg.namespaces import BASE
from ccdkg.validation.report import Report, curie

bp = Blueprint("validation", __name__, template_folder="templates")

DEFAULT_MAX_BYTES = 5_000_000  # a few times the built graph's largest dump
DEFAULT_DEADLINE = 30.0  # seconds; the 5,000-triple built graph validates in a few
OFFERS = ("application/json", "text/html", "text/turtle")


def build_report_path() -> Path:
    from ccdkg import graph

    return Path(graph.__file__).resolve().parent / "release" / "build-report.ttl"


@lru_cache(maxsize=4)
def _build_report(path: Path, mtime: float) -> Report:
    graph = Graph()
    graph.parse(path, format="turtle")
    return Report.from_graph(graph)


def _answer(report: Report, *, title: str, status: int = 200, source: str = "") -> Response:
    best = request.accept_mimetypes.best_match(OFFERS, default="application/json")
    # A browser sends text/html with a higher weight than */*; a bare */* (curl) gets JSON.
    if request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]:
        best = "text/html"
    if best == "text/turtle":
        return Response(report.turtle(), status=status, mimetype="text/turtle")
    if best == "text/html":
        page = render_template(
            "validation/report.html",
            report=report,
            groups=_groups(report),
            title=title,
            source=source,
            local=_local_href,
        )
        return Response(page, status=status, mimetype="text/html")
    return Response(report.json(), status=status, mimetype="application/json")


def _local_href(node: Any) -> str | None:
    """Where the server shows a data IRI (it serves the public base's paths itself)."""
    if isinstance(node, URIRef) and str(node).startswith(BASE):
        return request.script_root + "/" + str(node)[len(BASE) :]
    return None


def _groups(report: Report) -> list[dict[str, Any]]:
    groups: dict[Any, dict[str, Any]] = {}
    for r in report.results:
        group = groups.setdefault(
            r.focus,
            {
                "focus": r.focus,
                "name": curie(r.focus),
                "label": report.labels.get(r.focus, ""),
                "types": ", ".join(report.types.get(r.focus, ())),
                "results": [],
            },
        )
        group["results"].append(
            {
                "severity": r.severity_name,
                "path": r.path_label,
                "value": curie(r.value) if r.value is not None and r.value != r.focus else "",
                "value_label": report.labels.get(r.value, "") if r.value is not None else "",
                "message_en": r.message_en,
                "message_zh": r.message_zh,
                "shape": r.shape,
                "component": curie(r.component) if r.component else "",
            }
        )
    return list(groups.values())


@bp.get("/validation")
def build_report() -> Response:
    path = build_report_path()
    if not path.exists():
        abort(404, description="No build report yet: run `ccdkg build`.")
    report = _build_report(path, path.stat().st_mtime)
    return _answer(
        report, title="Validation report of the built graph", source="graph/release/build-report.ttl"
    )


@bp.get("/validate")
def validate_form() -> Response:
    return Response(render_template("validation/form.html", max_bytes=_max_bytes()), mimetype="text/html")


@bp.post("/validate")
def validate_upload() -> Response:
    from ccdkg.validation.cli import parser_for

    limit = _max_bytes()
    if request.content_length is not None and request.content_length > limit:
        return _error(413, f"The data is larger than {limit:,} bytes.")
    syntax = request.args.get("format") or request.form.get("format") or None
    if request.form or request.files:
        upload = request.files.get("file")
        data = upload.read(limit + 1) if upload and upload.filename else request.form.get("data", "").encode()
        name = upload.filename if upload and upload.filename else "data"
    else:
        data = request.get_data(cache=False)[: limit + 1]
        name = "data"
        syntax = syntax or (
            request.mimetype if request.mimetype not in ("", "application/octet-stream") else None
        )
    if len(data) > limit:
        return _error(413, f"The data is larger than {limit:,} bytes.")
    if not data.strip():
        return _error(400, "No RDF data in the request body.")
    try:
        plugin = parser_for(name if not syntax and "." in name else None, syntax)
    except InputError as err:
        return _error(415, str(err))
    outcome = _run_isolated(data, plugin, name, _deadline())
    if outcome[0] == "input":
        return _error(400, outcome[1])
    if outcome[0] == "timeout":
        return _error(503, f"Validation did not finish within {_deadline():g} seconds.")
    if outcome[0] == "error":
        return _error(500, outcome[1])
    return _answer(outcome[1], title="Validation report of your data")


def _max_bytes() -> int:
    return int(current_app.config.get("VALIDATION_MAX_BYTES", DEFAULT_MAX_BYTES))


def _deadline() -> float:
    return float(current_app.config.get("VALIDATION_DEADLINE", DEFAULT_DEADLINE))


def _error(status: int, message: str) -> Response:
    best = request.accept_mimetypes.best_match(OFFERS, default="application/json")
    if request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]:
        best = "text/html"
    if best == "text/html":
        page = render_template("validation/form.html", max_bytes=_max_bytes(), error=message)
        return Response(page, status=status, mimetype="text/html")
    if best == "text/turtle":
        return Response(f"# error: {message}\n", status=status, mimetype="text/plain")
    import json

    return Response(
        json.dumps({"error": message}, ensure_ascii=False) + "\n", status=status, mimetype="application/json"
    )


# -- the isolated worker -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["ccdkg.validation", "ccdkg.validation.cli", "pyshacl", "ccdkg.ontology"])
        return ctx
    return multiprocessing.get_context("spawn")


def _worker(conn: multiprocessing.connection.Connection, data: bytes, plugin: str, name: str) -> None:
    from rdflib import Dataset

    from ccdkg.validation import validate
    from ccdkg.validation.cli import parse_into

    try:
        dataset = Dataset()
        parse_into(dataset, data, plugin, name)
        conn.send(("ok", validate(dataset)))
    except InputError as err:
        conn.send(("input", str(err)))
    except Exception as err:  # reported to the client as a 500 with one line, never a traceback
        conn.send(("error", f"{type(err).__name__}: {err}"))
    finally:
        conn.close()


def _run_isolated(data: bytes, plugin: str, name: str, deadline: float) -> tuple[str, Any]:
    ctx = _context()
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_worker, args=(send, data, plugin, name), daemon=True)
    process.start()
    send.close()
    try:
        if not receive.poll(deadline):
            return ("timeout", None)
        return receive.recv()
    except EOFError:
        return ("error", "the validation worker stopped without an answer")
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join(timeout=5)

"""Validation on the web: the build's SHACL report as a page (GET /validation) and validation of a user's
own RDF (GET /validate: a form; POST /validate: the data in the body or the form).

POSTed data is parsed and validated in a job process of ccdkg.validation.worker: killed at the deadline
(no longer than the query deadline) with anything it started, capped in address space, at a lower CPU
priority, dying with the server; RDF/XML entity declarations are refused by the parser. At most a few
uploads run at once per server process (``upload_workers``): the next one gets 503 with Retry-After at
once instead of waiting, so uploads never hold the threads that queries need. The server's own
process never parses untrusted input. Both routes answer by content negotiation: HTML, JSON or Turtle
(the W3C sh:ValidationReport).
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.blueprints import BlueprintSetupState
from rdflib import Graph, URIRef

from ccdkg.errors import InputError
from ccdkg.formats import HTML, JSON, TURTLE, Format, negotiate
from ccdkg.namespaces import BASE
from ccdkg.validation.report import Report, curie
from ccdkg.validation.worker import (
    DEFAULT_MAX_MEMORY,
    OutOfMemory,
    Timeout,
    WorkerFailed,
    prestart,
    validate_isolated,
)

if TYPE_CHECKING:
    from ccdkg.server.config import Config

bp = Blueprint("validation", __name__, template_folder="templates")

DEFAULT_MAX_BYTES = 5_000_000  # a few times the built graph's largest dump
DEFAULT_DEADLINE = 10.0  # seconds, as the query deadline; the 5,000-triple built graph takes a few
DEFAULT_WORKERS = 2  # uploads validated at once per server process
OFFERS = (JSON, HTML, TURTLE)  # JSON first: a bare */* (curl) gets JSON, a browser's text/html wins


def build_report_path() -> Path:
    from ccdkg import graph

    return Path(graph.__file__).resolve().parent / "release" / "build-report.ttl"


@lru_cache(maxsize=4)
def _build_report(path: Path, mtime: float) -> Report:
    graph = Graph()
    graph.parse(path, format="turtle")
    return Report.from_graph(graph)


def _wanted() -> Format:
    """JSON, HTML or Turtle by Accept alone (``format=`` names the upload's syntax here, not the
    answer's). A report or an error is never a 406: a client that accepts none of them gets JSON."""
    return negotiate(OFFERS, request.headers.get("Accept")) or JSON


def _answer(report: Report, *, title: str, status: int = 200, source: str = "") -> Response:
    best = _wanted()
    if best is TURTLE:
        return Response(report.turtle(), status=status, mimetype="text/turtle")
    if best is HTML:
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
    prestart()  # someone is about to upload: start this process's validation helper (once)
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
    slots = _slots()
    if not slots.acquire(blocking=False):
        retry = max(1, math.ceil(_deadline()))  # a slot frees within one deadline
        response = _error(503, "The server is busy validating other uploads; retry shortly.")
        response.headers["Retry-After"] = str(retry)
        return response
    try:
        report = validate_isolated([(data, plugin, name)], deadline=_deadline(), max_memory=_max_memory())
    except Timeout:
        return _error(504, f"Validation did not finish within {_deadline():g} seconds.")
    except OutOfMemory as err:
        return _error(413, f"{err}; send less data.")
    except InputError as err:
        return _error(400, str(err))
    except WorkerFailed as err:
        return _error(500, str(err))
    finally:
        slots.release()
    return _answer(report, title="Validation report of your data")


# A bare app (the blueprint alone, as the tests mount it) has no server state to hold its slots.
_BARE_SLOTS = "ccdkg.validation.slots"


@bp.record_once
def _bare_app_slots(state: BlueprintSetupState) -> None:
    """Registration runs once, before any request: the slots need no lock of their own."""
    app = state.app
    if "ccdkg" not in app.extensions:
        workers = app.config.get("VALIDATION_WORKERS", DEFAULT_WORKERS)
        app.extensions[_BARE_SLOTS] = threading.BoundedSemaphore(workers)


def _slots() -> threading.BoundedSemaphore:
    """This app's upload slots: the server state's (``Ccdkg.upload_slots``), or a bare app's."""
    state = current_app.extensions.get("ccdkg")
    return state.upload_slots if state is not None else current_app.extensions[_BARE_SLOTS]


def _config() -> Config | None:
    """The server's Config (``create_app``); None for a bare app, which has app.config and the defaults."""
    state = current_app.extensions.get("ccdkg")
    return state.config if state is not None else None


def _max_memory() -> int | None:
    if "VALIDATION_MAX_MEMORY" in current_app.config:
        return current_app.config["VALIDATION_MAX_MEMORY"]
    config = _config()
    return config.upload_max_memory if config is not None else DEFAULT_MAX_MEMORY


def _max_bytes() -> int:
    return int(current_app.config.get("VALIDATION_MAX_BYTES", DEFAULT_MAX_BYTES))


def _deadline() -> float:
    if "VALIDATION_DEADLINE" in current_app.config:
        return float(current_app.config["VALIDATION_DEADLINE"])
    config = _config()
    return config.upload_deadline_seconds if config is not None else DEFAULT_DEADLINE


def _error(status: int, message: str) -> Response:
    best = _wanted()
    if best is HTML:
        page = render_template("validation/form.html", max_bytes=_max_bytes(), error=message)
        return Response(page, status=status, mimetype="text/html")
    if best is TURTLE:
        return Response(f"# error: {message}\n", status=status, mimetype="text/plain")
    import json

    return Response(
        json.dumps({"error": message}, ensure_ascii=False) + "\n", status=status, mimetype="application/json"
    )

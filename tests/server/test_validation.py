"""The validation blueprint: the build's report as a page, and POST /validate for users' RDF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from ccdkg.server import validation as blueprint

HERE = Path(__file__).resolve().parents[1] / "validation"  # the shapes' fixture files
VALID = (HERE / "valid-minimal.ttl").read_bytes()
INVALID = (HERE / "invalid-city-two-countries.ttl").read_bytes()


@pytest.fixture(scope="module")
def client():
    # A bare app: the blueprint must not depend on the rest of the server.
    app = Flask("test-validation")
    app.config.update(TESTING=True, VALIDATION_MAX_BYTES=200_000, VALIDATION_DEADLINE=60)
    app.register_blueprint(blueprint.bp)
    return app.test_client()


def test_post_turtle_answers_json_by_default(client) -> None:
    response = client.post("/validate", data=INVALID, content_type="text/turtle")
    assert response.status_code == 200
    body = response.get_json()
    assert body["conforms"] is False
    [result] = body["results"]
    assert result["focusNode"] == "https://w3id.org/ccdkg/id/city/shanghai"
    assert result["path"] == "ccd:locatedIn"
    assert result["message"]["zh-Hans"]


def test_post_conforming_data(client) -> None:
    response = client.post(
        "/validate", data=VALID, content_type="text/turtle", headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.get_json()["conforms"] is True


def test_content_negotiation_turtle_and_html(client) -> None:
    turtle = client.post(
        "/validate", data=INVALID, content_type="text/turtle", headers={"Accept": "text/turtle"}
    )
    assert turtle.mimetype == "text/turtle"
    assert b"sh:ValidationReport" in turtle.data and b"sh:conforms false" in turtle.data
    html = client.post(
        "/validate", data=INVALID, content_type="text/turtle", headers={"Accept": "text/html,*/*;q=0.8"}
    )
    assert html.mimetype == "text/html"
    text = html.get_data(as_text=True)
    assert "id:city/shanghai" in text and "一个城市恰好位于一个国家" in text


def test_parse_error_is_400_with_line_and_column(client) -> None:
    response = client.post(
        "/validate", data=b'@prefix : <http://a/> .\n:a :b "open .\n', content_type="text/turtle"
    )
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("data:2:")


def test_size_cap_is_413(client) -> None:
    response = client.post("/validate", data=b"#" * 200_001, content_type="text/turtle")
    assert response.status_code == 413


def test_unknown_media_type_is_415(client) -> None:
    response = client.post("/validate", data=VALID, content_type="text/csv")
    assert response.status_code == 415


def test_form_post(client) -> None:
    response = client.post(
        "/validate",
        data={"format": "turtle", "data": INVALID.decode()},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 200
    assert "does NOT conform" in response.get_data(as_text=True)
    assert client.get("/validate").status_code == 200


def test_deadline_kills_the_worker() -> None:
    app = Flask("test-validation-deadline")
    app.config.update(TESTING=True, VALIDATION_DEADLINE=0.001)
    app.register_blueprint(blueprint.bp)
    response = app.test_client().post("/validate", data=VALID, content_type="text/turtle")
    assert response.status_code == 504
    assert "did not finish" in response.get_json()["error"]


def test_build_report_page(client, tmp_path, monkeypatch) -> None:
    from rdflib import Graph

    from ccdkg.validation import validate

    graph = Graph().parse(data=INVALID, format="turtle")
    report_file = tmp_path / "build-report.ttl"
    report_file.write_text(validate(graph).turtle(), encoding="utf-8")
    monkeypatch.setattr(blueprint, "build_report_path", lambda: report_file)
    page = client.get("/validation", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "ccd:locatedIn" in page.get_data(as_text=True)
    data = json.loads(client.get("/validation", headers={"Accept": "application/json"}).data)
    assert data["conforms"] is False and len(data["results"]) == 1
    monkeypatch.setattr(blueprint, "build_report_path", lambda: tmp_path / "missing.ttl")
    assert client.get("/validation").status_code == 404


def test_registered_in_the_server_app() -> None:
    from ccdkg.server.app import create_app

    app = create_app({"data": [str(HERE / "valid-minimal.ttl")], "testing": True})
    client = app.test_client()
    response = client.post(
        "/validate", data=INVALID, content_type="text/turtle", headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 200 and b"sh:ValidationReport" in response.data
    assert client.get("/validate").status_code == 200

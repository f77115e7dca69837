"""Fixtures for the web tests: an application over a small TriG fixture that follows docs/data-model.md."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixture.trig"


def make_app(data: Path = FIXTURE):
    from ccdkg.server.app import create_app

    return create_app({"store": "memory", "data": [str(data)], "testing": True})


@pytest.fixture(scope="session")
def app():
    return make_app()


@pytest.fixture()
def client(app):
    return app.test_client()

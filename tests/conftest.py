"""Fixtures every test area may use: a served application over a small fixture dataset.

``app`` / ``client``: one application for the whole session, serving
``tests/server/fixture.trig`` (shaped like the release: the four named graphs, union default
graph) from the in-memory store, with its query worker pool. ``make_app(**settings)`` builds
another (cached per settings) for tests that need a different configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FIXTURE_TRIG = Path(__file__).parent / "server" / "fixture.trig"


@pytest.fixture(scope="session")
def make_app() -> Iterator[Any]:
    from ccdkg.server import create_app

    apps: dict[tuple, Any] = {}

    def make(**settings: Any) -> Any:
        settings.setdefault("data", [FIXTURE_TRIG])
        settings.setdefault("testing", True)
        key = tuple(sorted((k, repr(v)) for k, v in settings.items()))
        if key not in apps:
            apps[key] = create_app(settings)
        return apps[key]

    yield make
    for app in apps.values():
        app.extensions["ccdkg"].close()


@pytest.fixture(scope="session")
def app(make_app: Any) -> Any:
    return make_app()


@pytest.fixture()
def client(app: Any) -> Any:
    return app.test_client()

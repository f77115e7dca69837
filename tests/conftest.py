"""Fixtures every test area may use: a served application over a small fixture dataset.

``app`` / ``client``: one application for the whole session, serving
``tests/server/fixture.trig`` (shaped like the release: the four named graphs, union default
graph) from the in-memory store, with its query worker pool. ``make_app(**settings)`` builds
another (cached per settings) for tests that need a different configuration.

``web_app`` / ``web_client``: the web pages' dataset (``tests/ui/fixture.trig``, written to
docs/data-model.md); ``release_app`` / ``c``: the built graph (skipped before ``ccdkg build``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .ui.conftest import RELEASE
from .ui.conftest import make_app as make_site_app

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


@pytest.fixture(scope="session")
def web_app() -> Iterator[Any]:
    app = make_site_app()
    yield app
    app.extensions["ccdkg"].close()


@pytest.fixture()
def web_client(web_app: Any) -> Any:
    return web_app.test_client()


@pytest.fixture(scope="session")
def release_app() -> Iterator[Any]:
    if not RELEASE.exists():
        pytest.skip("needs the built graph (ccdkg build)")
    app = make_site_app(RELEASE)
    yield app
    app.extensions["ccdkg"].close()


@pytest.fixture()
def c(release_app: Any) -> Any:
    return release_app.test_client()

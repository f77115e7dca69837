"""Fixtures of the ontology tests: the ontology as users load it."""

from __future__ import annotations

import pytest
from rdflib import Graph

from ccdkg.ontology import load_ontology


@pytest.fixture(scope="session")
def core() -> Graph:
    """The core ontology with its generated zh-Hant labels."""
    return load_ontology(align=False)


@pytest.fixture(scope="session")
def full() -> Graph:
    """Core + alignment module."""
    return load_ontology(align=True)

"""Shared fixtures: the article parsed once and the dataset extracted once per session."""

from __future__ import annotations

import pytest
from rdflib import Dataset

from ccdkg.graph import extract, load_curation, parse_article
from ccdkg.graph.build import ARTICLE_FILE
from ccdkg.graph.parse import Article


@pytest.fixture(scope="session")
def article_text() -> str:
    return ARTICLE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def article(article_text: str) -> Article:
    return parse_article(article_text)


@pytest.fixture(scope="session")
def dataset(article: Article) -> Dataset:
    return extract(article, load_curation())

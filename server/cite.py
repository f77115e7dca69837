"""How to cite: the dataset (its version and IRI) and the article it is drawn from, read from the graph.

The article's fields come from the store (what the build extracted from the article's own front
matter), so the citation is complete wherever the server runs, installed or not; every page shows
a "cite this" block built from them.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from ccdkg import __version__
from ccdkg.namespaces import DCTERMS, PRISM

from . import web

ARTICLE_PATH = "id/article/han-2022"


def article() -> dict[str, Any]:
    """The article's bibliographic fields, per language where the graph has them."""

    def build() -> dict[str, Any]:
        iri = web.iri_for_path(ARTICLE_PATH)
        a = web.sparql_iri(iri)
        rows = web.store().select(
            f"""SELECT ?p ?o WHERE {{ {a} ?p ?o . VALUES ?p {{
              <{DCTERMS.title}> <{DCTERMS.issued}> <{PRISM.publicationName}> <{PRISM.number}>
              <{PRISM.startingPage}> <{PRISM.endingPage}> <{PRISM.doi}> <{DCTERMS.creator}> }} }}"""
        )
        out: dict[str, Any] = {"iri": iri}
        for r in rows:
            key = r["p"].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            lang = web.canon_lang(getattr(r["o"], "language", None))
            out.setdefault(key, {})[lang] = r["o"].value
        return out

    return web.cached("cite-article", build)


def _pick(by: dict[str, str] | None, lang: str) -> str:
    if not by:
        return ""
    return by.get(lang) or by.get("zh-Hans") or by.get("") or next(iter(by.values()))


def article_citation(lang: str | None = None) -> str:
    """The article in the journal's own style (Chinese) or a plain English one."""
    lang = lang or web.current_lang()
    a = article()
    if "title" not in a:
        return ""
    author_iri = _pick(a.get("creator"), "")
    first, last = _pick(a.get("startingPage"), ""), _pick(a.get("endingPage"), "")
    pages = f"{first}–{last}" if first and last else first
    year, number, doi = _pick(a.get("issued"), ""), _pick(a.get("number"), ""), _pick(a.get("doi"), "")
    if lang == "en":
        return (
            f"{web.label(author_iri, 'en')} ({year}). {_pick(a['title'], 'en')}. "
            f"{_pick(a.get('publicationName'), 'en')}, no. {number}, pp. {pages}. https://doi.org/{doi}"
        )
    zh = "zh-Hant" if lang == "zh-Hant" else "zh-Hans"
    title = web.label(a["iri"], zh) if zh == "zh-Hant" else _pick(a["title"], "zh-Hans")
    journal = _pick(a.get("publicationName"), "zh-Hans")
    if zh == "zh-Hant":
        from ccdkg.labels import to_traditional

        journal = to_traditional(journal)
    return (
        f"{web.label(author_iri, zh)}：《{title}》，《{journal}》{year}年第{number}期，"
        f"第{pages}页。DOI: {doi}"
    )


def dataset_citation(title: str, iri: str, lang: str | None = None) -> str:
    lang = lang or web.current_lang()
    site = web.message("site_name", lang)
    what = f"{title}. " if title and title != site else ""
    return f"ccdkg contributors. {what}{site} (ccdkg) {__version__}. {iri}"


def init_app(app: Flask) -> None:
    web.template_globals(app)
    app.jinja_env.globals.update(
        cite_article=article_citation,
        cite_dataset=dataset_citation,
        dataset_version=__version__,
        article_iri=lambda: article().get("iri", ""),
    )

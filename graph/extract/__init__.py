"""Turn the parsed article and the curator's tables into the ccdkg dataset.

Named graphs (docs/data-model.md): ``id:graph/stated`` holds what the article states, with
its zh-Hans wording; ``id:graph/interpreted`` holds the curator's additions (English and
zh-Hant labels, countries, anything implied); ``id:graph/links`` holds outside identifiers
copied from ``graph/curation/entities.tsv``. Every individual drawn from the article points
with ``prov:wasDerivedFrom`` at the passages that say it. No blank nodes.

One module per stage, each with one public function taking the shared :class:`Context`;
the stages run in the order below (later ones use the passages and nodes earlier ones made).
"""

from __future__ import annotations

from rdflib import Dataset

from ccdkg.graph.curation import Curation
from ccdkg.graph.extract.argument import argument
from ccdkg.graph.extract.claims import claims
from ccdkg.graph.extract.context import Context
from ccdkg.graph.extract.footnotes import footnotes
from ccdkg.graph.extract.front import front_matter
from ccdkg.graph.extract.links import links_graph
from ccdkg.graph.extract.names import names
from ccdkg.graph.extract.relations import relations
from ccdkg.graph.extract.sections import sections
from ccdkg.graph.extract.sources import graphs_and_sources
from ccdkg.graph.extract.statements import statement_records
from ccdkg.graph.extract.table import table1
from ccdkg.graph.extract.works import works
from ccdkg.graph.parse import Article

STAGES = (
    graphs_and_sources,
    sections,
    front_matter,
    table1,
    footnotes,
    names,
    argument,
    works,
    relations,
    claims,
    links_graph,
    statement_records,
)


def extract(article: Article, curation: Curation) -> Dataset:
    """The dataset (stated, interpreted and links graphs) for one parsed article."""
    return run(article, curation).ds


def run(article: Article, curation: Curation) -> Context:
    """Every stage; the context keeps what the build reports besides the dataset (coverage)."""
    ctx = Context(article, curation)
    for stage in STAGES:
        stage(ctx)
    return ctx

"""The extraction stage: the article text → the ccdkg dataset → the release dumps.

``parse_article`` finds the article's structure, ``extract`` turns it and the curator's
tables into named graphs, ``build`` runs the whole pipeline and writes the release.
"""

from ccdkg.graph.build import BuildResult, build
from ccdkg.graph.curation import load_curation
from ccdkg.graph.extract import extract
from ccdkg.graph.parse import parse_article
from ccdkg.graph.release import write_release

__all__ = ["BuildResult", "build", "extract", "load_curation", "parse_article", "write_release"]

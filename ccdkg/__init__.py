"""ccdkg: the City-Cluster Diplomacy Knowledge Graph.

The mission's stages live in sub-packages mapped from the repository's top-level
folders: ``ccdkg.ontology`` (ontology/), ``ccdkg.graph`` (graph/),
``ccdkg.validation`` (validation/) and ``ccdkg.server`` (server/).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ccdkg")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__", "load", "query"]


def __getattr__(name: str):  # noqa: ANN202 - lazily, so that `ccdkg --help` does not load Oxigraph
    if name in ("load", "query"):
        from ccdkg import api

        return getattr(api, name)
    raise AttributeError(f"module 'ccdkg' has no attribute {name!r}")

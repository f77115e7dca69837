"""A small Python API for notebooks: the release in an in-memory Oxigraph store, and queries over it.

>>> import ccdkg
>>> store = ccdkg.load()                      # the committed release (ccdkg.trig), four named graphs
>>> rows = ccdkg.query('''
...   PREFIX ccd: <https://w3id.org/ccdkg/ontology#>
...   SELECT ?c WHERE { ?c a ccd:CityCluster } ORDER BY ?c''')
>>> len(rows)
7

The default graph is the union of the named graphs, as on the server. ``query`` returns a list of
dicts (variable → lexical value) for SELECT, a bool for ASK and a list of pyoxigraph triples for
CONSTRUCT/DESCRIBE; ``pandas.DataFrame(rows)`` turns a SELECT into a table.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyoxigraph as ox

from ccdkg.errors import CcdkgError

__all__ = ["load", "query"]

RELEASE_FILE = "ccdkg.trig"


def _release_dir() -> Path:
    from ccdkg.graph.release import RELEASE_DIR

    return RELEASE_DIR


def load(path: Path | str | None = None) -> ox.Store:
    """A new in-memory store with the release dataset (or the TriG/N-Quads file at ``path``)."""
    file = Path(path) if path is not None else _release_dir() / RELEASE_FILE
    fmt = ox.RdfFormat.from_extension(file.suffix.lstrip(".")) or ox.RdfFormat.TRIG
    store = ox.Store()
    try:
        store.bulk_load(path=str(file), format=fmt)
    except OSError as err:
        raise CcdkgError(f"cannot read {file}: {err.strerror or err}") from err
    except SyntaxError as err:
        raise CcdkgError(f"{file} is not valid {fmt.name}: {err}") from err
    return store


@cache
def _default_store() -> ox.Store:
    return load()


def query(sparql: str, store: ox.Store | None = None) -> list[dict[str, str]] | bool | list[ox.Triple]:
    """Run a SPARQL query on ``store`` (default: the release, loaded once)."""
    target = store if store is not None else _default_store()
    try:
        result = target.query(sparql, use_default_graph_as_union=True)
    except SyntaxError as err:
        raise CcdkgError(f"the query does not parse: {err}") from err
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return [{n: row[n].value for n in names if row[n] is not None} for row in result]
    return list(result)

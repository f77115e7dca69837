"""Tidy CSV tables of the release, made by SPARQL over the built dataset and described by CSVW.

Each table is one query in ``queries/<name>.rq``; ``tables.yaml`` gives its title, its columns'
datatypes and descriptions, its key and its foreign keys. The tables are for people who do not write
SPARQL: one row per thing, IRIs written out, empty cells where the graph has no value.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import yaml

from ccdkg.errors import BuildError

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries"
TABLES_DIR = "tables"
METADATA = f"{TABLES_DIR}/tables.csv-metadata.json"
CSVW_CONTEXT = "http://www.w3.org/ns/csvw"
BASE = "https://w3id.org/ccdkg/downloads/"


@dataclass(frozen=True)
class Table:
    name: str
    spec: dict

    @property
    def path(self) -> str:
        return f"{TABLES_DIR}/{self.name}.csv"

    @property
    def columns(self) -> list[str]:
        return list(self.spec["columns"])

    def query(self) -> str:
        return (QUERIES / f"{self.name}.rq").read_text(encoding="utf-8")


@cache
def tables() -> tuple[Table, ...]:
    spec = yaml.safe_load((HERE / "tables.yaml").read_text(encoding="utf-8"))
    return tuple(Table(name, spec[name]) for name in spec)


def _cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    return "" if term is None else term.value


def render_table(store: ox.Store, table: Table) -> bytes:
    """One table as CSV (RFC 4180, UTF-8, header row), rows in the query's order."""
    solutions = store.query(table.query(), use_default_graph_as_union=True)
    variables = [v.value for v in solutions.variables]
    if variables != table.columns:
        raise BuildError(f"table {table.name}: the query's columns {variables} differ from tables.yaml")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    for row in solutions:
        writer.writerow([_cell(row[v]) for v in variables])
    return out.getvalue().encode("utf-8")


def _column(name: str, spec: dict) -> dict:
    return {
        "name": name,
        "titles": name,
        "datatype": spec.get("datatype", "string"),
        "dc:description": spec["en"],
    }


def metadata() -> bytes:
    """The CSVW table-group description of every table (tables.csv-metadata.json)."""
    keys = {t.name: t.spec["key"] for t in tables() if "key" in t.spec}
    described = []
    for table in tables():
        schema: dict = {"columns": [_column(n, s) for n, s in table.spec["columns"].items()]}
        if "key" in table.spec:
            schema["primaryKey"] = table.spec["key"]
        fks = [
            {"columnReference": name, "reference": {"resource": f"{ref}.csv", "columnReference": keys[ref]}}
            for name, s in table.spec["columns"].items()
            if (ref := s.get("ref"))
        ]
        if fks:
            schema["foreignKeys"] = fks
        described.append(
            {
                "url": f"{table.name}.csv",
                "dc:title": [{"@value": v, "@language": lang} for lang, v in table.spec["title"].items()],
                "tableSchema": schema,
            }
        )
    doc = {
        "@context": [CSVW_CONTEXT, {"@language": "en"}],
        "dc:title": "ccdkg: tidy tables of the City-Cluster Diplomacy Knowledge Graph",
        "dc:license": {"@id": "https://creativecommons.org/licenses/by/4.0/"},
        "dc:source": {"@id": "https://doi.org/10.13851/j.cnki.gjzw.202204005"},
        "dialect": {"header": True, "encoding": "utf-8"},
        "tables": described,
    }
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def render_tables(store: ox.Store) -> dict[str, bytes]:
    """Every table and the CSVW metadata, by release-relative path."""
    files = {t.path: render_table(store, t) for t in tables()}
    files[METADATA] = metadata()
    return files

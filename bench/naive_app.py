"""A naive SPARQL endpoint — a benchmark peer, never a server to deploy.

Flask + pyoxigraph as a first attempt would write it: no guard, no deadline, no result cap, no cache,
SERVICE and every costly query allowed. ``make bench`` runs it under gunicorn (2 sync workers,
``--preload``: the store is loaded once, before the fork) beside ccdkg so that the cost of ccdkg's
safety is a number. Start: ``BENCH_NAIVE_DATA=file.nq gunicorn -w 2 --preload bench.naive_app:app``.
"""

from __future__ import annotations

import os

import pyoxigraph as ox
from flask import Flask, Response, request

GRAPH = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE}
RESULTS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}

store = ox.Store()
store.bulk_load(path=os.environ["BENCH_NAIVE_DATA"], format=ox.RdfFormat.N_QUADS)
app = Flask(__name__)


@app.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    query = request.values.get("query")
    if request.mimetype == "application/sparql-query":
        query = request.get_data(as_text=True)
    if not query:
        return Response("no query\n", 400, mimetype="text/plain")
    try:
        result = store.query(query, use_default_graph_as_union=True)
    except SyntaxError as err:
        return Response(f"{err}\n", 400, mimetype="text/plain")
    table = GRAPH if isinstance(result, ox.QueryTriples) else RESULTS
    accept = request.headers.get("Accept", "")
    media = next((m for m in table if m in accept), next(iter(table)))
    return Response(result.serialize(format=table[media]), mimetype=media)

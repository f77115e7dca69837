"""The naive peer: SPARQL over pyoxigraph in Flask, with no guard, no deadline and no cache.

What a developer writes in an afternoon (issue 19): load the file into an in-memory store,
answer GET/POST ``query=`` with the store's own serializer. It runs under gunicorn with two sync
workers and ``--preload`` (the store loaded once, shared by the forked workers), so the benchmark
puts a number on what ccdkg's safety (guard, killable workers, limits) costs.

    CCDKG_NAIVE_DATA=data.nq gunicorn -w 2 --preload -b 127.0.0.1:8001 bench.naive_app:app
"""

from __future__ import annotations

import os

import pyoxigraph as ox
from flask import Flask, Response, request

FORMATS = {  # Accept → (results format, graph format)
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPHS = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE}

store = ox.Store()
store.bulk_load(path=os.environ["CCDKG_NAIVE_DATA"], format=ox.RdfFormat.N_QUADS)
app = Flask(__name__)


@app.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    query = request.values.get("query")
    if request.mimetype == "application/sparql-query":
        query = request.get_data(as_text=True)
    if not query:
        return Response("no query\n", status=400, mimetype="text/plain")
    try:
        result = store.query(query, use_default_graph_as_union=True)
    except SyntaxError as err:
        return Response(f"{err}\n", status=400, mimetype="text/plain")
    accept = request.headers.get("Accept", "")
    if isinstance(result, ox.QueryTriples):
        mime = next((m for m in GRAPHS if m in accept), "application/n-triples")
        return Response(result.serialize(format=GRAPHS[mime]), mimetype=mime)
    mime = next((m for m in FORMATS if m in accept), "application/sparql-results+json")
    return Response(result.serialize(format=FORMATS[mime]), mimetype=mime)

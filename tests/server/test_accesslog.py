"""server/accesslog.py: one line per request, through logging or, for ccdkg serve, a batched writer."""

from __future__ import annotations

import io
import logging
import re

from ccdkg.server import accesslog


def test_a_query_line_names_the_client_request_status_size_duration_cache_and_query(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(accesslog, "_writer", accesslog._StreamWriter(stream))
    accesslog.line("10.0.0.7", "GET /sparql", 200, 26, 1.26, accesslog.query_extra("miss", "ASK\n  {}"))
    accesslog.line(None, "GET /healthz", 200, 3, 0.04)
    accesslog._writer.flush()
    first, second = stream.getvalue().splitlines()
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"
    query = r" cache=miss query='ASK \{\}'"
    assert re.fullmatch(stamp + r" 10\.0\.0\.7 \"GET /sparql\" 200 26 1\.3ms" + query, first)
    assert re.fullmatch(stamp + r" - \"GET /healthz\" 200 3 0\.0ms", second)


def test_without_the_writer_lines_go_to_the_ccdkg_access_logger(monkeypatch, caplog):
    monkeypatch.setattr(accesslog, "_writer", None)
    with caplog.at_level(logging.INFO, logger="ccdkg.access"):
        accesslog.line("::1", "GET /id/x", 404, 10, 2.0)
    assert [r.getMessage() for r in caplog.records if r.name == "ccdkg.access"] == [
        '::1 "GET /id/x" 404 10 2.0ms'
    ]


def test_a_long_query_is_cut_to_200_characters_on_one_line():
    extra = accesslog.query_extra("-", "SELECT *\nWHERE {\t?s ?p ?o }" + " # x" * 200)
    assert "\n" not in extra and len(extra) < 230

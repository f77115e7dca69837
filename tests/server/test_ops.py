"""Operations (server/ops.py): health, readiness and the Prometheus metrics."""

from __future__ import annotations


def test_health_readiness_and_metrics(client):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_data(as_text=True)
    client.get("/sparql", query_string={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> {} }"})
    text = client.get("/metrics").get_data(as_text=True)
    assert 'ccdkg_query_refusals_total{reason="service"}' in text
    assert "ccdkg_http_requests_total" in text
    assert "ccdkg_http_request_duration_seconds_bucket" in text
    assert "ccdkg_query_timeouts_total" in text
    assert "ccdkg_query_workers_killed_total" in text


def test_metrics_are_never_cached(client):
    assert "max-age" not in client.get("/metrics").headers.get("Cache-Control", "")

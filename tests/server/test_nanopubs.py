"""The release's nanopublications and other files on the web: /np/<code>, the link from a page, and
every file of the release under /downloads/ with its checksum."""

from __future__ import annotations

import csv
import hashlib
from typing import Any

import pyoxigraph as ox
import pytest

from ccdkg.graph.exports.nanopubs import read_bundle, verify
from ccdkg.graph.release import RELEASE_DIR


@pytest.fixture(scope="module")
def release_client(make_app: Any) -> Any:
    return make_app(data=None).test_client()  # data=None: the built release


def _index() -> list[dict[str, str]]:
    with (RELEASE_DIR / "nanopubs.tsv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_a_claims_page_links_its_nanopub_which_still_verifies(release_client: Any) -> None:
    row = next(r for r in _index() if r["kind"] == "claim")
    page = release_client.get(
        row["introduces"].removeprefix("https://w3id.org/ccdkg"), headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    code = row["nanopub"].rsplit("/", 1)[1]
    assert f'/np/{code}"' in page.get_data(as_text=True)
    served = release_client.get(f"/np/{code}", headers={"Accept": "application/trig"})
    assert served.status_code == 200 and served.mimetype == "application/trig"
    bundle = read_bundle(served.data)
    assert list(bundle) == [row["nanopub"]]
    assert verify(row["nanopub"], bundle[row["nanopub"]])  # what a reader checks it by
    nq = release_client.get(f"/np/{code}", headers={"Accept": "application/n-quads"})
    assert len(list(ox.parse(nq.data, format=ox.RdfFormat.N_QUADS))) == len(bundle[row["nanopub"]])


def test_an_unknown_nanopub_is_404(release_client: Any) -> None:
    assert release_client.get("/np/RAnot-a-nanopub").status_code == 404


def test_every_release_file_is_downloadable_with_its_checksum(release_client: Any) -> None:
    index = release_client.get("/downloads/", headers={"Accept": "text/plain"}).get_data(as_text=True)
    for name in ("tables/clusters.csv", "ccdkg.sssom.tsv", "nanopubs.trig", "ro-crate-metadata.json"):
        assert name in index
        resp = release_client.get(f"/downloads/{name}")
        assert resp.status_code == 200, name
        assert resp.data == (RELEASE_DIR / name).read_bytes()
        digest = hashlib.sha256(resp.data).hexdigest()
        assert resp.headers["ETag"].strip('"') == digest
    assert release_client.get("/downloads/../pyproject.toml").status_code == 404
    assert release_client.get("/downloads/tables/nothing.csv").status_code == 404


def test_no_release_files_or_nanopubs_when_serving_other_data(client: Any) -> None:
    assert "nanopubs.trig" not in client.get("/downloads/", headers={"Accept": "text/plain"}).get_data(True)
    code = _index()[0]["nanopub"].rsplit("/", 1)[1]
    assert client.get(f"/np/{code}").status_code == 404

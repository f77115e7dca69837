"""The ontology release: versioned files in four syntaxes, pyLODE docs, w3id rules, all
committed and reproducible byte for byte."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS

from ccdkg.namespaces import CCD, ONTOLOGY_IRI
from ccdkg.ontology import DOCS_DIR, RELEASE_DIR, W3ID_DIR
from ccdkg.ontology.publish import DEPLOYMENT, FORMATS, release_files, stale_artefacts, version, write_release

ROOT = Path(__file__).resolve().parents[2]
RDFLIB_FORMAT = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld", "nt": "nt"}


def test_the_release_folder_is_named_after_the_version(core: Graph) -> None:
    ver = version()
    assert str(core.value(URIRef(ONTOLOGY_IRI), URIRef("http://www.w3.org/2002/07/owl#versionIRI"))).endswith(
        "/" + ver
    )
    names = {p.name for p in (RELEASE_DIR / ver).iterdir()}
    assert names == {f"{n}.{e}" for n in ("ccdkg", "ccdkg-align") for e in FORMATS} | {"index.html"}


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_each_release_file_holds_the_ontology_with_its_generated_labels(ext: str, core: Graph) -> None:
    path = RELEASE_DIR / version() / f"ccdkg.{ext}"
    released = Graph().parse(path, format=RDFLIB_FORMAT[ext])
    # No blank nodes, so the same set of triples is the same graph.
    assert set(released) == set(core)
    assert Literal("動力機制", lang="zh-Hant") in set(released.objects(CCD.Driver, RDFS.label))


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_each_alignment_release_file_holds_the_alignment_module(ext: str) -> None:
    from ccdkg.ontology import ALIGN_FILE

    path = RELEASE_DIR / version() / f"ccdkg-align.{ext}"
    assert set(Graph().parse(path, format=RDFLIB_FORMAT[ext])) == set(Graph().parse(ALIGN_FILE))


def test_release_files_maps_media_types_to_existing_files() -> None:
    files = release_files()
    assert set(files) == {
        "text/turtle",
        "application/rdf+xml",
        "application/ld+json",
        "application/n-triples",
        "text/html",
    }
    assert all(p.is_file() for p in files.values())


# --- reproducibility ------------------------------------------------------------------------------


@pytest.mark.slow
def test_committed_release_is_what_a_fresh_build_writes() -> None:
    """`make release` on an unchanged ontology changes nothing: the committed files are current."""
    assert stale_artefacts() == []


@pytest.mark.slow
def test_release_is_byte_identical_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    # Set iteration order depends on PYTHONHASHSEED; a release must not.
    digests = []
    for seed in ("1", "4242"):
        out = tmp_path / seed
        code = "import sys; from ccdkg.ontology import release; release(sys.argv[1])"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env, capture_output=True)
        digests.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert digests[0].keys() == digests[1].keys()
    assert len(digests[0]) == 12  # 8 versioned files, 2 docs pages, the diagram, the w3id rules
    assert digests[0] == digests[1]


def test_write_release_into_another_folder_returns_what_it_wrote(tmp_path: Path) -> None:
    written = write_release(tmp_path)
    assert sorted(written) == sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert (tmp_path / "docs" / "index.html").read_bytes() == (DOCS_DIR / "index.html").read_bytes()


# --- documentation ------------------------------------------------------------------------------


def _pinned_pylode() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (pin,) = [d for d in project["project"]["optional-dependencies"]["docs"] if d.startswith("pylode")]
    return pin.split("==")[1]


def test_pylode_is_pinned_and_the_pinned_version_is_installed() -> None:
    assert installed_version("pylode") == _pinned_pylode()
    import pylode  # 3.4.1 fails right here (its version.py reads a pyproject.toml it does not ship)

    assert pylode.OntPub


def test_docs_document_every_term_and_record_the_generator(full: Graph) -> None:
    html = (DOCS_DIR / "index.html").read_text(encoding="utf-8")
    assert "<title>城市群外交知识图谱本体</title>" in html
    assert f"pyLODE/release/{_pinned_pylode()}" in html
    ours = {s for s in full.subjects() if isinstance(s, URIRef) and str(s).startswith(str(CCD))}
    assert len(ours) > 60
    missing = sorted(str(t) for t in ours if str(t) not in html)
    assert missing == []
    # Outside classes are referenced (super-classes) but get no entry of their own.
    assert "https://schema.org/City" in html
    assert 'id="City"' in html or 'id="city"' in html
    assert html.count('id="Person"') + html.count('id="person"') == 1


def test_docs_carry_no_generation_timestamp(core: Graph) -> None:
    html = (DOCS_DIR / "index.html").read_text(encoding="utf-8")
    dates = set(re.findall(r"\d{4}-\d{2}-\d{2}", html))
    # Only the ontology's own dcterms:created / modified.
    own = {str(core.value(URIRef(ONTOLOGY_IRI), DCTERMS[p]))[:10] for p in ("created", "modified")}
    assert dates == own == {"2026-11-23", "2026-12-03"}


# --- w3id -----------------------------------------------------------------------------------------


def _redirect(path: str, accept: str, method: str = "GET") -> tuple[str, int]:
    """Where the w3id rules send ``https://w3id.org/ccdkg/<path>``: a small reading of the
    mod_rewrite subset the file uses (RewriteCond on %{HTTP_ACCEPT}, RewriteRule with R=…,L)."""
    conds: list[str] = []
    for line in (W3ID_DIR / ".htaccess").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if parts[0] == "RewriteCond":
            assert parts[1] == "%{HTTP_ACCEPT}"
            conds.append(parts[2])
        elif parts[0] == "RewriteRule":
            pattern, target, flags = parts[1], parts[2], parts[3]
            found = re.search(pattern, path)
            if found and all(re.search(c, accept) for c in conds):
                status = int(re.search(r"R=(\d+)", flags).group(1))
                # Apache's $1 is Python's \g<1>; an unmatched optional group expands to "".
                return found.expand(re.sub(r"\$(\d)", r"\\g<\1>", target)), status
            conds = []
    raise AssertionError(f"no rule for {path}")


def test_w3id_rules_negotiate_the_versioned_ontology_onto_release_files() -> None:
    ver = version()
    base = f"{DEPLOYMENT}/ontology/release/{ver}/"
    assert _redirect(f"ontology/{ver}", "text/turtle") == (base + "ccdkg.ttl", 303)
    assert _redirect(f"ontology/{ver}", "application/rdf+xml") == (base + "ccdkg.rdf", 303)
    assert _redirect(f"ontology/{ver}", "application/ld+json") == (base + "ccdkg.jsonld", 303)
    assert _redirect(f"ontology/{ver}", "application/n-triples") == (base + "ccdkg.nt", 303)
    assert _redirect(f"ontology/{ver}", "text/html,*/*;q=0.8") == (base + "index.html", 303)
    align = f"https://w3id.org/ccdkg/ontology/align/{ver}"
    assert _redirect("ontology/align", "text/turtle") == (align, 302)
    assert _redirect(align.removeprefix("https://w3id.org/ccdkg/"), "text/turtle") == (
        base + "ccdkg-align.ttl",
        303,
    )
    assert _redirect(align.removeprefix("https://w3id.org/ccdkg/"), "application/ld+json") == (
        base + "ccdkg-align.jsonld",
        303,
    )
    # Every file a rule points at exists in the release.
    for accept in (
        "text/turtle",
        "application/rdf+xml",
        "application/ld+json",
        "application/n-triples",
        "*/*",
    ):
        target, _ = _redirect(f"ontology/{ver}", accept)
        assert (RELEASE_DIR / target.removeprefix(f"{DEPLOYMENT}/ontology/release/")).is_file()


def test_w3id_rules_pass_the_ontology_individuals_and_endpoint_to_the_deployment() -> None:
    assert _redirect("ontology", "text/html") == (f"{DEPLOYMENT}/ontology", 303)
    assert _redirect("ontology", "text/turtle") == (f"{DEPLOYMENT}/ontology", 303)
    assert _redirect("id/city/shanghai", "text/turtle") == (f"{DEPLOYMENT}/id/city/shanghai", 303)
    # 307, not 303: a SPARQL POST must stay a POST.
    assert _redirect("sparql", "application/sparql-results+json") == (f"{DEPLOYMENT}/sparql", 307)

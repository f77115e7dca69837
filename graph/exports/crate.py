"""The release as an RO-Crate (ro-crate-metadata.json) and as a DCAT catalogue (dcat.ttl).

Both describe the same files: every file of graph/release with its media type, size and SHA-256,
the ontology release it embeds, the shapes it was validated with, the article it is drawn from and
the licences. The dates and names come from ``crate.yaml``; nothing depends on the clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import yaml

from ccdkg import __version__

HERE = Path(__file__).resolve().parent
CRATE_FILE = "ro-crate-metadata.json"
DCAT_FILE = "dcat.ttl"
ONTOLOGY_RELEASE = HERE.parent.parent / "ontology" / "release"
RO_CRATE = "https://w3id.org/ro/crate/1.1"
SHA256 = "https://w3id.org/ro/terms/workflow-run#sha256"
MEDIA_TYPES = {
    ".trig": "application/trig",
    ".nq": "application/n-quads",
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".jsonld": "application/ld+json",
    ".json": "application/json",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".rq": "application/sparql-query",
    ".trix": "application/trix",
    ".zip": "application/zip",
}


@cache
def spec() -> dict:
    return yaml.safe_load((HERE / "crate.yaml").read_text(encoding="utf-8"))


def media_type(name: str) -> str:
    if name == "SHA256SUMS":
        return "text/plain"
    return MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")


def _file_entity(name: str, data: bytes) -> dict:
    described = spec()["files"].get(name) or spec()["files"].get(name.split("/")[0] + "/*", {})
    entity = {
        "@id": name,
        "@type": "File",
        "name": described.get("name", name),
        "encodingFormat": media_type(name),
        "contentSize": str(len(data)),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    if "description" in described:
        entity["description"] = described["description"]
    return entity


def _ontology_entity() -> dict:
    path = ONTOLOGY_RELEASE / __version__ / "ccdkg.ttl"
    entity = {
        "@id": f"https://w3id.org/ccdkg/ontology/{__version__}",
        "@type": ["CreativeWork", "DefinedTermSet"],
        "name": "ccdkg ontology (OWL 2), the version this release embeds in id:graph/ontology",
        "encodingFormat": "text/turtle",
        "version": __version__,
        "license": {"@id": spec()["licence"]["data"]},
    }
    if path.exists():  # written by the ontology release, which `ccdkg release` runs first
        entity["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return entity


def render_crate(files: Mapping[str, bytes]) -> bytes:
    """ro-crate-metadata.json over ``files`` (release-relative path → bytes)."""
    s = spec()
    article = s["article"]
    parts = [_file_entity(name, data) for name, data in sorted(files.items())]
    root = {
        "@id": "./",
        "@type": "Dataset",
        "name": s["title"],
        "description": s["description"],
        "version": __version__,
        "datePublished": s["date_published"],
        "identifier": s["identifier"],
        "url": s["identifier"],
        "license": {"@id": s["licence"]["data"]},
        "creator": {"@id": s["identifier"] + "#contributors"},
        "isBasedOn": {"@id": article["doi"]},
        "citation": {"@id": article["doi"]},
        "keywords": s["keywords"],
        "hasPart": [{"@id": p["@id"]} for p in parts] + [{"@id": _ontology_entity()["@id"]}],
    }
    graph = [
        {
            "@id": CRATE_FILE,
            "@type": "CreativeWork",
            "conformsTo": {"@id": RO_CRATE},
            "about": {"@id": "./"},
        },
        root,
        *parts,
        _ontology_entity(),
        {"@id": s["identifier"] + "#contributors", "@type": "Organization", "name": "ccdkg contributors"},
        {
            "@id": article["doi"],
            "@type": "ScholarlyArticle",
            "name": article["title"],
            "alternateName": article["title_en"],
            "author": {"@id": "#han-xiao"},
            "datePublished": article["year"],
            "isPartOf": {"@id": "#global-review-2022-4"},
            "pagination": article["pages"],
            "license": {"@id": "#article-rights"},
        },
        {"@id": "#han-xiao", "@type": "Person", "name": article["author"], "alternateName": "Han Xiao"},
        {
            "@id": "#global-review-2022-4",
            "@type": "PublicationIssue",
            "issueNumber": article["issue"],
            "datePublished": article["year"],
            "isPartOf": {"@id": "#global-review"},
        },
        {"@id": "#global-review", "@type": "Periodical", "name": article["journal"]},
        {"@id": "#article-rights", "@type": "CreativeWork", "name": article["rights"]},
        {"@id": s["licence"]["data"], "@type": "CreativeWork", "name": "CC BY 4.0"},
        {"@id": s["licence"]["code"], "@type": "CreativeWork", "name": "MIT License"},
    ]
    doc = {"@context": [f"{RO_CRATE}/context", {"sha256": SHA256}], "@graph": graph}
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
SPDX = "http://spdx.org/rdf/terms#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def render_dcat(files: Mapping[str, bytes]) -> bytes:
    """dcat.ttl: the dataset and one dcat:Distribution per file, with size and checksum."""
    s = spec()
    ds = _n(s["identifier"] + ".well-known/void#dataset")
    downloads = s["identifier"] + "downloads/"
    t = [
        ox.Triple(ds, RDF_TYPE, _n(DCAT + "Dataset")),
        ox.Triple(ds, _n(DCT + "title"), ox.Literal(s["title"], language="en")),
        ox.Triple(ds, _n(DCT + "description"), ox.Literal(s["description"], language="en")),
        ox.Triple(ds, _n(DCT + "license"), _n(s["licence"]["data"])),
        ox.Triple(ds, _n(DCT + "source"), _n(s["article"]["doi"])),
        ox.Triple(ds, _n(DCT + "issued"), ox.Literal(s["date_published"], datatype=_n(XSD + "date"))),
        ox.Triple(ds, _n(DCAT + "version"), ox.Literal(__version__)),
        ox.Triple(ds, _n(DCAT + "landingPage"), _n(s["identifier"])),
        ox.Triple(ds, _n(DCAT + "keyword"), ox.Literal("city diplomacy", language="en")),
        ox.Triple(ds, _n(DCAT + "keyword"), ox.Literal("城市群外交", language="zh-Hans")),
    ]
    for name, data in sorted(files.items()):
        dist = _n(downloads + name)
        checksum = _n(downloads + name + "#sha256")
        t += [
            ox.Triple(ds, _n(DCAT + "distribution"), dist),
            ox.Triple(dist, RDF_TYPE, _n(DCAT + "Distribution")),
            ox.Triple(dist, _n(DCT + "title"), ox.Literal(name)),
            ox.Triple(dist, _n(DCAT + "downloadURL"), dist),
            ox.Triple(
                dist,
                _n(DCAT + "mediaType"),
                _n(f"https://www.iana.org/assignments/media-types/{media_type(name)}"),
            ),
            ox.Triple(
                dist,
                _n(DCAT + "byteSize"),
                ox.Literal(str(len(data)), datatype=_n(XSD + "nonNegativeInteger")),
            ),
            ox.Triple(dist, _n(DCT + "license"), _n(s["licence"]["data"])),
            ox.Triple(dist, _n(SPDX + "checksum"), checksum),
            ox.Triple(checksum, RDF_TYPE, _n(SPDX + "Checksum")),
            ox.Triple(checksum, _n(SPDX + "algorithm"), _n(SPDX + "checksumAlgorithm_sha256")),
            ox.Triple(
                checksum,
                _n(SPDX + "checksumValue"),
                ox.Literal(hashlib.sha256(data).hexdigest(), datatype=_n(XSD + "hexBinary")),
            ),
        ]
    prefixes = {"dcat": DCAT, "dcterms": DCT, "spdx": SPDX, "xsd": XSD}
    keyed = sorted({(str(x.subject), str(x.predicate), str(x.object)): x for x in t}.items())
    return ox.serialize([x for _, x in keyed], format=ox.RdfFormat.TURTLE, prefixes=prefixes)

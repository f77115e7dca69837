"""The curator's tables: what the text cannot say about itself.

Slugs, English labels, the split of a paragraph into claims, interpretation flags and
outside identifiers live in ``graph/curation/`` as TSV/YAML. This module only reads and
checks them; the facts themselves are found in the article by ``extract``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ccdkg.errors import BuildError
from ccdkg.graph.claims import ClaimsFile, load_claims
from ccdkg.namespaces import SLUG

CURATION_DIR = Path(__file__).resolve().parent / "curation"
KINDS = (
    "cluster",
    "city",
    "country",
    "region",
    "organisation",
    "event",
    "policy",
    "core-function",
    "city-role",
)
# entities.tsv spells the kind the British way in the data model only
_ENTITY_KIND = {"organization": "organisation"}


@dataclass(frozen=True)
class Name:
    """One row of names.tsv: a wording of the article and the individual it names."""

    label: str
    kind: str
    slug: str
    en: str
    located_in: str
    interpreted: bool
    note: str


@dataclass(frozen=True)
class Entity:
    """One row of the reference table entities.tsv (outside identifiers)."""

    label: str
    kind: str
    en: str
    wikidata: str
    geonames: str
    lat: str
    lon: str
    dbpedia: str
    verified: bool
    evidence: str
    mention: str
    notes: str


@dataclass
class Curation:
    names: list[Name]
    entities: dict[tuple[str, str], Entity]
    article: dict[str, Any] = field(default_factory=dict)
    argument: dict[str, Any] = field(default_factory=dict)
    relations: dict[str, Any] = field(default_factory=dict)
    works: list[dict[str, Any]] = field(default_factory=list)
    # the claim layer (claims.yaml); None when the file is not there: the build then emits no claims
    claims: ClaimsFile | None = None

    def name(self, label: str, kind: str) -> Name:
        for n in self.names:
            if n.label == label and n.kind == kind:
                return n
        raise BuildError(f"graph/curation/names.tsv has no {kind} row for {label!r} (the article names it)")

    def by_slug(self, kind: str, slug: str) -> Name:
        for n in self.names:
            if n.slug == slug and n.kind == kind:
                return n
        raise BuildError(f"graph/curation/names.tsv has no {kind} with slug {slug!r}")

    def primary(self, kind: str, slug: str) -> Name:
        """The first row of an individual; later rows with the same slug are alternative wordings."""
        return self.by_slug(kind, slug)


def _read_tsv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as err:
        raise BuildError(f"cannot read curation table {path}: {err.strerror}") from err


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        return None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise BuildError(f"cannot read curation file {path}: {err}") from err


def load_curation(directory: Path | str | None = None, claims: Path | str | None = None) -> Curation:
    """Read and check every curation table in ``directory`` (default graph/curation); ``claims``
    reads the claim layer from another file than ``directory``/claims.yaml."""
    base = Path(directory) if directory else CURATION_DIR
    names = []
    for row in _read_tsv(base / "names.tsv"):
        name = Name(
            row["label_zh_hans"],
            row["kind"],
            row["slug"],
            row["en_label"],
            row["located_in"],
            row["status"] == "interpreted",
            row["note"],
        )
        if name.kind not in KINDS:
            raise BuildError(f"names.tsv: unknown kind {name.kind!r} for {name.label!r}")
        if not re.fullmatch(SLUG, name.slug):
            raise BuildError(f"names.tsv: slug {name.slug!r} is not lower-case ASCII words joined by hyphens")
        if not name.en:
            raise BuildError(f"names.tsv: {name.label!r} has no English label")
        names.append(name)
    entities = {}
    for row in _read_tsv(base / "entities.tsv"):
        kind = _ENTITY_KIND.get(row["kind"], row["kind"])
        entities[(row["article_label_zh_hans"], kind)] = Entity(
            row["article_label_zh_hans"],
            kind,
            row["en_label"],
            row["wikidata_qid"],
            row["geonames_id"],
            row["lat"],
            row["lon"],
            row["dbpedia_iri"],
            row["verified"] == "yes",
            row["evidence"],
            row["mention"],
            row["notes"],
        )
    return Curation(
        names=names,
        entities=entities,
        article=_read_yaml(base / "article.yaml") or {},
        argument=_read_yaml(base / "argument.yaml") or {},
        relations=_read_yaml(base / "relations.yaml") or {},
        works=_read_yaml(base / "works.yaml") or [],
        claims=load_claims(Path(claims) if claims else base / "claims.yaml"),
    )

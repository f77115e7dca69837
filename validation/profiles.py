"""Validation profiles: which of the shapes' policies apply.

- ``dataset`` (the default): everything — the model's structure and this dataset's policies (its IRI scheme,
  labels in zh-Hans, en and zh-Hant, evidence for every node, quotations grounded in the shipped article,
  Wikidata links), plus evidence for every relation once ``RELATION_EVIDENCE_IN_DEFAULT`` is on.
- ``evidence``: ``dataset`` with the relation evidence of validation/evidence-shapes.ttl, whatever the switch.
- ``reuse``: for people using the ontology on their own data: the model's structure only (domains, ranges,
  cardinalities, datatypes, lists, disjoint classes, unknown ccd: terms), without this dataset's policies,
  so that their report shows their errors and not our IRI scheme.

A profile switches shapes off with ``sh:deactivated true`` (standard SHACL, so every engine reads it the same
way) and drops the node-level ``sh:pattern`` constraints that spell out the ``id:<kind>/<slug>`` scheme.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal

from ccdkg.namespaces import SH
from ccdkg.validation.report import SHAPES

# Whether the default profile requires a ccd:StatementRecord with a passage behind every stated relation.
# On since the extraction writes the records (the claim layer, issue 14); False would leave them to the
# evidence profile.
RELATION_EVIDENCE_IN_DEFAULT = True

DEFAULT = "dataset"


@dataclass(frozen=True)
class Profile:
    name: str
    relation_evidence: bool  # load validation/evidence-shapes.ttl
    iri_scheme: bool  # the id:<kind>/<slug> patterns
    grounding: bool  # quotations against the shipped article text
    off: tuple[str, ...] = ()  # shapes (ccdsh: local names) deactivated

    def apply(self, shapes: Graph) -> Graph:
        """A copy of ``shapes`` with this profile's policies switched off."""
        out = Graph()
        for prefix, ns in shapes.namespaces():
            out.bind(prefix, ns)
        out += shapes
        for name in self.off:
            out.add((SHAPES[name], SH.deactivated, Literal(True)))
        if not self.iri_scheme:
            targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
            for shape, pattern in list(out.subject_objects(SH.pattern)):
                # The IRI scheme of targeted shapes only; a DOI's or a Wikidata link's form is structure,
                # and a nested pattern (an open range's "not one of ours") is a test, not the scheme.
                targeted = any((shape, t, None) in out for t in targets)
                ours = str(pattern).startswith("^https://w3id\\.org/ccdkg/id/")
                if targeted and ours and (shape, SH.path, None) not in out:
                    out.remove((shape, SH.pattern, pattern))
        return out


# This dataset's policies that the reuse profile leaves out.
_POLICY_SHAPES = (
    "DataIRIShape",  # the id:<kind>/<slug> scheme
    "LabelShape",  # labels in exactly zh-Hans, en and zh-Hant
    "EvidenceShape",  # every node derived from a passage of this article
    "LinksShape-sameAs-1",  # owl:sameAs to Wikidata
    "CityShape-sameAs-1",  # the Info "not linked to Wikidata"
)

PROFILES: dict[str, Profile] = {
    "dataset": Profile(
        "dataset", relation_evidence=RELATION_EVIDENCE_IN_DEFAULT, iri_scheme=True, grounding=True
    ),
    "evidence": Profile("evidence", relation_evidence=True, iri_scheme=True, grounding=True),
    "reuse": Profile("reuse", relation_evidence=False, iri_scheme=False, grounding=False, off=_POLICY_SHAPES),
}


def profile(name: str | None) -> Profile:
    """The profile called ``name`` (default ``dataset``); ValueError names the known ones."""
    key = (name or DEFAULT).strip().lower()
    if key not in PROFILES:
        raise ValueError(f"unknown validation profile {name!r}; use one of: {', '.join(PROFILES)}")
    return PROFILES[key]


__all__ = ["DEFAULT", "PROFILES", "RELATION_EVIDENCE_IN_DEFAULT", "Profile", "profile"]

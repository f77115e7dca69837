"""Read ``graph/curation/claims.yaml``, the claim layer's curation file, strictly.

The file's form is fixed in CLAIMS-FORMAT (the interface between the curator and the extraction):
this module checks its shape (known sections, known keys, the types and vocabularies of values) and
keeps each entry's line, so that every error names ``file:line entry`` in one line. Whether the
spans are verbatim and the references resolve is checked against the article by
``ccdkg.graph.extract.claims``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ccdkg.errors import BuildError
from ccdkg.namespaces import SLUG

REF = re.compile(r"^([a-z]+(?:-[a-z]+)*)/(" + SLUG + r")$")
KINDS = (
    "claim",
    "example",
    "precedent",
    "definition",
    "quantitative",
    "answer",
    "rebuttal",
    "contrast",
    "background",
)
STANCES = ("endorsed", "reported", "disputed")
ENTITY_KINDS = (
    "organisation",
    "city-league",
    "city-network",
    "policy",
    "event",
    "region",
    "city",
    "country",
    "grant",
)
REASONS = ("heading", "transition", "signpost", "repetition", "table-caption", "source-note")
COMPARATORS = (">", ">=", "=", "<=", "<", "~")
# CiTO's citation characterisations in the citing direction (CiTO 2.8.1), by local name.
CITO_INTENTS = frozenset(
    """agreesWith cites citesAsAuthority citesAsDataSource citesAsEvidence citesAsMetadataDocument
    citesAsPotentialSolution citesAsRecommendedReading citesAsRelated citesAsSourceDocument
    citesForInformation compiles confirms containsAssertionFrom corrects credits critiques derides
    describes disagreesWith discusses disputes documents extends includesExcerptFrom
    includesQuotationFrom linksTo obtainsBackgroundFrom obtainsSupportFrom parodies plagiarizes
    qualifies refutes repliesTo retracts reviews ridicules speculatesOn supports updates
    usesConceptFrom usesConclusionsFrom usesDataFrom usesMethodIn""".split()  # noqa: SIM905
)

_REFS = "refs"  # a list of kind/slug references
# Per section of the file: key -> expected value type; required keys.
SCHEMA: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "claims": (
        {
            "slug": "slug",
            "section": str,
            "text": str,
            "kind": KINDS,
            "about": _REFS,
            "supports": _REFS,
            "elaborates": _REFS,
            "exemplifies": _REFS,
            "answers": _REFS,
            "attacks": _REFS,
            "contrasts": _REFS,
            "respondsTo": _REFS,
            "involves": _REFS,
            "attributedTo": "attribution",
            "stance": STANCES,
            "period": str,
            "quantity": "quantity",
            "en": str,
            "interpreted": bool,
            "note": object,
        },
        ("slug", "section", "text"),
    ),
    "lists": (
        {
            "slug": "slug",
            "section": str,
            "text": str,
            "about": _REFS,
            "items": _REFS,
            "en": str,
            "interpreted": bool,
            "note": object,
        },
        ("slug", "section", "text", "items"),
    ),
    "concepts": (
        {
            "slug": "slug",
            "section": str,
            "label": str,
            "definition": str,
            "definitionSection": str,
            "broader": _REFS,
            "en": str,
            "interpreted": bool,
            "note": object,
        },
        ("slug", "section", "label"),
    ),
    "entities": (
        {
            "kind": ENTITY_KINDS,
            "slug": "slug",
            "section": str,
            "label": str,
            "en": str,
            "partOf": _REFS,
            "involves": _REFS,
            "basedOn": _REFS,
            "coreCity": _REFS,
            "funder": "ref",
            "number": str,
            "interpreted": bool,
            "note": object,
        },
        ("kind", "slug", "section", "label"),
    ),
    "citations": (
        {
            "footnote": str,
            "works": _REFS,
            "supports": _REFS,
            "intent": CITO_INTENTS,
            "pinpoint": str,
            "note": object,
        },
        ("footnote", "works", "intent"),
    ),
    "uncovered": (
        {"text": str, "section": str, "reason": REASONS, "note": object},
        ("text", "section", "reason"),
    ),
}
QUANTITY_KEYS = {"text": str, "value": str, "comparator": COMPARATORS, "unit": str}
_LINE = "__line__"


@dataclass(frozen=True)
class Entry:
    """One entry of the file: its values and where it is, for error messages."""

    section: str
    index: int
    line: int
    data: dict[str, Any]
    path: str

    @property
    def name(self) -> str:
        key = self.data.get("slug") or self.data.get("footnote") or self.data.get("text", "")[:16]
        return f"{self.section}[{self.index}] ({key})"

    def error(self, message: str) -> BuildError:
        return BuildError(f"{self.path}:{self.line}: {self.name}: {message}")

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def refs(self, key: str) -> list[str]:
        return list(self.data.get(key, []))


@dataclass
class ClaimsFile:
    path: str
    sections: dict[str, list[Entry]] = field(default_factory=dict)

    def __getitem__(self, section: str) -> list[Entry]:
        return self.sections.get(section, [])


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of each mapping (1-based) under ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _check_value(entry: Entry, key: str, value: Any, kind: Any) -> None:
    def bad(expected: str) -> BuildError:
        return entry.error(f"{key} must be {expected}, not {value!r}")

    if kind is object:
        return
    if kind is str:
        if not isinstance(value, str) or not value:
            raise bad("a non-empty string")
    elif kind is bool:
        if not isinstance(value, bool):
            raise bad("true or false")
    elif kind == "slug":
        if not isinstance(value, str) or not re.fullmatch(SLUG, value):
            raise bad("a slug (lower-case ASCII words joined by hyphens)")
    elif kind == "ref":
        if not isinstance(value, str) or not REF.match(value):
            raise bad("a kind/slug reference")
    elif kind == _REFS:
        if not isinstance(value, list) or not all(isinstance(v, str) and REF.match(v) for v in value):
            raise bad("a list of kind/slug references")
        if len(set(value)) != len(value):
            raise bad("a list without repeats")
    elif kind == "attribution":
        if value not in ("author", "scholars") and not (isinstance(value, str) and REF.match(value)):
            raise bad("author, scholars or a kind/slug reference")
    elif kind == "quantity":
        if not isinstance(value, dict):
            raise bad("a mapping {text, value, comparator, unit}")
        for k, v in value.items():
            if k == _LINE:
                continue
            if k not in QUANTITY_KEYS:
                raise entry.error(f"unknown key quantity.{k} (known: {', '.join(QUANTITY_KEYS)})")
            _check_value(entry, f"quantity.{k}", v if k != "value" else str(v), QUANTITY_KEYS[k])
        if "text" not in value:
            raise entry.error("quantity has no text")
    elif isinstance(kind, tuple | frozenset) and value not in kind:
        shown = ", ".join(sorted(kind)) if len(kind) < 12 else "a CiTO property's local name"
        raise bad(f"one of {shown}")


def _entries(path: str, section: str, items: Any, line: int) -> list[Entry]:
    if not isinstance(items, list):
        raise BuildError(f"{path}:{line}: {section} must be a list of entries")
    keys, required = SCHEMA[section]
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise BuildError(f"{path}:{line}: {section}[{i}] must be a mapping, not {item!r}")
        data = {k: v for k, v in item.items() if k != _LINE}
        entry = Entry(section, i, item.get(_LINE, line), data, path)
        for key, value in data.items():
            if key not in keys:
                raise entry.error(f"unknown key {key!r} (known: {', '.join(keys)})")
            _check_value(entry, key, value, keys[key])
        for key in required:
            if key not in data:
                raise entry.error(f"missing key {key!r}")
        if "quantity" in data:
            data["quantity"] = {k: str(v) for k, v in data["quantity"].items() if k != _LINE}
        out.append(entry)
    return out


def load_claims(path: Path | str) -> ClaimsFile | None:
    """The checked entries of a claims file; None when the file does not exist."""
    path = Path(path)
    if not path.exists():
        return None
    shown = _shown(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except (OSError, UnicodeDecodeError) as err:
        raise BuildError(f"cannot read {shown}: {err}") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise BuildError(f"{shown}{where}: not valid YAML: {getattr(err, 'problem', err)}") from err
    result = ClaimsFile(shown)
    if raw is None:
        return result
    if not isinstance(raw, dict):
        raise BuildError(f"{shown}:1: the file must be a mapping of sections ({', '.join(SCHEMA)})")
    top = raw.get(_LINE, 1)
    for section, items in raw.items():
        if section == _LINE:
            continue
        if section not in SCHEMA:
            raise BuildError(f"{shown}:{top}: unknown section {section!r} (known: {', '.join(SCHEMA)})")
        result.sections[section] = _entries(shown, section, items or [], top)
    _check_unique(result)
    return result


def _check_unique(result: ClaimsFile) -> None:
    seen: dict[str, Entry] = {}
    for section, kind_of in (("claims", "claim"), ("lists", "list"), ("concepts", "concept")):
        for e in result[section]:
            ref = f"{kind_of}/{e.get('slug')}"
            if ref in seen:
                raise e.error(f"{ref} is declared twice (first at line {seen[ref].line})")
            seen[ref] = e
    for e in result["entities"]:
        ref = f"{e.get('kind')}/{e.get('slug')}"
        if ref in seen:
            raise e.error(f"{ref} is declared twice (first at line {seen[ref].line})")
        seen[ref] = e


def _shown(path: Path) -> str:
    """The path as a user reads it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)

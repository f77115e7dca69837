"""The grounding check SHACL cannot express: each quotation (``oa:exact``) occurs in the shipped article.

A passage is grounded when its quotation occurs verbatim in the article text, ignoring whitespace and
Markdown markup (``**``, ``<sup>``, backslash escapes, heading marks), and, where it gives ``oa:start`` /
``oa:end`` (code-point offsets, as Python ``str`` indices), the text between those offsets is that quotation.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from ccdkg.namespaces import CCD, ID, OA, SH
from ccdkg.validation.report import GROUNDING_COMPONENT, SHAPES, Result

SOURCES = Path(__file__).resolve().parent.parent / "graph" / "sources"
# The two shipped witnesses (docs/data-model.md, "Files"); offsets refer to the clean text unless a passage
# names the web copy as its source.
SOURCE_FILES = {
    ID["source/clean-text"]: "001_7f0eaf4949258080.txt",
    ID["source/web-copy"]: "000_83f388a3a6206e82.txt",
}
CLEAN_TEXT = ID["source/clean-text"]
GROUNDING_SHAPE = SHAPES.GroundingShape

# Markup that the Markdown source carries and a quotation need not: tags, emphasis, escapes, heading marks.
_MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|[*\\#]|\s+")
# A page break inside a sentence: the rule and the notes printed at the foot of the page. A sentence the
# break cuts is quoted whole; its offsets run over the break.
_PAGE_BREAK = re.compile(r"\n-{3,}\n(?:\s*(?:<sup>[^<]*</sup>|[①-⑩])[^\n]*\n)*")


def normalise(text: str) -> str:
    """The text without whitespace and Markdown markup, for comparing a quotation with the article."""
    return _MARKUP.sub("", text)


def _source_file(source: Node) -> Path:
    try:
        from ccdkg.graph import __file__ as graph_init
    except ImportError:  # pragma: no cover - the graph package is part of the distribution
        return SOURCES / SOURCE_FILES[source]
    return Path(graph_init).resolve().parent / "sources" / SOURCE_FILES[source]


@lru_cache(maxsize=4)
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def article_text(source: Node = CLEAN_TEXT) -> str:
    """The shipped text of a source (default: the clean Markdown copy of the article)."""
    return _read(_source_file(source))


class _Text:
    """One source text with its normalised form, so that each passage costs one substring search."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.flat = normalise(raw)

    def contains(self, exact: str) -> bool:
        quote = normalise(exact)
        return quote in self.flat or quote in self.unbroken

    @property
    def unbroken(self) -> str:
        if not hasattr(self, "_unbroken"):
            self._unbroken = normalise(_PAGE_BREAK.sub("", self.raw))
        return self._unbroken

    def at(self, start: int, end: int) -> str:
        return self.raw[start:end]


def check_grounding(graph: Graph, text: str | None = None) -> list[Result]:
    """Results (``sh:Violation``) for quotations not in the article or not at their offsets.

    ``text`` replaces the shipped clean text (e.g. to validate a graph of another edition).
    """
    texts: dict[Node, _Text] = {}

    def source_text(source: Node) -> _Text | None:
        if source not in texts:
            if source == CLEAN_TEXT and text is not None:
                texts[source] = _Text(text)
            elif source in SOURCE_FILES:
                try:
                    texts[source] = _Text(article_text(source))
                except OSError:
                    return None
            else:
                return None
        return texts[source]

    results: list[Result] = []
    for passage, exact in sorted(graph.subject_objects(OA.exact)):
        if not isinstance(exact, Literal) or not normalise(str(exact)):
            continue  # empty or non-literal quotations are the shapes' business (ccdsh:ExactShape)
        source = graph.value(passage, CCD.sourceText) or graph.value(passage, OA.hasSource) or CLEAN_TEXT
        body = source_text(source)
        if body is None:
            continue  # a source we do not ship: nothing to check against
        quote = str(exact)
        if not body.contains(quote):
            results.append(
                _result(
                    passage,
                    OA.exact,
                    exact,
                    "This quotation does not occur in the article text (whitespace and markup ignored): "
                    "it must be copied verbatim from the article.",
                    "此引文未出现在文章文本中（已忽略空白与标记）：引文必须逐字摘自原文。",
                )
            )
            continue
        start, end = graph.value(passage, OA.start), graph.value(passage, OA.end)
        offsets = _int(start), _int(end)
        if offsets[0] is None or offsets[1] is None:
            continue  # offsets are optional; their form is the shapes' business
        there = body.at(offsets[0], offsets[1])
        if normalise(quote) not in (normalise(there), normalise(_PAGE_BREAK.sub("", there))):
            found = body.raw.find(quote)
            hint_en = f" The quotation starts at offset {found}." if found >= 0 else ""
            hint_zh = f"引文实际起始于偏移量 {found}。" if found >= 0 else ""
            results.append(
                _result(
                    passage,
                    OA.start,
                    start,
                    f"The text between oa:start {offsets[0]} and oa:end {offsets[1]} is "
                    f"“{_clip(there)}”, not the quotation.{hint_en}",
                    f"oa:start {offsets[0]} 与 oa:end {offsets[1]} 之间的文字是"
                    f"“{_clip(there)}”，而非引文。{hint_zh}",
                )
            )
    return results


def _int(node: Node | None) -> int | None:
    if isinstance(node, Literal) and node.datatype in (
        XSD.nonNegativeInteger,
        XSD.integer,
        XSD.int,
        XSD.long,
    ):
        try:
            return int(node)
        except (TypeError, ValueError):
            return None
    return None


def _clip(text: str, width: int = 24) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _result(focus: Node, path: Node, value: Node | None, en: str, zh: str) -> Result:
    return Result(
        focus=focus,
        severity=SH.Violation,
        message_en=en,
        message_zh=zh,
        path=path,
        path_label=f"oa:{str(path).rsplit('#', 1)[-1]}",
        value=value,
        shape="ccdsh:GroundingShape",
        shape_node=GROUNDING_SHAPE,
        component=GROUNDING_COMPONENT,
    )

"""Checks on a user's query text before any parser or engine sees it.

The endpoint is public, anonymous and read-only (see SECURITY.md). ``check_query`` is called for
every user query on every route and form, and raises :class:`QueryRefused` (an HTTP status and a
one-line message) when the text

* is larger than the configured cap (413), is not valid UTF-8 or is empty (400);
* nests ``( { [ <<`` deeper than the cap, nests blank-node property lists / collections deeper
  than a smaller cap, chains prefix operators, or has too many triple patterns (400) — Oxigraph's
  parser recurses on each of these: a few hundred levels overflow its stack and kill the process,
  and nested ``[ … ( … ) ]`` make it backtrack exponentially, so it must never be handed such text;
* is or contains a SPARQL Update (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR`` …) (403);
* uses ``SERVICE`` with any IRI (403): the server never opens a network connection for a query;
* names in ``FROM`` / ``FROM NAMED`` anything but the graphs served here (400): a remote engine
  behind ``--store http…`` may dereference such IRIs (``file:``, ``http:``), ours never does.

The checks work on tokens, not on raw text: a tokenizer that knows strings (all four quote
forms), IRIs, comments, variables and prefixed names, so ``"SERVICE"`` in a literal,
``ex:service`` or ``?service`` pass while ``SeRvIcE <…>`` does not. The tokenizer is linear in the
text and never recurses, so it is safe on any input; the text it accepts is bounded in every
dimension the parser is known to be sensitive to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

# Defaults used when the configured limits object lacks a field (see config.QueryLimits).
DEFAULT_MAX_QUERY_BYTES = 64 * 1024
DEFAULT_MAX_DEPTH = 64
# Oxigraph 0.5's parser backtracks on nested blank-node property lists and collections:
# 16 levels parse in ~0.1 s, 32 in ~1.3 s, 48 in ~8 s (measured on [ ?p ( [ ?p ( … ).
DEFAULT_MAX_TERM_DEPTH = 16
DEFAULT_MAX_OPERATOR_RUN = 32  # "!!!!…x" and "- - - …1" recurse too: 50,000 of them crash it
# Oxigraph 0.5 plans a group of n triple patterns sharing variables in roughly n**4 time:
# 100 take ~2 s, 200 take ~35 s before the first result, so the cap stays well below that.
DEFAULT_MAX_PATTERNS = 128


class QueryRefused(Exception):
    """The query is refused before execution; ``status`` is the HTTP status to answer with.

    ``reason`` is a short fixed word (``size``, ``encoding``, ``empty``, ``depth``, ``patterns``,
    ``update``, ``service``, ``dataset``) for metrics and logs.
    """

    def __init__(self, status: int, message: str, reason: str = "other") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason


# SPARQL 1.1 Update operations (and WITH / USING, which only updates have). None of these words
# is a keyword, function name or anything else in the query language, so a bare occurrence
# means the text is an update or has one smuggled in after the query.
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
)

# PN_CHARS_BASE and PN_CHARS of the SPARQL grammar, as character-class ranges.
_NAME_START = (
    "A-Za-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME_CHAR = _NAME_START + "0-9\\-\u00b7\u0300-\u036f\u203f-\u2040"
# One alternation tried at each position; strings are scanned by hand (see _scan_string) because
# a regular expression for unterminated long strings can backtrack badly.
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][{_NAME_CHAR}]*)
  | (?P<quote>'|")
  | (?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[{_NAME_START}](?:[{_NAME_CHAR}.]*[{_NAME_CHAR}])?)?:
        (?:(?:[{_NAME_CHAR}:]|%[0-9A-Fa-f]{{2}}|\\.)(?:(?:[{_NAME_CHAR}.:]|%[0-9A-Fa-f]{{2}}|\\.)*
        (?:[{_NAME_CHAR}:]|%[0-9A-Fa-f]{{2}}|\\.))?)?)
  | (?P<word>[{_NAME_START}][{_NAME_CHAR}]*)
  | (?P<open>[({{\[])
  | (?P<close>[)}}\]])
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_OPERATORS = frozenset({"!", "-", "+", "^"})
# After one of these, "(" starts a collection (an RDF list term), not an expression.
_TERM_KINDS = frozenset({"var", "iri", "pname", "number", "string", "lang"})


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ws comment iri var string number lang pname word open close punct
    text: str
    start: int


def _scan_string(text: str, start: int) -> int:
    """End offset of the string literal starting at ``start`` (len(text) if unterminated)."""
    quote = text[start]
    delim = quote * 3 if text.startswith(quote * 3, start) else quote
    i = start + len(delim)
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
        elif text.startswith(delim, i):
            return i + len(delim)
        elif len(delim) == 1 and c in "\r\n":
            return i  # short strings cannot span lines: let the parser report it
        else:
            i += 1
    return n


def tokenize(text: str) -> Iterator[Token]:
    """The query's tokens, including whitespace and comments; linear time, no recursion."""
    pos, n = 0, len(text)
    while pos < n:
        if text.startswith("<<", pos) and not _IRI.match(text, pos + 1):
            # "<<" opens a quoted triple (SPARQL 1.2) unless it is "<" before an IRI.
            yield Token("open", "<<", pos)
            pos += 2
            continue
        if text.startswith(">>", pos):
            yield Token("close", ">>", pos)
            pos += 2
            continue
        m = _TOKEN.match(text, pos)
        assert m is not None  # the last alternative matches any character
        kind = m.lastgroup or "punct"
        if kind == "quote":
            end = _scan_string(text, pos)
            yield Token("string", text[pos:end], pos)
            pos = end
            continue
        yield Token(kind, m.group(), pos)
        pos = m.end()


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def _limit(limits: Any, name: str, default: int) -> int:
    value = getattr(limits, name, None)
    return default if value is None else int(value)


def check_query(
    text: str,
    limits: Any,
    *,
    served_graphs: Iterable[str] | None = (),
    prefixes: dict[str, str] | None = None,
    base_iri: str | None = None,
) -> None:
    """Raise QueryRefused when ``text`` must not reach the parser or the engine.

    ``limits`` has ``max_query_bytes``, ``max_depth``, ``max_patterns`` and optionally
    ``max_term_depth``, ``max_operator_run`` (see config.QueryLimits). ``served_graphs`` are the
    graph IRIs a ``FROM``/``FROM NAMED`` may name (none by default); None skips that check
    (for trusted callers only). ``prefixes`` and ``base_iri`` are those the engine will parse
    the query with, so that a prefixed or relative ``FROM`` IRI is resolved as the engine will.
    """
    try:
        _check(text, limits, served_graphs, prefixes or {}, base_iri)
    except QueryRefused as refused:
        _count(refused.reason)
        raise


def _count(reason: str) -> None:
    try:
        from ccdkg.server import ops
    except ImportError:  # metrics are optional for the guard itself
        return
    ops.count_refusal(reason)


def _check(
    text: str,
    limits: Any,
    served_graphs: Iterable[str] | None,
    prefixes: dict[str, str],
    base_iri: str | None,
) -> None:
    max_bytes = _limit(limits, "max_query_bytes", DEFAULT_MAX_QUERY_BYTES)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise QueryRefused(
            413, f"query of {size} bytes exceeds this server's cap of {max_bytes} bytes", "size"
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:  # lone surrogates: bytes that were not UTF-8, smuggled through
        raise QueryRefused(400, f"query is not valid UTF-8 (at character {err.start})", "encoding") from None
    if "\x00" in text:
        raise QueryRefused(400, "query contains a NUL character", "encoding")

    max_depth = _limit(limits, "max_depth", DEFAULT_MAX_DEPTH)
    max_term_depth = _limit(limits, "max_term_depth", DEFAULT_MAX_TERM_DEPTH)
    max_run = _limit(limits, "max_operator_run", DEFAULT_MAX_OPERATOR_RUN)
    max_patterns = _limit(limits, "max_patterns", DEFAULT_MAX_PATTERNS)

    if _plainly_fine(text, max_depth, max_term_depth, max_run, max_patterns):
        return

    # Stack of open brackets: (bracket, is_term) where is_term marks "[", "<<" and collections.
    stack: list[tuple[str, bool]] = []
    term_depth = 0
    run = 0
    patterns = 0
    previous: Token | None = None
    significant: list[Token] = []
    for tok in tokenize(text):
        if tok.kind in ("ws", "comment"):
            continue
        if tok.kind == "open":
            if tok.text in ("[", "<<"):
                is_term = True
            elif tok.text == "(":
                # A collection when it stands where a term stands: after a term, at the start
                # of a triple, or inside another collection / property list.
                is_term = previous is None or (
                    previous.kind in _TERM_KINDS
                    or previous.text in ("{", ".", ";", ",", "]", ">>")
                    or (previous.kind == "word" and previous.text.lower() == "a")
                    or (previous.kind == "open" and bool(stack) and stack[-1][1])
                )
            else:
                is_term = False
            stack.append((tok.text, is_term))
            term_depth += is_term
            if len(stack) > max_depth:
                raise QueryRefused(
                    400,
                    f"query nests brackets ( {{ [ << more than {max_depth} levels deep "
                    f"(at {_position(text, tok.start)}); this server refuses such queries",
                    "depth",
                )
            if term_depth > max_term_depth:
                raise QueryRefused(
                    400,
                    f"query nests blank nodes [ … ] and collections ( … ) more than {max_term_depth} "
                    f"levels deep (at {_position(text, tok.start)}); this server refuses such queries",
                    "depth",
                )
            if tok.text in ("{", "["):
                patterns += 1
        elif tok.kind == "close":
            if stack:
                term_depth -= stack.pop()[1]
        elif tok.kind == "punct" and (
            tok.text in (".", ";") or (tok.text == "," and stack and stack[-1][0] != "(")
        ):
            patterns += 1  # triple separators; commas in argument and IN lists are not patterns
        if tok.kind == "punct" and tok.text in _OPERATORS:
            run += 1
            if run > max_run:
                raise QueryRefused(
                    400,
                    f"query chains more than {max_run} operators (! - + ^) in a row "
                    f"(at {_position(text, tok.start)}); this server refuses such queries",
                    "depth",
                )
        else:
            run = 0
        if patterns > max_patterns:
            raise QueryRefused(
                400,
                f"query has more than {max_patterns} triple patterns and groups; "
                "this server refuses such queries",
                "patterns",
            )
        significant.append(tok)
        previous = tok

    if not significant:
        raise QueryRefused(400, "the query is empty", "empty")

    for tok in significant:
        if tok.kind != "word":
            continue
        word = tok.text.upper()
        if word in UPDATE_KEYWORDS:
            raise QueryRefused(
                403,
                f"this endpoint is read-only: SPARQL Update ({word} at {_position(text, tok.start)}) "
                "is not accepted",
                "update",
            )
        if word == "SERVICE":
            raise QueryRefused(
                403,
                f"SERVICE (federated query, at {_position(text, tok.start)}) is not allowed: "
                "this endpoint never contacts other services",
                "service",
            )

    if served_graphs is not None:
        _check_dataset(text, significant, frozenset(served_graphs), prefixes, base_iri)


_SUSPECT_WORDS = (*UPDATE_KEYWORDS, "SERVICE", "FROM")


def _plainly_fine(text: str, max_depth: int, max_term_depth: int, max_run: int, max_patterns: int) -> bool:
    """A sound fast path: bounds over the raw text (C-speed counts) that imply every token check.

    Tokens are substrings of the text, so a word absent from ``text.upper()`` is no token, and
    counts of bracket or separator characters bound the nesting and pattern counts the tokenizer
    would find. Typical queries pass here in microseconds; anything else is tokenized.
    """
    first = text.lstrip()
    if not first or first.startswith("#"):
        return False  # maybe only a comment: let the tokenizer decide whether it is empty
    opens = text.count("(") + text.count("[") + text.count("<<")
    if opens + text.count("{") > max_depth or opens > max_term_depth:
        return False
    if sum(text.count(c) for c in "!-+^") > max_run:
        return False
    if sum(text.count(c) for c in ".;,{[") > max_patterns:
        return False
    upper = text.upper()
    return not any(word in upper for word in _SUSPECT_WORDS)


def _declarations(
    tokens: list[Token], prefixes: dict[str, str], base_iri: str | None
) -> tuple[dict[str, str], str | None]:
    """PREFIX and BASE declarations in order (the prologue), resolving IRIs as the parser does."""
    declared = dict(prefixes)
    base = base_iri
    for k, tok in enumerate(tokens):
        if tok.kind != "word":
            continue
        word = tok.text.upper()
        if word == "BASE" and k + 1 < len(tokens) and tokens[k + 1].kind == "iri":
            base = _resolve(tokens[k + 1].text[1:-1], base)
        elif (
            word == "PREFIX"
            and k + 2 < len(tokens)
            and tokens[k + 1].kind == "pname"
            and tokens[k + 1].text.endswith(":")
            and tokens[k + 2].kind == "iri"
        ):
            declared[tokens[k + 1].text[:-1]] = _resolve(tokens[k + 2].text[1:-1], base)
    return declared, base


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri


_LOCAL_ESCAPE = re.compile(r"\\(.)")


def _check_dataset(
    text: str, tokens: list[Token], served: frozenset[str], prefixes: dict[str, str], base_iri: str | None
) -> None:
    declared, base = _declarations(tokens, prefixes, base_iri)
    for k, tok in enumerate(tokens):
        if tok.kind != "word" or tok.text.upper() != "FROM":
            continue
        j = k + 1
        clause = "FROM"
        if j < len(tokens) and tokens[j].kind == "word" and tokens[j].text.upper() == "NAMED":
            clause, j = "FROM NAMED", j + 1
        target = tokens[j] if j < len(tokens) else None
        iri: str | None = None
        if target is not None and target.kind == "iri":
            iri = _resolve(target.text[1:-1], base)
        elif target is not None and target.kind == "pname":
            prefix, _, local = target.text.partition(":")
            if prefix in declared:
                iri = declared[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
        if iri is None:
            raise QueryRefused(
                400,
                f"{clause} at {_position(text, tok.start)} must be followed by "
                "the IRI of a graph served here",
                "dataset",
            )
        if iri not in served:
            names = " ".join(f"<{g}>" for g in sorted(served)) or "(none)"
            raise QueryRefused(
                400,
                f"{clause} <{iri}> names a graph this endpoint does not serve (it never fetches one); "
                f"the graphs served are: {names}",
                "dataset",
            )


def check_dataset_parameters(
    default_graph_uris: Iterable[str], named_graph_uris: Iterable[str], served_graphs: Iterable[str]
) -> None:
    """The Protocol's ``default-graph-uri`` / ``named-graph-uri`` may name only served graphs."""
    served = frozenset(served_graphs)
    for name, values in (("default-graph-uri", default_graph_uris), ("named-graph-uri", named_graph_uris)):
        for iri in values:
            if iri not in served:
                names = " ".join(f"<{g}>" for g in sorted(served)) or "(none)"
                _count("dataset")
                raise QueryRefused(
                    400,
                    f"{name} <{iri}> names a graph this endpoint does not serve (it never fetches one); "
                    f"the graphs served are: {names}",
                    "dataset",
                )

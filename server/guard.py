"""What a user's query may not be or do, checked on the tokens of ``query.scan`` before any parser sees it.

The endpoint is public, anonymous and read-only (see SECURITY.md). ``query.check_query`` runs
these rules for every user query on every route and form and raises :class:`QueryRefused` (an
HTTP status and a one-line message) when the text

* is larger than the configured cap (413), is not valid UTF-8 or is empty (400);
* nests ``( { [ <<`` deeper than the cap, nests blank-node property lists / collections deeper
  than a smaller cap, chains prefix operators, or has too many triple patterns (400) — Oxigraph's
  parser recurses on each of these: a few hundred levels overflow its stack and kill the process,
  and nested ``[ … ( … ) ]`` make it backtrack exponentially, so it must never be handed such text;
* is a SPARQL Update (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR`` …) sent as a query (400: it is
  not a query; the update operation itself is answered 403 by the route);
* has ``SERVICE`` in any run of keywords (403): the parser needs no space after a keyword, so
  ``trueSERVICE`` is ``true SERVICE``, and the prefix of ``SERVICE:x`` may be read as the keyword;
* names in ``FROM`` / ``FROM NAMED``, ``default-graph-uri`` or ``named-graph-uri`` anything but
  the graphs served here (400): a remote engine behind ``--store http…`` may dereference such
  IRIs (``file:``, ``http:``), ours never does.

The rules see the query as the parser does because the tokens end where the grammar's terminals
end (see query.py), so ``"SERVICE"`` in a literal, ``ex:service`` or ``?service`` pass. Whatever
this check misses, the query worker cannot open a connection (sandbox.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ccdkg.server.query import CheckedQuery, Clause, Token

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
# is a keyword, function name or anything else in the query language.
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
)
_OPERATORS = frozenset({"!", "-", "+", "^"})
# After one of these, "(" starts a collection (an RDF list term), not an expression.
_TERM_KINDS = frozenset({"var", "iri", "pname", "number", "string", "lang"})
# A "<" read as less-than must not also read as an IRI that hides a comment, a string or brackets.
_AMBIGUOUS = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*[#\'()\[\]][^<>"{}|^`\\\x00-\x20]*>')


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def _limit(limits: Any, name: str, default: int) -> int:
    value = getattr(limits, name, None)
    return default if value is None else int(value)


def check_query(text: str, limits: Any, **kw: Any) -> CheckedQuery:
    """``query.check_query``: the one check, kept under its old name."""
    from ccdkg.server.query import check_query as checked

    return checked(text, limits, **kw)


def count(reason: str) -> None:
    """Count a refusal in the metrics (optional for the guard itself)."""
    try:
        from ccdkg.server import ops
    except ImportError:
        return
    ops.count_refusal(reason)


def check_text(text: str, limits: Any) -> None:
    """Size and encoding, before anything reads the text."""
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


def plainly_fine(text: str, limits: Any) -> bool:
    return _plainly_fine(
        text,
        _limit(limits, "max_depth", DEFAULT_MAX_DEPTH),
        _limit(limits, "max_term_depth", DEFAULT_MAX_TERM_DEPTH),
        _limit(limits, "max_operator_run", DEFAULT_MAX_OPERATOR_RUN),
        _limit(limits, "max_patterns", DEFAULT_MAX_PATTERNS),
    )


_SUSPECT_WORDS = (*UPDATE_KEYWORDS, "SERVICE", "FROM")


def _plainly_fine(text: str, max_depth: int, max_term_depth: int, max_run: int, max_patterns: int) -> bool:
    """A sound fast path: bounds over the raw text (C-speed counts) that imply every token check.

    Tokens are substrings of the text, so a word absent from ``text.upper()`` is in no token, and
    counts of bracket or separator characters bound the nesting and pattern counts the scan
    would find. Typical queries pass here in microseconds; anything else is checked token by token.
    """
    first = text.lstrip()
    if not first or first.startswith("#"):
        return False  # maybe only a comment: let the tokens decide whether it is empty
    opens = text.count("(") + text.count("[") + text.count("<<")
    if opens + text.count("{") > max_depth or opens > max_term_depth:
        return False
    if sum(text.count(c) for c in "!-+^") > max_run:
        return False
    if sum(text.count(c) for c in ".;,{[") > max_patterns:
        return False
    upper = text.upper()
    return not any(word in upper for word in _SUSPECT_WORDS)


def check_tokens(text: str, tokens: Sequence[Token], limits: Any) -> None:
    """The bounds, then the words, over the significant tokens (no whitespace or comments)."""
    _check_bounds(text, tokens, limits)
    if not tokens:
        raise QueryRefused(400, "the query is empty", "empty")
    from ccdkg.server.query import words

    for tok in words(tokens):
        word = tok.text.upper()
        if "SERVICE" in word:
            raise QueryRefused(
                403,
                f"SERVICE (federated query, in {tok.text!r} at {_position(text, tok.start)}) is not "
                "allowed: this endpoint never contacts other services",
                "service",
            )
    for tok in tokens:
        if tok.kind == "word" and tok.text.upper() in UPDATE_KEYWORDS:
            raise QueryRefused(
                400,
                f"malformed query: {tok.text.upper()} at {_position(text, tok.start)} is SPARQL Update, "
                "not a query; this endpoint is read-only and runs no updates",
                "update",
            )
        if tok.kind == "word" and "FROM" in tok.text.upper() and tok.text.upper() != "FROM":
            raise QueryRefused(
                400,
                f"write FROM and NAMED as words of their own (found {tok.text!r} at "
                f"{_position(text, tok.start)})",
                "dataset",
            )
        if tok.kind == "punct" and tok.text.startswith("<") and _AMBIGUOUS.match(text, tok.start):
            raise QueryRefused(
                400,
                f"ambiguous '<' at {_position(text, tok.start)}: it is less-than here, yet what follows "
                "reads as an IRI; put a space after '<'",
                "ambiguous",
            )


def _check_bounds(text: str, tokens: Sequence[Token], limits: Any) -> None:
    max_depth = _limit(limits, "max_depth", DEFAULT_MAX_DEPTH)
    max_term_depth = _limit(limits, "max_term_depth", DEFAULT_MAX_TERM_DEPTH)
    max_run = _limit(limits, "max_operator_run", DEFAULT_MAX_OPERATOR_RUN)
    max_patterns = _limit(limits, "max_patterns", DEFAULT_MAX_PATTERNS)

    # Stack of open brackets: (bracket, is_term) where is_term marks "[", "<<" and collections.
    stack: list[tuple[str, bool]] = []
    term_depth = 0
    run = 0
    patterns = 0
    previous: Token | None = None
    for tok in tokens:
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
        previous = tok


def _served_names(served: Iterable[str]) -> str:
    return " ".join(f"<{g}>" for g in sorted(served)) or "(none)"


def check_from(text: str, clauses: Sequence[Clause], served: frozenset[str]) -> None:
    """Each FROM / FROM NAMED must name, by IRI or prefixed name, a graph served here."""
    for clause, tok, iri in clauses:
        if iri is None:
            raise QueryRefused(
                400,
                f"{clause} at {_position(text, tok.start)} must be followed by "
                "the IRI of a graph served here",
                "dataset",
            )
        if iri not in served:
            raise QueryRefused(
                400,
                f"{clause} <{iri}> names a graph this endpoint does not serve (it never fetches one); "
                f"the graphs served are: {_served_names(served)}",
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
                raise QueryRefused(
                    400,
                    f"{name} <{iri}>: that graph is not served here (this endpoint never fetches one); "
                    f"the graphs served are: {_served_names(served)}",
                    "dataset",
                )

"""One checked query per request: the text scanned once, as Oxigraph's parser reads it.

``check_query(text, limits, …)`` returns a :class:`CheckedQuery` — the text, its form (SELECT, ASK,
CONSTRUCT, DESCRIBE), the base IRI it is parsed with, and its dataset (the request's
``default-graph-uri``/``named-graph-uri``, else the query's own ``FROM``/``FROM NAMED``, resolved
and checked against the graphs served, else the union of all graphs) — or raises
:class:`~ccdkg.server.guard.QueryRefused`. The route makes it once; the engine, the worker and the
store use it and never read the text again.

The scan's tokens end where the SPARQL 1.1 grammar's terminals end, as Oxigraph's parser
(spargebra, a PEG) reads them: IRIs, literals (all four quote forms), variables, prefixed names,
numbers, language tags and comments follow their terminals; a run of bare letters is a *run of
keywords*, since the parser needs no word boundary after a keyword (``trueSERVICE`` is ``true``
``SERVICE``). ``<`` is the less-than operator where an expression has just had an operand, as in
the grammar, and an IRI elsewhere. The scan is linear, never recurses, and accepts any text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

# PN_CHARS_BASE, PN_CHARS_U and PN_CHARS of the grammar, as character-class ranges.
_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_U = _BASE + "_"
_CHARS = _U + "0-9\\-\u00b7\u0300-\u036f\u203f-\u2040"
_VARCHARS = _U + "0-9\u00b7\u0300-\u036f\u203f-\u2040"  # VARNAME: no "-", no "."
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = rf"(?:[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?)?:"
_LOCAL = rf"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_TOKEN = re.compile(
    rf"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<var>[?$][{_VARCHARS}]+)
  | (?P<quote>'|")
  | (?P<number>[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.?[0-9]+[eE][+-]?[0-9]+|[0-9]*\.[0-9]+|[0-9]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*(?:--[A-Za-z]+)?)
  | (?P<pname>{_PREFIX}(?:{_LOCAL})?)
  | (?P<word>[{_U}][{_CHARS}]*)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|>>|<<|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
# Tokens after which an expression has an operand, so that "<" is less-than there.
_OPERANDS = frozenset({"var", "number", "string", "lang", "iri", "pname"})
_BOOLEANS = ("TRUE", "FALSE")  # the only bare words that are operands
# Bare words after which "(" does not open an expression in a group: rdf:type, VALUES' variables.
_NOT_CALLS = frozenset({"A", "VALUES", "UNDEF", "TRUE", "FALSE"})
# Words after which, in the same bracket, "(" and "<iri>(" are expressions (projections, conditions).
_CLAUSES = ("SELECT", "BY", "HAVING")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ws comment iri var string number lang pname word open close punct
    text: str
    start: int


#: one FROM / FROM NAMED clause: its name, its FROM token and the IRI it names (None: not an IRI)
Clause = tuple[str, Token, str | None]


def _string_end(text: str, start: int) -> int:
    """End of the literal opening at ``start``; a short one stops before a line break (unterminated)."""
    quote = text[start]
    delim = quote * 3 if text.startswith(quote * 3, start) else quote
    i, n = start + len(delim), len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
        elif text.startswith(delim, i):
            return i + len(delim)
        elif len(delim) == 1 and c in "\r\n":
            return i
        else:
            i += 1
    return n


@dataclass(slots=True)
class _Frame:
    bracket: str  # "" (top level) { [ ( <<
    expression: bool = False  # a "(" that holds an expression, not an RDF collection or a row
    clause: bool = False  # SELECT / GROUP BY / ORDER BY / HAVING seen in this bracket


def scan(text: str) -> Iterator[Token]:
    """Every token of ``text``, whitespace and comments included, in order; total and linear."""
    stack = [_Frame("", expression=False)]
    previous: Token | None = None  # the last significant token
    before: Token | None = None  # the one before it
    pos, n = 0, len(text)
    while pos < n:
        frame = stack[-1]
        c = text[pos]
        tok: Token
        if c == "<" and (not text.startswith("<<", pos) or _IRI.match(text, pos + 1)):
            # "<" alone, or "<" before an IRI: less-than or an IRI, as the grammar's position says
            less_than = (
                frame.expression
                and previous is not None
                and (
                    previous.kind in _OPERANDS
                    or previous.text == ")"
                    or (previous.kind == "word" and previous.text.upper().endswith(_BOOLEANS))
                )
            )
            m = None if less_than else _IRI.match(text, pos)
            if m is not None:
                tok = Token("iri", m.group(), pos)
            else:
                tok = Token("punct", "<=" if text.startswith("<=", pos) else "<", pos)
        elif c in "'\"":
            tok = Token("string", text[pos : _string_end(text, pos)], pos)
        else:
            m = _TOKEN.match(text, pos)
            assert m is not None  # the last alternative matches any character
            kind = m.lastgroup or "punct"
            value = m.group()
            if value in ("{", "[", "(", "<<"):
                kind = "open"
            elif value in ("}", "]", ")", ">>"):
                kind = "close"
            tok = Token(kind, value, pos)
        pos += len(tok.text)
        if tok.kind in ("ws", "comment"):
            yield tok
            continue
        if tok.kind == "open":
            if tok.text == "(":
                stack.append(_Frame("(", expression=_opens_expression(frame, previous, before)))
            else:
                frame.clause = False  # a group or a term: any SELECT clause before it is over
                stack.append(_Frame(tok.text))
        elif tok.kind == "close":
            if len(stack) > 1:
                stack.pop()
        elif tok.kind == "word":
            word = tok.text.upper()
            if word.endswith(_CLAUSES):
                frame.clause = True
            elif word == "WHERE":
                frame.clause = False
        yield tok
        before, previous = previous, tok


def _opens_expression(frame: _Frame, previous: Token | None, before: Token | None) -> bool:
    """Whether a "(" here holds an expression (as in FILTER(…), f(…), SELECT (… AS ?x))."""
    if frame.expression or frame.bracket == "":
        # inside an expression every "(" is one; at the top level, projections and conditions
        return not (previous is not None and previous.kind == "word" and previous.text.upper() == "VALUES")
    if previous is None:
        return False
    if previous.kind == "word":
        return previous.text.upper() not in _NOT_CALLS
    if frame.clause:
        return True
    if previous.kind in ("iri", "pname"):  # a function call after FILTER, BY …; a collection after a subject
        return before is not None and before.kind == "word" and before.text.upper() not in _NOT_CALLS
    return False


def words(tokens: Iterable[Token]) -> Iterator[Token]:
    """The runs of keywords: bare words, and the prefix of a prefixed name (``SERVICE:x``), which
    the parser may also read as a keyword when the prefixed name does not fit."""
    for tok in tokens:
        if tok.kind == "word":
            yield tok
        elif tok.kind == "pname" and tok.text.index(":") > 0:
            yield Token("word", tok.text[: tok.text.index(":")], tok.start)


# --- the checked query -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckedQuery:
    """A user or internal query, scanned once; everything the request path needs to run it."""

    text: str
    form: str | None  # SELECT ASK CONSTRUCT DESCRIBE (None: the parser will say what is wrong)
    base_iri: str | None  # relative IRIs in the query resolve against it
    #: the Protocol's default-graph-uri / named-graph-uri: they replace the query's dataset
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    #: the query's own FROM / FROM NAMED, resolved (prefixes, BASE, base_iri)
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    declares_dataset: bool = False  # the query has a FROM or FROM NAMED
    volatile: bool = False  # RAND(), NOW(), UUID() …: answers differ between runs, never cached

    @property
    def union_default_graph(self) -> bool:
        """No dataset named by the request or the query: the default graph is the union of all."""
        return not (self.declares_dataset or self.default_graph_uris or self.named_graph_uris)

    @property
    def kind(self) -> str | None:
        """``"solutions"`` (SELECT, ASK) or ``"graph"`` (CONSTRUCT, DESCRIBE), as in formats.Kind."""
        if self.form is None:
            return None
        return "solutions" if self.form in ("SELECT", "ASK") else "graph"

    def to_wire(self) -> tuple:
        """Plain values (str, None, bool, tuples) for marshal, to a query worker (field order;
        not dataclasses.astuple, which deep-copies: a third of the check's time per query)."""
        return (
            self.text,
            self.form,
            self.base_iri,
            self.default_graph_uris,
            self.named_graph_uris,
            self.from_graphs,
            self.from_named_graphs,
            self.declares_dataset,
            self.volatile,
        )

    @classmethod
    def from_wire(cls, values: Sequence[Any]) -> CheckedQuery:
        return cls(*values)


def check_query(
    text: str,
    limits: Any,
    *,
    served_graphs: Iterable[str] | None = (),
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    base_iri: str | None = None,
    prefixes: dict[str, str] | None = None,
) -> CheckedQuery:
    """Check a user's query (see guard.py for what is refused and why) and return its value.

    ``served_graphs``: the graph IRIs a FROM / FROM NAMED or a dataset parameter may name (None:
    anything, for trusted callers only). ``base_iri`` and ``prefixes`` are those the engine parses
    the query with, so that a relative or prefixed FROM resolves as the engine resolves it.
    """
    from ccdkg.server import guard

    try:
        return _checked(text, limits, served_graphs, default_graph_uris, named_graph_uris, base_iri, prefixes)
    except guard.QueryRefused as refused:
        guard.count(refused.reason)
        raise


def trusted(text: str, base_iri: str | None = None) -> CheckedQuery:
    """The value of an internal query (pages, search, counts): scanned, nothing refused."""
    tokens = _significant(text) if "FROM" in text.upper() else _up_to_form(text)
    return _value(text, tokens, (), (), base_iri, {})[0]


def _significant(text: str) -> list[Token]:
    return [t for t in scan(text) if t.kind not in ("ws", "comment")]


def _up_to_form(text: str) -> list[Token]:
    """The prologue and the form's keyword: all a text without FROM needs read."""
    tokens = []
    for tok in scan(text):
        if tok.kind in ("ws", "comment"):
            continue
        tokens.append(tok)
        if tok.kind == "word" and tok.text.upper().startswith(FORMS):
            break
    return tokens


def _checked(
    text: str,
    limits: Any,
    served_graphs: Iterable[str] | None,
    default_graph_uris: Sequence[str],
    named_graph_uris: Sequence[str],
    base_iri: str | None,
    prefixes: dict[str, str] | None,
) -> CheckedQuery:
    from ccdkg.server import guard

    guard.check_text(text, limits)
    served = None if served_graphs is None else frozenset(served_graphs)
    if served is not None:
        guard.check_dataset_parameters(default_graph_uris, named_graph_uris, served)
    if guard.plainly_fine(text, limits):
        # No FROM, SERVICE or update word anywhere in the text, within every bound: only the
        # prologue and the form are left to read.
        prologue = _up_to_form(text)
        return _value(text, prologue, default_graph_uris, named_graph_uris, base_iri, prefixes or {})[0]
    tokens = _significant(text)
    guard.check_tokens(text, tokens, limits)
    value, clauses = _value(text, tokens, default_graph_uris, named_graph_uris, base_iri, prefixes or {})
    if served is not None:
        guard.check_from(text, clauses, served)
    return value


def _value(
    text: str,
    tokens: list[Token],
    default_graph_uris: Sequence[str],
    named_graph_uris: Sequence[str],
    base_iri: str | None,
    prefixes: dict[str, str],
) -> tuple[CheckedQuery, list[Clause]]:
    declared, base, form = _prologue(tokens, prefixes, base_iri)
    from_graphs: list[str] = []
    from_named: list[str] = []
    clauses: list[Clause] = []
    for k, tok in enumerate(tokens):
        if tok.kind != "word" or tok.text.upper() != "FROM":
            continue
        j, target, name = k + 1, from_graphs, "FROM"
        if j < len(tokens) and tokens[j].kind == "word" and tokens[j].text.upper() == "NAMED":
            j, target, name = j + 1, from_named, "FROM NAMED"
        iri = resolve_term(tokens[j], declared, base) if j < len(tokens) else None
        clauses.append((name, tok, iri))
        if iri is not None:
            target.append(iri)
    value = CheckedQuery(
        text=text,
        form=form,
        base_iri=base_iri,
        default_graph_uris=tuple(default_graph_uris),
        named_graph_uris=tuple(named_graph_uris),
        from_graphs=tuple(from_graphs),
        from_named_graphs=tuple(from_named),
        declares_dataset=bool(clauses),
        volatile=bool(_VOLATILE.search(text)),  # conservative: also in a literal, then just not cached
    )
    return value, clauses


def _prologue(
    tokens: list[Token], prefixes: dict[str, str], base_iri: str | None
) -> tuple[dict[str, str], str | None, str | None]:
    """PREFIX and BASE declarations in order, resolved as the parser does, and the query form."""
    declared = dict(prefixes)
    base = base_iri
    k = 0
    while k < len(tokens):
        tok = tokens[k]
        word = tok.text.upper() if tok.kind == "word" else ""
        if word == "BASE" and k + 1 < len(tokens) and tokens[k + 1].kind == "iri":
            base = _resolve(tokens[k + 1].text[1:-1], base)
            k += 2
        elif (
            word == "PREFIX"
            and k + 2 < len(tokens)
            and tokens[k + 1].kind == "pname"
            and tokens[k + 1].text.endswith(":")
            and tokens[k + 2].kind == "iri"
        ):
            declared[tokens[k + 1].text[:-1]] = _resolve(tokens[k + 2].text[1:-1], base)
            k += 3
        else:
            form = next((f for f in FORMS if word.startswith(f)), None)
            return declared, base, form
    return declared, base, None


_LOCAL_ESCAPE = re.compile(r"\\(.)")
_VOLATILE = re.compile(r"(?:rand|now|uuid|struuid|bnode)\s*\(", re.IGNORECASE)


def resolve_term(tok: Token, declared: dict[str, str], base: str | None) -> str | None:
    """The IRI an IRI or prefixed-name token stands for, or None (a variable, an unknown prefix …)."""
    if tok.kind == "iri":
        return _resolve(tok.text[1:-1], base)
    if tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix in declared:
            return declared[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
    return None


_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base and not _ABSOLUTE.match(iri) else iri

"""Parse the shipped Markdown of the article into a structure with character offsets.

Everything here is *found* in the text: the front matter fields, the section tree, the
paragraphs and their sentences, Table 1 and the footnotes. Offsets are Python ``str``
indices into the text given (the file ``graph/sources/001_7f0eaf4949258080.txt``), so every
span satisfies ``text[span.start:span.end] == span.text``.

The Markdown of the web conversion is irregular, so structure is derived from the
article's own numbering rather than from the markup: headings use ``##``, ``###`` and
``####`` at random for both 一、 and （一）, paragraphs are cut by page breaks (a ``---``
rule and the page's footnotes in between), and footnote markers ①②… restart on each page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ccdkg.errors import SourceTextError

CN_NUMERALS = "一二三四五六七八九十"
# A sentence ends at one of these, possibly followed by closing quotes.
_SENTENCE_END = re.compile(r"[。！？]+[”’」』]*")
# Markup that is not part of the article's wording.
_SUP = re.compile(r"<sup>(.*?)</sup>")
_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*$")
_TOP_NUMBER = re.compile(r"^([一二三四五六七八九十]+)、\s*")
_SUB_NUMBER = re.compile(r"^[（(]\s*([一二三四五六七八九十]+)\s*[）)]\s*")
_FOOTNOTE_DEF = re.compile(r"^(?:<sup>\s*([①-⑩]|\\\*|\*)\s*</sup>|([①-⑩]))\s*")
_FRONT_FIELD = re.compile(r"\*\*【(.+?)】\*\*\s*")
_TERMINAL = "。！？”’」』：；"


@dataclass(frozen=True)
class Span:
    """A verbatim piece of the text: ``text == source[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Sentence:
    key: str  # passage slug, e.g. s1-2-p1-3
    span: Span
    footnotes: tuple[str, ...] = ()  # footnote keys whose marker follows this sentence
    # A sentence a page break cuts (the page's notes printed in between) has two pieces, each
    # verbatim; ``span.text`` is then their concatenation, from the first's start to the last's end.
    pieces: tuple[Span, ...] = ()


@dataclass
class Paragraph:
    key: str  # e.g. s1-2-p1
    section: str
    order: int
    segments: list[Span]  # more than one when a page break cuts the paragraph
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass
class Section:
    key: str  # intro, s1, s1-2 …
    number: str  # 一、 / （二） as printed ("" for the introduction)
    numeral: int  # 1-based position among its siblings
    level: int  # 1 for 一…四, 2 for （一）…
    title: Span | None
    parent: str | None
    paragraphs: list[Paragraph] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TableRow:
    order: int
    cluster: Span
    cities: tuple[Span, ...]
    functions: tuple[Span, ...]
    cities_cell: Span
    functions_cell: Span


@dataclass(frozen=True)
class Table:
    section: str
    caption: Span
    header: tuple[Span, ...]
    rows: tuple[TableRow, ...]
    note: Span | None


@dataclass(frozen=True)
class Footnote:
    key: str  # fn01 … in document order
    symbol: str  # ① … as printed (restarts per page)
    span: Span  # the note's text without its marker
    marker: Span  # the marker in the body text
    section: str
    sentence: str  # the passage key of the sentence the marker follows
    works: tuple[Span, ...]  # one span per cited work


@dataclass
class Article:
    text: str
    front: dict[str, Span]
    keywords: tuple[Span, ...]
    sections: dict[str, Section]
    table: Table
    footnotes: tuple[Footnote, ...]
    funding: Span | None

    def paragraphs(self) -> list[Paragraph]:
        return [p for s in self.sections.values() for p in s.paragraphs]

    def sentences(self) -> list[Sentence]:
        return [s for p in self.paragraphs() for s in p.sentences]

    def sentence(self, key: str) -> Sentence:
        for s in self.sentences():
            if s.key == key:
                return s
        raise KeyError(key)


@dataclass(frozen=True)
class _Block:
    start: int
    end: int
    text: str


def _blocks(text: str) -> list[_Block]:
    """Blank-line separated blocks, stripped, with their offsets."""
    blocks = []
    for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text):
        raw = m.group(0)
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        if body:
            blocks.append(_Block(m.start() + lead, m.start() + lead + len(body), body))
    return blocks


def _strip_span(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, text[start:end])


def _numeral(s: str) -> int:
    if s == "十":
        return 10
    if len(s) == 1:
        return CN_NUMERALS.index(s) + 1
    raise SourceTextError(f"unexpected section numeral {s!r}")


def _split_list(text: str, cell: Span) -> tuple[Span, ...]:
    """A Table 1 cell 'A、B、C等' → spans A, B, C (the trailing 等 'etc.' is not part of a name)."""
    items = []
    pos = 0
    body = cell.text[:-1] if cell.text.endswith("等") else cell.text
    for part in body.split("、"):
        start = cell.start + pos
        items.append(_strip_span(text, start, start + len(part)))
        pos += len(part) + 1
    if any(not i.text for i in items):
        raise SourceTextError(f"Table 1 has an empty list item in {cell.text!r}")
    return tuple(items)


def _sentences(text: str, segment: Span) -> list[tuple[Span, list[Span]]]:
    """Split a segment into sentences; each comes with the footnote markers right after it.

    Markers (``<sup>①</sup>``) sit between sentences in this article; they are kept out of
    the sentence spans so that ``oa:exact`` is the article's wording only.
    """
    out: list[tuple[Span, list[Span]]] = []
    pos = segment.start
    end = segment.end
    # Replace markup with same-length filler so offsets stay valid while splitting.
    masked = _SUP.sub(lambda m: "\0" * len(m.group(0)), text[segment.start : segment.end])
    i = 0
    while pos < end:
        m = _SENTENCE_END.search(masked, i)
        stop = segment.start + (m.end() if m else len(masked))
        span = _strip_span(text, pos, stop)
        # the sentence must not start with filler (markup from the previous sentence)
        s_start = span.start
        while s_start < span.end and masked[s_start - segment.start] == "\0":
            s_start += 1
        span = _strip_span(text, s_start, span.end)
        markers: list[Span] = []
        j = stop
        while True:
            mm = _SUP.match(text, j, end)
            if not mm:
                break
            markers.append(Span(mm.start(), mm.end(), mm.group(0)))
            j = mm.end()
            while j < end and text[j] == " ":
                j += 1
        if span.text:
            out.append((span, markers))
        elif markers and out:
            out[-1][1].extend(markers)
        i = j - segment.start
        pos = j
        if not m:
            break
    return out


class _Parser:
    """One pass over the blocks; each kind of block has its own handler, the state lives here."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.front: dict[str, Span] = {}
        self.keywords: tuple[Span, ...] = ()
        self.funding: Span | None = None
        self.sections: dict[str, Section] = {}
        self.table: Table | None = None
        self.caption: Span | None = None
        self.table_note: Span | None = None
        # footnote bookkeeping: body markers not yet matched to a note, in document order
        self.pending: list[tuple[str, Span, str, str]] = []  # (symbol, marker span, section, sentence key)
        self.notes: list[tuple[str, Span]] = []  # (symbol, text span)
        self.matched: list[tuple[Span, str, str]] = []  # per note: marker, section, sentence
        self.current: Section | None = None
        self.top: Section | None = None
        self.open_paragraph: Paragraph | None = None  # last paragraph, if it ends mid-sentence

    def new_section(
        self, key: str, number: str, numeral: int, level: int, title: Span | None, parent: str | None
    ) -> Section:
        sec = Section(key, number, numeral, level, title, parent)
        self.sections[key] = sec
        if parent:
            self.sections[parent].children.append(key)
        return sec

    def block(self, block: _Block) -> None:
        t = block.text
        if t == "---":
            return  # a page break; the paragraph before it may continue after the notes
        heading = _HEADING.match(t)
        if heading:
            self.heading(block, heading.group(2))
        elif fn := _FOOTNOTE_DEF.match(t):
            self.footnote(block, fn)
        elif "\t" in t and self.caption is not None and self.table is None:
            self.table = _parse_table(self.text, block, self.caption, self.current)
        elif _FRONT_FIELD.match(t) and self.current is None:
            self.front_fields(block)
        elif re.match(r"^表\s*1\s", t):
            self.caption = _strip_span(self.text, block.start, block.end)
        elif t.startswith("资料来源") and self.table is not None and self.table_note is None:
            self.table_note = _strip_span(self.text, block.start, block.end)
        elif editor := re.match(r"^\[责任编辑[：:]\s*(.+?)\]$", t):
            s = block.start + editor.start(1)
            self.front["editor"] = Span(s, s + len(editor.group(1)), editor.group(1))
        elif not self.front_line(block):
            self.body(block)

    def heading(self, block: _Block, inner: str) -> None:
        text, t = self.text, block.text
        start = block.start + t.index(inner)
        if not self.front.get("title"):
            m = _SUP.search(inner)
            title_text = inner[: m.start()] if m else inner
            self.front["title"] = _strip_span(text, start, start + len(title_text))
            return
        top_m = _TOP_NUMBER.match(inner)
        sub_m = _SUB_NUMBER.match(inner)
        if top_m:
            n = _numeral(top_m.group(1))
            title = _strip_span(text, start + top_m.end(), start + len(inner))
            self.top = self.current = self.new_section(f"s{n}", top_m.group(0).strip(), n, 1, title, None)
        elif sub_m:
            if self.top is None:
                raise SourceTextError(f"subsection {inner!r} comes before any numbered section")
            n = _numeral(sub_m.group(1))
            title = _strip_span(text, start + sub_m.end(), start + len(inner))
            key = f"{self.top.key}-{n}"
            self.current = self.new_section(key, sub_m.group(0).strip(), n, 2, title, self.top.key)
        else:
            raise SourceTextError(f"heading without 一、 or （一） numbering: {inner!r}")
        self.open_paragraph = None

    def footnote(self, block: _Block, fn: re.Match[str]) -> None:
        symbol = (fn.group(1) or fn.group(2)).replace("\\", "")
        span = _strip_span(self.text, block.start + fn.end(), block.end)
        if symbol == "*":
            self.funding = span
            return
        self.notes.append((symbol, span))
        for i, (sym, marker, sec, sent) in enumerate(self.pending):
            if sym == symbol:
                self.matched.append((marker, sec, sent))
                del self.pending[i]
                return
        raise SourceTextError(f"footnote {symbol} at offset {span.start} has no marker in the text")

    def front_fields(self, block: _Block) -> None:
        front, text = self.front, self.text
        _front_fields(text, block, front)
        if "内容摘要" in front and "abstract" not in self.sections:
            # the abstract is argued text too: give it sentences like a body paragraph
            abstract = self.new_section("abstract", "", 0, 1, None, None)
            seg = front["内容摘要"]
            para = Paragraph("abstract-p1", "abstract", 1, [seg])
            para.sentences = [
                Sentence(f"abstract-p1-{i}", sp) for i, (sp, _) in enumerate(_sentences(text, seg), start=1)
            ]
            abstract.paragraphs.append(para)
        if "关键词" in front:
            self.keywords = _keywords(text, front["关键词"])

    def front_line(self, block: _Block) -> bool:
        """The subtitle and the author's name: the lines between the title and the fields."""
        front, t = self.front, block.text
        if self.current is None and "title" in front and "subtitle" not in front and t.startswith("——"):
            front["subtitle"] = _strip_span(self.text, block.start + 2, block.end)
            return True
        if self.current is None and "subtitle" in front and "author" not in front:
            front["author"] = _strip_span(self.text, block.start, block.end)
            return True
        return False

    def body(self, block: _Block) -> None:
        """A body paragraph, or the continuation of one that a page break cut."""
        t = block.text
        if self.current is None:
            if "DOI 编号" not in self.front and "DOI编号" not in self.front:
                raise SourceTextError(f"unexpected text before the front matter ends: {t[:30]!r}")
            self.current = self.new_section("intro", "", 0, 1, None, None)
        current = self.current
        segment = Span(block.start, block.end, t)
        para = self.open_paragraph
        continued = para is not None and para.section == current.key
        if continued:
            para.segments.append(segment)
        else:
            para = Paragraph(
                f"{current.key}-p{len(current.paragraphs) + 1}",
                current.key,
                len(current.paragraphs) + 1,
                [segment],
            )
            current.paragraphs.append(para)
        for n, (span, markers) in enumerate(_sentences(self.text, segment)):
            if n == 0 and continued and para.sentences:
                # the sentence the page break cut: one sentence of two pieces
                last = para.sentences.pop()
                sentence = _join(last, span)
            else:
                sentence = Sentence(f"{para.key}-{len(para.sentences) + 1}", span)
            para.sentences.append(sentence)
            for marker in markers:
                sym = _SUP.match(marker.text).group(1).strip()
                self.pending.append((sym, marker, current.key, sentence.key))
        plain = _SUP.sub("", t).rstrip()
        self.open_paragraph = para if plain and plain[-1] not in _TERMINAL else None

    def article(self) -> Article:
        front = self.front
        for required in ("title", "author", "内容摘要", "DOI 编号"):
            if required not in front:
                raise SourceTextError(f"the article's front matter has no {required!r}")
        if self.table is None:
            raise SourceTextError(
                "Table 1 (表1, the tab-separated table of city clusters) is missing from the article"
            )
        if self.pending:
            sym, marker, _, _ = self.pending[0]
            raise SourceTextError(f"footnote marker {sym} at offset {marker.start} has no footnote text")
        for key in ("s1", "s2", "s3", "s4"):
            if key not in self.sections:
                raise SourceTextError(f"section {key} (一 … 四) is missing from the article")
        t = self.table
        table = Table(t.section, t.caption, t.header, t.rows, self.table_note)
        footnotes = self.footnotes()
        return Article(self.text, front, self.keywords, self.sections, table, footnotes, self.funding)

    def footnotes(self) -> tuple[Footnote, ...]:
        """The notes in document order, each tied to its marker; sentences learn their notes."""
        pairs = zip(self.notes, self.matched, strict=True)
        footnotes = tuple(
            Footnote(f"fn{n:02d}", symbol, span, marker, sec, sent, _works(self.text, span))
            for n, ((symbol, span), (marker, sec, sent)) in enumerate(pairs, start=1)
        )
        by_sentence: dict[str, list[str]] = {}
        for f in footnotes:
            by_sentence.setdefault(f.sentence, []).append(f.key)
        for sec in self.sections.values():
            for para in sec.paragraphs:
                para.sentences = [
                    replace(s, footnotes=tuple(by_sentence.get(s.key, ()))) for s in para.sentences
                ]
        return footnotes


def _join(first: Sentence, piece: Span) -> Sentence:
    """A sentence continued across a page break: its text is its pieces joined, its offsets run from
    the first piece's start to the last one's end (with the page break, and the notes printed at the
    foot of the page, in between)."""
    pieces = first.pieces or (first.span,)
    pieces = (*pieces, piece)
    joined = Span(pieces[0].start, piece.end, "".join(p.text for p in pieces))
    return Sentence(first.key, joined, first.footnotes, pieces)


def parse_article(text: str) -> Article:
    """Parse the article's Markdown; raises SourceTextError when its structure is not there."""
    if not text.strip():
        raise SourceTextError("the article text is empty")
    parser = _Parser(text)
    for block in _blocks(text):
        parser.block(block)
    return parser.article()


def _front_fields(text: str, block: _Block, front: dict[str, Span]) -> None:
    """``**【关键词】** value **【…】** value`` → one span per field."""
    fields = list(_FRONT_FIELD.finditer(block.text))
    for i, m in enumerate(fields):
        stop = fields[i + 1].start() if i + 1 < len(fields) else len(block.text)
        front[m.group(1)] = _strip_span(text, block.start + m.end(), block.start + stop)


def _keywords(text: str, value: Span) -> tuple[Span, ...]:
    return tuple(
        Span(value.start + m.start(), value.start + m.end(), m.group(0))
        for m in re.finditer(r"\S+", value.text)
    )


def _parse_table(text: str, block: _Block, caption: Span, section: Section | None) -> Table:
    lines = []
    pos = block.start
    for line in block.text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    header_pos, header = lines[0]
    header_cells = []
    col = header_pos
    for cell in header.split("\t"):
        if cell.strip():
            header_cells.append(_strip_span(text, col, col + len(cell)))
        col += len(cell) + 1
    rows = []
    for order, (line_pos, line) in enumerate(lines[1:], start=1):
        cells = line.split("\t")
        if len(cells) != 3:
            raise SourceTextError(f"Table 1 row {order} does not have 3 tab-separated cells: {line!r}")
        spans = []
        col = line_pos
        for cell in cells:
            spans.append(_strip_span(text, col, col + len(cell)))
            col += len(cell) + 1
        rows.append(
            TableRow(
                order, spans[0], _split_list(text, spans[1]), _split_list(text, spans[2]), spans[1], spans[2]
            )
        )
    if not rows:
        raise SourceTextError("Table 1 has no rows")
    return Table(section.key if section else "intro", caption, tuple(header_cells), tuple(rows), None)


def _works(text: str, note: Span) -> tuple[Span, ...]:
    """Cut a footnote into one span per cited work.

    Works are separated by ``；`` (Chinese), ``;``/``; and`` (English), or a ``。`` that is
    followed by another reference (a Chinese note citing two books).
    """
    cuts = [note.start]
    body = note.text
    for m in re.finditer(r"；|;\s*(?:and\s+)?|。(?=\S)", body):
        cuts.append(note.start + m.end())
    cuts.append(note.end)
    spans = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        seg = _strip_span(text, a, b)
        # drop the separator at the segment's end and a leading 参见 ("see")
        stripped = seg.text.rstrip("；;")
        lead = 0
        if stripped.startswith("参见"):
            lead = 2
            while lead < len(stripped) and stripped[lead] == " ":
                lead += 1
        spans.append(Span(seg.start + lead, seg.start + len(stripped), stripped[lead:]))
    return tuple(s for s in spans if s.text)

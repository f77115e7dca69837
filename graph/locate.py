"""Find a curator's verbatim span in one section of the article (CLAIMS-FORMAT's rule).

A section's text is its heading and body, its subsections' included; ``footnotes`` is the
footnotes' text, ``front`` the front matter's fields. A span is looked for inside each piece of
text (a paragraph segment, a heading, a table cell row, a note), so it cannot cross a page break
or the notes printed between two pieces of a paragraph.
"""

from __future__ import annotations

from ccdkg.graph.parse import Article, Span


class Sections:
    """The pieces of text of every section of one parsed article."""

    def __init__(self, article: Article) -> None:
        self.text = article.text
        self.pieces: dict[str, list[Span]] = {}
        for key, sec in article.sections.items():
            own = [sec.title] if sec.title else []
            own += [seg for para in sec.paragraphs for seg in para.segments]
            self.pieces.setdefault(key, []).extend(own)
            if sec.parent:
                self.pieces.setdefault(sec.parent, []).extend(own)
        t = article.table
        table = [
            t.caption,
            *t.header,
            *(s for r in t.rows for s in (r.cluster, r.cities_cell, r.functions_cell)),
        ]
        if t.note:
            table.append(t.note)
        self.pieces.setdefault(t.section, []).extend(table)
        sec = article.sections.get(t.section)
        if sec is not None and sec.parent:
            self.pieces[sec.parent].extend(table)
        self.pieces["footnotes"] = [f.span for f in article.footnotes] + (
            [article.funding] if article.funding else []
        )
        self.pieces["front"] = list(article.front.values()) + ([article.funding] if article.funding else [])
        for key in self.pieces:
            self.pieces[key].sort(key=lambda s: s.start)

    def find(self, needle: str, section: str) -> list[Span]:
        """Every occurrence of ``needle`` in ``section``; KeyError for an unknown section."""
        if section not in self.pieces:
            raise KeyError(section)
        hits = []
        for piece in self.pieces[section]:
            at = piece.text.find(needle)
            while at >= 0:
                start = piece.start + at
                hits.append(Span(start, start + len(needle), needle))
                at = piece.text.find(needle, at + 1)
        return hits

    def known(self) -> list[str]:
        return sorted(self.pieces)

"""The article's Markdown-ish markup turned into text people read.

The shipped clean text keeps the copy's markup (``<sup>①</sup>`` footnote marks, ``*Nature*``
italics, ``**【内容摘要】**``, ``#`` headings, backslash escapes, table padding). The graph quotes it
verbatim (offsets must stay true); pages show it through :func:`plain` (text) or :func:`rich`
(escaped HTML with italics kept).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_SUP = re.compile(r"<sup>(.*?)</sup>", re.S)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_STRONG = re.compile(r"\*\*(.+?)\*\*", re.S)
_EM = re.compile(r"(?<![\\*])\*(?!\s)([^*]+?)(?<![\s\\])\*(?!\*)")
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]*", re.M)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")
_RULE = re.compile(r"^[ \t]*-{3,}[ \t]*$", re.M)
_PIPES = re.compile(r"[ \t]*\|[ \t]*")
_SPACE = re.compile(r"[ \t\u3000]+")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")


def plain(text: str) -> str:
    """The words without their markup; footnote marks stay as the printed ①, table cells split by ' | '."""
    text = _SUP.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = _TAG.sub("", text)
    text = _STRONG.sub(r"\1", text)
    text = _EM.sub(r"\1", text)
    text = _HEADING.sub("", text)
    text = _RULE.sub("", text)
    # the text's URLs are escaped twice (GlobalTrends\\_2040): undo escapes until none is left
    for _ in range(3):
        unescaped = _ESCAPE.sub(r"\1", text)
        if unescaped == text:
            break
        text = unescaped
    if "|" in text or "\t" in text:
        cells = [c for c in re.split(r"\t|\|", text) if c.strip()]
        text = " | ".join(c.strip() for c in cells) if len(cells) > 1 else text.replace("|", "")
    text = _SPACE.sub(" ", text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def rich(text: str) -> Markup:
    """``plain`` as HTML, keeping the copy's italics (titles of works) as <i>."""
    italic: list[str] = []

    def keep(m: re.Match[str]) -> str:
        italic.append(m.group(1))
        return f"\x00{len(italic) - 1}\x00"

    marked = _EM.sub(keep, _STRONG.sub(r"\1", _SUP.sub(lambda m: m.group(1), text)))
    out = str(escape(plain(marked)))
    for n, words in enumerate(italic):
        out = out.replace(f"\x00{n}\x00", f"<i>{escape(plain(words))}</i>")
    return Markup(out)

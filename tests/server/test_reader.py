"""The reader (server/reader.py) over the built graph: the article with its facts, part by part."""

from __future__ import annotations

import re

import pytest

from ..helpers import BROWSER as HTML
from ..helpers import main_of, page


def test_reader_part_has_headings_paragraphs_anchors_and_facts(c):
    html = page(c, "/read/s3?lang=zh-Hans")
    assert re.search(r"<h1 class=\"heading\">三、.*城市群外交的政治影响与挑战", html)
    assert '<h2 class="heading">（一）' in html and '<h2 class="heading">（二）' in html
    # every passage anchored by its slug, and the facts drawn from it come with their class
    assert '<span class="sentence" id="s3-1-p2-1" data-passage="s3-1-p2-1">' in html
    facts = html[html.index('<template id="facts-s3-1-p2-1"') :].split("</template>", 1)[0]
    assert 'href="/id/impact/' in facts and 'class="badge kind"' in facts
    assert "/query?query=" in facts and "wasDerivedFrom" in facts.replace("%3A", ":")
    assert 'rel="prev" href="/read/s2"' in html and 'rel="next" href="/read/s4"' in html
    assert "**" not in main_of(html) and "<sup>①" not in html


def test_reader_whole_article_table_footnotes_and_marks(c):
    html = page(c, "/read?lang=zh-Hans")
    for part in ("front", "intro", "s1", "s2", "s3", "s4"):
        assert f'id="part-{part}"' in html
    table = html[html.index('<figure class="table1"') :].split("</figure>", 1)[0]
    assert table.count("<tr id=") == 7 and "国际金融服务" in table and "<table>" in table
    assert 'id="s2-table1-r1-function2"' in table
    # footnote 7: its mark follows the sentence it belongs to, the note links the work it cites
    para = re.search(r'<p class="para" id="s1-4-p1">.*?</p>', html, re.S).group(0)
    assert 'id="s1-4-p1-3"' in para and 'id="ref-fn07" href="#fn07"' in para
    note = re.search(r'<li id="fn07".*?</li>', html, re.S).group(0)
    assert "何亚非" in note and 'href="/id/work/he-2015"' in note and 'href="#ref-fn07"' in note
    assert html.count('class="pagebreak"') >= 3  # the copy's page breaks are kept


@pytest.mark.parametrize(
    ("path", "reader"),
    [
        ("/id/section/s3-1", "/read/s3#s3-1-heading"),
        ("/id/passage/s3-1-p2-1", "/read/s3#s3-1-p2-1"),
        ("/id/footnote/fn07", "/read/s1#fn07"),
        ("/id/source/clean-text", "/read"),
    ],
)
def test_text_pages_open_the_reader_where_they_are(c, path, reader):
    assert f'<a class="read-link" href="{reader}">' in page(c, path)


def test_reader_unknown_part_is_a_styled_404(c):
    r = c.get("/read/s9", headers=HTML)
    assert r.status_code == 404 and '<header class="site">' in r.get_data(as_text=True)

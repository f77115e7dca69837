"""The parser finds the article's structure in the irregular Markdown."""

from __future__ import annotations

import pytest

from ccdkg.errors import SourceTextError
from ccdkg.graph import parse_article
from ccdkg.graph.parse import Article


def test_front_matter(article: Article) -> None:
    f = article.front
    assert f["title"].text == "全球治理视域下的城市群外交"
    assert f["subtitle"].text == "动力机制、功能分析与路径探索"
    assert f["author"].text == "韩笑"
    assert f["DOI 编号"].text == "10.13851/j.cnki.gjzw.202204005"
    assert f["中图分类号"].text == "D5"
    assert f["editor"].text == "樊文光"
    assert [k.text for k in article.keywords] == ["城市群外交", "全球化", "协同开放", "全球治理"]
    for span in [*f.values(), *article.keywords]:
        assert article.text[span.start : span.end] == span.text


def test_section_levels_come_from_the_numbering_not_the_hashes(article: Article) -> None:
    tops = [s for s in article.sections.values() if s.level == 1 and s.number]
    assert [s.key for s in tops] == ["s1", "s2", "s3", "s4"]
    # 三、 is printed with ### and 四、 with ####; 三（二） with ## and 二（三） with ASCII parentheses
    assert article.sections["s3"].title.text == "城市群外交的政治影响与挑战"
    assert article.sections["s4"].title.text == "中国开展城市群外交的路径探索"
    assert article.sections["s3-2"].parent == "s3" and article.sections["s3-2"].level == 2
    assert article.sections["s2-3"].title.text == "促进国内外人才双向流动与跨文化传播交流"
    assert article.sections["s1"].children == ["s1-1", "s1-2", "s1-3", "s1-4"]
    assert article.sections["s4"].children == []


def test_paragraphs_cut_by_page_breaks_are_joined(article: Article) -> None:
    para = next(p for p in article.paragraphs() if "支撑力" in p.segments[0].text[-5:])
    assert len(para.segments) == 2
    texts = [s.span.text for s in para.sentences]
    assert "量。" not in texts  # the sentence the page break cut is one passage, not two
    whole = next(s for s in para.sentences if s.span.text.endswith("提供支撑力量。"))
    assert [p.text for p in whole.pieces][-1] == "量。"


CUT_SENTENCES = [  # the 11 sentences a page or footnote break cuts in the shipped text
    "支撑力量。",
    "国际城市网络的交流与协作拓宽城市活动渠道",
    "美欧地区的超大规模城市群",
    "不同生产部门、公共组织、跨国公司或人员",
    "整体提升了域内城市参与国际交往的能力",
    "全球人口增长速度,国内生产总值",
    "带动外国专家、国际移民的长久居住",
    "核心功能区、国家参与国际分工",
    "有效承接，将各级城市纵深发展",
    "均衡域内开放与发展机遇",
    "在将城市推向跨国交流前沿的同时",
]


@pytest.mark.parametrize("needle", CUT_SENTENCES)
def test_a_sentence_cut_by_a_page_break_is_one_sentence(article: Article, needle: str) -> None:
    hits = [s for s in article.sentences() if needle in s.span.text]
    assert len(hits) == 1, needle
    (sentence,) = hits
    assert len(sentence.pieces) == 2
    assert "".join(p.text for p in sentence.pieces) == sentence.span.text
    for piece in sentence.pieces:
        assert article.text[piece.start : piece.end] == piece.text
    assert (sentence.span.start, sentence.span.end) == (sentence.pieces[0].start, sentence.pieces[-1].end)


def test_every_body_sentence_ends_a_sentence(article: Article) -> None:
    for s in article.sentences():
        assert s.span.text.rstrip("”’」』")[-1] in "。！？：；", s.key


def test_table1(article: Article) -> None:
    rows = article.table.rows
    assert len(rows) == 7
    assert sum(len(r.cities) for r in rows) == 24
    assert len({f.text for r in rows for f in r.functions}) == 14
    assert rows[6].cluster.text == "长三角城市群"
    assert [c.text for c in rows[6].cities] == ["上海", "南京", "杭州", "苏州", "无锡"]
    assert article.table.section == "s2"


def test_footnotes_numbered_in_document_order_and_tied_to_their_sentence(article: Article) -> None:
    notes = article.footnotes
    assert [n.key for n in notes] == [f"fn{i:02d}" for i in range(1, 13)]
    assert [n.symbol for n in notes] == list("①②③④①①①②③①②①")
    assert sum(len(n.works) for n in notes) == 18
    assert notes[11].span.text.startswith("McKinsey Global Institute")
    assert article.sentence(notes[11].sentence).span.text.endswith("GDP占英国总量的80%。")
    assert notes[6].section == "s1-4"
    for n in notes:
        assert article.text[n.marker.start : n.marker.end].startswith("<sup>")
        assert n.key in article.sentence(n.sentence).footnotes


def test_missing_table_is_a_source_text_error(article_text: str) -> None:
    broken = "\n".join(line for line in article_text.split("\n") if "\t" not in line)
    with pytest.raises(SourceTextError, match="Table 1"):
        parse_article(broken)


def test_empty_or_headless_text_is_a_source_text_error() -> None:
    with pytest.raises(SourceTextError):
        parse_article("")
    with pytest.raises(SourceTextError):
        parse_article("# 标题\n\n——副标题\n\n作者\n")

"""The second witness: each sentence passage is attested, differs or is missing in the web copy."""

from __future__ import annotations

import difflib
import random

import pytest
from rdflib import Dataset, URIRef

from ccdkg.graph import extract, load_curation, witness
from ccdkg.graph.build import WEB_COPY_FILE
from ccdkg.graph.parse import Article
from ccdkg.graph.witness import _normalise, attest, matching_blocks, repair
from ccdkg.namespaces import CCD, data_iri


def statuses(article: Article, copy: str) -> dict[str, str]:
    dataset = extract(article, load_curation())
    attest(dataset, article, copy)
    return {
        str(s).rsplit("/", 1)[-1]: str(o)
        for s, _, o, _ in dataset.quads((None, CCD.witnessStatus, None, None))
    }


def test_blocks_are_equal_stretches_in_order() -> None:
    rng = random.Random(7)
    a = "".join(rng.choice("城市群外交的全球治理协同开放") for _ in range(3000))
    b = list(a)
    for _ in range(40):  # damage the copy: deletions and insertions
        i = rng.randrange(len(b))
        b[i : i + rng.randint(0, 20)] = "？" * rng.randint(0, 5)
    copy = "".join(b)
    blocks = matching_blocks(a, copy)
    assert blocks
    for (i, j, n), (i2, j2, _) in zip(blocks, blocks[1:], strict=False):
        assert i + n <= i2 and j + n <= j2
    assert all(n > 0 and a[i : i + n] == copy[j : j + n] for i, j, n in blocks)
    # as much of the text aligned as difflib's whole-text alignment finds, give or take a little
    whole = sum(m.size for m in difflib.SequenceMatcher(None, a, copy, autojunk=False).get_matching_blocks())
    assert sum(n for _, _, n in blocks) >= 0.98 * whole


def test_verbatim_damaged_and_absent_passages(article: Article) -> None:
    sentences = [s for s in article.sentences() if len(s.span.text) > 30]
    dropped, damaged = sentences[3], sentences[10]  # in this order in the text
    text = article.text
    half = damaged.span.start + len(damaged.span.text) // 2
    # one sentence removed, another with a run of mojibake in its middle
    copy = text[: dropped.span.start] + text[dropped.span.end : half] + "??" + text[half + 2 :]
    found = statuses(article, copy)
    assert found[dropped.key] == "missing"
    assert found[damaged.key] == "differs"
    assert found[sentences[0].key] == "attested"
    assert sum(1 for s in found.values() if s == "attested") >= len(found) - 3


def test_attested_passages_name_the_web_copy(dataset: Dataset, article: Article) -> None:
    copy = Dataset()
    for quad in dataset.quads((None, None, None, None)):
        copy.add(quad)
    report = attest(copy, article, article.text)
    web_copy = URIRef(data_iri("source", "web-copy"))
    attested = {s for s, _, _, _ in copy.quads((None, CCD.attestedBy, web_copy, None))}
    assert report.attested == len(attested) > 250


@pytest.mark.slow
def test_shipped_copy_gets_the_statuses_of_a_whole_text_alignment(
    article: Article, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The anchored alignment changes nothing for the shipped copy: same status for every passage as
    difflib over the whole texts (what the stage did before, at ten times the cost)."""
    damaged = WEB_COPY_FILE.read_text(encoding="utf-8")
    found = statuses(article, damaged)
    copy, _ = _normalise(repair(damaged))
    clean, _ = _normalise(article.text)
    sm = difflib.SequenceMatcher(None, clean, copy, autojunk=False)
    whole = [(m.a, m.b, m.size) for m in sm.get_matching_blocks() if m.size]
    monkeypatch.setattr(witness, "matching_blocks", lambda a, b: whole)
    expected = statuses(article, damaged)
    assert found == expected
    assert {"attested", "differs", "missing"} == set(found.values())


def test_repair_strips_pinyin_but_keeps_english_in_parentheses() -> None:
    assert repair("關(guān)鍵詞") == "关键词"
    assert repair("Lock-ins? (New) Global") == "Lock-ins? (New) Global"

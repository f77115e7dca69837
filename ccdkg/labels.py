"""Traditional-Chinese labels through OpenCC.

``s2tw`` (Taiwan standard characters, no phrase substitution) is used: ``s2t``/``s2hk``
give the variant forms 羣 and 衞, and ``s2twp`` rewrites words (双循环 → 雙迴圈); see
graph/curation/entities-README.md.
"""

from __future__ import annotations

from functools import lru_cache

import opencc

OPENCC_CONFIG = "s2tw"


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC(OPENCC_CONFIG)


def to_traditional(text: str) -> str:
    """zh-Hans → zh-Hant (Taiwan standard characters)."""
    return _converter().convert(text)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """zh-Hant → zh-Hans, for search and the damaged witness."""
    return _t2s().convert(text)

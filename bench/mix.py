"""The query mix: the templates in ``bench/queries/*.rq`` and their distinct (cold) instances.

A template names its parameters as ``{{name}}``; ``Query.render(shape, n)`` fills them from the n-th
entity of the synthetic graph, so request n of a *unique* run is a different query from request n+1
(and ends with a ``# nonce n`` comment, so that no cache keyed on the text can answer it), while a
*repeated* run sends one text again and again (the response cache's path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bench.synth import Shape

QUERIES = Path(__file__).resolve().parent / "queries"
ACCEPT = {
    "select": "application/sparql-results+json",
    "ask": "application/sparql-results+json",
    "graph": "application/n-triples",
}
_PARAM = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class Query:
    slug: str
    name: str
    kind: str  # select | ask | graph
    template: str

    @property
    def accept(self) -> str:
        return ACCEPT[self.kind]

    def render(self, shape: Shape, n: int, *, unique: bool = True) -> str:
        # Strides coprime with the pool sizes walk every entity before repeating one.
        chars = shape.name_chars()
        values = {
            "city": lambda: shape.city(n * 7919),
            "city_label": lambda: shape.city_label(n * 7919),
            "city_name": lambda: shape.city_label(n * 7919)[:2],
            "city_country": lambda: shape.city_country(n * 7919),
            "cluster": lambda: shape.cluster(n * 104729),
            "country": lambda: shape.country(n),
            "char": lambda: chars[n % len(chars)],
            "class": lambda: shape.classes()[n % len(shape.classes())],
            "limit": lambda: str(10 + n % 20),
            "offset": lambda: str(20 * (n % 50)),
            "n": lambda: str(n),
        }
        text = _PARAM.sub(lambda m: values[m.group(1)](), self.template)
        return f"{text}# nonce {n}\n" if unique else text


def load_queries(directory: Path = QUERIES) -> list[Query]:
    queries = []
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        meta = dict(re.findall(r"^# (\w+): (.+)$", text, flags=re.MULTILINE))
        body = "\n".join(line for line in text.splitlines() if not re.match(r"^# \w+: ", line)) + "\n"
        queries.append(
            Query(slug=path.stem.split("-", 1)[1], name=meta["name"], kind=meta["kind"], template=body)
        )
    return queries

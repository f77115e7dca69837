"""Hostile uploads the validation tests send (the server's /validate and `ccdkg validate --timeout`)."""

from __future__ import annotations


def laughs(levels: int = 9, fan: int = 10) -> bytes:
    """The "billion laughs" RDF/XML: ~1 KB that expands to 3 × 10**9 characters."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * fan}">' for i in range(1, levels + 1)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(entities) + "\n]>\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
        f'<rdf:Description rdf:about="http://example.org/a"><rdfs:label>&lol{levels};</rdfs:label>'
        "</rdf:Description>\n</rdf:RDF>\n"
    ).encode()


def deep_turtle(depth: int = 40_000) -> bytes:
    """Blank nodes nested ``depth`` deep, each a ccd:City (~760 KB): minutes of SHACL work."""
    return (
        "@prefix : <http://example.org/> .\n@prefix ccd: <https://w3id.org/ccdkg/ontology#> .\n:a :p "
        + "[ a ccd:City ; :p " * depth
        + ":b"
        + "]" * depth
        + " .\n"
    ).encode()

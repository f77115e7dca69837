"""Linked-data pages: every IRI under /id/… and /ontology… dereferences.

A browser gets an HTML page; an RDF client gets Turtle, N-Triples, JSON-LD (compact, with the
project's @context), RDF/XML, or TriG / N-Quads (which keep each statement's named graph) by
``Accept`` (``Vary: Accept``), answered with 200 and a ``Content-Location`` naming the
document (``/id/city/shanghai.ttl``); ``?format=`` forces one. An IRI the graph does not
know answers 404 with a page that offers a search.

Four modules, one concern each: :mod:`.documents` (which representation, and the RDF document
itself), :mod:`.queries` (what a page asks the store), :mod:`.views` (what a template shows, built
from those answers) and :mod:`.routes` (the ``pages`` blueprint and its URLs).
"""

from __future__ import annotations

from .routes import bp

__all__ = ["bp"]

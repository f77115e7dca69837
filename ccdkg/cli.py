"""The ``ccdkg`` command: one verb per stage, each a thin call into that stage's function.

Exit codes: 0 ok; 1 the data does not conform or the build failed; 2 usage error or
unreadable input. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ccdkg import __version__
from ccdkg.errors import CcdkgError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's default already exits 2; keep it one line
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ccdkg",
        description="City-Cluster Diplomacy Knowledge Graph: build, validate and serve the graph.",
    )
    parser.add_argument("--version", action="version", version=f"ccdkg {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    verbs.required = True

    def verb(name: str, help_: str) -> argparse.ArgumentParser:
        sub = verbs.add_parser(name, help=help_, description=help_)
        sub.add_argument("--version", action="version", version=f"ccdkg {__version__}")
        return sub

    build = verb("build", "extract the graph from the article, validate it and write the release atomically")
    build.add_argument(
        "-o", "--output", type=Path, help="write the dataset to FILE only (format by extension)"
    )
    build.add_argument(
        "--release-dir", type=Path, help="where to write the release dumps (default: graph/release)"
    )
    build.add_argument("-q", "--quiet", action="store_true", help="print no summary")

    validate = verb(
        "validate", "SHACL-validate RDF data (default: the built graph) and print a readable report"
    )
    validate.add_argument("files", nargs="*", help="RDF files to validate, or - for standard input")
    validate.add_argument(
        "--format",
        dest="report_format",
        choices=["text", "json", "turtle"],
        default="text",
        help="report format (default: text)",
    )
    validate.add_argument("--input-format", help="RDF syntax of the input (default: by file extension)")
    validate.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="stop after SECONDS with exit status 3 (parsing and validation run in a separate process, "
        "killed then)",
    )
    validate.add_argument(
        "--no-ontology",
        action="store_true",
        help="do not add the ontology to the data (subclass reasoning needs it)",
    )
    validate.add_argument(
        "--profile",
        choices=["dataset", "evidence", "reuse"],
        default=None,
        help="which policies apply: dataset (default: everything), evidence (also evidence for every "
        "relation), reuse (your own data: the model's structure only, no IRI scheme or evidence policy)",
    )

    release = verb(
        "release", "regenerate every committed release artefact: ontology files, docs, graph dumps"
    )
    release.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 when a committed artefact differs from a fresh build",
    )

    serve = verb("serve", "serve the SPARQL endpoint, linked-data pages and query UI")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument(
        "--store",
        default="memory",
        help="memory (default), a path to an on-disk Oxigraph store, or http(s)://host/sparql",
    )
    serve.add_argument(
        "--data", type=Path, nargs="+", default=None, help="serve these RDF files instead of the built graph"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the loaded store (default: 1; 0: Werkzeug's dev server)",
    )
    serve.add_argument(
        "--base",
        default=None,
        help="public base IRI the server answers for (default: https://w3id.org/ccdkg/)",
    )
    serve.add_argument("--prefix", default="", help="path prefix behind a reverse proxy, e.g. /ccdkg")
    serve.add_argument("--deadline", type=float, default=None, help="query deadline in seconds (default: 10)")
    serve.add_argument(
        "--unconfined",
        action="store_true",
        help="development only: no network/file sandbox for query workers (kernels without Landlock)",
    )
    serve.add_argument(
        "--read-timeout",
        type=float,
        default=None,
        help="seconds a client has to send a request's headers, and again its body (default: 10)",
    )
    return parser


def _seconds(text: str) -> float:
    from ccdkg.validation.cli import positive_seconds

    return positive_seconds(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.verb == "build":
            return _build(args)
        if args.verb == "validate":
            return _validate(args)
        if args.verb == "release":
            return _release(args)
        if args.verb == "serve":
            return _serve(args)
    except CcdkgError as err:
        print(f"ccdkg: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    raise AssertionError(args.verb)  # argparse only lets known verbs through


def _build(args: argparse.Namespace) -> int:
    from ccdkg.graph import build

    result = build(out_dir=args.release_dir, output=args.output)
    if not args.quiet:
        print(result.summary())
    return 0


def _validate(args: argparse.Namespace) -> int:
    from ccdkg.validation.cli import run

    return run(args)


def _release(args: argparse.Namespace) -> int:
    from ccdkg.release import release

    return release(check=args.check)


def _serve(args: argparse.Namespace) -> int:
    from ccdkg.server.run import serve

    return serve(args)

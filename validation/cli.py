"""``ccdkg validate [FILE ...|-]``: read RDF, validate it, print the report.

Exit codes: 0 the data conforms; 1 it does not; 2 usage error or unreadable input (a parse error names
the file, line and column on one line); 3 validation did not finish within ``--timeout`` seconds.

RDF/XML is read with entity declarations refused (one parse, in expat itself): ``<!ENTITY …>`` is how the
"billion laughs" file turns 1 KB into gigabytes, and RDF needs no entities.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
import xml.sax
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import defusedxml
from defusedxml.expatreader import DefusedExpatParser
from rdflib import Dataset
from rdflib import plugin as rdflib_plugin
from rdflib.parser import InputSource, Parser
from rdflib.plugins.parsers import rdfxml

from ccdkg import formats
from ccdkg.errors import InputError

# The formats come from the project's one table (ccdkg.formats.READABLE), with the rdflib parser
# plugin of each: Oxigraph's (oxrdflib), which is fast and reports line and column; RDF/XML goes
# through rdflib's SAX parser, which also does (Oxigraph's XML errors carry none).
# Above this many bytes of input the CLI says what it is doing on stderr (validation takes seconds).
PROGRESS_BYTES = 1_000_000
PROGRESS_TRIPLES = 20_000


class RDFXMLParser(Parser):
    """rdflib's RDF/XML parser over defusedxml's expat reader: an entity declaration, or a reference to
    an external entity, stops the parse with a SAXParseException at its line (nothing is expanded)."""

    def parse(self, source: InputSource, sink: Any, **args: Any) -> None:
        reader = DefusedExpatParser(forbid_dtd=False, forbid_entities=True, forbid_external=True)
        with contextlib.suppress(AttributeError):  # as rdflib's own create_parser does
            reader.start_namespace_decl("xml", "http://www.w3.org/XML/1998/namespace")  # type: ignore[attr-defined]
        reader.setFeature(xml.sax.handler.feature_namespaces, 1)
        handler = rdfxml.RDFXMLHandler(sink)
        handler.setDocumentLocator(source)  # type: ignore[arg-type]
        reader.setContentHandler(handler)
        reader.setErrorHandler(rdfxml.ErrorHandler())
        try:
            reader.parse(source)
        except defusedxml.EntitiesForbidden as err:
            message = (
                f"entity declarations are not accepted (<!ENTITY {err.name} …>); write the text out in full"
            )
            raise xml.sax.SAXParseException(message, None, reader) from None
        except defusedxml.DefusedXmlException as err:
            what = getattr(err, "sysid", None) or getattr(err, "pubid", None) or "?"
            message = f"external DTDs and entities are not read ({what}); write the text out in full"
            raise xml.sax.SAXParseException(message, None, reader) from None


rdflib_plugin.register("ccdkg-rdfxml", Parser, __name__, "RDFXMLParser")


def default_input() -> Path:
    """The built graph, graph/release/ccdkg.trig."""
    from ccdkg import graph

    return Path(graph.__file__).resolve().parent / "release" / "ccdkg.trig"


def parser_for(name: str | None, explicit: str | None = None) -> str:
    """The rdflib parser plugin for a file name (by extension) or an explicit format / media type."""
    if explicit:
        fmt = formats.by_name(formats.READABLE, explicit)
        if fmt is None or fmt.rdflib is None:
            names = sorted({n for f in formats.READABLE for n in f.names})
            raise InputError(f"unknown RDF format {explicit!r}; use one of: {', '.join(names)}")
        return fmt.rdflib
    if name is None or name == "-":
        return formats.TRIG.rdflib or "ox-trig"  # standard input: TriG, which also reads Turtle and N-Triples
    suffix = Path(name).suffix.lstrip(".").lower()
    fmt = formats.by_extension(suffix) if suffix else None
    if fmt is None or fmt.rdflib is None:
        raise InputError(f"{name}: unknown RDF file extension {suffix or '(none)'!r}; use --input-format")
    return fmt.rdflib


def parse_into(dataset: Dataset, data: bytes, plugin: str, name: str) -> None:
    """Parse ``data`` into ``dataset``; raise InputError with ``name:line:column: message`` on bad syntax."""
    try:
        dataset.parse(data=data, format=plugin, publicID=_base(name))
    except SyntaxError as err:  # Oxigraph parsers: SyntaxError(msg, (file, line, column, ...))
        raise InputError(_where(name, err.lineno, err.offset, _first_line(err.msg))) from None
    except xml.sax.SAXParseException as err:
        raise InputError(_where(name, err.getLineNumber(), err.getColumnNumber(), err.getMessage())) from None
    except UnicodeDecodeError as err:
        raise InputError(f"{name}: not UTF-8 text (byte {err.start})") from None
    except MemoryError:
        raise  # not the data's syntax: the caller reports it (a job's memory cap)
    except Exception as err:  # rdflib's own parsers raise assorted types; keep them to one line
        line = getattr(err, "lines", None) or getattr(err, "lineno", None)
        raise InputError(_where(name, line, getattr(err, "colno", None), _first_line(str(err)))) from None


def _base(name: str) -> str:
    # Relative IRIs in a user's file resolve against its location, like rdflib's own default.
    return Path(name).resolve().as_uri() if name not in ("-", "") else "urn:ccdkg:stdin"


def _where(name: str, line: int | None, column: int | None, message: str) -> str:
    place = name
    if line:
        place += f":{line}"
        if column is not None:
            place += f":{column}"
    return f"{place}: {message}"


def _first_line(message: str) -> str:
    text = " ".join(str(message).split())
    return text[:300]


def read_inputs(
    files: list[str], input_format: str | None, stdin: IO[bytes], say: Callable[[str], None]
) -> Dataset:
    dataset = Dataset()
    for data, plugin, name in read_bytes(files, input_format, stdin, say):
        parse_into(dataset, data, plugin, name)
    return dataset


def read_bytes(
    files: list[str], input_format: str | None, stdin: IO[bytes], say: Callable[[str], None]
) -> list[tuple[bytes, str, str]]:
    """Each file's bytes with its parser plugin and name (errors: InputError naming the file)."""
    out = []
    for name in files:
        plugin = parser_for(name, input_format)
        if name == "-":
            data = stdin.read()
        else:
            path = Path(name)
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                raise InputError(f"{name}: no such file") from None
            except IsADirectoryError:
                raise InputError(f"{name}: is a directory") from None
            except OSError as err:
                raise InputError(f"{name}: cannot read ({err.strerror})") from None
        if len(data) >= PROGRESS_BYTES:
            say(f"reading {name} ({len(data) / 1e6:.1f} MB)")
        out.append((data, plugin, name))
    return out


def positive_seconds(text: str) -> float:
    """argparse type of ``--timeout``."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


class _Ticker:
    """Progress on stderr: one line per stage; on a terminal the current line also counts the seconds
    (pyshacl offers no finer hook, and a stage on 10^5 triples takes tens of seconds)."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.line = ""
        self.tty = sys.stderr.isatty()
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def _elapsed(self) -> str:
        return f"[{time.perf_counter() - self.started:.0f} s]"

    def stage(self, line: str) -> None:
        if self.tty:
            if self.line:
                sys.stderr.write(f"\r{self.line} {self._elapsed()}\n")
            self.line = line
            sys.stderr.write(f"\r{line} {self._elapsed()}")
            sys.stderr.flush()
            if self.thread is None:
                self.thread = threading.Thread(target=self._tick, daemon=True)
                self.thread.start()
        else:
            print(f"{line} {self._elapsed()}", file=sys.stderr, flush=True)

    def _tick(self) -> None:
        while not self.done.wait(1.0):
            sys.stderr.write(f"\r{self.line} {self._elapsed()}")
            sys.stderr.flush()

    def stop(self) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()
            sys.stderr.write(f"\r{self.line} {self._elapsed()}\n")
            sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    """The ``validate`` verb (ccdkg/cli.py parses the arguments)."""
    from ccdkg.validation import validate

    files: list[str] = list(args.files or [])
    if not files:
        built = default_input()
        if not built.exists():
            raise InputError(
                f"no built graph at {built}; run `ccdkg build` first or name the files to validate"
            )
        files = [str(built)]
    if files.count("-") > 1:
        raise InputError("standard input (-) can be read only once")

    started = time.perf_counter()

    ticker = _Ticker(started)

    def say(line: str) -> None:
        ticker.stage(f"ccdkg validate: {line}")

    timeout = getattr(args, "timeout", None)
    if timeout is not None:
        return _run_isolated(args, files, timeout, ticker, say)
    dataset = read_inputs(files, args.input_format, sys.stdin.buffer, say)
    # Progress lines only where validation takes long enough for someone to wonder (tens of thousands
    # of triples); small inputs print the report alone.
    large = len(dataset) >= PROGRESS_TRIPLES
    try:
        report = validate(
            dataset,
            ontology=not args.no_ontology,
            progress=say if large else None,
            profile=getattr(args, "profile", None),
        )
    finally:
        ticker.stop()
    return _print(report, args.report_format)


def _run_isolated(
    args: argparse.Namespace, files: list[str], timeout: float, ticker: _Ticker, say: Callable[[str], None]
) -> int:
    """``--timeout``: parse and validate in a separate process that is killed (with anything it started)
    when the time is up; the files are read here, so a missing one is reported as usual."""
    from ccdkg.validation.worker import Timeout, validate_isolated

    inputs = read_bytes(files, args.input_format, sys.stdin.buffer, say)
    try:
        report = validate_isolated(
            inputs,
            deadline=timeout,
            max_memory=None,
            ontology=not args.no_ontology,
            progress=True,
            warm=False,
            profile=getattr(args, "profile", None),
        )
    except Timeout:
        raise Timeout(f"validation did not finish within {timeout:g} seconds (--timeout)") from None
    finally:
        ticker.stop()
    return _print(report, args.report_format)


def _print(report: Any, report_format: str) -> int:
    out = {"json": report.json, "turtle": report.turtle}.get(report_format, report.text)()
    sys.stdout.write(out)
    sys.stdout.flush()
    return 0 if report.conforms else 1

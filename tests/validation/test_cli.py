"""``ccdkg validate``: exit codes, the human report, machine formats, parse errors on one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from ccdkg.cli import main
from ccdkg.validation.cli import default_input

HERE = Path(__file__).resolve().parent
VALID = HERE / "valid-minimal.ttl"
INVALID = HERE / "invalid-cluster-one-member.ttl"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_conforming_file_exits_0(capsys) -> None:
    code, out, _ = run(capsys, str(VALID))
    assert code == 0
    assert out.startswith("The data (") and " conforms: 0 violations" in out


def test_human_report_groups_by_focus_node_with_labels(capsys) -> None:
    code, out, _ = run(capsys, str(INVALID))
    assert code == 1
    assert "does NOT conform: 1 violation, 0 warnings, 0 infos." in out
    # The focus node, its label and type, the path, both messages and the shape, in that order.
    block = out.split("\n\n", 1)[1]
    lines = block.splitlines()
    assert lines[0].startswith(
        "id:cluster/yangtze-river-delta  “Yangtze River Delta city cluster / 长三角城市群”"
    )
    assert "(ccd:CityCluster)" in lines[0]
    assert lines[1].strip() == "[Violation]  ccd:hasMemberCity"
    assert "at least two member cities" in lines[2]
    assert "城市群至少有两个成员城市" in lines[3]
    assert lines[4].strip().startswith("shape: ccdsh:CityClusterShape-hasMemberCity-")


def test_json_and_turtle_formats(capsys) -> None:
    code, out, _ = run(capsys, "--format", "json", str(INVALID))
    assert code == 1
    body = json.loads(out)
    assert body["conforms"] is False and body["counts"]["Violation"] == 1
    code, out, _ = run(capsys, "--format", "turtle", str(INVALID))
    assert code == 1
    report = Graph().parse(data=out, format="turtle")
    assert len(report) > 5 and "sh:ValidationReport" in out


def test_turtle_report_is_deterministic(capsys) -> None:
    outs = {run(capsys, "--format", "turtle", str(INVALID))[1] for _ in range(2)}
    assert len(outs) == 1


def test_several_files_are_validated_together(capsys, tmp_path) -> None:
    # The cluster's second member city lives in a second file: together they conform.
    text = VALID.read_text(encoding="utf-8")
    head = text[: text.index("article:han-2022 a")]
    start = text.index("city:nanjing a ccd:City")
    nanjing = text[start : text.index("\n\n", start)]
    first = tmp_path / "a.ttl"
    first.write_text(text.replace(nanjing, ""), encoding="utf-8")
    second = tmp_path / "b.nt"
    Graph().parse(data=head + nanjing, format="turtle").serialize(second, format="nt")
    assert run(capsys, str(first))[0] == 1
    assert run(capsys, str(first), str(second))[0] == 0


def test_input_format_option_and_stdin(tmp_path) -> None:
    data = Graph().parse(VALID, format="turtle").serialize(format="nt")
    result = subprocess.run(
        [sys.executable, "-m", "ccdkg", "validate", "--input-format", "nt", "-"],
        input=data.encode(),
        capture_output=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr.decode()


def test_parse_error_is_one_line_with_file_line_column(capsys, tmp_path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix : <http://a/> .\n:a :b :c .\n:a :b "open .\n', encoding="utf-8")
    code, out, err = run(capsys, str(bad))
    assert code == 2 and out == ""
    assert err.startswith(f"ccdkg: error: {bad}:3:") and err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/x.ttl"], "no such file"),
        (["data.unknownext"], "unknown RDF file extension"),
        (["--input-format", "klingon", "x.ttl"], "unknown RDF format"),
    ],
)
def test_unreadable_input_exits_2(capsys, args: list[str], message: str) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2 and message in err


def test_usage_error_exits_2(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["validate", "--format", "yaml"])
    assert exit_.value.code == 2


def test_rdfxml_error_has_line(capsys, tmp_path) -> None:
    bad = tmp_path / "bad.rdf"
    bad.write_text(
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<x\n',
        encoding="utf-8",
    )
    code, _, err = run(capsys, str(bad))
    assert code == 2 and f"{bad}:" in err


@pytest.mark.skipif(not default_input().exists(), reason="no built graph yet (ccdkg build)")
def test_the_built_graph_conforms(capsys) -> None:
    code, out, _ = run(capsys)  # no FILE: the built graph
    assert code == 0, out

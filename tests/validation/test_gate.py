"""The build gate with the real validator: a graph that fails validation is never written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset

from ccdkg.errors import BuildError
from ccdkg.graph import build
from ccdkg.validation import Report, validate
from ccdkg.validation.cli import default_input


@pytest.mark.slow
@pytest.mark.skipif(not default_input().exists(), reason="no built graph yet (ccdkg build)")
def test_a_misquoting_graph_leaves_the_previous_release_byte_identical(tmp_path: Path) -> None:
    previous = tmp_path / "release"
    shutil.copytree(default_input().parent, previous)
    before = {p.relative_to(previous): p.read_bytes() for p in sorted(previous.rglob("*")) if p.is_file()}
    reports: list[Report] = []

    def against_another_edition(dataset: Dataset, text: str) -> Report:
        # The real shapes and grounding check, against a text where Table 1's wording differs: every
        # passage quoting it is then ungrounded.
        report = validate(dataset, text=text.replace("长三角城市群", "长江三角洲城市群"))
        reports.append(report)
        return report

    with pytest.raises(BuildError, match="does not conform"):
        build(out_dir=previous, validator=against_another_edition)
    assert {
        p.relative_to(previous): p.read_bytes() for p in sorted(previous.rglob("*")) if p.is_file()
    } == before
    [report] = reports
    assert not report.conforms
    assert {r.check for r in report.results if r.severity_name == "Violation"} == {"grounding"}

"""``ccdkg release``: regenerate every committed release artefact in one command.

The ontology release (versioned files, pyLODE docs, w3id rules) comes first, then the graph
build, whose dataset embeds the ontology. ``check`` writes into a temporary folder instead and
lists the committed files that a fresh build would change: the test suite runs it to prove the
committed artefacts reproduce byte for byte.
"""

from __future__ import annotations

import filecmp
import tempfile
from pathlib import Path


def _files(folder: Path) -> set[str]:
    """Every file below ``folder``, as a relative path (the release has sub-folders: tables/, shapes/)."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def stale_graph_release() -> list[Path]:
    """Committed graph dumps that differ from (or are missing in) a fresh build."""
    from ccdkg.graph import build
    from ccdkg.graph.build import RELEASE_DIR

    with tempfile.TemporaryDirectory() as tmp:
        build(out_dir=tmp)
        fresh = _files(Path(tmp))
        committed = _files(RELEASE_DIR)
        stale = [RELEASE_DIR / name for name in sorted(fresh ^ committed)]
        stale += [
            RELEASE_DIR / name
            for name in sorted(fresh & committed)
            if not filecmp.cmp(Path(tmp) / name, RELEASE_DIR / name, shallow=False)
        ]
        return stale


def release(check: bool = False) -> int:
    """Write (or with ``check`` verify) the ontology and graph releases; the CLI exit code."""
    from ccdkg.ontology.publish import stale_artefacts, write_release
    from ccdkg.validation.generate import stale_generated, write_generated

    if check:
        stale = sorted(stale_artefacts()) + stale_generated() + stale_graph_release()
        for path in stale:
            print(f"stale: {path}")
        print(
            "release is up to date"
            if not stale
            else f"{len(stale)} committed artefact(s) differ from a fresh build: run `make release`"
        )
        return 1 if stale else 0

    from ccdkg.graph import build

    written = write_release()
    # The shapes generated from the ontology come before the build, which validates with them.
    written.append(write_generated())
    from ccdkg.validation import reload_shapes

    reload_shapes()
    result = build()
    for path in [*written, *result.written]:
        print(f"wrote {path}")
    print(result.summary())
    return 0

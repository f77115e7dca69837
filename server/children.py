"""Child processes that die with the server and import what the server imported.

Two things go wrong with children otherwise: a child left behind by a server that was killed
keeps burning a core (nothing reaps it), and a child started as a new interpreter from a checkout
imports ``ccdkg`` from the current directory instead of the installed package that the server
runs (``ModuleNotFoundError: No module named 'ccdkg.server'``).

* :func:`die_with_parent` — call first thing in a child: the kernel sends SIGKILL when the
  parent (the thread that forked it) ends, and a parent already gone makes the child exit.
* :func:`watch_parent` — for a long-lived child that may outlive the forking thread (e.g. the
  query pool's zygote, started from a request thread): True while the parent it had lives.
* :func:`python_environment` — the environment for a new interpreter (``subprocess``, or
  multiprocessing's ``spawn``/``forkserver``) that resolves imports exactly as this process does:
  this process's ``sys.path`` as ``PYTHONPATH``, and ``PYTHONSAFEPATH`` so that the child does
  not put its working directory or script folder in front of it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Mapping

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL, parent: int | None = None) -> int:
    """Ask the kernel for ``sig`` when the parent ends; exit now if it has already ended.

    ``parent`` is the pid the caller expects as its parent (default: the parent at the call).
    Returns the parent's pid (for :func:`watch_parent`). On systems without prctl the child
    relies on its parent's sockets closing instead.
    """
    parent = os.getppid() if parent is None else parent
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if parent == 1 or os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)
    return parent


def watch_parent(parent: int) -> bool:
    """True while ``parent`` is still this process's parent (a dead parent re-parents us)."""
    return os.getppid() == parent


def import_path() -> list[str]:
    """``sys.path`` for a new interpreter that must import the ``ccdkg`` this process imported.

    The current directory is left out unless it is where that ``ccdkg`` came from: an HTTP front
    (granian) puts it first, and a checkout's ``ccdkg/`` folder there, which holds no server/ or
    validation/ subpackage, would shadow the installed package (issue 13, item 6).
    """
    import ccdkg

    home = os.path.dirname(os.path.dirname(os.path.abspath(ccdkg.__file__)))
    cwd = os.getcwd()
    paths = [os.path.abspath(p or ".") for p in sys.path]
    kept = [p for p in paths if os.path.exists(p) and (p != cwd or p == home)]
    return list(dict.fromkeys(kept))


def python_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment for ``sys.executable`` children that import what this process imports."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(import_path())
    env["PYTHONSAFEPATH"] = "1"  # no cwd / script folder in front of sys.path (Python >= 3.11)
    return env

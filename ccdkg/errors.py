"""Errors a user can cause. Each carries one clear line and the CLI exit code it maps to."""

from __future__ import annotations


class CcdkgError(Exception):
    """Base class: ``str(err)`` is the one-line message shown to the user."""

    exit_code = 1


class BuildError(CcdkgError):
    """The article could not be turned into a conforming graph; nothing was written."""


class SourceTextError(BuildError):
    """The shipped article text is missing, unreadable, or no longer has the structure we parse."""


class InputError(CcdkgError):
    """A file given on the command line cannot be read or parsed (exit 2)."""

    exit_code = 2


class StoreError(CcdkgError):
    """The store to serve is missing, corrupt or unreachable at start."""

"""Confine a process that runs user queries: no network, no file it was not given.

The query check (guard.py) keeps SERVICE away from the engine; this is the second depth, so that
a query the check misses still fetches nothing. :func:`confine` is called by each query worker
right after it starts, before its first query, and applies two kernel mechanisms that hold for
the rest of the process's life (they cannot be lifted, and root is no exception):

* **Landlock** (Linux ≥ 6.7, ABI ≥ 4): no TCP connect or bind to any port; files and directories
  readable only beneath ``read_paths`` plus the interpreter's own library folders (for imports
  the worker may still do), nothing writable or creatable anywhere, no program executable; from
  ABI 6 also no abstract Unix sockets and no signals to processes outside the worker.
* **seccomp** (libseccomp through ``pyseccomp``): ``socket()`` and ``socketpair()`` fail with
  EACCES, so no UDP (DNS), raw or Unix socket can be made either. The worker's only channel, the
  socket to the server, was inherited open.

When the kernel refuses either, :func:`confine` raises :class:`SandboxUnavailable` and the worker
does not start: the server refuses to serve (fail closed). ``ccdkg serve --unconfined``
(``Config.confine_queries = False``) runs workers without confinement for development on
kernels without Landlock, and logs a warning saying so.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import sys
import sysconfig
from collections.abc import Iterable

from ccdkg.errors import CcdkgError

log = logging.getLogger("ccdkg.sandbox")

try:  # imported here, in the server: finding libseccomp runs ldconfig, which a confined worker cannot
    import pyseccomp as _seccomp
except (ImportError, OSError) as _err:  # OSError: libseccomp.so.2 missing
    _seccomp = None
    _SECCOMP_ERROR = str(_err)

# Landlock's syscalls have the same numbers on every architecture (asm-generic).
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# LANDLOCK_ACCESS_FS_*: rights that apply to files, and those that apply to directories only.
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_DIR_ONLY = sum(1 << b for b in range(4, 13))  # remove, make char/dir/reg/sock/fifo/block/sym
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1
MIN_ABI = 4  # the first with TCP rules


class SandboxUnavailable(CcdkgError):
    """The kernel cannot confine a query worker as required (``ccdkg: error: …``, exit 1)."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _syscall(*args: object) -> int:
    result = _libc.syscall(*args)
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is missing or disabled."""
    try:
        return _syscall(ctypes.c_long(_SYS_CREATE_RULESET), None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)
    except OSError:
        return 0


def check() -> None:
    """Raise SandboxUnavailable unless :func:`confine` can work here (called by the server at start)."""
    abi = landlock_abi()
    if abi < MIN_ABI:
        raise SandboxUnavailable(
            f"Landlock ABI {abi} (need >= {MIN_ABI}, Linux >= 6.7 with landlock in the LSM list): "
            "query workers cannot be denied the network; run with --unconfined only for development"
        )
    if _seccomp is None:
        raise SandboxUnavailable(
            f"seccomp through pyseccomp/libseccomp is not available ({_SECCOMP_ERROR}): query workers "
            "cannot be denied sockets; install libseccomp2, or run with --unconfined only for development"
        )


def _fs_rights(abi: int) -> int:
    rights = _EXECUTE | _WRITE_FILE | _READ_FILE | _READ_DIR | _DIR_ONLY
    if abi >= 2:
        rights |= _REFER
    if abi >= 3:
        rights |= _TRUNCATE
    if abi >= 5:
        rights |= _IOCTL_DEV
    return rights


def default_read_paths() -> list[str]:
    """The interpreter's code: the standard library, site-packages and every sys.path entry."""
    paths = [p for p in sys.path if p]
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        paths.append(sysconfig.get_paths().get(key, ""))
    paths += [sys.prefix, sys.base_prefix]
    return [os.path.abspath(p) for p in dict.fromkeys(paths) if p and os.path.exists(p)]


def confine(read_paths: Iterable[str] = ()) -> None:
    """Confine this process for good: see the module docstring. Raises SandboxUnavailable."""
    abi = landlock_abi()
    if abi < MIN_ABI:
        raise SandboxUnavailable(f"Landlock ABI {abi} < {MIN_ABI}: cannot deny TCP connections")
    _deny_sockets()
    attr = _RulesetAttr(
        handled_access_fs=_fs_rights(abi),
        handled_access_net=_NET_BIND_TCP | _NET_CONNECT_TCP,
        scoped=(_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if abi >= 6 else 0,
    )
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else 16
    try:
        ruleset = _syscall(ctypes.c_long(_SYS_CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(size), 0)
    except OSError as err:
        raise SandboxUnavailable(f"landlock_create_ruleset failed: {err}") from err
    try:
        own = f"/proc/{os.getpid()}"  # the worker's memory figures (engine.py), nothing else of /proc
        for path in [*read_paths, *default_read_paths(), f"{own}/smaps_rollup", f"{own}/statm"]:
            _allow_read(ruleset, path)
        # No rule for any port: every TCP connect and bind is denied.
        if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise SandboxUnavailable(f"prctl(NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
        try:
            _syscall(ctypes.c_long(_SYS_RESTRICT_SELF), ruleset, 0)
        except OSError as err:
            raise SandboxUnavailable(f"landlock_restrict_self failed: {err}") from err
    finally:
        os.close(ruleset)


def _allow_read(ruleset: int, path: str) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # gone or unreadable: nothing to allow
    try:
        rights = _READ_FILE  # no _EXECUTE: a confined process can run no program (execve)
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            rights |= _READ_DIR
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        try:
            _syscall(ctypes.c_long(_SYS_ADD_RULE), ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0)
        except OSError as err:
            raise SandboxUnavailable(f"landlock_add_rule({path}) failed: {err}") from err
    finally:
        os.close(fd)


def _deny_sockets() -> None:
    if _seccomp is None:
        raise SandboxUnavailable(f"seccomp is not available: {_SECCOMP_ERROR}")
    try:
        rules = _seccomp.SyscallFilter(_seccomp.ALLOW)
        for call in ("socket", "socketpair"):
            rules.add_rule(_seccomp.ERRNO(errno.EACCES), call)
        rules.load()
    except (OSError, RuntimeError, ValueError) as err:
        raise SandboxUnavailable(f"seccomp filter not loaded: {err}") from err

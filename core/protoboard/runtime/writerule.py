"""CircuitPython's write rule for CIRCUITPY, enforced in the VM process with an audit hook.

On a board the program may write CIRCUITPY only after ``boot.py`` called
``storage.remount("/", readonly=False)`` (or disabled the USB drive); otherwise every write gets
``OSError: [Errno 30] Read-only filesystem`` (``extmod/vfs_fat*.c``, ``supervisor/shared/
filesystem.c``). Reading is always allowed.

:func:`install` adds a :func:`sys.addaudithook` hook that applies that rule to the drive folder
(``protoboard.runtime.state.current.drive``), reading ``current.python_writable`` at each event:

* while it is False, an attempt to create, change or delete anything inside the drive raises
  ``OSError(errno.EROFS, "Read-only filesystem")`` before it happens: ``open()``/``os.open()``
  with a write, append, create or truncate mode (``O_WRONLY``, ``O_RDWR``, ``O_CREAT``,
  ``O_TRUNC``, ``O_APPEND``), ``os.remove``/``unlink``/``rename``/``replace``/``mkdir``/
  ``rmdir``/``chmod``/``chown``/``truncate``/``utime``/``link``/``symlink``, extended
  attributes, and everything built on them (``pathlib``, ``shutil.copy*``/``move``/``rmtree``,
  ``tempfile``...). ``sqlite3.connect`` to a file in the drive counts as a write (``file:``
  URIs are not checked);
* while it is True, each such operation is first reported with
  ``current.notify(OwnWrite(<absolute host path>))`` (twice for a rename:
  source and destination), so the supervisor can tell the program's own writes from a host's and
  not autoreload for them.

Paths are resolved before deciding: relative to the working directory (or to ``dir_fd``), through
symlinks. Operations on a directory entry itself (remove, rename, mkdir, rmdir, link) resolve
the parent folder only, so deleting a symlink that lives in the drive is a write to the drive,
and deleting a symlink elsewhere that points into it is not. ``open()`` follows the link (the
target is what gets written). ``chmod``/``chown``/``utime``/xattrs count when either the entry
or its target is inside. Paths outside the drive are never blocked.

Limits (no audit event exists, or the write bypasses Python's file API): ``os.mkfifo``,
``os.mknod``, writes through a file descriptor opened before the rule applied (or through a
hard link made outside the drive to a drive file), ``os.open`` relative to a ``dir_fd``
(CPython's ``open`` event does not carry it; the path is resolved against the working
directory), C extensions writing files themselves, and child processes.

Audit hooks cannot be removed, so the hook is installed once per process, returns at once for
events it does not watch (a dict lookup), does nothing while ``current.drive`` is None, and never
re-enters itself (a per-thread flag, which also lets Protoboard's own code write with
:func:`internal_writes`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

from protoboard.runtime import paths as _paths
from protoboard.runtime import state

#: CircuitPython's text for EROFS (``py/moderrno.c``)
READ_ONLY_TEXT = "Read-only filesystem"

_WRITE_FLAGS = 0
for _name in ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"):
    _WRITE_FLAGS |= getattr(os, _name, 0)
del _name

# How each watched event names the paths it changes: (argument index, dir_fd argument index or
# None, how to resolve it). "entry": the directory entry itself (parent resolved, the last part
# kept); "target": follow symlinks to what is written; "both": either counts.
_Spec = tuple[tuple[int, int | None, str], ...]
_EVENTS: dict[str, _Spec] = {
    "open": ((0, None, "target"),),
    "os.remove": ((0, 1, "entry"),),
    "os.rmdir": ((0, 1, "entry"),),
    "os.mkdir": ((0, 2, "entry"),),
    "os.rename": ((0, 2, "entry"), (1, 3, "entry")),
    "os.link": ((0, 2, "entry"), (1, 3, "entry")),
    "os.symlink": ((1, 2, "entry"),),
    "os.chmod": ((0, 2, "both"),),
    "os.chown": ((0, 3, "both"),),
    "os.chflags": ((0, None, "both"),),
    "os.utime": ((0, 3, "both"),),
    "os.truncate": ((0, None, "target"),),
    "os.setxattr": ((0, None, "both"),),
    "os.removexattr": ((0, None, "both"),),
    "sqlite3.connect": ((0, None, "target"),),
}

#: how paths are compared: macOS volumes are case-insensitive by default, and realpath does not
#: fix the case there (Windows' normcase already folds it)
_fold = str.lower if sys.platform == "darwin" else os.path.normcase
_PROC_FD = os.path.isdir("/proc/self/fd")

_local = threading.local()
_installed = False
_install_lock = threading.Lock()
#: (the drive object it was computed for, its resolved, case-folded path)
_root_cache: tuple[Any, str] = (None, "")


def read_only_error() -> OSError:
    """``OSError: [Errno 30] Read-only filesystem``, as CircuitPython raises it."""
    return OSError(errno.EROFS, READ_ONLY_TEXT)


def _root(drive: Any) -> str:
    global _root_cache
    cached_drive, cached_root = _root_cache
    if cached_drive is drive:
        return cached_root
    root = _fold(os.path.realpath(os.fspath(drive)))
    _root_cache = (drive, root)
    return root


def _fd_path(fd: int) -> str | None:
    """The path an open file descriptor refers to, where the OS can tell."""
    if fd < 0:
        return None
    if _PROC_FD:
        with contextlib.suppress(OSError):
            return os.readlink(f"/proc/self/fd/{fd}")
    try:
        import fcntl

        get_path = getattr(fcntl, "F_GETPATH", None)
        if get_path is not None:
            raw = fcntl.fcntl(fd, get_path, b"\0" * 1024)
            return os.fsdecode(raw.split(b"\0", 1)[0])
    except (ImportError, OSError):
        pass
    return None


def _absolute(path: Any, dir_fd: Any) -> str | None:
    """``path`` as an absolute host path (None when it cannot be told)."""
    if isinstance(path, int) and not isinstance(path, bool):
        return _fd_path(path)
    try:
        text = os.fsdecode(os.fspath(path))
    except TypeError:
        return None
    if not text:
        return None
    if os.path.isabs(text):
        return text
    base: str | None
    if isinstance(dir_fd, int) and dir_fd >= 0:
        base = _fd_path(dir_fd)
    else:
        base = os.getcwd()
    return None if base is None else os.path.join(base, text)


def _inside(path: str, root: str) -> bool:
    """Is the resolved ``path`` the drive (``root``, folded) or in it?"""
    absolute = _fold(path)
    return (
        absolute == root
        or absolute.startswith(root + os.sep)
        or (root.endswith(os.sep) and absolute.startswith(root))
    )


def _resolved(absolute: str, how: str) -> list[str]:
    """The paths to test for ``absolute`` resolved ``how``."""
    results = []
    if how in ("target", "both"):
        results.append(os.path.realpath(absolute))
    if how in ("entry", "both"):
        stripped = absolute.rstrip("/\\") or absolute
        parent, name = os.path.split(stripped)
        if name in ("", ".", ".."):
            results.append(os.path.realpath(absolute))
        else:
            results.append(os.path.join(os.path.realpath(parent), name))
    return results


def _opens_for_writing(args: tuple[Any, ...]) -> bool:
    flags = args[2] if len(args) > 2 else None
    if isinstance(flags, int):
        return bool(flags & _WRITE_FLAGS)
    mode = args[1] if len(args) > 1 else None
    return isinstance(mode, str) and any(c in mode for c in "wax+")


def drive_paths(event: str, args: tuple[Any, ...]) -> list[str]:
    """The paths inside the current drive that ``event`` would change (empty: none)."""
    spec = _EVENTS.get(event)
    context = state.current
    drive = context.drive
    if spec is None or drive is None:
        return []
    if event == "open" and not _opens_for_writing(args):
        return []
    if (
        event == "sqlite3.connect"
        and isinstance(args[0], str)
        and (args[0] == ":memory:" or args[0].startswith("file:"))
    ):
        return []  # in-memory and URI databases (URIs are not checked)
    root = _root(drive)
    found = []
    for index, dir_fd_index, how in spec:
        if index >= len(args):
            continue
        in_args = dir_fd_index is not None and dir_fd_index < len(args)
        dir_fd = args[dir_fd_index] if dir_fd_index is not None and in_args else None
        absolute = _absolute(args[index], dir_fd)
        if absolute is None:
            continue
        for resolved in _resolved(absolute, how):
            if _inside(resolved, root):
                found.append(resolved)
                break
    return found


def check(paths: list[str]) -> None:
    """Apply the rule to writes of ``paths`` (all inside the drive): EROFS while the program may
    not write, else report each to the supervisor first."""
    from protoboard.runtime.messages import OwnWrite

    context = state.current
    if not context.python_writable:
        raise read_only_error()
    for path in paths:
        try:
            context.notify(OwnWrite(path))
        except Exception:  # a broken supervisor link must not break the program's write
            pass


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event not in _EVENTS or getattr(_local, "busy", False):
        return
    if state.current.drive is None:
        return
    _local.busy = True
    try:
        try:
            with _paths.internal():  # host paths here, not the program's drive paths
                found = drive_paths(event, args)
        except Exception:  # never break the program over a path we cannot work out
            return
        if found:
            check(found)
    finally:
        _local.busy = False


def install(context: state.RunContext | None = None) -> state.RunContext:
    """Install ``context`` as :data:`protoboard.runtime.state.current` (when given) and the
    write-rule audit hook (once per process; it reads ``state.current`` at every event, so later
    :func:`protoboard.runtime.state.install` calls apply too). Returns the current context."""
    global _installed
    if context is not None:
        state.install(context)
    with _install_lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True
    return state.current


def installed() -> bool:
    """Is the hook active in this process?"""
    return _installed


@contextlib.contextmanager
def internal_writes() -> Iterator[None]:
    """Let Protoboard's own code in the VM write the drive (this thread, this block) without the
    rule or an ``own_write`` report."""
    previous = getattr(_local, "busy", False)
    _local.busy = True
    try:
        yield
    finally:
        _local.busy = previous


@contextlib.contextmanager
def write_access(*paths: str | os.PathLike[str]) -> Iterator[None]:
    """For bindings that write on the program's behalf (``storage.VfsFat``): apply the rule to
    ``paths`` once, whether or not the hook is installed (EROFS, or one ``own_write`` report per
    path inside the drive), then run the block without the hook checking again."""
    context = state.current
    inside: list[str] = []
    if context.drive is not None:
        with _paths.internal():  # host paths here, not the program's drive paths
            root = _root(context.drive)
            for path in paths:
                absolute = _absolute(path, None)
                if absolute is None:
                    continue
                for resolved in _resolved(absolute, "both"):
                    if _inside(resolved, root):
                        inside.append(resolved)
                        break
    if inside:
        check(inside)
    with internal_writes():
        yield

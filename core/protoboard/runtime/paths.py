"""CircuitPython's absolute paths, on the drive.

On a board ``/`` is the CIRCUITPY drive: programs write ``open("/data.txt", "w")`` and list
``os.listdir("/lib")``. In the VM, ``/`` is the computer's root, so those calls would miss the
drive (or, worse, touch the computer's own files). :func:`map_path` sends an absolute path to
the drive when it names something there, or something new that belongs there; paths that exist
only on the computer (Python's own files, ``/tmp``, ``/dev``) are left alone:

1. ``/a/b`` that exists on the drive: the drive;
2. else ``/a/b`` that exists on the computer: the computer;
3. else ``/a/b`` whose top folder ``a`` is on the drive, or a top-level name ``/a``: the drive;
4. else the computer (and the OS says it does not exist).
"""

from __future__ import annotations

import builtins
import functools
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

_installed: Path | None = None
# The real functions, captured before install() wraps them: map_path must never call a wrapper
# (that would map again, forever).
_lstat = os.lstat
_stat = os.stat


def _exists(path: str) -> bool:
    try:
        _lstat(path)
    except (OSError, ValueError):
        return False
    return True


def _is_dir(path: str) -> bool:
    import stat

    try:
        return stat.S_ISDIR(_stat(path).st_mode)
    except (OSError, ValueError):
        return False


def map_path(path: Any, drive: Path) -> Any:
    """The path to use for ``path`` (unchanged unless it is an absolute str or bytes path
    that rule 1 or 3 sends to the drive)."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if isinstance(path, bytes):
        mapped = map_path(os.fsdecode(path), drive)
        return os.fsencode(mapped) if isinstance(mapped, str) else path
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        return path
    root = str(drive)
    if path == root or path.startswith(root + "/"):
        return path  # already a host path inside the drive
    relative = path.lstrip("/")
    if not relative:
        return root  # "/" is the drive
    on_drive = os.path.join(root, relative)
    if _exists(on_drive):
        return on_drive
    if _exists(path):
        return path
    top = relative.split("/", 1)[0]
    if "/" not in relative or _is_dir(os.path.join(root, top)):
        return on_drive
    return path


def _wrap(function: Callable[..., Any], drive: Path, positions: tuple[int, ...] = (0,)) -> Any:
    @functools.wraps(function)
    def mapped(*args: Any, **kwargs: Any) -> Any:
        if args:
            args = tuple(map_path(a, drive) if i in positions else a for i, a in enumerate(args))
        for key in ("file", "path", "src", "dst"):
            if key in kwargs:
                kwargs[key] = map_path(kwargs[key], drive)
        return function(*args, **kwargs)

    mapped.__wrapped_for_drive__ = True  # type: ignore[attr-defined]
    return mapped


_ONE_PATH = (
    "stat",
    "lstat",
    "listdir",
    "scandir",
    "remove",
    "unlink",
    "mkdir",
    "rmdir",
    "chdir",
    "statvfs",
    "utime",
    "truncate",
    "chmod",
    "open",
    "makedirs",
    "removedirs",
    "access",
)
_TWO_PATHS = ("rename", "replace")


def install(drive: Path) -> None:
    """Map absolute paths in ``open()`` and the ``os`` functions programs use (once per VM)."""
    global _installed
    if _installed is not None:
        return
    _installed = drive = Path(drive)
    builtins.open = _wrap(builtins.open, drive)
    io.open = builtins.open
    for name in _ONE_PATH:
        if hasattr(os, name):
            setattr(os, name, _wrap(getattr(os, name), drive))
    for name in _TWO_PATHS:
        setattr(os, name, _wrap(getattr(os, name), drive, (0, 1)))

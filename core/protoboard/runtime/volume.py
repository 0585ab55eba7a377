"""The CIRCUITPY drive as the workflows (BLE, web) see it: which outside paths are acceptable,
what a listing shows, and FAT's time rounding. One place for these rules, so every workflow
refuses the same hostile paths.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from protoboard.runtime.drive import TEMP_PREFIX

#: the longest name FAT (and most file systems) allow, in bytes
MAX_NAME = 255
_NS = 1_000_000_000


def fat_truncate(mtime_ns: int) -> int:
    """FAT stores times to 2 s: round down to an even second (CircuitPython's ``truncate_time``)."""
    return (mtime_ns // _NS // 2) * 2 * _NS


class PathRefused(ValueError):
    """A path from outside that must not be used. ``kind`` says why:

    * ``"invalid"``: a ``.``/``..`` component, NUL, backslash, a name over 255 bytes, text that
      is not UTF-8;
    * ``"hidden"``: a Protoboard temporary file (mid-write, never shown);
    * ``"outside"``: it leads out of the drive (through a symlink).
    """

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class WorkflowVolume:
    """A drive folder, for requests that name paths in it (``/lib/x.py``)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.path.realpath(os.fspath(root))

    def inside(self, real: str) -> bool:
        """Is the (symlink-resolved) host path ``real`` the drive or in it?"""
        return real == self.root or real.startswith(self.root.rstrip(os.sep) + os.sep)

    def resolve(self, path: str) -> tuple[str, Path]:
        """(normalised drive path, host path) for ``path``, or :class:`PathRefused`.

        Empty components are dropped (``/lib//x/`` is ``/lib/x``). The host path's parent is
        real and inside the drive; its last component may be a symlink, if it leads inside.
        """
        parts = [part for part in path.split("/") if part]
        for part in parts:
            try:
                size = len(part.encode("utf-8"))
            except UnicodeEncodeError:
                raise PathRefused("invalid") from None
            if part in (".", "..") or "\x00" in part or "\\" in part or size > MAX_NAME:
                raise PathRefused("invalid")
            if part.startswith(TEMP_PREFIX):
                raise PathRefused("hidden")
        if not parts:
            return "/", Path(self.root)
        try:  # Python's realpath recurses per symlink: a chain of thousands raises
            parent = os.path.realpath(os.path.join(self.root, *parts[:-1]))
            target = os.path.join(parent, parts[-1])
            escapes = os.path.islink(target) and not self.inside(os.path.realpath(target))
        except RecursionError:
            raise PathRefused("outside") from None  # where the kernel would say ELOOP
        if not self.inside(parent) or escapes:
            raise PathRefused("outside")
        return "/" + "/".join(parts), Path(target)

    def entries(self, folder: Path) -> Iterator[tuple[str, bool, os.stat_result]]:
        """(name, is a folder, stat) of what a listing shows, sorted by name: no temporary files,
        no symlinks leading out of the drive, nothing that vanished meanwhile."""
        for name in sorted(os.listdir(folder)):
            if name.startswith(TEMP_PREFIX):
                continue
            full = folder / name
            try:
                # stat first: the kernel gives up on a chain of more than 40 links at once
                # (ELOOP), so realpath below, which walks a chain link by link in Python, only
                # ever walks a short one
                st = full.stat()
                if full.is_symlink() and not self.inside(os.path.realpath(full)):
                    continue
            except (OSError, RecursionError):
                continue  # dangling symlink, vanished file, a chain of thousands of symlinks
            yield name, full.is_dir(), st

"""Filesystems a program mounted (``storage.mount(vfs, "/sd")``), as :mod:`.paths` sees them.

A mounted block-device ``VfsFat`` keeps its files in a private folder
(:class:`~protoboard.runtime.fatimage.blockdev.BlockVolume`); :mod:`.paths` sends a drive path at
or under the mount point there, and tells the filesystem when the program changed something
(a file written and closed or flushed, a folder made, a rename), so it reaches the card.
"""

from __future__ import annotations

import errno
import os
import posixpath
from typing import Any, Protocol


class Mounted(Protocol):
    @property
    def readonly(self) -> bool: ...

    def _host_folder(self) -> str:
        """The folder on the computer that holds the filesystem's files."""

    def _changed(self) -> None:
        """The program changed something in the folder: write it to the device."""

    def _statvfs(self) -> tuple[int, ...]:
        """``os.statvfs`` of the filesystem."""


#: (mount point as a drive path, filesystem), newest first
_table: list[tuple[str, Mounted]] = []


def add(point: str, filesystem: Mounted) -> None:
    _table.insert(0, (point, filesystem))


def remove(filesystem: Mounted) -> None:
    _table[:] = [(p, f) for p, f in _table if f is not filesystem]


def clear() -> None:
    _table.clear()


def host_of(virtual: str) -> str | None:
    """The host path of a drive path on a mounted filesystem, else None."""
    for point, filesystem in _table:
        if virtual.rstrip("/") == point:
            return filesystem._host_folder()
        if virtual.startswith(point + "/"):
            return filesystem._host_folder() + virtual[len(point) :]
    return None


def owner(host: Any) -> Mounted | None:
    """The mounted filesystem whose folder holds ``host`` (a host path), else None."""
    if not _table or isinstance(host, int) or host is None:
        return None
    text = os.fsdecode(host)
    for _point, filesystem in _table:
        folder = filesystem._host_folder()
        if text == folder or text.startswith(folder + "/"):
            return filesystem
    return None


def check_writable(host: Any) -> Mounted | None:
    """The mounted filesystem holding ``host`` (None: not on one); ``EROFS`` if it is
    mounted read-only."""
    filesystem = owner(host)
    if filesystem is not None and filesystem.readonly:
        raise OSError(errno.EROFS, "Read-only filesystem")
    return filesystem


def drive_path(host: str) -> str | None:
    """The drive path of a host path in a mounted filesystem's folder, else None."""
    for point, filesystem in _table:
        folder = filesystem._host_folder()
        if host == folder:
            return point
        if host.startswith(folder + "/"):
            return posixpath.join(point, host[len(folder) + 1 :])
    return None


class SyncedFile:
    """A file opened for writing on a mounted filesystem: ``flush`` and ``close`` write it to
    the device (FatFS's ``f_sync``), and their errors (``EIO``, ``ENOSPC``) reach the program."""

    def __init__(self, stream: Any, filesystem: Mounted) -> None:
        object.__setattr__(self, "_stream", stream)
        object.__setattr__(self, "_filesystem", filesystem)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._stream, name, value)

    def flush(self) -> None:
        self._stream.flush()
        self._filesystem._changed()

    def close(self) -> None:
        if self._stream.closed:
            return
        self._stream.close()
        self._filesystem._changed()

    def __enter__(self) -> SyncedFile:
        self._stream.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Any:
        return iter(self._stream)

    def __next__(self) -> Any:
        return next(self._stream)

    def __repr__(self) -> str:
        return repr(self._stream)

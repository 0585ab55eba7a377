"""Where ``microcontroller.nvm`` lives between runs of ``protoboard run``.

A board's NVM is a stretch of flash outside the CIRCUITPY file system: it outlasts reloads,
``microcontroller.reset()``, power cycles and ``storage.erase_filesystem()``. Protoboard keeps
it in a hidden file beside the drive folder (``.CIRCUITPY.nvm``) or beside the image
(``.circuitpy.img.nvm``), outside what the program, the workflows and the watcher see. Each
write replaces the whole file atomically, so a crash leaves the old bytes or the new ones.
``protoboard exec`` keeps it in memory only (a fresh ``0xFF`` store each run).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from protoboard.runtime import paths
from protoboard.runtime.drive import atomic_write


def location(drive: Path, image: Path | None = None) -> Path | None:
    """The NVM file for a drive folder, or for the image it is served from."""
    where = Path(image if image is not None else drive).absolute()
    if not where.name:  # the file system's top: nowhere beside it
        return None
    return where.with_name(f".{where.name}.nvm")


def load(path: Path, size: int) -> bytes:
    """The stored bytes (at most ``size``; fewer if the board's NVM grew, none if there is no
    file or it cannot be read)."""
    with contextlib.suppress(OSError), paths.internal(), open(path, "rb") as stream:
        return stream.read(size)  # host paths: the file is outside the drive
    return b""


def save(path: Path, data: bytes) -> bool:
    """Store ``data`` atomically; False if the file cannot be written (the bytes then last
    only until the run ends)."""
    try:
        with paths.internal():
            atomic_write(path, data)
    except OSError:
        return False
    return True

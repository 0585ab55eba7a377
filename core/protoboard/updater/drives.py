"""Finding CIRCUITPY drives when no ``--path`` or ``--host`` is given.

In order: the current folder if it is a drive (it has ``boot_out.txt``); else mounted volumes
named ``CIRCUITPY`` (or renamed ones holding a CircuitPython ``boot_out.txt``); else
Protoboard's own drive (``protoboard run``'s default folder). More than one mounted board is
not guessed between: the user picks with ``--path``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from protoboard.errors import UserError
from protoboard.updater.bootout import read_boot_out

__all__ = ["DriveNotFound", "find_drive", "mounted_drives"]


class DriveNotFound(UserError):
    """No drive, or several: the message says how to choose."""


def _mount_points() -> list[Path]:
    if sys.platform.startswith("linux"):
        try:
            text = Path("/proc/self/mounts").read_text()
        except OSError:
            return []
        points = []
        for line in text.splitlines():
            fields = line.split()
            if len(fields) >= 3:
                # /proc/mounts escapes spaces as \040
                points.append(Path(fields[1].replace("\\040", " ")))
        return points
    if sys.platform == "darwin":
        return list(Path("/Volumes").glob("*"))
    if os.name == "nt":
        return [
            Path(f"{letter}:\\")
            for letter in "DEFGHIJKLMNOPQRSTUVWXYZ"
            if Path(f"{letter}:\\boot_out.txt").exists()
        ]
    return []


def _is_board(path: Path) -> bool:
    try:
        if path.name.upper().startswith("CIRCUITPY"):
            return path.is_dir()
        boot = read_boot_out(path)
    except OSError:
        return False
    return boot is not None and boot.kind == "circuitpython"


def mounted_drives() -> list[Path]:
    """Mounted CircuitPython drives, in mount order."""
    seen: list[Path] = []
    for point in _mount_points():
        if point not in seen and _is_board(point):
            seen.append(point)
    return seen


def find_drive(cwd: Path | None = None) -> Path:
    cwd = cwd or Path.cwd()
    if (cwd / "boot_out.txt").is_file():
        return cwd
    boards = mounted_drives()
    if len(boards) == 1:
        return boards[0]
    if len(boards) > 1:
        listed = "\n".join(f"  --path {b}" for b in boards)
        raise DriveNotFound(
            f"{len(boards)} CircuitPython drives are mounted; say which one:\n{listed}"
        )
    from protoboard.runtime.drive import default_location

    ours = default_location()
    if ours.is_dir():
        return ours
    raise DriveNotFound(
        "no CIRCUITPY drive found. Plug in a CircuitPython board (its drive appears as "
        "CIRCUITPY), run 'protoboard run' once to create Protoboard's own drive, or give a "
        "folder with --path DIR or a board on the network with --host NAME."
    )

"""The working folder's side of a sync from the image: what to delete, what to extract, and
which of its files changed since the last sync."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Mapping
from pathlib import Path

from protoboard.runtime.drive import TEMP_PREFIX, atomic_write
from protoboard.runtime.fatimage.fat_time import from_fat_time
from protoboard.runtime.fatimage.hostfs import sha
from protoboard.runtime.fatimage.known import ImageChanges, Known
from protoboard.runtime.fatimage.volume import ImageFile, Volume


def extras(work: Path, volume: Volume) -> list[str]:
    """Paths in ``work`` that the image does not hold (or holds as the other kind)."""
    found: list[str] = []
    for top, dirnames, filenames in os.walk(work):
        rel_top = Path(top).relative_to(work).as_posix()
        prefix = "" if rel_top == "." else rel_top + "/"
        for name in list(dirnames):
            rel = prefix + name
            if rel not in volume.dirs or os.path.islink(os.path.join(top, name)):
                found.append(rel)
                dirnames.remove(name)
        for name in filenames:
            rel = prefix + name
            if rel not in volume.files:
                found.append(rel)
    return found


def extract(work: Path, volume: Volume, rel: str, entry: ImageFile, rewrite: bool) -> Known:
    """Make ``work/rel`` hold ``entry`` (written only if its content differs, or always
    with ``rewrite``), with the image's mtime; returns what was recorded."""
    target = work / rel
    if rewrite or not _holds(target, entry):
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)  # (a file or a link is replaced by the rename)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, volume.content(entry))
    mtime = from_fat_time(entry.fat_time)
    os.utime(target, (mtime, mtime))
    st = target.stat()
    return Known(False, entry.size, entry.sha256, st.st_mtime_ns, entry.fat_time)


def _holds(target: Path, entry: ImageFile) -> bool:
    if not target.is_file() or target.is_symlink():
        return False
    with contextlib.suppress(OSError):
        return target.stat().st_size == entry.size and sha(target.read_bytes()) == entry.sha256
    return False


def conflicts(
    work: Path, known: Mapping[str, Known], volume: Volume, changes: ImageChanges
) -> list[str]:
    """Paths of ``work`` that the image's ``changes`` would overwrite or delete, but that
    changed here since the last sync."""
    found: list[str] = []
    for rel in changes.removed:
        target = work / rel
        if known[rel].is_dir:
            for top, _dirs, files in os.walk(target):
                for name in files:
                    sub = (Path(top) / name).relative_to(work).as_posix()
                    if not name.startswith(TEMP_PREFIX) and differs(work, known, sub, None):
                        found.append(sub)
        elif os.path.lexists(target) and differs(work, known, rel, None):
            found.append(rel)  # (deleted on both sides is no conflict)
    for rel in changes.written:
        if differs(work, known, rel, volume.files[rel].sha256):
            found.append(rel)
    return found


def differs(work: Path, known: Mapping[str, Known], rel: str, wanted_sha: str | None) -> bool:
    """Whether ``work/rel`` holds something other than what was last synced (or than
    ``wanted_sha``, the content about to be written there)."""
    target = work / rel
    k = known.get(rel)
    try:
        st = target.stat()
    except OSError:
        return k is not None and not k.is_dir  # deleted here
    if stat.S_ISDIR(st.st_mode):
        return k is None or not k.is_dir
    if k is not None and not k.is_dir and (st.st_size, st.st_mtime_ns) == (k.size, k.mtime_ns):
        return False
    try:
        digest = sha(target.read_bytes())
    except OSError:
        return True
    if wanted_sha is not None and digest == wanted_sha:
        return False
    return k is None or k.is_dir or digest != k.sha256

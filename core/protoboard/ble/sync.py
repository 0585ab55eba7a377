"""``protoboard ble sync``'s algorithm: make a folder on the board match a local folder, sending
only what changed.

:func:`plan_sync` decides from the two trees alone (no board, no click): a file is sent when it
is new or its size or modification time differs from the board's (to FAT's 2 s); entries only
on the board are deleted only when asked; an entry whose kind differs (file here, folder there)
is deleted before it is made again. :func:`apply_sync` carries a plan out on a :class:`Board`.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from protoboard.ble.board import Board, BoardError, join
from protoboard.ble.client import DirEntry

__all__ = [
    "DEFAULT_EXCLUDES",
    "SyncPlan",
    "apply_sync",
    "excluded",
    "local_tree",
    "plan_sync",
    "remote_tree",
]

#: names sync skips on both sides unless --all is given
DEFAULT_EXCLUDES = (".*", "__pycache__", "*.pyc", "System Volume Information")
_TWO_SECONDS = 2_000_000_000  # FAT keeps times to 2 s


def excluded(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def local_tree(root: Path, excludes: tuple[str, ...]) -> tuple[list[Path], list[Path]]:
    """(folders, files) below ``root``, relative, sorted, skipping names matching ``excludes``."""
    folders: list[Path] = []
    files: list[Path] = []
    for here, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not excluded(d, excludes))
        rel = Path(here).relative_to(root)
        folders += [rel / d for d in dirs]
        files += [rel / n for n in sorted(names) if not excluded(n, excludes)]
    return folders, files


async def remote_tree(
    board: Board, remote_dir: str, patterns: tuple[str, ...]
) -> dict[str, DirEntry] | None:
    """The board's entries below ``remote_dir`` by relative path (None: no such folder)."""
    root = await board.stat(remote_dir)
    if root is None:
        return None
    if not root.is_dir:
        raise BoardError(f"{remote_dir} is a file on the board, not a folder")
    remote: dict[str, DirEntry] = {}
    for full, entry in await board.walk(remote_dir):
        rel = posixpath.relpath(full, remote_dir)
        if not any(excluded(part, patterns) for part in rel.split("/")):
            remote[rel] = entry
    return remote


@dataclass
class SyncPlan:
    """What a sync does, in this order; paths relative to both roots, POSIX style."""

    delete: list[str] = field(default_factory=list)
    make_root: bool = False  # the board has no such folder yet
    mkdir: list[str] = field(default_factory=list)
    send: list[str] = field(default_factory=list)
    bytes_to_send: int = 0
    unchanged: int = 0
    extra: list[str] = field(default_factory=list)  # only on the board (topmost entries)


def _changed(there: DirEntry | None, st: os.stat_result) -> bool:
    return (
        there is None
        or there.is_dir
        or there.size != st.st_size
        or abs(there.mtime_ns - st.st_mtime_ns) >= _TWO_SECONDS
    )


def plan_sync(
    local_dir: Path,
    remote: dict[str, DirEntry] | None,
    patterns: tuple[str, ...],
    *,
    delete: bool = False,
) -> SyncPlan:
    """The plan that makes the board's tree ``remote`` (from :func:`remote_tree`) match
    ``local_dir``; ``delete`` also removes what only the board has."""
    there = remote or {}
    dirs, files = local_tree(local_dir, patterns)
    plan = SyncPlan(make_root=remote is None)
    plan.mkdir = [
        d.as_posix() for d in dirs if d.as_posix() not in there or not there[d.as_posix()].is_dir
    ]
    for f in files:
        rel = f.as_posix()
        st = (local_dir / f).stat()
        if _changed(there.get(rel), st):
            plan.send.append(rel)
            plan.bytes_to_send += st.st_size
    plan.unchanged = len(files) - len(plan.send)
    local_names = {d.as_posix() for d in dirs} | {f.as_posix() for f in files}
    local_dirs = {d.as_posix() for d in dirs} | {""}
    plan.extra = [
        rel for rel in there if rel not in local_names and posixpath.dirname(rel) in local_dirs
    ]
    conflicts = [
        rel
        for rel in plan.send + plan.mkdir
        if rel in there and there[rel].is_dir != (rel in plan.mkdir)
    ]
    plan.delete = sorted(set(plan.extra) if delete else set()) + conflicts
    return plan


async def apply_sync(
    board: Board,
    plan: SyncPlan,
    local_dir: Path,
    remote_dir: str,
    *,
    dry_run: bool = False,
    step: Callable[[str, str], None],
    sent: Callable[[str, int], None],
) -> None:
    """Carry out ``plan``; ``step(action, board_path)`` before each action ("delete", "mkdir",
    "send"), ``sent(board_path, bytes_so_far)`` during sends. A dry run only reports."""
    for rel in plan.delete:
        step("delete", join(remote_dir, rel))
        if not dry_run:
            await board.run(board.client.delete(join(remote_dir, rel)))
    if not dry_run and plan.make_root:
        await board.makedirs(remote_dir)
    for rel in plan.mkdir:
        step("mkdir", join(remote_dir, rel))
        if not dry_run:
            await board.makedirs(join(remote_dir, rel))
    done = 0
    for rel in plan.send:
        dest = join(remote_dir, rel)
        step("send", dest)
        if not dry_run:

            def moved(count: int, dest: str = dest, base: int = done) -> None:
                sent(dest, base + count)

            done += await board.upload(local_dir / rel, dest, moved)
            sent(dest, done)

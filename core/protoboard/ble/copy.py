"""``protoboard ble get`` and ``put``: which files go where (as ``cp -r`` would), then the copy.

A plan names the final target, the folders to make and every file with its destination; the
copy reports ``progress(path, bytes_so_far)`` so a command can draw a bar.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from protoboard.ble.board import Board, BoardError, join, remote_path
from protoboard.ble.sync import local_tree

__all__ = ["Download", "Upload", "download", "plan_download", "plan_upload", "upload"]

Progress = Callable[[str, int], None]


@dataclass
class Download:
    target: Path
    folders: list[Path] = field(default_factory=list)
    files: list[tuple[str, Path, int]] = field(default_factory=list)  # board path, here, size

    @property
    def size(self) -> int:
        return sum(size for *_, size in self.files)


@dataclass
class Upload:
    target: str
    folders: list[str] = field(default_factory=list)
    files: list[tuple[Path, str]] = field(default_factory=list)  # here, board path

    @property
    def size(self) -> int:
        return sum(source.stat().st_size for source, _ in self.files)


async def plan_download(board: Board, remote: str, local: Path | None) -> Download:
    """``remote`` (a file or folder) to ``local``: default its name here; into ``local`` if
    that is an existing folder."""
    entry = await board.require(remote)
    name = posixpath.basename(remote) or "CIRCUITPY"
    target = Path(name) if local is None else local
    if local is not None and local.is_dir():
        target = local / name  # into an existing folder, as cp does
    if not entry.is_dir:
        if target.is_dir():
            raise BoardError(f"{target} is a folder here; give a file name to copy {remote} to")
        return Download(target, [], [(remote, target, entry.size)])
    tree = await board.walk(remote)
    folders = [target] + [target / posixpath.relpath(f, remote) for f, e in tree if e.is_dir]
    files = [(f, target / posixpath.relpath(f, remote), e.size) for f, e in tree if not e.is_dir]
    return Download(target, folders, files)


async def download(board: Board, plan: Download, progress: Progress) -> None:
    for folder in plan.folders:
        folder.mkdir(parents=True, exist_ok=True)
    done = 0
    for source, dest, size in plan.files:

        def moved(
            _sent: int, received: int, source: str = source, base: int = done, size: int = size
        ) -> None:
            progress(source, base + min(received, size))

        data = await board.run(board.client.read_file(source), progress=moved)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        done += size
        progress(source, done)


async def plan_upload(board: Board, local: Path, remote: str | None) -> Upload:
    """``local`` (a file or folder) to ``remote``: default ``/NAME``; into ``remote`` if that
    is an existing folder on the board."""
    target = remote_path(remote if remote is not None else local.name)
    existing = await board.stat(target)
    if remote is not None and existing is not None and existing.is_dir:
        target = join(target, local.name)  # into an existing folder, as cp does
        existing = await board.stat(target)
    if not local.is_file():
        dirs, files = local_tree(local, ())
        return Upload(
            target,
            [target] + [join(target, d.as_posix()) for d in dirs],
            [(local / f, join(target, f.as_posix())) for f in files],
        )
    if existing is not None and existing.is_dir:
        raise BoardError(f"{target} is a folder on the board; give a file name to copy {local} to")
    parent = posixpath.dirname(target)
    await board.require_folder(parent, f"make it first: protoboard ble mkdir -p {parent}")
    return Upload(target, [], [(local, target)])


async def upload(board: Board, plan: Upload, progress: Progress) -> int:
    """Make the folders, send the files; the bytes sent."""
    for folder in plan.folders:
        await board.makedirs(folder)
    done = 0
    for source, dest in plan.files:

        def moved(count: int, dest: str = dest, base: int = done) -> None:
            progress(dest, base + count)

        done += await board.upload(source, dest, moved)
        progress(dest, done)
    return done

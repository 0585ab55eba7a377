"""A plan as the writer's steps, in order: which image entry each path removes (found by FAT's
case-insensitive lookup), and the path pyfatfs finds a new entry at."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from protoboard.runtime.fatimage.fat_time import to_fat_time
from protoboard.runtime.fatimage.plan import Plan
from protoboard.runtime.fatimage.volume import ImageFile, Volume


@dataclass(frozen=True)
class RemoveEntry:
    fat_path: str
    clusters: list[int]  # everything it holds, as the volume's reading attributed them


@dataclass(frozen=True)
class MakeFolder:
    fat_path: str


@dataclass(frozen=True)
class WriteFile:
    fat_path: str
    data: bytes
    fat_time: int


@dataclass(frozen=True)
class RewriteFile:
    """New content for a file the image holds under the same name: its entry stays where it is."""

    fat_path: str
    data: bytes
    fat_time: int
    clusters: list[int]  # the old content's, freed


Edit = RemoveEntry | MakeFolder | WriteFile | RewriteFile


def edits(volume: Volume, plan: Plan) -> Iterator[Edit]:
    """The steps that write ``plan`` into a copy of ``volume``. Each path a new entry takes is
    cleared first (a file, or a folder named in another case)."""
    entries = _Entries(volume)
    for rel in plan.removes:
        yield from entries.remove(rel)
    for rel in plan.mkdirs:
        yield from entries.remove_existing(rel)
        yield MakeFolder(entries.fat_path(rel))
    for rel, (data, st) in plan.writes.items():
        existing = entries.same_file(rel)
        if existing is not None:
            yield RewriteFile(
                existing.fat_path, data, to_fat_time(st.st_mtime), list(existing.chain)
            )
            continue
        yield from entries.remove_existing(rel)
        yield WriteFile(entries.fat_path(rel), data, to_fat_time(st.st_mtime))


class _Entries:
    """The image's entries as the edits so far left them."""

    def __init__(self, volume: Volume) -> None:
        self.volume = volume
        self.index = volume.index()
        self.removed: set[str] = set()

    def fat_path(self, rel: str) -> str:
        """The path pyfatfs finds ``rel`` at once its parents exist in the copy."""
        parent, _, name = rel.rpartition("/")
        if not parent:
            return f"/{name}"
        existing = self.index.get(parent.upper())
        if existing is not None and existing not in self.removed:
            base = self.volume.dirs[existing].fat_path
        else:
            base = self.fat_path(parent)
        return f"{base.rstrip('/')}/{name}"

    def same_file(self, rel: str) -> ImageFile | None:
        """The image's file at exactly ``rel`` (same case), if still there: rewritten in place."""
        entry = self.volume.files.get(rel)
        if entry is None or rel in self.removed or self._inside_removed(rel):
            return None
        self.removed.add(rel)
        return entry

    def _inside_removed(self, rel: str) -> bool:
        return any(rel.startswith(r + "/") for r in self.removed)

    def remove_existing(self, rel: str) -> Iterator[RemoveEntry]:
        existing = self.index.get(rel.upper())
        if existing is not None and existing not in self.removed:
            yield from self.remove(existing)

    def remove(self, rel: str) -> Iterator[RemoveEntry]:
        """Remove the image's entry for ``rel``, unless it is already gone."""
        existing = self.index.get(rel.upper())
        if (
            existing is None
            or existing in self.removed
            or any(existing.startswith(r + "/") for r in self.removed)
        ):
            return
        self.removed.add(existing)
        if existing in self.volume.dirs:
            yield RemoveEntry(self.volume.dirs[existing].fat_path, self._folder_clusters(existing))
        else:
            entry = self.volume.files[existing]
            yield RemoveEntry(entry.fat_path, list(entry.chain))

    def _folder_clusters(self, top: str) -> list[int]:
        below = top + "/"
        dirs = self.volume.dirs
        clusters = [
            c for key, d in dirs.items() if key == top or key.startswith(below) for c in d.chain
        ]
        clusters += [
            c for key, f in self.volume.files.items() if key.startswith(below) for c in f.chain
        ]
        return clusters

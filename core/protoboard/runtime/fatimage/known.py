"""What the image and ``work`` agreed on at the last sync, per path: a sync looks only at what
changed since, and a path changed on both sides since is a conflict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from protoboard.runtime.fatimage.relpaths import outermost
from protoboard.runtime.fatimage.volume import Volume


@dataclass(frozen=True)
class Known:
    """What the image and ``work`` held at a path at the last sync."""

    is_dir: bool
    size: int = 0
    sha256: str = ""
    mtime_ns: int = 0  # of the work file
    fat_time: int = 0


@dataclass(frozen=True)
class ImageChanges:
    """What another writer changed in the image since the last sync."""

    removed: list[str]  # outermost paths gone (or now the other kind)
    added_dirs: list[str]
    written: list[str]  # files new or with new content

    @classmethod
    def between(cls, known: Mapping[str, Known], volume: Volume) -> ImageChanges:
        removed = [
            rel
            for rel, k in known.items()
            if (volume.dirs if k.is_dir else volume.files).get(rel) is None
        ]
        added_dirs = [
            rel for rel in volume.dirs if rel and not (rel in known and known[rel].is_dir)
        ]
        written = [
            rel
            for rel, entry in volume.files.items()
            if rel not in known or known[rel].is_dir or known[rel].sha256 != entry.sha256
        ]
        return cls(outermost(removed), added_dirs, written)


def compare(volume: Volume, known: Mapping[str, Known]) -> str | None:
    """Why ``volume`` does not hold exactly ``known``, or None."""
    for rel, k in known.items():
        if k.is_dir:
            if rel not in volume.dirs:
                return f"folder /{rel} is missing"
        else:
            entry = volume.files.get(rel)
            if entry is None:
                return f"/{rel} is missing"
            if entry.sha256 != k.sha256:
                return f"/{rel} does not hold what was written"
    extra = sorted((set(volume.files) | set(volume.dirs)) - {""} - set(known))
    if extra:
        return f"/{extra[0]} should not be there"
    return None

"""Whether a plan fits in the image, checked before anything is written: the clusters its files
and folders need against those free and those it frees, and the fixed FAT12/16 top folder's
entries."""

from __future__ import annotations

import math

from protoboard.runtime.fatimage.errors import ImageError
from protoboard.runtime.fatimage.names import lfn_slots
from protoboard.runtime.fatimage.plan import Plan
from protoboard.runtime.fatimage.pyfatfs_fixes import sentinel_fits
from protoboard.runtime.fatimage.volume import Volume

#: appended to the "image is full" message; {mib} is a suggested size in whole MiB (the unit of
#: --image-size; an image cannot grow, so the advice is a new one)
BIGGER_IMAGE_ADVICE = (
    "make a bigger one (protoboard run --image NEW.img --image-size {mib}) and copy the files over"
)


def advice(volume: Volume, missing: int) -> str:
    """How to get an image with ``missing`` bytes more room."""
    current = len(volume.raw)
    size = max(current * 2, -(-(current + missing) // 2**20) * 2**20)
    return BIGGER_IMAGE_ADVICE.format(mib=-(-size // 2**20))


def check_space(plan: Plan, volume: Volume) -> None:
    """Refuse a plan the image has no room for (ImageError)."""
    needed, freed, usable = _balance(plan, volume)
    short = needed - usable - freed
    if short > 0:
        size = short * volume.cluster_size
        raise ImageError(
            f"the image is full: {size} bytes more are needed; " + advice(volume, size)
        )


def fits_beside(plan: Plan, volume: Volume) -> bool:
    """Whether the plan's new clusters fit in the clusters free now, without reusing those it
    frees (what writing the image in place needs: old data stays whole until replaced)."""
    needed, _freed, usable = _balance(plan, volume)
    return needed <= usable


def _balance(plan: Plan, volume: Volume) -> tuple[int, int, int]:
    """Clusters the plan needs, clusters it frees, clusters free for it now."""
    index = volume.index()
    gone = _gone(plan, volume, index)
    slots = _slot_changes(plan, volume, index, gone)
    needed = sum(_clusters(volume, len(data)) for data, _ in plan.writes.values())
    for rel in plan.mkdirs:  # its "." and ".." entries, and what the plan puts in it
        needed += max(1, _clusters(volume, (2 + slots.get(rel, 0)) * 32))
    needed += _folder_growth(volume, slots, gone)
    freed = sum(volume.files[k].clusters for k in gone if k in volume.files)
    freed += sum(volume.dirs[k].clusters for k in gone if k in volume.dirs)
    usable = volume.free - (0 if sentinel_fits(volume) else 1)
    return needed, freed, usable


def _clusters(volume: Volume, size: int) -> int:
    return math.ceil(size / volume.cluster_size)


def _gone(plan: Plan, volume: Volume, index: dict[str, str]) -> set[str]:
    """Image entries the plan deletes or replaces."""
    gone: set[str] = set()
    for rel in plan.removes:
        gone.update(volume.below(index.get(rel.upper(), rel)))
    for rel in (*plan.mkdirs, *plan.writes):
        existing = index.get(rel.upper())
        if existing is not None and (existing in volume.files or rel in plan.writes):
            gone.update(volume.below(existing))
    return gone


def _slot_changes(
    plan: Plan, volume: Volume, index: dict[str, str], gone: set[str]
) -> dict[str, int]:
    """Folder entries gained or lost per folder (keyed as in the image when the folder stays,
    as in work when it is new)."""

    def folder(rel: str) -> str:
        existing = index.get(rel.upper())
        return existing if existing is not None and existing not in gone else rel

    delta: dict[str, int] = {}
    for key in gone:
        parent = key.rpartition("/")[0]
        if parent not in gone:
            entry = volume.files.get(key) or volume.dirs[key]
            delta[parent] = delta.get(parent, 0) - entry.own_slots
    for rel in (*plan.mkdirs, *plan.writes):
        parent, _, name = rel.rpartition("/")
        key = folder(parent) if parent else ""
        delta[key] = delta.get(key, 0) + lfn_slots(name)
    return delta


def _folder_growth(volume: Volume, slots: dict[str, int], gone: set[str]) -> int:
    """Clusters the image's remaining folders need for their new entries; refuses a fixed
    top folder that would overflow."""
    needed = 0
    for key, change in slots.items():
        existing = volume.dirs.get(key)
        if existing is None or key in gone or change <= 0:
            continue
        if not key and volume.fat_type != 32:
            if existing.slots + change > volume.root_slots:
                raise ImageError(
                    f"the image's top folder is full: FAT12/16 holds {volume.root_slots} "
                    f"entries there (long names take several) and "
                    f"{existing.slots + change} would be needed; move files into a "
                    "subfolder"
                )
            continue
        needed += max(0, _clusters(volume, (existing.slots + change) * 32) - existing.clusters)
    return needed

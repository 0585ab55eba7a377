"""Writing a new version of an image into the image file itself: only the sectors that differ,
in an order that keeps the volume whole at every instant another reader could look at it.

The new version is built in memory by :class:`.writer.Writer` with ``keep_freed`` (nothing new
goes into a cluster that held data before), so the sectors that differ are:

1. data sectors of clusters that were free: new file contents, new folder clusters;
2. FAT entries that were free and are now allocated (the new chains);
3. folder entries (the fixed root folder, clusters of existing folders) and the boot sector:
   each file switches from its old chain to its new one in one 32-byte entry;
4. the remaining FAT entries: old chains freed, folders' chains extended.

Each step is written, then flushed to the disk (``fsync``) before the next starts. A reader (a
loop mount, a USB host) or a crash between steps sees the old files or the new ones, at worst
with clusters allocated but used by nothing (fsck.fat calls them lost clusters and frees them);
never a folder entry pointing into clusters that are free or hold something else. This is what
a careful FAT driver does, and it writes a few sectors per changed file instead of the whole
image.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: bytes compared at once when looking for changed sectors
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Layout:
    """Where a FAT volume's regions lie, from its boot sector."""

    sector: int
    fat_start: int  # byte offset of the first FAT
    fat_bytes: int  # bytes per FAT copy
    fats: int
    data_start: int  # byte offset of cluster 2
    cluster: int  # bytes per cluster
    fat_type: int

    @classmethod
    def of(cls, raw: bytes, fat_type: int) -> Layout:
        sector = int.from_bytes(raw[11:13], "little")
        reserved = int.from_bytes(raw[14:16], "little")
        fats = raw[16]
        root_entries = int.from_bytes(raw[17:19], "little")
        fat_sectors = int.from_bytes(raw[22:24], "little") or int.from_bytes(raw[36:40], "little")
        root_sectors = -(-root_entries * 32 // sector)
        return cls(
            sector=sector,
            fat_start=reserved * sector,
            fat_bytes=fat_sectors * sector,
            fats=fats,
            data_start=(reserved + fats * fat_sectors + root_sectors) * sector,
            cluster=sector * raw[13],
            fat_type=fat_type,
        )

    def fat_range(self, copy: int) -> tuple[int, int]:
        start = self.fat_start + copy * self.fat_bytes
        return start, start + self.fat_bytes


def fat_entries(table: bytes, fat_type: int) -> list[int]:
    """The entries of one FAT copy."""
    if fat_type == 12:
        out = []
        for n in range(len(table) * 2 // 3):
            at = n * 3 // 2
            pair = table[at] | table[at + 1] << 8
            out.append(pair >> 4 if n & 1 else pair & 0xFFF)
        return out
    width = fat_type // 8
    mask = 0x0FFFFFFF if fat_type == 32 else 0xFFFF
    return [
        int.from_bytes(table[i : i + width], "little") & mask
        for i in range(0, len(table) - width + 1, width)
    ]


def _set_entry(table: bytearray, fat_type: int, n: int, value: int) -> None:
    if fat_type == 12:
        at = n * 3 // 2
        pair = table[at] | table[at + 1] << 8
        pair = (pair & 0x000F) | value << 4 if n & 1 else (pair & 0xF000) | value
        table[at], table[at + 1] = pair & 0xFF, pair >> 8
        return
    width = fat_type // 8
    at = n * width
    if fat_type == 32:  # the top 4 bits are reserved: kept as they are
        value |= int.from_bytes(table[at : at + 4], "little") & 0xF0000000
    table[at : at + width] = value.to_bytes(width, "little")


def allocations_only(old: bytes, new: bytes, fat_type: int) -> bytes:
    """``old`` with the entries that were free and are used in ``new`` taken from ``new``."""
    table = bytearray(old)
    before, after = fat_entries(old, fat_type), fat_entries(new, fat_type)
    for n in range(2, min(len(before), len(after))):
        if before[n] == 0 and after[n] != 0:
            _set_entry(table, fat_type, n, after[n])
    return bytes(table)


def changed_sectors(old: bytes, new: bytes, start: int, end: int, sector: int) -> list[int]:
    """Offsets of the sectors in ``[start, end)`` where ``old`` and ``new`` differ."""
    found: list[int] = []
    for chunk in range(start, end, _CHUNK):
        stop = min(chunk + _CHUNK, end)
        if old[chunk:stop] == new[chunk:stop]:
            continue
        for at in range(chunk, stop, sector):
            if old[at : at + sector] != new[at : at + sector]:
                found.append(at)
    return found


@dataclass
class Steps:
    """The sectors of each step, as (offset, bytes)."""

    new_data: list[tuple[int, bytes]]
    allocations: list[tuple[int, bytes]]
    entries: list[tuple[int, bytes]]
    releases: list[tuple[int, bytes]]

    @property
    def total(self) -> int:
        parts = (self.new_data, self.allocations, self.entries, self.releases)
        return sum(len(data) for step in parts for _, data in step)


def plan_steps(old: bytes, new: bytes, fat_type: int) -> Steps:
    """What to write, step by step, to turn the image ``old`` into ``new`` (same size)."""
    if len(old) != len(new):
        raise ValueError("an image cannot change size")
    layout = Layout.of(old, fat_type)
    size = layout.sector
    free = fat_entries(old[slice(*layout.fat_range(0))], fat_type)
    steps = Steps([], [], [], [])
    for at in changed_sectors(old, new, 0, layout.fat_start, size):
        steps.entries.append((at, new[at : at + size]))
    for copy in range(layout.fats):
        start, end = layout.fat_range(copy)
        middle = allocations_only(old[start:end], new[start:end], fat_type)
        for at in changed_sectors(old[start:end], middle, 0, end - start, size):
            steps.allocations.append((start + at, middle[at : at + size]))
        for at in changed_sectors(middle, new[start:end], 0, end - start, size):
            steps.releases.append((start + at, new[start + at : start + at + size]))
    fats_end = layout.fat_start + layout.fats * layout.fat_bytes
    for at in changed_sectors(old, new, fats_end, len(new), size):
        sector = (at, new[at : at + size])
        if at < layout.data_start:
            steps.entries.append(sector)  # the fixed root folder
            continue
        cluster = (at - layout.data_start) // layout.cluster + 2
        was_free = cluster < len(free) and free[cluster] == 0
        (steps.new_data if was_free else steps.entries).append(sector)
    return steps


def write_steps(target: Path, steps: Steps) -> int:
    """Write ``steps`` into ``target`` in order, each flushed to the disk before the next;
    returns the bytes written."""
    handle = os.open(target, os.O_RDWR)
    try:
        for step in (steps.new_data, steps.allocations, steps.entries, steps.releases):
            if not step:
                continue
            for offset, data in step:
                os.pwrite(handle, data, offset)
            os.fsync(handle)
    finally:
        os.close(handle)
    return steps.total

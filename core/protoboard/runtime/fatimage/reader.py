"""Reading a FAT image: pyfatfs parses the boot sector, the FAT and folder entries; the walk over
the tree is our own, bounded (a looping or cross-linked chain is reported as damage, never
followed forever), and never modifies the image."""

from __future__ import annotations

import hashlib
import math
import warnings
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protoboard.runtime.fatimage.errors import Damaged, ImageError, NotFat, reason
from protoboard.runtime.fatimage.memory import ImageBytes
from protoboard.runtime.fatimage.volume import (
    BAD_CLUSTER,
    END_OF_CHAIN,
    ImageDir,
    ImageFile,
    Volume,
)

if TYPE_CHECKING:
    from pyfatfs.PyFat import PyFat

SECTOR = 512
_ATTR_VOLUME_ID = 0x08
_NTRES_LOWER_BASE = 0x08
_NTRES_LOWER_EXT = 0x10

#: (start, end) byte ranges of the raw image that hold a folder's entries
Ranges = list[tuple[int, int]]


def parse_image(raw: bytes, where: Path) -> Volume:
    """:func:`parse`, with errors that tell the user what to do about ``where``."""
    try:
        return parse(raw)
    except NotFat as exc:
        raise ImageError(
            f"{where} is not a FAT image ({exc}): check that it is the right "
            "file; to start afresh, move it away and run again"
        ) from None
    except Damaged as exc:
        raise ImageError(
            f"{where} is a damaged FAT image ({exc}): repair it on a computer "
            "(chkdsk, fsck.fat); to start afresh, move it away and run "
            "again"
        ) from None


def parse(raw: bytes) -> Volume:
    """Read a whole FAT volume from ``raw``; raises NotFat or Damaged, never anything else."""
    if not raw:
        raise NotFat("the file is empty")
    if len(raw) < SECTOR:
        raise NotFat(f"only {len(raw)} bytes, less than one sector")
    from pyfatfs.PyFat import PyFat

    pf = PyFat(lazy_load=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # a read-only stream: pyfatfs then never marks the volume dirty
            pf.set_fp(ImageBytes(raw, read_only=True))
        except Exception as exc:
            raise NotFat(reason(exc)) from None
        try:
            volume = _TreeReader(pf, raw).read()
        except (NotFat, Damaged):
            raise
        except RecursionError:
            raise Damaged("folders nested too deeply") from None
        except Exception as exc:
            raise Damaged(reason(exc)) from None
    for warning in caught:
        message = str(warning.message)
        if "not cleanly unmounted" in message:
            message = "the volume's dirty flag is set (not cleanly unmounted, or still mounted)"
        volume.notes.append(message)
    return volume


def entry_name(entry: Any) -> str:
    """The name a PC shows: the long name, else the 8.3 name with its lower-case flags."""
    if entry.lfn_entry is not None:
        return str(entry.lfn_entry)
    raw = bytes(entry.name.name)
    if raw[0] == 0x05:
        raw = b"\xe5" + raw[1:]
    base = raw[:8].decode("ibm437").rstrip(" ")
    ext = raw[8:11].decode("ibm437").rstrip(" ")
    if entry.ntres & _NTRES_LOWER_BASE:
        base = base.lower()
    if entry.ntres & _NTRES_LOWER_EXT:
        ext = ext.lower()
    return f"{base}.{ext}" if ext else base


class _TreeReader:
    """One walk over a volume's folders. Every cluster a chain reaches is claimed by its owner,
    so a second claim (a loop, or two entries sharing a cluster) is damage."""

    def __init__(self, pf: PyFat, raw: bytes) -> None:
        bpb = pf.bpb_header
        bps = bpb["BPB_BytsPerSec"]
        total = bpb["BPB_TotSec16"] or bpb["BPB_TotSec32"]
        if len(raw) < total * bps:
            raise NotFat(
                f"truncated: {len(raw)} bytes, but its boot sector describes {total * bps}"
            )
        spc = bpb["BPB_SecPerClus"]
        self.max_cluster = min((total - pf.first_data_sector) // spc + 1, len(pf.fat) - 1)
        if self.max_cluster < 2:
            raise NotFat("no data clusters")
        self.pf = pf
        self.raw = raw
        self.fat = pf.fat
        self.cluster_size = bps * spc
        self.end_of_chain = END_OF_CHAIN[pf.fat_type]
        self.bad = BAD_CLUSTER[pf.fat_type]
        self.owner: dict[int, str] = {}
        #: (path, first cluster, chain) of files with clusters: their chains may run on
        self.loose: list[tuple[str, int, tuple[int, ...]]] = []
        self.volume = Volume(
            raw=raw,
            label="",
            fat_type=pf.fat_type,
            cluster_size=self.cluster_size,
            clusters=self.max_cluster - 1,
            free=sum(1 for value in self.fat[2 : self.max_cluster + 1] if value == 0),
            root_slots=0 if pf.fat_type == 32 else bpb["BPB_RootEntCnt"],
        )

    def read(self) -> Volume:
        bpb = self.pf.bpb_header
        if self.volume.fat_type == 32:
            links = self.chain(bpb["BPB_RootClus"], "the root folder")
            self.walk("", "/", self.ranges(links), links, 0)
        else:
            start = self.pf.root_dir_sector * bpb["BPB_BytsPerSec"]
            self.walk("", "/", [(start, start + bpb["BPB_RootEntCnt"] * 32)], (), 0)
        self.claim_tails()
        if not self.volume.label:
            self.volume.label = bytes(bpb["BS_VolLab"]).decode("ibm437", "replace").rstrip(" ")
        return self.volume

    # -- cluster chains -------------------------------------------------------------------

    def chain(self, first: int, what: str, limit: int | None = None) -> tuple[int, ...]:
        """The clusters from ``first``: up to the end mark, or only ``limit`` of them (a file
        reads what its size needs, and sloppy writers, pyfatfs among them, leave chains that
        run on past that into freed clusters; fsck.fat truncates those)."""
        out: list[int] = []
        cluster = first
        while limit is None or len(out) < limit:
            self._claim(cluster, what)
            out.append(cluster)
            if limit is not None and len(out) == limit:
                break
            following = self.fat[cluster]
            if following >= self.end_of_chain:
                if limit is not None:
                    raise Damaged(f"{what}: its clusters end before its size")
                break
            if following == self.bad or following in (0, 1):
                raise Damaged(f"{what}: broken cluster chain")
            cluster = following
        return tuple(out)

    def _claim(self, cluster: int, what: str) -> None:
        if not 2 <= cluster <= self.max_cluster:
            raise Damaged(f"{what}: cluster {cluster} is outside the volume")
        if cluster in self.owner:
            other = self.owner[cluster]
            raise Damaged(
                f"{what}: its clusters loop"
                if other == what
                else f"{what} and {other} share cluster {cluster}"
            )
        self.owner[cluster] = what

    def claim_tails(self) -> None:
        """Clusters a file's chain holds past its size, allocated and nobody else's, belong to
        it (so they are freed with it)."""
        for rel, first, links in self.loose:
            cluster = self.fat[links[-1]] if links else first
            tail: list[int] = []
            while (
                2 <= cluster <= self.max_cluster
                and cluster not in self.owner
                and self.fat[cluster] != 0
            ):
                self.owner[cluster] = rel
                tail.append(cluster)
                cluster = self.fat[cluster]
            if tail:
                entry = self.volume.files[rel]
                self.volume.files[rel] = replace(entry, chain=(*entry.chain, *tail))

    def ranges(self, links: tuple[int, ...]) -> Ranges:
        address = self.pf.get_data_cluster_address
        return [(address(c), address(c) + self.cluster_size) for c in links]

    # -- folders --------------------------------------------------------------------------

    def walk(
        self, rel: str, fat_path: str, ranges: Ranges, links: tuple[int, ...], own: int
    ) -> None:
        """Record the folder ``rel`` and everything in it."""
        found, slots = self.entries(ranges)
        self.volume.dirs[rel] = ImageDir(fat_path, links, slots, own)
        seen: dict[str, str] = {}
        for entry in found:
            name = self.usable_name(entry, rel, seen)
            if name is None:
                continue
            child = f"{rel}/{name}" if rel else name
            child_fat = f"{fat_path.rstrip('/')}/{entry!r}"
            child_own = 1 + (len(entry.lfn_entry.lfn_entries) if entry.lfn_entry is not None else 0)
            if entry.is_directory():
                self.read_folder(entry, child, child_fat, child_own)
            else:
                self.read_file(entry, child, child_fat, child_own)

    def entries(self, ranges: Ranges) -> tuple[list[Any], int]:
        """A folder's entries (pyfatfs's objects) and the 32-byte slots in use, up to the end
        mark."""
        from pyfatfs.FATDirectoryEntry import FATLongDirectoryEntry

        found: list[Any] = []
        slots = 0
        lfn = FATLongDirectoryEntry()
        for start, end in ranges:
            if end > len(self.raw):
                raise Damaged("a folder lies outside the image")
            stop = end
            for slot in range(start, end, 32):
                if self.raw[slot] == 0:
                    stop = slot
                    break
                if self.raw[slot] != 0xE5:
                    slots += 1
            if stop > start:
                more, lfn = self.pf.parse_dir_entries_in_address(start, stop, lfn)
                found += more
            if stop < end:
                break
        return found, slots

    def usable_name(self, entry: Any, rel: str, seen: dict[str, str]) -> str | None:
        """The entry's name, or None for the special entries, the volume label, and names
        that cannot be copied (noted); ``seen`` collects the folder's names."""
        if entry.is_special():
            return None
        if entry.attr & _ATTR_VOLUME_ID and not entry.is_directory():
            if not rel and not self.volume.label:
                self.volume.label = bytes(entry.name.name).decode("ibm437").rstrip(" ")
            return None
        name = entry_name(entry)
        if not name or name in (".", "..") or "/" in name or "\0" in name:
            self.volume.notes.append(f"skipped an entry with an unusable name {name!r} in /{rel}")
            return None
        if name.upper() in seen:
            child = f"{rel}/{name}" if rel else name
            self.volume.notes.append(
                f"skipped /{child}: the folder already has {seen[name.upper()]!r}"
            )
            return None
        seen[name.upper()] = name
        return name

    def read_folder(self, entry: Any, rel: str, fat_path: str, own: int) -> None:
        first = entry.get_cluster()
        if first == 0:
            raise Damaged(f"/{rel}: a folder with no clusters")
        links = self.chain(first, f"/{rel}")
        self.walk(rel, fat_path, self.ranges(links), links, own)

    # -- files ----------------------------------------------------------------------------

    def read_file(self, entry: Any, rel: str, fat_path: str, own: int) -> None:
        first = entry.get_cluster()
        size = entry.filesize
        need = math.ceil(size / self.cluster_size)
        if need and not first:
            raise Damaged(f"/{rel}: {size} bytes, but no clusters")
        links = self.chain(first, f"/{rel}", need) if need else ()
        if first:
            self.loose.append((rel, first, links))
        extents = self.extents(links, size)
        if extents and extents[-1][0] + extents[-1][1] > len(self.raw):
            raise Damaged(f"/{rel}: its data lies outside the image")
        digest = hashlib.sha256()
        view = memoryview(self.raw)
        for offset, length in extents:
            digest.update(view[offset : offset + length])
        self.volume.files[rel] = ImageFile(
            fat_path,
            size,
            entry.wrtdate << 16 | entry.wrttime,
            digest.hexdigest(),
            extents,
            links,
            own,
        )

    def extents(self, links: tuple[int, ...], size: int) -> tuple[tuple[int, int], ...]:
        """Where a file's ``size`` bytes lie in the raw image, adjacent clusters merged."""
        extents: list[tuple[int, int]] = []
        left = size
        for cluster in links:
            offset, length = self.pf.get_data_cluster_address(cluster), min(self.cluster_size, left)
            left -= length
            if extents and extents[-1][0] + extents[-1][1] == offset:
                extents[-1] = (extents[-1][0], extents[-1][1] + length)
            else:
                extents.append((offset, length))
        return tuple(extents)

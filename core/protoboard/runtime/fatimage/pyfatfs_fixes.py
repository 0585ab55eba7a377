"""Work-arounds for pyfatfs 1.1's write path (the version pyproject pins), in one place.

pyfatfs can allocate clusters past the end of the volume and misses the last free cluster;
leaves deleted entries alive in folders longer than one cluster; does not write the FAT after
a deletion on FAT12; refuses chains that run on past a file's size (which its own truncation
leaves); refuses long names for names that are valid 8.3 names; stores the volume label as a
truncated 8.3 name and leaves the disk geometry zero. Every image written here is read back
by :mod:`.reader` and compared with what it should hold before it replaces the original.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from protoboard.runtime.fatimage.volume import END_OF_CHAIN, Volume

if TYPE_CHECKING:
    from pyfatfs.PyFat import PyFat


def sentinel_fits(volume: Volume) -> bool:
    """Whether the FAT's sectors hold at least one entry past the last cluster (see
    :func:`trim_fat`)."""
    raw = volume.raw
    bps = int.from_bytes(raw[11:13], "little")
    fat_sectors = int.from_bytes(raw[22:24], "little") or int.from_bytes(raw[36:40], "little")
    return (volume.clusters + 3) * volume.fat_type <= bps * fat_sectors * 8


def trim_fat(pf: PyFat, volume: Volume) -> bool:
    """Make pyfatfs allocate exactly the volume's clusters; returns whether a sentinel entry
    was added (to be released by :func:`release_sentinel` before the FAT is last written)."""
    # pyfatfs allocates from every entry the FAT's sectors can hold, beyond the last cluster
    # of the volume (writing past its end): keep only the real clusters.
    del pf.fat[volume.clusters + 2 :]
    # ...and it never allocates the very last FAT entry (an off-by-one): add one that is never
    # free, when the FAT has room for it.
    if not sentinel_fits(volume):
        return False
    pf.fat.append(END_OF_CHAIN[volume.fat_type])
    return True


def release_sentinel(pf: PyFat) -> None:
    pf.fat[-1] = 0


def clear_stale_entries(pf: PyFat, folders: list[Any], fat_type: int) -> None:
    """Zero the clusters past the entries still in use of folders that lost entries: pyfatfs
    rewrites only as many clusters as the entries fill, so deleted ones stay alive after."""
    for folder in folders:
        if not _alive(pf, folder):
            continue  # deleted since: its clusters may hold other data now
        if folder is pf.root_dir and fat_type != 32:
            continue  # the fixed root folder is always written whole
        used = sum(len(bytes(e)) for e in folder._get_entries_raw())
        keep = max(1, math.ceil(used / pf.bytes_per_cluster))
        for cluster in list(pf.get_cluster_chain(folder.get_cluster()))[keep:]:
            pf.write_data_to_cluster(b"\0" * pf.bytes_per_cluster, cluster, extend_cluster=False)


def _alive(pf: PyFat, folder: Any) -> bool:
    """Whether ``folder`` is still reachable from the root."""
    node = folder
    while node is not pf.root_dir:
        parent = node._parent
        if parent is None or not any(e is node for e in parent._get_entries_raw()):
            return False
        node = parent
    return True


def long_name(name: str, short: Any) -> Any:
    """pyfatfs's make_lfn_entry, without its refusal of names that are valid 8.3 names (needed
    when such a name's 8.3 form is taken and it gets a ~1 alias)."""
    from pyfatfs.FATDirectoryEntry import FATDirectoryEntry, FATLongDirectoryEntry

    encoded = name.encode("utf-16-le")
    if len(encoded) % 26:
        encoded += b"\0\0"
    encoded += b"\xff" * (-len(encoded) % 26)
    lfn = FATLongDirectoryEntry()
    count = len(encoded) // 26
    checksum = short.checksum()
    for i in range(count):
        part = encoded[i * 26 : (i + 1) * 26]
        lfn.add_lfn_entry(
            LDIR_Ord=(0x40 if i == count - 1 else 0) | (i + 1),
            LDIR_Name1=part[:10],
            LDIR_Attr=FATDirectoryEntry.ATTR_LONG_NAME,
            LDIR_Type=0,
            LDIR_Chksum=checksum,
            LDIR_Name2=part[10:22],
            LDIR_FstClusLO=0,
            LDIR_Name3=part[22:26],
        )
    return lfn


def store_label_whole(pf: PyFat, label: str) -> None:
    """pyfatfs stores the label entry as an 8.3 name ("CIRCUITP"): store all 11 characters."""
    padded = label.ljust(11).encode("ascii")
    for entry in pf.root_dir.get_entries()[2]:
        if entry.is_volume_id():
            entry.name.set_byte_name(padded)
    pf.update_directory_entry(pf.root_dir)


def set_disk_geometry(pf: PyFat) -> None:
    """The usual geometry for a disk with no partition table (pyfatfs leaves zeros, which
    mtools refuses); written with the boot sector."""
    pf.bpb_header["BPB_SecPerTrk"] = 63
    pf.bpb_header["BPB_NumHeads"] = 255

"""The CIRCUITPY drive as a FAT image file (``protoboard run --image FILE``).

A board's CIRCUITPY is a FAT volume; on a Linux board with a USB gadget, the PC sees such a
volume kept in an image file. User code still runs from a folder, ``work`` (a private copy, the
supervisor's cache), and :class:`ImageDrive` keeps the two in step:

* :meth:`ImageDrive.create`: a new image, formatted and filled as a fresh CircuitPython board
  does (``supervisor/shared/filesystem.c``: label ``CIRCUITPY``, ``.fseventsd/no_log``,
  ``.metadata_never_index``, ``.Trashes``, ``.Trash-1000``, an empty ``settings.toml``,
  ``code.py`` = ``print("Hello World!")``, an empty ``lib/``). Never overwrites a file.
* :meth:`ImageDrive.open`: checks the image (never modifying it, whatever it holds) and makes
  ``work`` an exact copy of its tree.
* :meth:`ImageDrive.sync_to_image`: files changed in ``work`` go into the image. The new image
  is built in a copy beside it, checked by reading it back, then renamed over the original: an
  interrupted or failed sync leaves the original as it was. Only the changed entries are touched.
* :meth:`ImageDrive.sync_from_image`: after someone else (the PC, through the gadget) changed
  the image, ``work`` is updated to match; returns what changed, for autoreload.

What each side last agreed on is recorded per path (size, sha256, the work file's mtime, the
FAT timestamp), so a sync only looks at what changed, and a path changed on *both* sides since
the last sync is a conflict (:class:`ImageConflict`), never silently lost.

FAT semantics: names are matched case-insensitively (as on the board), kept as written (long
file names), and refused when FAT cannot store them (``" * / : < > ? \\ |``, control characters,
a trailing dot or space, two names in one folder that differ only in case). Timestamps are
local time with 2-second resolution: a file extracted into ``work`` gets the image's (even)
mtime.

pyfatfs does the FAT work, through its low-level ``PyFat`` only: its PyFatFS layer imports
PyFilesystem2, which needs ``pkg_resources`` (gone from setuptools 81 on). Its write path has
bugs worked around here (see ``_Writer``): it can allocate clusters past the end of the volume,
misses the last free cluster, leaves deleted entries alive in folders longer than one cluster,
does not write the FAT after a deletion on FAT12, refuses chains that run on past a file's size
(which its own truncation leaves), ignores the lower-case flags of 8.3 names (``code.py``
written by Windows, Linux or macOS reads back as ``CODE.PY``) and stores the volume label as a
truncated 8.3 name. The reading is our own walk (bounded: a looping or cross-linked chain is
reported as damage, never followed forever), and every image written here is read back and
compared with what it should hold before it replaces the original.

Threads: an :class:`ImageDrive` is not thread-safe. The supervisor makes every call from one
thread (its event loop); nothing here starts a thread. Two processes must not sync the same
image at once (the rename keeps the image whole, but one's changes would be lost: the second
sees the first's rename as a change by another writer and raises :class:`ImageConflict`).
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import io
import math
import os
import secrets
import shutil
import stat
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from protoboard.runtime.drive import FIRST_CODE, TEMP_PREFIX, atomic_write

DEFAULT_SIZE = 2 * 1024 * 1024
LABEL = "CIRCUITPY"
SECTOR = 512
MIN_SIZE = 64 * 1024
#: FAT16 with 32 KiB clusters
MAX_SIZE = 2 * 1024 * 1024 * 1024
#: images up to this size are FAT12 (as CircuitPython's small flash drives), larger ones FAT16
FAT12_LIMIT = 16 * 1024 * 1024

#: appended to the "image is full" message; {size} is a suggested size in bytes, {mib} in MiB
BIGGER_IMAGE_ADVICE = (
    "make a bigger one with ImageDrive.create(size_bytes={size}) (about "
    "{mib} MiB) and copy the files over"
)

#: what a fresh CircuitPython board puts on CIRCUITPY, in the order filesystem.c writes it
#: (folders end with "/")
FIRST_BOOT: tuple[tuple[str, bytes], ...] = (
    (".fseventsd/", b""),
    (".fseventsd/no_log", b""),
    (".metadata_never_index", b""),
    (".Trashes", b""),
    (".Trash-1000", b""),
    ("settings.toml", b""),
    ("code.py", FIRST_CODE.encode()),
    ("lib/", b""),
)

#: characters a FAT long file name cannot hold (besides control characters)
FAT_INVALID = frozenset('"*/:<>?\\|')
#: pyfatfs checks the UTF-16 *byte* length of a long name against 255
MAX_NAME = 127
#: a host may still be writing a file whose mtime is this close to our read of it
RACY_NS = 2_000_000_000


class ImageError(OSError):
    """The image cannot be used or written (the message says why and what to do)."""


class ImageConflict(ImageError):
    """The same paths changed in the image and in ``work`` since the last sync."""


class _NotFat(Exception):
    pass


class _Damaged(Exception):
    pass


class _Full(Exception):
    pass


# -- reading an image ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _ImageFile:
    fat_path: str  # the path pyfatfs resolves (long names, or 8.3 names as stored)
    size: int
    fat_time: int  # DOS date << 16 | DOS time
    sha256: str
    extents: tuple[tuple[int, int], ...]  # (offset, length) in the raw image
    chain: tuple[int, ...]  # its clusters: those its size needs, and any lost ones after
    own_slots: int  # 32-byte entries its name takes in its folder

    @property
    def clusters(self) -> int:
        return len(self.chain)


@dataclass(frozen=True)
class _ImageDir:
    fat_path: str
    chain: tuple[int, ...]  # its clusters (none for the fixed FAT12/16 root folder)
    slots: int  # 32-byte directory entries in use
    own_slots: int  # 32-byte entries its name takes in its parent

    @property
    def clusters(self) -> int:
        return len(self.chain)


@dataclass
class _Volume:
    raw: bytes
    label: str
    fat_type: int
    cluster_size: int
    clusters: int
    free: int
    root_slots: int  # capacity of the fixed root folder (0 on FAT32)
    files: dict[str, _ImageFile] = field(default_factory=dict)
    dirs: dict[str, _ImageDir] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def content(self, entry: _ImageFile) -> bytes:
        return b"".join(self.raw[offset : offset + length] for offset, length in entry.extents)

    def index(self) -> dict[str, str]:
        """Upper-cased path -> path, as FAT looks names up."""
        return {key.upper(): key for key in (*self.files, *self.dirs)}


_EOC = {12: 0xFF8, 16: 0xFFF8, 32: 0x0FFFFFF8}
_BAD = {12: 0xFF7, 16: 0xFFF7, 32: 0x0FFFFFF7}
_ATTR_VOLUME_ID = 0x08
_NTRES_LOWER_BASE = 0x08
_NTRES_LOWER_EXT = 0x10


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().rstrip(".")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _entry_name(entry) -> str:
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


def _parse(raw: bytes) -> _Volume:
    """Read a whole FAT volume from ``raw``; raises _NotFat or _Damaged, never anything else."""
    if not raw:
        raise _NotFat("the file is empty")
    if len(raw) < SECTOR:
        raise _NotFat(f"only {len(raw)} bytes, less than one sector")
    from pyfatfs.PyFat import PyFat

    pf = PyFat(lazy_load=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # a read-only stream: pyfatfs then never marks the volume dirty
            pf.set_fp(io.BufferedReader(io.BytesIO(raw)))
        except Exception as exc:
            raise _NotFat(_reason(exc)) from None
        try:
            volume = _read_tree(pf, raw)
        except (_NotFat, _Damaged):
            raise
        except RecursionError:
            raise _Damaged("folders nested too deeply") from None
        except Exception as exc:
            raise _Damaged(_reason(exc)) from None
    for warning in caught:
        message = str(warning.message)
        if "not cleanly unmounted" in message:
            message = "the volume's dirty flag is set (not cleanly unmounted, or still mounted)"
        volume.notes.append(message)
    return volume


def _read_tree(pf, raw: bytes) -> _Volume:
    bpb = pf.bpb_header
    bps = bpb["BPB_BytsPerSec"]
    spc = bpb["BPB_SecPerClus"]
    total = bpb["BPB_TotSec16"] or bpb["BPB_TotSec32"]
    if len(raw) < total * bps:
        raise _NotFat(f"truncated: {len(raw)} bytes, but its boot sector describes {total * bps}")
    fat_type = pf.fat_type
    cluster_size = bps * spc
    count = (total - pf.first_data_sector) // spc
    max_cluster = min(count + 1, len(pf.fat) - 1)
    if max_cluster < 2:
        raise _NotFat("no data clusters")
    fat = pf.fat
    eoc, bad = _EOC[fat_type], _BAD[fat_type]
    owner: dict[int, str] = {}

    def chain(first: int, what: str, limit: int | None = None) -> list[int]:
        """The clusters from ``first``: up to the end mark, or only ``limit`` of them (a file
        reads what its size needs, and sloppy writers, pyfatfs among them, leave chains that
        run on past that into freed clusters; fsck.fat truncates those)."""
        out: list[int] = []
        cluster = first
        while limit is None or len(out) < limit:
            if not 2 <= cluster <= max_cluster:
                raise _Damaged(f"{what}: cluster {cluster} is outside the volume")
            if cluster in owner:
                other = owner[cluster]
                raise _Damaged(
                    f"{what}: its clusters loop"
                    if other == what
                    else f"{what} and {other} share cluster {cluster}"
                )
            owner[cluster] = what
            out.append(cluster)
            if limit is not None and len(out) == limit:
                break
            following = fat[cluster]
            if following >= eoc:
                if limit is not None:
                    raise _Damaged(f"{what}: its clusters end before its size")
                break
            if following == bad or following in (0, 1):
                raise _Damaged(f"{what}: broken cluster chain")
            cluster = following
        return out

    def address(cluster: int) -> int:
        return pf.get_data_cluster_address(cluster)

    volume = _Volume(
        raw=raw,
        label="",
        fat_type=fat_type,
        cluster_size=cluster_size,
        clusters=max_cluster - 1,
        free=sum(1 for value in fat[2 : max_cluster + 1] if value == 0),
        root_slots=0 if fat_type == 32 else bpb["BPB_RootEntCnt"],
    )

    def entries(ranges: list[tuple[int, int]]) -> tuple[list, int]:
        from pyfatfs.FATDirectoryEntry import FATLongDirectoryEntry

        found: list = []
        slots = 0
        lfn = FATLongDirectoryEntry()
        for start, end in ranges:
            if end > len(raw):
                raise _Damaged("a folder lies outside the image")
            stop = end
            for slot in range(start, end, 32):
                if raw[slot] == 0:
                    stop = slot
                    break
                if raw[slot] != 0xE5:
                    slots += 1
            if stop > start:
                more, lfn = pf.parse_dir_entries_in_address(start, stop, lfn)
                found += more
            if stop < end:
                break
        return found, slots

    def walk(
        rel: str, fat_path: str, ranges: list[tuple[int, int]], links: tuple[int, ...], own: int
    ) -> None:
        found, slots = entries(ranges)
        volume.dirs[rel] = _ImageDir(fat_path, links, slots, own)
        seen: dict[str, str] = {}
        for entry in found:
            if entry.is_special():
                continue
            if entry.attr & _ATTR_VOLUME_ID and not entry.is_directory():
                if not rel and not volume.label:
                    volume.label = bytes(entry.name.name).decode("ibm437").rstrip(" ")
                continue
            name = _entry_name(entry)
            child = f"{rel}/{name}" if rel else name
            if not name or name in (".", "..") or "/" in name or "\0" in name:
                volume.notes.append(f"skipped an entry with an unusable name {name!r} in /{rel}")
                continue
            if name.upper() in seen:
                volume.notes.append(
                    f"skipped /{child}: the folder already has {seen[name.upper()]!r}"
                )
                continue
            seen[name.upper()] = name
            child_fat = f"{fat_path.rstrip('/')}/{entry!r}"
            own = 1 + (len(entry.lfn_entry.lfn_entries) if entry.lfn_entry is not None else 0)
            first = entry.get_cluster()
            if entry.is_directory():
                if first == 0:
                    raise _Damaged(f"/{child}: a folder with no clusters")
                links = chain(first, f"/{child}")
                walk(
                    child,
                    child_fat,
                    [(address(c), address(c) + cluster_size) for c in links],
                    tuple(links),
                    own,
                )
                continue
            size = entry.filesize
            need = math.ceil(size / cluster_size)
            if need and not first:
                raise _Damaged(f"/{child}: {size} bytes, but no clusters")
            links = chain(first, f"/{child}", need) if need else []
            if first:
                loose.append((child, first, links))
            extents: list[tuple[int, int]] = []
            left = size
            for cluster in links:
                offset, length = address(cluster), min(cluster_size, left)
                left -= length
                if extents and extents[-1][0] + extents[-1][1] == offset:
                    extents[-1] = (extents[-1][0], extents[-1][1] + length)
                else:
                    extents.append((offset, length))
            if extents and extents[-1][0] + extents[-1][1] > len(raw):
                raise _Damaged(f"/{child}: its data lies outside the image")
            digest = hashlib.sha256()
            view = memoryview(raw)
            for offset, length in extents:
                digest.update(view[offset : offset + length])
            volume.files[child] = _ImageFile(
                child_fat,
                size,
                entry.wrtdate << 16 | entry.wrttime,
                digest.hexdigest(),
                tuple(extents),
                tuple(links),
                own,
            )

    loose: list[tuple[str, int, list[int]]] = []
    if fat_type == 32:
        links = chain(bpb["BPB_RootClus"], "the root folder")
        walk("", "/", [(address(c), address(c) + cluster_size) for c in links], tuple(links), 0)
    else:
        start = pf.root_dir_sector * bps
        walk("", "/", [(start, start + bpb["BPB_RootEntCnt"] * 32)], (), 0)
    # clusters a file's chain holds past its size, allocated and nobody else's: freed with it
    for rel, first, links in loose:
        cluster = fat[links[-1]] if links else first
        tail: list[int] = []
        while 2 <= cluster <= max_cluster and cluster not in owner and fat[cluster] != 0:
            owner[cluster] = rel
            tail.append(cluster)
            cluster = fat[cluster]
        if tail:
            entry = volume.files[rel]
            volume.files[rel] = replace(entry, chain=(*entry.chain, *tail))
    if not volume.label:
        volume.label = bytes(bpb["BS_VolLab"]).decode("ibm437", "replace").rstrip(" ")
    return volume


# -- FAT timestamps -------------------------------------------------------------------------


def _to_fat_time(timestamp: float) -> int:
    t = time.localtime(max(timestamp, 315532800))  # not before 1980
    year = min(max(t.tm_year, 1980), 2107)
    date = (year - 1980) << 9 | t.tm_mon << 5 | t.tm_mday
    return date << 16 | (t.tm_hour << 11 | t.tm_min << 5 | t.tm_sec // 2)


def _from_fat_time(value: int) -> float:
    date, clock = value >> 16, value & 0xFFFF
    year, month, day = (date >> 9) + 1980, (date >> 5) & 0xF, date & 0x1F
    hour, minute, second = clock >> 11, (clock >> 5) & 0x3F, (clock & 0x1F) * 2
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 60):
        year, month, day, hour, minute, second = 1980, 1, 1, 0, 0, 0
    return time.mktime((year, month, day, hour, minute, second, 0, 0, -1))


# -- writing an image (a copy of it) ----------------------------------------------------------


class _Writer:
    """Writes entries into an image file with pyfatfs's low-level ``PyFat`` (its PyFatFS layer
    needs PyFilesystem2, which needs ``pkg_resources``, gone from current setuptools), working
    around pyfatfs's write bugs."""

    def __init__(self, path: Path, volume: _Volume) -> None:
        from pyfatfs.PyFat import PyFat

        pf = PyFat(lazy_load=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pf.open(str(path))  # read-write: marks the volume dirty until close()
        self.pf = pf
        self.volume = volume
        self.tz = datetime.datetime.now().astimezone().tzinfo  # local time, as FAT
        # pyfatfs allocates from every entry the FAT's sectors can hold, beyond the last
        # cluster of the volume (writing past its end): keep only the real clusters.
        del pf.fat[volume.clusters + 2 :]
        # ...and it never allocates the very last FAT entry (an off-by-one): add one that is
        # never free, zeroed again before the FAT is last written, when the FAT has room.
        self.sentinel = _sentinel_fits(volume)
        if self.sentinel:
            pf.fat.append(_EOC[volume.fat_type])
        #: folders that lost entries: pyfatfs would leave stale entries in their later clusters
        self.shrunk: list = []

    def _entry(self, fat_path: str):
        return self.pf.root_dir.get_entry(fat_path)

    def remove(self, fat_path: str, clusters: list[int]) -> None:
        """Delete an entry (a folder with everything in it) and free ``clusters``: the ones
        the volume's reading attributed to it (pyfatfs would follow chains, and fail on
        sloppy ones)."""
        entry = self._entry(fat_path)
        parent = entry.get_parent_dir()
        parent._get_entries_raw().remove(entry)  # by identity, not by a name that may match two
        self.pf.update_directory_entry(parent)
        for cluster in clusters:
            self.pf.fat[cluster] = 0
            self.pf.first_free_cluster = min(self.pf.first_free_cluster, cluster)
        self.shrunk.append(parent)

    def mkdir(self, fat_path: str) -> None:
        from pyfatfs.EightDotThree import EightDotThree
        from pyfatfs.FATDirectoryEntry import FATDirectoryEntry

        parent_path, _, name = fat_path.rpartition("/")
        parent = self._entry(parent_path or "/")
        folder = self._new_entry(parent, name, FATDirectoryEntry.ATTR_DIRECTORY)
        pf = self.pf
        folder.set_cluster(self._allocate(pf.bytes_per_cluster, erase=True)[0])
        dot_name, dotdot_name = EightDotThree(), EightDotThree()
        dot_name.set_byte_name(b".          ")
        dotdot_name.set_byte_name(b"..         ")
        for special, name_83, cluster in (
            (folder, dot_name, folder.get_cluster()),
            (parent, dotdot_name, parent.get_cluster()),
        ):
            link = FATDirectoryEntry.new(
                name=name_83,
                tz=self.tz,
                encoding=pf.encoding,
                attr=FATDirectoryEntry.ATTR_DIRECTORY,
            )
            link.wrtdate, link.wrttime = folder.wrtdate, folder.wrttime
            link.set_cluster(0 if special is pf.root_dir else cluster)
            folder.add_subdirectory(link)
        self._space(lambda: pf.update_directory_entry(folder))
        parent.add_subdirectory(folder)
        self._space(lambda: pf.update_directory_entry(parent))

    def write(self, fat_path: str, data: bytes, fat_time: int) -> None:
        from pyfatfs.FATDirectoryEntry import FATDirectoryEntry

        parent_path, _, name = fat_path.rpartition("/")
        parent = self._entry(parent_path or "/")
        entry = self._new_entry(parent, name, FATDirectoryEntry.ATTR_ARCHIVE)
        entry.wrtdate, entry.wrttime = fat_time >> 16, fat_time & 0xFFFF
        entry.lstaccessdate = entry.wrtdate
        if data:
            first = self._allocate(len(data))[0]
            entry.set_cluster(first)
            self.pf.write_data_to_cluster(data, first, extend_cluster=False)
            entry.filesize = len(data)
        parent.add_subdirectory(entry)
        self._space(lambda: self.pf.update_directory_entry(parent))

    def _new_entry(self, parent, name: str, attr: int):
        from pyfatfs.EightDotThree import EightDotThree
        from pyfatfs.FATDirectoryEntry import FATDirectoryEntry

        short = EightDotThree(encoding=self.pf.encoding)
        short.set_str_name(EightDotThree.make_8dot3_name(name, parent))
        entry = FATDirectoryEntry.new(name=short, tz=self.tz, encoding=self.pf.encoding, attr=attr)
        if short.get_unpadded_filename() != name:
            entry.set_lfn_entry(_long_name(name, short))
        return entry

    def _allocate(self, size: int, erase: bool = False) -> list[int]:
        result: list[int] = []
        self._space(lambda: result.extend(self.pf.allocate_bytes(size, erase=erase)))
        return result

    def _space(self, action) -> None:
        from pyfatfs import PyFATException

        try:
            action()
        except PyFATException as exc:
            if exc.errno == errno.ENOSPC:
                raise _Full(str(exc)) from None
            raise

    def finish(self) -> None:
        pf = self.pf
        for folder in self.shrunk:
            if not self._alive(folder):
                continue  # deleted since: its clusters may hold other data now
            if folder is pf.root_dir and self.volume.fat_type != 32:
                continue  # the fixed root folder is always written whole
            used = sum(len(bytes(e)) for e in folder._get_entries_raw())
            keep = max(1, math.ceil(used / pf.bytes_per_cluster))
            for cluster in list(pf.get_cluster_chain(folder.get_cluster()))[keep:]:
                pf.write_data_to_cluster(
                    b"\0" * pf.bytes_per_cluster, cluster, extend_cluster=False
                )
        if self.sentinel:
            pf.fat[-1] = 0
        pf.flush_fat()  # pyfatfs does not after freeing clusters
        pf.close()  # marks the volume clean

    def _alive(self, folder) -> bool:
        node = folder
        while node is not self.pf.root_dir:
            parent = node._parent
            if parent is None or not any(e is node for e in parent._get_entries_raw()):
                return False
            node = parent
        return True

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.pf.is_read_only = True  # close without writing anything more
            self.pf.close()


def _long_name(name: str, short):
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


def _mkfs(path: Path, size: int, label: str) -> None:
    from pyfatfs.PyFat import PyFat

    pf = PyFat()
    fat_type = PyFat.FAT_TYPE_FAT12 if size <= FAT12_LIMIT else PyFat.FAT_TYPE_FAT16
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pf.mkfs(str(path), fat_type, size=size, label=label)
        padded = label.ljust(11).encode("ascii")
        # pyfatfs stores the label entry as an 8.3 name ("CIRCUITP"): store it whole
        for entry in pf.root_dir.get_entries()[2]:
            if entry.is_volume_id():
                entry.name.set_byte_name(padded)
        pf.update_directory_entry(pf.root_dir)
        # usual geometry for a disk with no partition table (pyfatfs leaves zeros, which
        # mtools refuses)
        pf.bpb_header["BPB_SecPerTrk"] = 63
        pf.bpb_header["BPB_NumHeads"] = 255
        pf.close()  # writes the boot sector


# -- the drive ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Known:
    """What the image and ``work`` held at a path at the last sync."""

    is_dir: bool
    size: int = 0
    sha256: str = ""
    mtime_ns: int = 0  # of the work file
    fat_time: int = 0


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _name_problem(name: str) -> str | None:
    bad = sorted({c for c in name if c in FAT_INVALID or ord(c) < 32})
    if bad:
        shown = " ".join(repr(c)[1:-1] for c in bad)
        return f"FAT names cannot contain {shown}"
    if name.endswith((".", " ")):
        return "FAT names cannot end with a dot or a space"
    if len(name.encode("utf-16-le")) // 2 > MAX_NAME:
        return f"names longer than {MAX_NAME} characters are not supported"
    return None


def _lfn_slots(name: str) -> int:
    from pyfatfs.EightDotThree import EightDotThree

    if EightDotThree.is_8dot3_conform(name):
        return 1
    return 1 + math.ceil(len(name.encode("utf-16-le")) / 26)


class ImageDrive:
    """A CIRCUITPY image file kept in step with a working folder (see the module docs).

    Not thread-safe: make every call from one thread.
    """

    def __init__(self, image: Path, work: Path) -> None:
        self.image = Path(image).expanduser().absolute()
        self.work = Path(work).expanduser().absolute()
        #: things worth telling the user, found by the last open or sync (dirty flag, names
        #: that could not be copied)
        self.notes: list[str] = []
        self._known: dict[str, _Known] = {}
        self._signature: tuple[int, ...] | None = None
        self._sha256 = ""
        self._racy = False
        self._volume: _Volume | None = None

    def __repr__(self) -> str:
        return f"ImageDrive({str(self.image)!r}, work={str(self.work)!r})"

    # -- public API ---------------------------------------------------------------------------

    @property
    def label(self) -> str:
        """The volume label (of the image as last read)."""
        return self._opened().label

    def free_bytes(self) -> int:
        """Free space in the image as last read or written, in bytes."""
        volume = self._opened()
        return volume.free * volume.cluster_size

    def size_bytes(self) -> int:
        """Room for files in the image (its data clusters), in bytes."""
        volume = self._opened()
        return volume.clusters * volume.cluster_size

    def create(self, size_bytes: int = DEFAULT_SIZE, label: str = LABEL) -> bool:
        """Make a new image with a fresh board's contents. Returns False, and leaves the file
        alone, if it already exists. ``size_bytes`` is rounded up to whole 512-byte sectors."""
        size = -(-int(size_bytes) // SECTOR) * SECTOR
        if not MIN_SIZE <= size <= MAX_SIZE:
            raise ImageError(
                f"an image must be between {MIN_SIZE // 1024} KiB and "
                f"{MAX_SIZE // 2**30} GiB, not {size_bytes} bytes"
            )
        label = label.upper()
        if (
            not 1 <= len(label) <= 11
            or not label.isascii()
            or any(c in FAT_INVALID or c in "+,.;=[]" or ord(c) < 32 for c in label)
        ):
            raise ImageError(
                f"{label!r} cannot be a FAT volume label (1 to 11 letters, digits, "
                "spaces or _-!#$%&'()@^`{}~)"
            )
        if os.path.lexists(self.image):
            return False
        try:
            self.image.parent.mkdir(parents=True, exist_ok=True)
            temporary = _new_temp(self.image)
        except OSError as exc:
            raise ImageError(f"cannot create the image {self.image}: {exc.strerror}") from exc
        try:
            _mkfs(temporary, size, label)
            volume = self._parse_or_raise(temporary.read_bytes(), temporary)
            writer = _Writer(temporary, volume)
            now = _to_fat_time(time.time())
            try:
                for rel, data in FIRST_BOOT:
                    if rel.endswith("/"):
                        writer.mkdir("/" + rel.rstrip("/"))
                    else:
                        writer.write("/" + rel, data, now)
                writer.finish()
            except BaseException:
                writer.abort()
                raise
            volume = self._parse_or_raise(temporary.read_bytes(), temporary)
            expected = {rel.rstrip("/") for rel, _ in FIRST_BOOT}
            if (set(volume.files) | set(volume.dirs)) - {""} != expected:
                raise ImageError(f"internal error: the new image holds {sorted(volume.files)}")
            with open(temporary, "rb+") as stream:
                os.fsync(stream.fileno())
            try:
                os.link(temporary, self.image)  # fails if the image appeared meanwhile
            except FileExistsError:
                return False
            except OSError:  # no hard links on this file system
                if os.path.lexists(self.image):
                    return False
                os.replace(temporary, self.image)
            _fsync_dir(self.image.parent)
            return True
        except _Full as exc:
            raise ImageError(f"{size} bytes are too few for a CIRCUITPY image ({exc})") from None
        except OSError as exc:
            if isinstance(exc, ImageError):
                raise
            raise ImageError(
                f"cannot create the image {self.image}: {exc.strerror or exc}"
            ) from exc
        except Exception as exc:  # pyfatfs
            raise ImageError(f"cannot create the image {self.image} ({_reason(exc)})") from exc
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink()

    def open(self) -> None:
        """Check the image and make ``work`` an exact copy of its tree (files in ``work`` that
        the image does not hold are deleted). The image is never modified."""
        raw, signature = self._read_image()
        volume = self._parse_or_raise(raw, self.image)
        try:
            self.work.mkdir(parents=True, exist_ok=True)
            stale = self._work_extras(volume)
            for rel in sorted(stale, key=lambda r: r.count("/"), reverse=True):
                _remove_path(self.work / rel)
            known: dict[str, _Known] = {}
            for rel in sorted(volume.dirs, key=lambda r: r.count("/")):
                if rel:
                    target = self.work / rel
                    if target.is_symlink() or (target.exists() and not target.is_dir()):
                        target.unlink()
                    target.mkdir(exist_ok=True)
                    known[rel] = _Known(True)
            for rel, entry in volume.files.items():
                known[rel] = self._extract(volume, rel, entry, rewrite=False)
        except OSError as exc:
            raise ImageError(
                f"cannot copy the image into {self.work}: {exc.strerror or exc}"
            ) from exc
        self._known = known
        self._record(volume, raw, signature)

    def changed_since_sync(self) -> bool:
        """Whether the image file changed since the last open or sync (a cheap stat, plus a
        read for a couple of seconds after a change, when a same-tick write could hide)."""
        try:
            st = os.stat(self.image)
        except OSError:
            return True
        if _signature(st) != self._signature:
            return True
        if self._racy:
            if time.time_ns() - st.st_mtime_ns >= RACY_NS:
                self._racy = False
            try:
                return _sha(self.image.read_bytes()) != self._sha256
            except OSError:
                return True
        return False

    def sync_from_image(self, force: bool = False) -> list[Path]:
        """Update ``work`` after someone else changed the image: changed files are written
        (atomically, with the image's mtime), removed ones deleted. Returns the paths in
        ``work`` that were created, changed or deleted (empty if the image did not change).

        A path that also changed in ``work`` since the last sync is a conflict: nothing is
        changed and :class:`ImageConflict` names them, unless ``force`` (the image wins)."""
        self._check_work()
        if not self.changed_since_sync():
            return []
        raw, signature = self._read_image()
        if _sha(raw) == self._sha256:
            self._record(self._volume, raw, signature)
            return []
        volume = self._parse_or_raise(raw, self.image)
        known = self._known
        removed = [
            rel
            for rel, k in known.items()
            if (volume.dirs if k.is_dir else volume.files).get(rel) is None
        ]
        removed = _outermost(removed)
        added_dirs = [
            rel for rel in volume.dirs if rel and not (rel in known and known[rel].is_dir)
        ]
        written = [
            rel
            for rel, entry in volume.files.items()
            if rel not in known or known[rel].is_dir or known[rel].sha256 != entry.sha256
        ]
        if not force:
            self._check_work_unchanged(volume, removed, written)
        changed: list[str] = []
        try:
            for rel in removed:
                if _remove_path(self.work / rel):
                    changed.append(rel)
            new_known = {
                rel: k
                for rel, k in known.items()
                if not any(rel == r or rel.startswith(r + "/") for r in removed)
            }
            for rel in sorted(added_dirs, key=lambda r: r.count("/")):
                target = self.work / rel
                if target.is_symlink() or (target.exists() and not target.is_dir()):
                    target.unlink()
                target.mkdir(parents=True, exist_ok=True)
                new_known[rel] = _Known(True)
                changed.append(rel)
            for rel in written:
                new_known[rel] = self._extract(volume, rel, volume.files[rel], rewrite=True)
                changed.append(rel)
            for rel, entry in volume.files.items():  # same content, new timestamp
                if rel not in written and new_known[rel].fat_time != entry.fat_time:
                    new_known[rel] = self._extract(volume, rel, entry, rewrite=False)
        except OSError as exc:
            raise ImageError(
                f"cannot update {self.work} from the image: {exc.strerror or exc}"
            ) from exc
        self._known = new_known
        self._record(volume, raw, signature)
        return [self.work / rel for rel in sorted(set(changed))]

    def sync_to_image(self, changed: list[Path] | None = None) -> list[Path]:
        """Copy what changed in ``work`` into the image: ``changed`` lists paths in ``work``
        (absolute, or relative to it; a folder means everything in it; ``work`` itself or None
        means look everywhere). Returns the paths whose entries were written or deleted.

        The image is rewritten as a whole new file (a copy, then a rename) only if something
        changed. Raises :class:`ImageError`, leaving the image as it was, when it is full, a
        name cannot be stored, or the image was changed by someone else since the last sync
        (:class:`ImageConflict`: call :meth:`sync_from_image` first)."""
        self._check_work()
        raw, _ = self._read_image()
        if self.changed_since_sync():
            raise ImageConflict(
                f"{self.image} was changed by another program since it was last "
                "read; call sync_from_image() first, then sync again"
            )
        candidates = self._candidates(changed)
        volume = self._parse_or_raise(raw, self.image)
        plan = self._plan(candidates, volume)
        new_known = plan.known
        if not plan.removes and not plan.mkdirs and not plan.writes:
            self._known = new_known
            return []
        self._check_space(plan, volume)
        target = self.image.resolve()
        try:
            temporary = _new_temp(target)
        except OSError as exc:
            raise ImageError(f"cannot write beside {self.image}: {exc.strerror}") from exc
        try:
            self._copy_image(raw, temporary, target)
            self._apply(temporary, volume, plan)
            written = temporary.read_bytes()
            result = _parse(written)
            problem = _compare(result, new_known)
            if problem:
                raise ImageError(
                    f"internal error writing {self.image} ({problem}); the image "
                    "was left as it was: please report this"
                )
            with open(temporary, "rb+") as stream:
                os.fsync(stream.fileno())
            if self.changed_since_sync():
                raise ImageConflict(
                    f"{self.image} was changed by another program during the "
                    "sync; it was left as that program wrote it: call "
                    "sync_from_image(), then sync again"
                )
            os.replace(temporary, target)
            _fsync_dir(target.parent)
        except _Full as exc:
            raise ImageError(
                f"the image is full: at least {volume.cluster_size} bytes more are "
                f"needed ({exc}); " + self._advice(volume, volume.cluster_size)
            ) from None
        except (_NotFat, _Damaged) as exc:  # reading back what was written
            raise ImageError(
                f"internal error writing {self.image} ({exc}); the image was "
                "left as it was: please report this"
            ) from None
        except OSError as exc:
            if isinstance(exc, ImageError):
                raise
            raise ImageError(
                f"cannot write {self.image}: {exc.strerror or exc}; the image was left as it was"
            ) from exc
        except Exception as exc:  # pyfatfs
            raise ImageError(
                f"cannot write {self.image} ({_reason(exc)}); the image was left as it was"
            ) from exc
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink()
        self._known = new_known
        self._record(result, written, _signature(os.stat(target)))
        return [self.work / rel for rel in plan.touched]

    # -- helpers ------------------------------------------------------------------------------

    def _opened(self) -> _Volume:
        if self._volume is None:
            raise ImageError("open() the image first")
        return self._volume

    def _check_work(self) -> None:
        self._opened()
        if not self.work.is_dir():
            raise ImageError(
                f"the working copy {self.work} is gone; open() the image again "
                "(restart protoboard run)"
            )

    def _read_image(self) -> tuple[bytes, tuple[int, ...]]:
        try:
            with open(self.image, "rb") as stream:
                st = os.fstat(stream.fileno())
                if stat.S_ISDIR(st.st_mode):
                    raise IsADirectoryError(errno.EISDIR, "is a folder")
                raw = stream.read()
        except FileNotFoundError:
            raise ImageError(
                f"the image {self.image} does not exist (was it moved or "
                "deleted?); run again to create a new one"
            ) from None
        except IsADirectoryError:
            raise ImageError(
                f"{self.image} is a folder, not an image file; use --drive for a folder"
            ) from None
        except OSError as exc:
            raise ImageError(f"cannot read the image {self.image}: {exc.strerror}") from exc
        return raw, _signature(st)

    def _parse_or_raise(self, raw: bytes, where: Path) -> _Volume:
        try:
            return _parse(raw)
        except _NotFat as exc:
            raise ImageError(
                f"{where} is not a FAT image ({exc}): check that it is the right "
                "file; to start afresh, move it away and run again"
            ) from None
        except _Damaged as exc:
            raise ImageError(
                f"{where} is a damaged FAT image ({exc}): repair it on a computer "
                "(chkdsk, fsck.fat); to start afresh, move it away and run "
                "again"
            ) from None

    def _record(self, volume: _Volume, raw: bytes, signature: tuple[int, ...]) -> None:
        self._volume = replace(volume, raw=b"")  # keep the numbers, not the bytes
        self.notes = list(volume.notes)
        self._signature = signature
        self._sha256 = _sha(raw)
        self._racy = time.time_ns() - signature[3] < RACY_NS

    def _advice(self, volume: _Volume, missing: int) -> str:
        current = len(volume.raw)
        size = max(current * 2, -(-(current + missing) // 2**20) * 2**20)
        return BIGGER_IMAGE_ADVICE.format(size=size, mib=round(size / 2**20, 1))

    def _work_extras(self, volume: _Volume) -> list[str]:
        """Paths in ``work`` that the image does not hold (or holds as the other kind)."""
        extras: list[str] = []
        for top, dirnames, filenames in os.walk(self.work):
            rel_top = Path(top).relative_to(self.work).as_posix()
            prefix = "" if rel_top == "." else rel_top + "/"
            for name in list(dirnames):
                rel = prefix + name
                if rel not in volume.dirs or os.path.islink(os.path.join(top, name)):
                    extras.append(rel)
                    dirnames.remove(name)
            for name in filenames:
                rel = prefix + name
                if rel not in volume.files:
                    extras.append(rel)
        return extras

    def _extract(self, volume: _Volume, rel: str, entry: _ImageFile, rewrite: bool) -> _Known:
        """Make ``work/rel`` hold ``entry`` (written only if its content differs, or always
        with ``rewrite``), with the image's mtime; returns what was recorded."""
        target = self.work / rel
        data = volume.content(entry)
        same = False
        if not rewrite and target.is_file() and not target.is_symlink():
            with contextlib.suppress(OSError):
                same = (
                    target.stat().st_size == entry.size
                    and _sha(target.read_bytes()) == entry.sha256
                )
        if not same:
            if target.is_symlink() or target.is_file():
                pass  # replaced by the rename
            elif target.is_dir():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, data)
        mtime = _from_fat_time(entry.fat_time)
        os.utime(target, (mtime, mtime))
        st = target.stat()
        return _Known(False, entry.size, entry.sha256, st.st_mtime_ns, entry.fat_time)

    def _check_work_unchanged(
        self, volume: _Volume, removed: list[str], written: list[str]
    ) -> None:
        conflicts: list[str] = []
        for rel in removed:
            target = self.work / rel
            if self._known[rel].is_dir:
                for top, _dirs, files in os.walk(target):
                    for name in files:
                        sub = (Path(top) / name).relative_to(self.work).as_posix()
                        if not name.startswith(TEMP_PREFIX) and self._work_differs(sub, None):
                            conflicts.append(sub)
            elif os.path.lexists(target) and self._work_differs(rel, None):
                conflicts.append(rel)  # (deleted on both sides is no conflict)
        for rel in written:
            if self._work_differs(rel, volume.files[rel].sha256):
                conflicts.append(rel)
        if conflicts:
            shown = ", ".join(sorted(conflicts)[:5]) + (" ..." if len(conflicts) > 5 else "")
            raise ImageConflict(
                f"{len(conflicts)} file(s) changed both in the image and here "
                f"since the last sync: {shown}; nothing was changed "
                "(sync_from_image(force=True) takes the image's version)"
            )

    def _work_differs(self, rel: str, wanted_sha: str | None) -> bool:
        """Whether ``work/rel`` holds something other than what was last synced (or than
        ``wanted_sha``, the content about to be written there)."""
        target = self.work / rel
        known = self._known.get(rel)
        try:
            st = target.stat()
        except OSError:
            return known is not None and not known.is_dir  # deleted here
        if stat.S_ISDIR(st.st_mode):
            return known is None or not known.is_dir
        if (
            known is not None
            and not known.is_dir
            and (st.st_size, st.st_mtime_ns) == (known.size, known.mtime_ns)
        ):
            return False
        try:
            digest = _sha(target.read_bytes())
        except OSError:
            return True
        if wanted_sha is not None and digest == wanted_sha:
            return False
        return known is None or known.is_dir or digest != known.sha256

    def _relative(self, path: Path | str) -> str:
        path = Path(path)
        if not path.is_absolute():
            rel = PurePosixPath(path.as_posix())
        else:
            for root in (self.work, self.work.resolve()):
                with contextlib.suppress(ValueError):
                    rel = PurePosixPath(path.relative_to(root).as_posix())
                    break
            else:
                raise ValueError(f"{path} is not in {self.work}")
        text = str(rel)
        if text == "." or not text:
            return ""
        if ".." in rel.parts:
            raise ValueError(f"{path} is not in {self.work}")
        return text

    def _candidates(self, changed: list[Path] | None) -> tuple[set[str], set[str]]:
        """(paths to look at, paths whose content must be read whatever their stat says)."""
        rels = None if changed is None else [self._relative(p) for p in changed]
        if rels is None or "" in rels:
            found = set(self._known)
            for top, dirnames, filenames in os.walk(self.work):
                rel_top = Path(top).relative_to(self.work).as_posix()
                prefix = "" if rel_top == "." else rel_top + "/"
                dirnames[:] = [d for d in dirnames if not d.startswith(TEMP_PREFIX)]
                found.update(prefix + name for name in (*dirnames, *filenames))
            return found, set()
        found: set[str] = set()
        for rel in rels:
            found.add(rel)
            parts = rel.split("/")
            found.update("/".join(parts[:i]) for i in range(1, len(parts)))
            found.update(k for k in self._known if k.startswith(rel + "/"))
            top_path = self.work / rel
            if top_path.is_dir() and not top_path.is_symlink():
                for top, dirnames, filenames in os.walk(top_path):
                    prefix = Path(top).relative_to(self.work).as_posix() + "/"
                    found.update(prefix + name for name in (*dirnames, *filenames))
        return found, set(rels)

    def _plan(self, candidates: tuple[set[str], set[str]], volume: _Volume) -> _Plan:
        paths, must_read = candidates
        known = dict(self._known)
        plan = _Plan(known=known)
        for rel in sorted(paths, key=lambda r: (r.count("/"), r)):
            name = rel.rsplit("/", 1)[-1]
            if name.startswith(TEMP_PREFIX):
                continue
            target = self.work / rel
            try:
                st = target.stat()
            except OSError:
                st = None
            if st is not None and stat.S_ISDIR(st.st_mode) and target.is_symlink():
                st = None  # folders reached through links are not copied
            if st is not None and not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
                st = None  # sockets, fifos, devices
            k = known.get(rel)
            if st is None:
                if k is not None:
                    plan.removes.append(rel)
                continue
            if stat.S_ISDIR(st.st_mode):
                if k is None or not k.is_dir:
                    if k is not None:
                        plan.removes.append(rel)
                    plan.mkdirs.append(rel)
                continue
            if (
                k is not None
                and not k.is_dir
                and rel not in must_read
                and (st.st_size, st.st_mtime_ns) == (k.size, k.mtime_ns)
            ):
                continue
            try:
                data = target.read_bytes()
            except OSError as exc:
                raise ImageError(f"cannot read {target}: {exc.strerror}") from exc
            digest = _sha(data)
            if k is not None and not k.is_dir and digest == k.sha256:
                known[rel] = _Known(False, k.size, k.sha256, st.st_mtime_ns, k.fat_time)
                continue
            if k is not None and k.is_dir:
                plan.removes.append(rel)
            plan.writes[rel] = (data, st)
        # a removed folder takes everything in it
        plan.removes = _outermost(plan.removes)
        for rel in list(known):
            if any(rel == r or rel.startswith(r + "/") for r in plan.removes):
                del known[rel]
        plan.mkdirs = [r for r in plan.mkdirs if r not in known]
        # names FAT cannot store, and names a FAT folder cannot hold together
        added = [*plan.mkdirs, *plan.writes]
        for rel in added:
            problem = _name_problem(rel.rsplit("/", 1)[-1])
            if problem:
                raise ImageError(f"'{rel}' cannot be copied to the image: {problem}; rename it")
        parents = {rel.rsplit("/", 1)[0] if "/" in rel else "" for rel in added}
        for parent in sorted(parents):
            try:
                names = sorted(os.listdir(self.work / parent))
            except OSError:
                continue
            seen: dict[str, str] = {}
            for name in names:
                if name.startswith(TEMP_PREFIX):
                    continue
                if name.upper() in seen:
                    where = f"{parent}/" if parent else ""
                    raise ImageError(
                        f"'{where}{seen[name.upper()]}' and '{where}{name}' differ only in "
                        "case: a FAT drive cannot hold both; rename or delete one"
                    )
                seen[name.upper()] = name
        for rel in plan.mkdirs:
            known[rel] = _Known(True)
        for rel, (data, st) in plan.writes.items():
            known[rel] = _Known(
                False, len(data), _sha(data), st.st_mtime_ns, _to_fat_time(st.st_mtime)
            )
        plan.touched = sorted({*plan.removes, *plan.mkdirs, *plan.writes})
        return plan

    def _check_space(self, plan: _Plan, volume: _Volume) -> None:
        """Refuse a plan the image has no room for, before anything is written."""
        size = volume.cluster_size

        def clusters(n: int) -> int:
            return math.ceil(n / size)

        index = volume.index()
        gone: set[str] = set()  # image entries the plan deletes or replaces
        for rel in plan.removes:
            top = index.get(rel.upper(), rel)
            gone.update(
                k for k in (*volume.files, *volume.dirs) if k == top or k.startswith(top + "/")
            )
        for rel in (*plan.mkdirs, *plan.writes):
            existing = index.get(rel.upper())
            if existing is not None and (existing in volume.files or rel in plan.writes):
                gone.update(
                    k
                    for k in (*volume.files, *volume.dirs)
                    if k == existing or k.startswith(existing + "/")
                )
        freed = sum(volume.files[k].clusters for k in gone if k in volume.files)
        freed += sum(volume.dirs[k].clusters for k in gone if k in volume.dirs)
        needed = sum(clusters(len(data)) for data, _ in plan.writes.values())

        # folder entries: slots gained or lost per folder (keyed as in the image when the
        # folder stays, as in work when it is new)
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
            delta[key] = delta.get(key, 0) + _lfn_slots(name)
        for rel in plan.mkdirs:
            needed += max(1, clusters((2 + delta.get(rel, 0)) * 32))
        for key, change in delta.items():
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
            needed += max(0, clusters((existing.slots + change) * 32) - existing.clusters)
        usable = volume.free - (0 if _sentinel_fits(volume) else 1)
        short = needed - usable - freed
        if short > 0:
            raise ImageError(
                f"the image is full: {short * size} bytes more are needed; "
                + self._advice(volume, short * size)
            )

    def _apply(self, temporary: Path, volume: _Volume, plan: _Plan) -> None:
        """Write the plan into ``temporary`` (a copy of the image)."""
        writer = _Writer(temporary, volume)
        try:
            index = volume.index()
            removed: set[str] = set()

            def fat_path(rel: str) -> str:
                """The path pyfatfs finds ``rel`` at once its parents exist in the copy."""
                parent, _, name = rel.rpartition("/")
                if not parent:
                    return f"/{name}"
                existing = index.get(parent.upper())
                if existing is not None and existing not in removed:
                    base = volume.dirs[existing].fat_path
                else:
                    base = fat_path(parent)
                return f"{base.rstrip('/')}/{name}"

            def remove(rel: str) -> None:
                existing = index.get(rel.upper())
                if (
                    existing is None
                    or existing in removed
                    or any(existing.startswith(r + "/") for r in removed)
                ):
                    return
                if existing in volume.dirs:
                    path = volume.dirs[existing].fat_path
                    below = existing + "/"
                    clusters = [
                        c
                        for key, d in volume.dirs.items()
                        if key == existing or key.startswith(below)
                        for c in d.chain
                    ]
                    clusters += [
                        c
                        for key, f in volume.files.items()
                        if key.startswith(below)
                        for c in f.chain
                    ]
                else:
                    path = volume.files[existing].fat_path
                    clusters = list(volume.files[existing].chain)
                self._remove_entry(writer, path, clusters)
                removed.add(existing)

            for rel in plan.removes:
                remove(rel)
            for rel in plan.mkdirs:
                existing = index.get(rel.upper())
                if existing is not None and existing not in removed:
                    remove(existing)  # a file, or a folder named in another case
                writer.mkdir(fat_path(rel))
            for rel, (data, st) in plan.writes.items():
                existing = index.get(rel.upper())
                if existing is not None and existing not in removed:
                    remove(existing)
                self._write_entry(writer, fat_path(rel), data, _to_fat_time(st.st_mtime))
            writer.finish()
        except BaseException:
            writer.abort()
            raise

    # separate steps, so that a test can interrupt a sync half-way

    def _copy_image(self, raw: bytes, temporary: Path, target: Path) -> None:
        """The copy the sync writes into: the bytes just read and checked (not the file,
        which may have changed since)."""
        with open(temporary, "wb") as stream:
            stream.write(raw)
        os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))

    def _remove_entry(self, writer: _Writer, fat_path: str, clusters: list[int]) -> None:
        writer.remove(fat_path, clusters)

    def _write_entry(self, writer: _Writer, fat_path: str, data: bytes, fat_time: int) -> None:
        writer.write(fat_path, data, fat_time)


@dataclass
class _Plan:
    known: dict[str, _Known]
    removes: list[str] = field(default_factory=list)
    mkdirs: list[str] = field(default_factory=list)
    writes: dict[str, tuple[bytes, os.stat_result]] = field(default_factory=dict)
    touched: list[str] = field(default_factory=list)


def _sentinel_fits(volume: _Volume) -> bool:
    # the FAT's sectors hold at least one entry past the last cluster (see _Writer)
    raw = volume.raw
    bps = int.from_bytes(raw[11:13], "little")
    fat_sectors = int.from_bytes(raw[22:24], "little") or int.from_bytes(raw[36:40], "little")
    return (volume.clusters + 3) * volume.fat_type <= bps * fat_sectors * 8


def _compare(volume: _Volume, known: dict[str, _Known]) -> str | None:
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


def _outermost(paths: list[str]) -> list[str]:
    chosen: list[str] = []
    for rel in sorted(set(paths), key=lambda r: (r.count("/"), r)):
        if not any(rel.startswith(c + "/") for c in chosen):
            chosen.append(rel)
    return chosen


def _remove_path(path: Path) -> bool:
    """Delete a file or a folder tree; False if there was nothing."""
    if path.is_symlink() or path.is_file():
        path.unlink()
        return True
    if path.is_dir():
        shutil.rmtree(path)
        return True
    if os.path.lexists(path):
        path.unlink()
        return True
    return False


def _signature(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _new_temp(beside: Path) -> Path:
    """A new empty file in ``beside``'s folder, named so the watcher ignores it (mode 0666
    less the umask, as any new file)."""
    for _ in range(100):
        path = beside.with_name(f"{TEMP_PREFIX}{beside.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(beside.parent))

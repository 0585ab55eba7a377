"""The size of a folder drive, counted as a FAT volume of that size would count it.

A board's CIRCUITPY is a FAT12/16 volume of a few MB; a folder on the computer has none of its
limits. :class:`DriveSpace` gives a drive folder a size (``protoboard run --drive-size``,
default :data:`DEFAULT_SIZE`) and counts what the folder holds in FAT clusters: each file takes
``ceil(size / cluster)`` clusters, each folder below the top one the clusters its 32-byte
entries need (at least one), and the top folder has a fixed room of :data:`ROOT_ENTRIES`
entries. Long names take several entries, as in FAT.

This is the one place for a drive's capacity. In a run's VM, :mod:`protoboard.runtime.paths`
asks it before every write that grows the drive (``OSError: [Errno 28] No space left on
device`` past it, as FatFS's short write) or adds a folder entry (``[Errno 13]``, FatFS's
``FR_DENIED`` for a full folder). Workflows writing a folder drive (web, BLE, the updater)
should ask the same object: :func:`for_folder` then :meth:`DriveSpace.free_bytes` /
:meth:`DriveSpace.statvfs`.

The layout follows FatFS's ``f_mkfs`` as CircuitPython calls it (512-byte sectors, one FAT, 512
top-folder entries), with the smallest cluster each FAT type allows, and FAT12 up to 16 MiB.
"""

from __future__ import annotations

import math
import os
import string
import threading
import time
from dataclasses import dataclass, field

from protoboard.runtime.drive import TEMP_PREFIX

#: a typical board's CIRCUITPY (2 MB of SPI flash: Feather M4, nRF52840, ESP32-S2...)
DEFAULT_SIZE = 2 << 20
MIN_SIZE = 64 << 10
#: FAT16 with 32 KiB clusters
MAX_SIZE = 2 << 30
SECTOR = 512
ROOT_ENTRIES = 512
#: FatFS's MAX_DIR: a folder holds at most 2 MiB of 32-byte entries
MAX_FOLDER_ENTRIES = 0x200000 // 32
#: FF_MAX_LFN: the longest name, in UTF-16 units
MAX_NAME = 255
FAT12_LIMIT = 16 << 20
#: characters FatFS refuses in a name (besides control characters)
INVALID_CHARS = frozenset('"*:<>?\\|\x7f')
_SFN_CHARS = frozenset(string.ascii_letters + string.digits + "!#$%&'()-@^_`{}~")
#: a rescan costs at most this share of the time between scans (outside changes are picked
#: up no later than max(1 s, 20 x scan time))
_RESCAN_FACTOR = 20.0
_MIN_RESCAN = 1.0

# The real functions: paths.install() wraps the os module's, and the scan must see the host.
_scandir = os.scandir


@dataclass(frozen=True)
class Geometry:
    size: int
    fat_type: int
    cluster_size: int
    #: data clusters
    clusters: int
    #: entries the fixed top folder holds
    root_entries: int = ROOT_ENTRIES


def geometry(size: int) -> Geometry:
    """The FAT layout of a ``size``-byte volume (ValueError outside MIN_SIZE..MAX_SIZE)."""
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(
            f"a drive must hold between {MIN_SIZE >> 10} KiB and {MAX_SIZE >> 30} GiB, "
            f"not {size} bytes"
        )
    sectors = size // SECTOR
    fat_type, low, high = (12, 1, 4084) if size <= FAT12_LIMIT else (16, 4085, 65524)
    root_sectors = ROOT_ENTRIES * 32 // SECTOR
    per_cluster = 1
    while True:
        clusters = (sectors - 1 - root_sectors) // per_cluster
        for _ in range(3):  # the FAT's own size depends on the cluster count: settle it
            fat_sectors = math.ceil((clusters + 2) * fat_type / 8 / SECTOR)
            clusters = (sectors - 1 - root_sectors - fat_sectors) // per_cluster
        if clusters <= high or per_cluster == 64:
            return Geometry(size, fat_type, per_cluster * SECTOR, max(low, min(clusters, high)))
        per_cluster *= 2


def name_problem(name: str) -> bool:
    """Would FatFS refuse ``name`` (FR_INVALID_NAME, ``[Errno 22]``)?"""
    return (
        not name
        or len(name.encode("utf-16-le", "surrogatepass")) // 2 > MAX_NAME
        or any(c in INVALID_CHARS or ord(c) < 32 for c in name)
    )


def _short_part(part: str, most: int) -> bool:
    """Can ``part`` be the base (or extension) of an 8.3 name? Case must be uniform."""
    mixed = any(c.islower() for c in part) and any(c.isupper() for c in part)
    return len(part) <= most and not mixed and all(c in _SFN_CHARS for c in part)


def name_slots(name: str) -> int:
    """32-byte folder entries ``name`` takes: one for an 8.3 name (upper or lower case, as
    FatFS stores it with case flags), plus one per 13 characters of a long name."""
    base, dot, ext = name.rpartition(".")
    if not dot:
        base, ext = name, ""
    if base and _short_part(base, 8) and _short_part(ext, 3) and (ext or not dot):
        return 1
    return 1 + math.ceil(len(name.encode("utf-16-le", "surrogatepass")) // 2 / 13)


@dataclass
class Usage:
    #: data clusters in use
    clusters: int = 0
    #: folder (host path) -> 32-byte entries in use ("." and ".." included below the top)
    slots: dict[str, int] = field(default_factory=dict)


class DriveFull(OSError):
    """Raised by :meth:`DriveSpace.add_entry`: errno EACCES or EINVAL, as FatFS gives them;
    ``kind`` says why ("name", "top-folder", "full")."""

    def __init__(self, code: int, kind: str) -> None:
        super().__init__(code, os.strerror(code))
        self.kind = kind


class DriveSpace:
    """A drive folder of ``size`` bytes: its free clusters, kept as a running total between
    scans (the writes this process makes are added as they happen)."""

    def __init__(self, root: str | os.PathLike[str], size: int) -> None:
        self.root = os.path.abspath(os.fspath(root))
        self.geometry = geometry(size)
        self._lock = threading.RLock()
        self._usage: Usage | None = None
        self._scanned_at = 0.0
        self._scan_cost = 0.0

    # -- counting -------------------------------------------------------------------------

    def clusters(self, size: int) -> int:
        return -(-size // self.geometry.cluster_size)

    def _folder_clusters(self, slots: int) -> int:
        return max(1, self.clusters(slots * 32))

    def scan(self) -> Usage:
        """Count the folder now (Protoboard's own temporary files are not counted)."""
        started = time.monotonic()
        usage = Usage()
        stack = [self.root]
        while stack:
            folder = stack.pop()
            top = folder == self.root
            count = 0 if top else 2
            try:
                with _scandir(folder) as entries:
                    for entry in entries:
                        if entry.name.startswith(TEMP_PREFIX):
                            continue
                        count += name_slots(entry.name)
                        usage.clusters += self._entry_clusters(entry, stack)
            except OSError:
                pass
            usage.slots[folder] = count
            if not top:
                usage.clusters += self._folder_clusters(count)
        self._usage = usage
        self._scanned_at = time.monotonic()
        self._scan_cost = self._scanned_at - started
        return usage

    def _entry_clusters(self, entry: os.DirEntry[str], stack: list[str]) -> int:
        try:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
                return 0
            if entry.is_file(follow_symlinks=False):
                return self.clusters(entry.stat(follow_symlinks=False).st_size)
        except OSError:
            pass
        return 0  # symlinks and the rest: their folder entry only

    def usage(self, *, fresh: bool = False) -> Usage:
        """The running count; scanned again when asked, or when outside changes (another
        process, the host) may have made it stale."""
        with self._lock:
            stale = time.monotonic() - self._scanned_at > max(
                _MIN_RESCAN, _RESCAN_FACTOR * self._scan_cost
            )
            if self._usage is None or fresh or stale:
                return self.scan()
            return self._usage

    def free_clusters(self, *, fresh: bool = False) -> int:
        return max(0, self.geometry.clusters - self.usage(fresh=fresh).clusters)

    def free_bytes(self, *, fresh: bool = True) -> int:
        """Free bytes, whole clusters (what a workflow may still write)."""
        return self.free_clusters(fresh=fresh) * self.geometry.cluster_size

    def total_bytes(self) -> int:
        return self.geometry.clusters * self.geometry.cluster_size

    def statvfs(self) -> os.statvfs_result:
        """``os.statvfs`` as CircuitPython fills it for a FAT volume: (bsize, frsize, blocks,
        bfree, bavail, 0, 0, 0, 0, 255), in clusters."""
        size = self.geometry.cluster_size
        free = self.free_clusters(fresh=True)
        return os.statvfs_result((size, size, self.geometry.clusters, free, free, 0, 0, 0, 0, 255))

    # -- growing --------------------------------------------------------------------------

    def allocate(self, clusters: int) -> bool:
        """Take ``clusters`` more if they are free (counting the folder again first when the
        running total says no: deletions are only seen by a scan)."""
        if clusters <= 0:
            return True
        with self._lock:
            for fresh in (False, True):
                usage = self.usage(fresh=fresh)
                if self.geometry.clusters - usage.clusters >= clusters:
                    usage.clusters += clusters
                    return True
            return False

    def grant(self, size: int, start: int, count: int) -> int:
        """How many of ``count`` bytes written at ``start`` into a file of ``size`` bytes fit
        (all of them, or as many as whole free clusters hold; FatFS writes that much and then
        reports the disk full). The clusters granted are counted as used."""
        end = start + count
        have = self.clusters(size)
        if count <= 0 or self.allocate(self.clusters(end) - have):
            return max(0, count)
        with self._lock:
            room = self.free_clusters()
            limit = (have + room) * self.geometry.cluster_size
            allowed = max(0, min(count, limit - start))
            if allowed:
                self.allocate(self.clusters(start + allowed) - have)
            return allowed

    def add_entry(self, folder: str, name: str, *, is_folder: bool = False) -> None:
        """Count a new entry ``name`` in ``folder`` (a host path in the drive), as FatFS
        would make it: EINVAL for a name FAT cannot hold; EACCES (FatFS's FR_DENIED) when
        the folder cannot take another entry (the fixed top folder is full, no free cluster to
        grow a folder, FatFS's limit per folder) or a new folder gets no cluster."""
        import errno

        if name_problem(name):
            raise DriveFull(errno.EINVAL, "name")
        with self._lock:
            refusal = "full"
            for fresh in (False, True):  # deletions are only seen by a scan
                refusal = self._try_entry(self.usage(fresh=fresh), folder, name, is_folder)
                if not refusal:
                    return
            raise DriveFull(errno.EACCES, refusal)

    def _try_entry(self, usage: Usage, folder: str, name: str, is_folder: bool) -> str:
        """Count the entry if it fits; else say why not ("top-folder" or "full")."""
        slots = usage.slots.get(folder, 2)
        wanted = slots + name_slots(name)
        needed = 1 if is_folder else 0
        if folder == self.root:
            if wanted > self.geometry.root_entries:
                return "top-folder"
        elif wanted > MAX_FOLDER_ENTRIES:
            return "full"
        else:
            needed += self._folder_clusters(wanted) - self._folder_clusters(slots)
        if self.geometry.clusters - usage.clusters < needed:
            return "full"
        usage.clusters += needed
        usage.slots[folder] = wanted
        if is_folder:
            usage.slots[os.path.join(folder, name)] = 2
        return ""


_spaces: dict[str, DriveSpace] = {}
_spaces_lock = threading.Lock()


def for_folder(root: str | os.PathLike[str], size: int = DEFAULT_SIZE) -> DriveSpace:
    """The one :class:`DriveSpace` of this process for ``root`` at ``size`` (made on first
    use), so every writer in a process shares its running count."""
    key = f"{os.path.abspath(os.fspath(root))}\0{size}"
    with _spaces_lock:
        space = _spaces.get(key)
        if space is None:
            space = _spaces[key] = DriveSpace(root, size)
        return space

"""Writing entries into an image file with pyfatfs's low-level ``PyFat`` (its PyFatFS layer
imports PyFilesystem2, which needs ``pkg_resources``, gone from setuptools 81 on), with the
work-arounds of :mod:`.pyfatfs_fixes`."""

from __future__ import annotations

import contextlib
import datetime
import errno
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from protoboard.runtime.fatimage import pyfatfs_fixes
from protoboard.runtime.fatimage.errors import Full
from protoboard.runtime.fatimage.memory import ImageBytes
from protoboard.runtime.fatimage.volume import Volume

#: images up to this size are FAT12 (as CircuitPython's small flash drives), larger ones FAT16
FAT12_LIMIT = 16 * 1024 * 1024


def mkfs(path: Path, size: int, label: str) -> None:
    """Format ``path`` (an existing file) as an empty FAT12/16 volume of ``size`` bytes."""
    from pyfatfs.PyFat import PyFat

    pf = PyFat()
    fat_type = PyFat.FAT_TYPE_FAT12 if size <= FAT12_LIMIT else PyFat.FAT_TYPE_FAT16
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pf.mkfs(str(path), fat_type, size=size, label=label)
        pyfatfs_fixes.store_label_whole(pf, label)
        pyfatfs_fixes.set_disk_geometry(pf)
        pf.close()  # writes the boot sector


class Writer:
    """Edits one image, a file or an in-memory :class:`.memory.ImageBytes`; :meth:`finish` or
    :meth:`abort` ends it. ``volume`` is the image as read: which clusters are real, and which
    each entry holds.

    With ``keep_freed``, clusters freed by this edit are released only by :meth:`finish`, so
    nothing written in this edit lands in a cluster that held data before it (what an in-place
    write needs: the old data stays whole until the folder entries point elsewhere)."""

    def __init__(self, target: Path | ImageBytes, volume: Volume, keep_freed: bool = False) -> None:
        from pyfatfs.PyFat import PyFat

        pf = PyFat(lazy_load=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # read-write: marks the volume dirty until close()
            if isinstance(target, ImageBytes):
                pf.set_fp(target)
            else:
                pf.open(str(target))
        self.pf = pf
        self.keep_freed = keep_freed
        self.to_free: list[int] = []
        self.volume = volume
        self.tz = datetime.datetime.now().astimezone().tzinfo  # local time, as FAT
        self.sentinel = pyfatfs_fixes.trim_fat(pf, volume)
        #: folders that lost entries: pyfatfs would leave stale entries in their later clusters
        self.shrunk: list[Any] = []

    def remove(self, fat_path: str, clusters: list[int]) -> None:
        """Delete an entry (a folder with everything in it) and free ``clusters``: the ones
        the volume's reading attributed to it (pyfatfs would follow chains, and fail on
        sloppy ones)."""
        entry = self._entry(fat_path)
        parent = entry.get_parent_dir()
        parent._get_entries_raw().remove(entry)  # by identity, not by a name that may match two
        self.pf.update_directory_entry(parent)
        self._free(clusters)
        self.shrunk.append(parent)

    def rewrite(self, fat_path: str, data: bytes, fat_time: int, clusters: list[int]) -> None:
        """New content for an existing file, its folder entry updated where it is (a change of
        one 32-byte entry, not of its folder's layout); its old ``clusters`` are freed."""
        entry = self._entry(fat_path)
        if not self.keep_freed:
            self._free(clusters)  # (the caller replaces the whole image: reuse them)
            clusters = []
        first = 0
        if data:
            first = self._allocate(len(data))[0]
            self.pf.write_data_to_cluster(data, first, extend_cluster=False)
        entry.set_cluster(first)
        entry.filesize = len(data)
        entry.wrtdate, entry.wrttime = fat_time >> 16, fat_time & 0xFFFF
        entry.lstaccessdate = entry.wrtdate
        self.pf.update_directory_entry(entry.get_parent_dir())
        self._free(clusters)

    def _free(self, clusters: list[int]) -> None:
        if self.keep_freed:
            self.to_free.extend(clusters)
            return
        for cluster in clusters:
            self.pf.fat[cluster] = 0
            self.pf.first_free_cluster = min(self.pf.first_free_cluster, cluster)

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

    def finish(self) -> None:
        pf = self.pf
        self.keep_freed = False
        self._free(self.to_free)
        pyfatfs_fixes.clear_stale_entries(pf, self.shrunk, self.volume.fat_type)
        if self.sentinel:
            pyfatfs_fixes.release_sentinel(pf)
        pf.flush_fat()  # pyfatfs does not after freeing clusters
        pf.close()  # marks the volume clean

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.pf.is_read_only = True  # close without writing anything more
            self.pf.close()

    def _entry(self, fat_path: str) -> Any:
        return self.pf.root_dir.get_entry(fat_path)

    def _new_entry(self, parent: Any, name: str, attr: int) -> Any:
        from pyfatfs.EightDotThree import EightDotThree
        from pyfatfs.FATDirectoryEntry import FATDirectoryEntry

        short = EightDotThree(encoding=self.pf.encoding)
        short.set_str_name(EightDotThree.make_8dot3_name(name, parent))
        entry = FATDirectoryEntry.new(name=short, tz=self.tz, encoding=self.pf.encoding, attr=attr)
        if short.get_unpadded_filename() != name:
            entry.set_lfn_entry(pyfatfs_fixes.long_name(name, short))
        return entry

    def _allocate(self, size: int, erase: bool = False) -> list[int]:
        result: list[int] = []
        self._space(lambda: result.extend(self.pf.allocate_bytes(size, erase=erase)))
        return result

    def _space(self, action: Callable[[], object]) -> None:
        """Run ``action``, turning pyfatfs's "no space" into :class:`Full`."""
        from pyfatfs import PyFATException

        try:
            action()
        except PyFATException as exc:
            if exc.errno == errno.ENOSPC:
                raise Full(str(exc)) from None
            raise

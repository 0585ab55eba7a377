"""A FAT volume on a block device (``storage.VfsFat(sdcard)``), kept in step with a folder.

A block device is what CircuitPython's ``VfsFat`` takes: an object with ``readblocks(start,
buf)``, ``writeblocks(start, buf)`` and ``count()`` (512-byte blocks), and optionally
``ioctl(op, arg)`` and ``sync()`` (``sdcardio.SDCard``, ``adafruit_sdcard.SDCard``, or a Python
class of your own). A ``readblocks``/``writeblocks`` that returns a non-zero number, or raises
``OSError``, is a failed transfer: ``OSError: [Errno 5] Input/output error``.

:class:`BlockVolume` reads the device once, into a private image file, and lets
:class:`~protoboard.runtime.fatimage.sync.ImageDrive` (the same code that keeps CIRCUITPY
images) unpack it into a private folder the program's file calls use. :meth:`BlockVolume.sync`
writes what changed in the folder into the image, then only the blocks that differ onto the
device. The program syncs at every change it completes (a file closed or flushed, a folder made,
a rename...), as FatFS does at ``f_sync``.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any

from protoboard.runtime.fatimage.errors import ImageError
from protoboard.runtime.fatimage.sync import ImageDrive

BLOCK = 512
#: blocks moved per readblocks/writeblocks call
_CHUNK = 64
#: the largest device mounted (all of it is read into a private image when mounted)
MAX_BYTES = 512 * 1024 * 1024


def _os_error(code: int) -> OSError:
    texts = {errno.EIO: "Input/output error", errno.ENODEV: "No such device",
             errno.ENOSPC: "No space left on device", errno.EINVAL: "Invalid argument"}  # fmt: skip
    return OSError(code, texts[code])


def is_block_device(obj: Any) -> bool:
    return all(
        callable(getattr(obj, name, None)) for name in ("readblocks", "writeblocks", "count")
    )


def block_count(device: Any) -> int:
    count = device.count()
    if not isinstance(count, int) or count <= 0:
        raise _os_error(errno.EIO)
    return count


def _transfer(call: Any, start: int, buf: Any) -> None:
    try:
        result = call(start, buf)
    except OSError:
        raise _os_error(errno.EIO) from None
    if isinstance(result, int) and result != 0:
        raise _os_error(errno.EIO)


def read_device(device: Any) -> bytearray:
    """Every block of ``device``."""
    count = block_count(device)
    if count * BLOCK > MAX_BYTES:
        raise OSError(
            errno.EINVAL,
            f"Protoboard mounts block devices up to {MAX_BYTES // 2**20} MiB; this one has "
            f"{count * BLOCK // 2**20} MiB (use a smaller card image)",
        )
    raw = bytearray(count * BLOCK)
    view = memoryview(raw)
    for start in range(0, count, _CHUNK):
        end = min(count, start + _CHUNK)
        _transfer(device.readblocks, start, view[start * BLOCK : end * BLOCK])
    return raw


def write_changes(device: Any, old: bytes | bytearray, new: bytes) -> None:
    """Write the runs of blocks that differ between ``old`` and ``new`` onto ``device``, the
    last blocks first: file data (high on the volume) before the folder entries and the FAT
    (low), so a card pulled out mid-way loses the new data, not the files it had."""
    runs: list[tuple[int, int]] = []
    count = len(new) // BLOCK
    block = 0
    while block < count:
        at = block * BLOCK
        if old[at : at + BLOCK] == new[at : at + BLOCK]:
            block += 1
            continue
        end = block + 1
        while end < count and end - block < _CHUNK:
            e = end * BLOCK
            if old[e : e + BLOCK] == new[e : e + BLOCK]:
                break
            end += 1
        runs.append((block, end))
        block = end
    for start, end in reversed(runs):
        _transfer(device.writeblocks, start, bytearray(new[start * BLOCK : end * BLOCK]))
    sync = getattr(device, "sync", None)
    if callable(sync):
        try:
            sync()
        except OSError:
            raise _os_error(errno.EIO) from None


def format_device(device: Any, label: str = "NO NAME") -> None:
    """``VfsFat.mkfs``: an empty FAT volume over the whole device."""
    from protoboard.runtime.fatimage.writer import mkfs

    count = block_count(device)
    old = read_device(device)
    with tempfile.TemporaryDirectory(prefix="protoboard-mkfs-") as folder:
        image = Path(folder) / "card.img"
        with open(image, "wb") as stream:
            stream.truncate(count * BLOCK)
        try:
            mkfs(image, count * BLOCK, label)
        except Exception as exc:  # pyfatfs: too small, too big
            raise OSError(errno.EINVAL, f"cannot format this device: {exc}") from None
        write_changes(device, old, image.read_bytes())


_PREFIX = "protoboard-vfs-"
#: private copies looked at per sweep (bounded: a sweep never walks an unbounded folder)
_SWEEP_MAX = 200


def _sweep() -> None:
    """Remove the private copies of processes that ended without cleaning up (a run's VM ends
    with ``os._exit``, which skips finalizers)."""
    base = Path(tempfile.gettempdir())
    with os.scandir(base) as entries:
        for count, entry in enumerate(e for e in entries if e.name.startswith(_PREFIX)):
            if count >= _SWEEP_MAX:
                break
            pid = entry.name[len(_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class BlockVolume:
    """One mounted FAT volume on a block device; :attr:`folder` holds its files."""

    def __init__(self, device: Any) -> None:
        self.device = device
        self._raw = read_device(device)
        _sweep()
        self._temp = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
        # the private copy goes with the volume, or when the program's process ends
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._temp, ignore_errors=True)
        self.image = self._temp / "card.img"
        self.folder = self._temp / "files"
        self.broken = False
        try:
            self.image.write_bytes(self._raw)
            self.drive = ImageDrive(self.image, self.folder)
            self.drive.open()
        except ImageError:
            self.close()
            raise _os_error(errno.ENODEV) from None  # FR_NO_FILESYSTEM
        except BaseException:
            self.close()
            raise

    @property
    def label(self) -> str:
        return self.drive.label

    def free_blocks(self) -> int:
        return self.drive.free_bytes() // BLOCK

    def size_blocks(self) -> int:
        return self.drive.size_bytes() // BLOCK

    def sync(self, changed: list[Path] | None = None) -> None:
        """Write what changed in :attr:`folder` onto the device. A full volume raises
        ``ENOSPC`` and the folder goes back to what the card holds; a failed transfer raises
        ``EIO`` and the volume stays broken (as a card pulled out) until mounted again."""
        if self.broken:
            raise _os_error(errno.EIO)
        try:
            self.drive.sync_to_image(changed)
        except ImageError as exc:
            self.drive.open()  # the folder back to the card's contents: nothing half-kept
            code = errno.ENOSPC if "full" in str(exc) or "space" in str(exc) else errno.EIO
            raise _os_error(code) from None
        new = self.image.read_bytes()
        if new == self._raw:
            return
        try:
            write_changes(self.device, self._raw, new)
        except OSError:
            self.broken = True
            raise
        self._raw = bytearray(new)

    def close(self) -> None:
        self._cleanup()

"""Storage management

The `storage` provides storage management functionality such as mounting and
unmounting which is typically handled by the operating system hosting Python.
CircuitPython does not have an OS, so this module provides this functionality
directly.

For more information regarding using the `storage` module, refer to the `CircuitPython
Essentials Learn guide
<https://learn.adafruit.com/circuitpython-essentials/circuitpython-storage>`_.

On Protoboard, **CIRCUITPY** is a folder on the computer. A `VfsFat` on a block device (an SD
card: ``sdcardio.SDCard``, ``adafruit_sdcard.SDCard``, or a Python class with ``readblocks``,
``writeblocks`` and ``count``) reads and writes the FAT volume on the device; once mounted with
`mount`, ``open()``, ``os`` and ``pathlib`` see it at its mount path (``/sd``). Each change the
program completes (a file closed or flushed, a folder made, a rename) is written to the device
then. A `VfsFat` can also be made from a folder's path (a Protoboard extension).

The write rule is CircuitPython's: the program may write **CIRCUITPY** only after
``boot.py`` calls ``storage.remount("/", readonly=False)`` (or disables the USB drive); until then
every write raises ``OSError: [Errno 30] Read-only filesystem``. The mount table kept by
`mount` and `umount` is the one `getmount` and `VfsFat` use; Python's built-in ``open()`` works on
**CIRCUITPY**'s paths (``/`` is the drive) and on the block devices mounted there.
"""

from __future__ import annotations

import calendar
import contextlib
import errno
import os
import posixpath
import shutil
import stat as _stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from protoboard.bindings import _enum, _validate
from protoboard.runtime import mounts as _mounts_table
from protoboard.runtime import state as _state
from protoboard.runtime import writerule as _writerule
from protoboard.runtime.fatimage import blockdev as _blockdev

# CircuitPython's OSError texts (py/moderrno.c mp_common_errno_to_str), and the errno names it
# prints for the other codes it knows (MICROPY_PY_ERRNO_LIST); anything else prints the number.
_ERRNO_TEXT = {
    errno.EPERM: "Operation not permitted",
    errno.ENOENT: "No such file/directory",
    errno.EIO: "Input/output error",
    errno.EACCES: "Permission denied",
    errno.EEXIST: "File exists",
    errno.ENODEV: "No such device",
    errno.EINVAL: "Invalid argument",
    errno.ENOSPC: "No space left on device",
    errno.EROFS: "Read-only filesystem",
}
_ERRNO_NAMES = {
    getattr(errno, name): name
    for name in (
        "EBADF",
        "EAGAIN",
        "ENOMEM",
        "EISDIR",
        "EOPNOTSUPP",
        "EADDRINUSE",
        "ECONNABORTED",
        "ECONNRESET",
        "ENOBUFS",
        "ENOTCONN",
        "ETIMEDOUT",
        "ECONNREFUSED",
        "EHOSTUNREACH",
        "EALREADY",
        "EINPROGRESS",
    )
}

#: ``st_mtime`` of the root directory: FatFS's fixed date for it, Jan 1, 2000 (``vfs_fat.c``)
_ROOT_TIME = 946684800
#: characters FatFS refuses in a volume label (``f_setlabel``), besides control characters
_BAD_LABEL = set('"*+,.:;<=>?[]|\x7f')


def _os_error(code: int, filename: Any = None) -> OSError:
    """``OSError`` as CircuitPython raises it: ``[Errno 2] No such file/directory``.

    For codes CircuitPython has no name for (``ENOTDIR``) a board prints only the number
    (``OSError: 20``); CPython's ``OSError`` sets ``errno`` only with a text, so the errno's own
    name is the text here and ``exc.errno`` works as on a board."""
    text = _ERRNO_TEXT.get(code) or _ERRNO_NAMES.get(code) or errno.errorcode.get(code, "")
    if filename is None:
        return OSError(code, text)
    return OSError(code, text, filename)


def _fatfs_errno(exc: OSError) -> int:
    """The errno FatFS would give for what the host reported (``fresult_to_errno_table``)."""
    if isinstance(exc, FileNotFoundError | NotADirectoryError | IsADirectoryError):
        return errno.ENOENT  # FR_NO_FILE / FR_NO_PATH
    if isinstance(exc, FileExistsError):
        return errno.EEXIST  # FR_EXIST
    if isinstance(exc, PermissionError) or exc.errno == errno.ENOTEMPTY:
        return errno.EACCES  # FR_DENIED
    if exc.errno in (errno.EROFS, errno.ENOSPC, errno.EINVAL):
        return exc.errno
    return errno.EIO


def _path_text(path: Any) -> str:
    """``mp_obj_str_get_str``: str or bytes, else CircuitPython's TypeError."""
    if isinstance(path, str):
        return path
    if isinstance(path, bytes):
        return path.decode("utf-8", "surrogateescape")
    name = type(path).__name__
    raise TypeError(f"can't convert '{name}' object to str implicitly")


def _context() -> _state.RunContext:
    return _state.current


def _format(device: Any) -> None:
    from protoboard.runtime import paths

    with paths.internal():  # its scratch image is the computer's, not the drive's
        _blockdev.format_device(device)


def _drive() -> Any:
    """CIRCUITPY's folder: the run's drive, or the folder ``protoboard exec`` maps ``/`` to."""
    drive = _context().drive
    if drive is None:
        from protoboard.runtime import paths

        mapping = paths.installed()
        return None if mapping is None else mapping.root
    return drive


class VfsFat:
    """A FAT filesystem, as CircuitPython mounts them.

    On Protoboard ``storage.getmount("/")`` is the **CIRCUITPY** folder; ``VfsFat(sdcard)``
    is the FAT volume on a block device (see the module's notes), and ``VfsFat(path)`` makes
    one from any existing folder (a Protoboard extension). Paths given to
    its methods are relative to the filesystem's root (``"/code.py"`` or ``"code.py"``)."""

    __slots__ = ("_cwd", "_device", "_folder", "_label", "_readonly", "_root", "_volume")

    def __init__(self, block_device: Any) -> None:
        """Create a new VfsFat filesystem around the given block device.

        :param block_device: Block device the the filesystem lives on (``sdcardio.SDCard``,
            ``adafruit_sdcard.SDCard``, or any object with ``readblocks``, ``writeblocks`` and
            ``count``; on Protoboard also the path of a folder on the computer)

        A device without a FAT filesystem can be formatted with `mkfs`, or mounted with
        ``mkfs``; mounting it as it is raises ``OSError: [Errno 19] No such device``."""
        self._device: Any = None
        self._volume: Any = None
        self._folder: Path | None = None
        if _blockdev.is_block_device(block_device):
            self._device = block_device
            self._root = False
            self._readonly = False
            self._cwd = "/"
            self._label = ""
            self._open_volume()
            return
        if isinstance(block_device, str | bytes | os.PathLike):
            folder = Path(os.fsdecode(block_device))
            if not folder.is_dir():
                raise _os_error(errno.ENODEV)
        else:
            # as CircuitPython's vfs_fat: the block device's methods are looked up first
            missing = next(
                name
                for name in ("readblocks", "writeblocks", "count")
                if not callable(getattr(block_device, name, None))
            )
            raise AttributeError(
                f"'{type(block_device).__name__}' object has no attribute '{missing}'"
            )
        self._folder = folder
        self._root = False
        self._readonly = False
        self._label = folder.name.upper()[:11]
        self._cwd = "/"

    @classmethod
    def _circuitpy(cls) -> VfsFat:
        """The CIRCUITPY drive of the current run (its folder and write rule follow the run)."""
        obj = object.__new__(cls)
        obj._device = None
        obj._volume = None
        obj._folder = None
        obj._root = True
        obj._readonly = False
        obj._label = "CIRCUITPY"
        obj._cwd = "/"
        return obj

    # -- on a block device -------------------------------------------------------------------

    def _open_volume(self) -> None:
        """Read the device's FAT volume (none there: left for `mkfs` or ``mount``)."""
        from protoboard.runtime import paths

        with paths.internal():
            try:
                self._volume = _blockdev.BlockVolume(self._device)
            except OSError as exc:
                if exc.errno != errno.ENODEV:
                    raise
                self._volume = None
                return
        self._label = self._volume.label

    def _host_folder(self) -> str:
        return str(self._base())

    def _changed(self) -> None:
        """Write what the program changed onto the device (FatFS's ``f_sync``)."""
        if self._volume is None:
            return
        from protoboard.runtime import paths

        with paths.internal():
            self._volume.sync()

    def _statvfs(self) -> tuple[int, int, int, int, int, int, int, int, int, int]:
        volume = self._volume
        if volume is None:
            raise _os_error(errno.ENODEV)
        cluster = volume.drive._opened().cluster_size
        blocks = volume.drive.size_bytes() // cluster
        free = volume.drive.free_bytes() // cluster
        return (cluster, cluster, blocks, free, free, 0, 0, 0, 0, 255)

    # -- helpers ------------------------------------------------------------------------------

    def _base(self) -> Path:
        if self._device is not None:
            if self._volume is None:
                raise _os_error(errno.ENODEV)
            return Path(self._volume.folder)
        if self._root:
            drive = _drive()
            if drive is None:
                raise _os_error(errno.ENODEV)
            return Path(drive)
        assert self._folder is not None
        return self._folder

    def _relative(self, path: Any) -> str:
        text = _path_text(path)
        if not text.startswith("/"):
            text = posixpath.join(self._cwd, text)
        return posixpath.normpath("/" + text.lstrip("/")).lstrip("/")

    def _host(self, path: Any) -> Path:
        relative = self._relative(path)
        base = self._base()
        return base / relative if relative else base

    def _verify_writable(self) -> None:
        if self.readonly:
            raise _os_error(errno.EROFS)

    @contextlib.contextmanager
    def _writing(self, *paths: Path) -> Iterator[None]:
        """CircuitPython's ``verify_fs_writable``, then the write rule for paths in CIRCUITPY
        (which also reports the program's own writes to the supervisor)."""
        if not self._root:
            self._verify_writable()
        with _writerule.write_access(*paths):
            yield
        self._changed()

    # -- properties ---------------------------------------------------------------------------

    @property
    def label(self) -> str:
        """The filesystem label, up to 11 case-insensitive bytes.  Note that
        this property can only be set when the device is writable by the
        microcontroller.

        On Protoboard a new label lasts as long as the `VfsFat` object (for **CIRCUITPY**: the
        current run); the folder itself is not renamed."""
        return self._label

    @label.setter
    def label(self, label: Any) -> None:
        self._verify_writable()
        text = _path_text(label).rstrip(" ")
        if (
            len(text.encode("utf-8")) > 11
            or any(c in _BAD_LABEL or ord(c) < 0x20 or ord(c) > 0x7E for c in text)
            or text.startswith(" ")
        ):
            raise _os_error(errno.EINVAL)
        self._label = text.upper()

    @property
    def readonly(self) -> bool:
        """``True`` when the device is mounted as readonly by the microcontroller.
        This property cannot be changed, use `storage.remount` instead."""
        if self._root:
            return not _context().python_writable
        return self._readonly

    # -- methods ------------------------------------------------------------------------------

    @staticmethod
    def mkfs(block_device: Any) -> None:
        """Format the block device, deleting any data that may have been there.

        Protoboard does not format folders: to start **CIRCUITPY** afresh use
        `storage.erase_filesystem`; for another folder, delete its files yourself."""
        if _blockdev.is_block_device(block_device):
            _format(block_device)
            return
        raise NotImplementedError(
            "Protoboard does not format folders: use storage.erase_filesystem() for CIRCUITPY, "
            "or delete the folder's files"
        )

    def open(self, path: str, mode: str) -> Any:
        """Like builtin ``open()``"""
        mode_text = _path_text(mode)
        counts = {"rwxa": 0, "+": 0, "bt": 0}
        for character in mode_text:
            group = next((g for g in counts if character in g), None)
            if group is None:
                raise _validate.invalid("mode")
            counts[group] += 1
        if counts["rwxa"] != 1 or counts["+"] > 1 or counts["bt"] > 1:
            raise _validate.invalid("mode")
        host = self._host(path)
        binary = "b" in mode_text
        python_mode = mode_text.replace("t", "")
        writing = any(c in mode_text for c in "wxa+")
        context = self._writing(host) if writing else contextlib.nullcontext()
        with context:
            try:
                if binary:
                    stream = open(host, python_mode)
                else:
                    stream = open(host, python_mode, encoding="utf-8", newline="")
            except OSError as exc:
                raise _os_error(_fatfs_errno(exc), _path_text(path)) from None
        if writing and self._volume is not None:
            return _mounts_table.SyncedFile(stream, self)
        return stream

    def ilistdir(
        self, path: str
    ) -> Iterator[tuple[str | bytes, int, int, int] | tuple[str | bytes, int, int]]:
        """Return an iterator whose values describe files and folders within
        ``path``: ``(name, type, inode, size)`` tuples, with type ``0x4000`` for a folder and
        ``0x8000`` for a file, inode 0, and the size in bytes (0 for folders). Names are
        ``bytes`` when ``path`` is."""
        as_bytes = isinstance(path, bytes)
        host = self._host(path)
        try:
            entries = sorted(os.scandir(host), key=lambda entry: entry.name)
        except OSError as exc:
            raise _os_error(_fatfs_errno(exc)) from None
        result = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
                size = 0 if is_dir else entry.stat().st_size
            except OSError:
                continue
            name: str | bytes = os.fsencode(entry.name) if as_bytes else entry.name
            result.append((name, _stat.S_IFDIR if is_dir else _stat.S_IFREG, 0, size))
        return iter(result)

    def mkdir(self, path: str) -> None:
        """Like `os.mkdir`"""
        host = self._host(path)
        with self._writing(host):
            try:
                host.mkdir()
            except OSError as exc:
                raise _os_error(_fatfs_errno(exc)) from None

    def _remove(self, path: Any, directory: bool) -> None:
        host = self._host(path)
        with self._writing(host):
            if host == self._base():
                raise _os_error(errno.EINVAL)
            try:
                is_dir = _stat.S_ISDIR(host.stat().st_mode)
            except OSError as exc:
                raise _os_error(_fatfs_errno(exc)) from None
            if is_dir != directory:
                raise _os_error(errno.ENOTDIR if directory else errno.EISDIR)
            try:
                if directory:
                    host.rmdir()
                else:
                    host.unlink()
            except OSError as exc:
                raise _os_error(_fatfs_errno(exc)) from None

    def rmdir(self, path: str) -> None:
        """Like `os.rmdir`"""
        self._remove(path, True)

    def remove(self, path: str) -> None:
        """Like `os.remove`"""
        self._remove(path, False)

    def rename(self, old_path: str, new_path: str) -> None:
        """Like `os.rename`: an existing file at ``new_path`` is replaced (a folder is not)."""
        old = self._host(old_path)
        new = self._host(new_path)
        with self._writing(old, new):
            replace = new.exists() and old.exists() and not new.samefile(old)
            if replace and new.is_dir():
                # FR_EXIST: CircuitPython removes an existing file (only) and tries again
                raise _os_error(errno.EISDIR)
            try:
                if replace:
                    new.unlink()
                old.rename(new)
            except OSError as exc:
                raise _os_error(_fatfs_errno(exc)) from None

    def chdir(self, path: str) -> None:
        """Change this filesystem's current directory."""
        relative = self._relative(path)
        if not self._host(path).is_dir():
            raise _os_error(errno.ENOENT)
        self._cwd = "/" + relative

    def getcwd(self) -> str:
        """This filesystem's current directory."""
        return self._cwd

    def stat(self, path: str) -> tuple[int, int, int, int, int, int, int, int, int, int]:
        """Like `os.stat`: ``(mode, 0, 0, 0, 0, 0, size, mtime, mtime, mtime)``. Times have
        FAT's 2-second resolution and, as a FAT timestamp, count local time."""
        relative = self._relative(path)
        if not relative:
            return (_stat.S_IFDIR, 0, 0, 0, 0, 0, 0, _ROOT_TIME, _ROOT_TIME, _ROOT_TIME)
        try:
            info = self._host(path).stat()
        except OSError as exc:
            raise _os_error(_fatfs_errno(exc)) from None
        is_dir = _stat.S_ISDIR(info.st_mode)
        seconds = calendar.timegm(time.localtime(info.st_mtime)) & ~1
        return (
            _stat.S_IFDIR if is_dir else _stat.S_IFREG,
            0,
            0,
            0,
            0,
            0,
            0 if is_dir else info.st_size,
            seconds,
            seconds,
            seconds,
        )

    def statvfs(self, path: int) -> tuple[int, int, int, int, int, int, int, int, int, int]:
        """Like `os.statvfs`: ``(bsize, frsize, blocks, bfree, bavail, 0, 0, 0, 0, 255)``,
        from the disk the folder is on (on a block device: from its FAT volume)."""
        if self._device is not None:
            return self._statvfs()
        base = self._base()
        statvfs = getattr(os, "statvfs", None)
        if statvfs is not None:
            info = statvfs(base)
            size = info.f_frsize or info.f_bsize
            blocks, free = info.f_blocks, info.f_bavail
        else:
            usage = shutil.disk_usage(base)
            size = 4096
            blocks, free = usage.total // size, usage.free // size
        return (size, size, blocks, free, free, 0, 0, 0, 0, 255)

    def utime(self, path: str, times: tuple[int, int]) -> None:
        """Set the modification time of ``path`` to ``times[0]`` (seconds; both items must be
        ints), as CircuitPython's FAT ``utime`` does."""
        if not isinstance(times, tuple | list):
            raise TypeError(f"{_validate.type_name(times)}")
        if len(times) != 2:
            raise ValueError(f"tuple/list has wrong length (expected 2, got {len(times)})")
        seconds = _validate.to_int(times[0], "times")
        _validate.to_int(times[1], "times")
        host = self._host(path)
        with self._writing(host):
            try:
                os.utime(host, (seconds, seconds))
            except OSError as exc:
                raise _os_error(_fatfs_errno(exc)) from None

    # ``mkfs`` is a flag, as in MicroPython's VFS protocol (CircuitPython's stubs say VfsFat).
    def mount(self, readonly: bool, mkfs: bool) -> None:
        """Don't call this directly, call `storage.mount`."""
        if self._device is not None and self._volume is None:
            if not mkfs:
                raise _os_error(errno.ENODEV)
            _format(self._device)
            self._open_volume()
        if not self._root:
            self._readonly = bool(readonly)

    def umount(self) -> None:
        """Don't call this directly, call `storage.umount`."""
        _mounts_table.remove(self)


# --- the mount table ------------------------------------------------------------------------------

#: (the run the table belongs to, [(absolute path, filesystem)], newest first)
_table: tuple[Any, list[tuple[str, VfsFat]]] = (None, [])


def _mounts() -> list[tuple[str, VfsFat]]:
    """This run's mount table: CIRCUITPY at ``/`` (when there is a drive), then what the program
    mounted."""
    global _table
    context = _context()
    if _table[0] is not context:
        entries = [("/", VfsFat._circuitpy())] if _drive() is not None else []
        _table = (context, entries)
        _mounts_table.clear()
    return _table[1]


def _cwd() -> str:
    """The program's working directory as a CircuitPython path ("/" unless it is in CIRCUITPY)."""
    drive = _drive()
    if drive is None:
        return "/"
    from protoboard.runtime import paths

    return paths.drive_cwd(drive)


def _abspath(path: Any) -> str:
    """``common_hal_os_path_abspath``: absolute, normalised, no trailing ``/``."""
    text = _path_text(path)
    if not text.startswith("/"):
        text = posixpath.join(_cwd(), text)
    return posixpath.normpath("/" + text.lstrip("/"))


def _lookup(path: str) -> tuple[str, VfsFat, str] | None:
    """``mp_vfs_lookup_path``: the mount holding ``path`` (the newest one whose mount point is
    ``path`` or a parent of it), with the part of ``path`` below it."""
    for point, vfs in _mounts():
        if point == "/" or path == point or path.startswith(point + "/"):
            return point, vfs, path if point == "/" else path[len(point) :]
    return None


def mount(filesystem: VfsFat, mount_path: str, *, readonly: bool = False) -> None:
    """Mounts the given filesystem object at the given path.

    This is the CircuitPython analog to the UNIX ``mount`` command.

    :param VfsFat filesystem: The filesystem to mount.
    :param str mount_path: Where to mount the filesystem.
    :param bool readonly: True when the filesystem should be readonly to CircuitPython.

    The mount point must be an existing folder (``RuntimeError: Mount point directory
    missing``) where nothing else is mounted (``OSError: [Errno 1] Operation not permitted``).
    """
    path = _abspath(mount_path)
    _validate.of_type(filesystem, VfsFat, "filesystem")
    if path != "/":
        found = _lookup(path)
        exists = False
        if found is not None:
            with contextlib.suppress(OSError, TypeError):
                exists = _stat.S_ISDIR(found[1].stat(found[2])[0])
        if not exists:
            raise RuntimeError("Mount point directory missing")
    existing = _lookup(path)
    if existing is not None and not (path != "/" and existing[0] == "/"):
        raise _os_error(errno.EPERM)
    filesystem.mount(bool(readonly), False)
    _mounts().insert(0, (path, filesystem))
    if filesystem._device is not None:
        _mounts_table.add(path, filesystem)


def umount(mount: str | VfsFat) -> None:
    """Unmounts the given filesystem object or if *mount* is a path, then unmount
    the filesystem mounted at that location.

    This is the CircuitPython analog to the UNIX ``umount`` command."""
    table = _mounts()
    if isinstance(mount, str):
        path = _abspath(mount)
        index = next((i for i, (point, _v) in enumerate(table) if point == path), None)
    else:
        index = next((i for i, (_p, vfs) in enumerate(table) if vfs is mount), None)
    if index is None:
        raise _os_error(errno.EINVAL)
    _point, vfs = table.pop(index)
    vfs.umount()


def remount(
    mount_path: str,
    readonly: bool = False,
    *,
    disable_concurrent_write_protection: bool = False,
) -> None:
    """Remounts the given path with new parameters.

    This can always be done from ``boot.py``. After boot, it can only be done when the host computer
    doesn't have write access and CircuitPython isn't currently writing to the filesystem. An
    exception will be raised if this is the case. Some host OSes allow you to eject a drive which
    will allow for remounting.

    Remounting after USB is active may take a little time because it "ejects" the drive for one
    query from the host. These queries happen every second or so.

    :param str mount_path: The path to remount.
    :param bool readonly: True when the filesystem should be readonly to CircuitPython.
    :param bool disable_concurrent_write_protection: When True, the check that makes sure the
      underlying filesystem data is written by one computer is disabled. Disabling the protection
      allows CircuitPython and a host to write to the same filesystem with the risk that the
      filesystem will be corrupted.

    On Protoboard, remounting ``/`` read-write makes **CIRCUITPY** writable by the program and
    read-only to the computer's editors and the workflows (they get "read-only" errors), until a
    hard reset or a remount back. Outside ``boot.py``, while the host may write the drive,
    it raises ``RuntimeError: Cannot remount path when visible via USB.``"""
    path = _abspath(mount_path)
    found = _lookup(path)
    if found is None:
        raise _os_error(errno.ENODEV)
    _point, vfs, under = found
    if under and path != "/":
        raise _os_error(errno.EINVAL)
    readonly = bool(readonly)
    unprotected = bool(disable_concurrent_write_protection)
    if not vfs._root:
        vfs._readonly = readonly and not unprotected
        return
    context = _context()
    if (
        not context.in_boot
        and context.usb_connected
        and context.usb_drive_enabled
        and context.usb_writable
    ):
        raise RuntimeError("Cannot remount path when visible via USB.")
    if unprotected:
        context.remember(python_writable=True, usb_writable=True)
    elif readonly:
        context.remember(python_writable=False, usb_writable=True)
    else:
        context.remember(python_writable=True, usb_writable=False)


def getmount(mount_path: str) -> VfsFat:
    """Retrieves the mount object associated with the mount path"""
    path = _abspath(mount_path)
    for point, vfs in _mounts():
        if point == path:
            return vfs
    raise _os_error(errno.EINVAL)


def erase_filesystem(*, extended: bool | None = None) -> None:
    """Erase and re-create the **CIRCUITPY** filesystem.

    On boards that present USB-visible **CIRCUITPY** drive (e.g., SAMD21 and SAMD51),
    then call `microcontroller.reset()` to restart CircuitPython and have the
    host computer remount **CIRCUITPY**.

    This function can be called from the REPL when **CIRCUITPY**
    has become corrupted.

    :param bool extended: On boards that support ``dualbank`` module
        and the ``extended`` parameter, the **CIRCUITPY** storage can be
        extended by setting this to `True`. If this isn't provided or
        set to `None` (default), the existing configuration will be used.

    .. warning:: All the data on **CIRCUITPY** will be lost, and
        CircuitPython will restart on certain boards.

    On Protoboard the supervisor recreates the folder as a new board's (``code.py``,
    ``settings.toml``, ``lib/``), keeping a backup of the old contents, then the board
    restarts. ``extended=True`` raises ``NotImplementedError`` (no ``dualbank``)."""
    if extended:
        raise NotImplementedError("extended=True")
    from protoboard.machine import ResetRequested
    from protoboard.runtime.messages import EraseFilesystem

    _context().notify(EraseFilesystem())
    raise ResetRequested()


def disable_usb_drive() -> None:
    """Disable presenting **CIRCUITPY** as a USB mass storage device.
    By default, the device is enabled and **CIRCUITPY** is visible, if USB is available.
    Must called in ``boot.py``, before USB is connected.

    Elsewhere it raises ``RuntimeError: Cannot change USB devices now``; see
    `unsafe_disable_usb_drive`."""
    context = _context()
    if not context.in_boot and context.usb_connected:
        raise RuntimeError("Cannot change USB devices now")
    context.remember(usb_drive_enabled=False, usb_writable=False, python_writable=True)


def unsafe_disable_usb_drive() -> None:
    """Disable presenting **CIRCUITPY** as a USB mass storage device even if in use.
    By default, the device is enabled and **CIRCUITPY** is visible.
    After the call, **CIRCUITPY** will be read/write to your code and from the REPL but not appear
    over USB.

    Unlike `disable_usb_drive()`, `unsafe_disable_usb_drive()` can be called
    after ``code.py`` starts or from the REPL, after USB has started.

    .. warning:: If ``unsafe_disable_usb_drive()`` is called when the host is in the middle of
      writing **CIRCUITPY**, filesystem corruption can occur.
      It is similar to the sudden physical removal of a USB drive.
      Before calling ``unsafe_disable_usb_drive()``,
      make sure the host has finished any writes to **CIRCUITPY**.

    When the USB drive is disabled, **CIRCUITPY** becomes read/write, and can be written
    from user code or the REPL. This is easier than arranging for a `remount()` in ``boot.py``.
    Code editors and file uploaders can use this feature to write files via the REPL.

    If `unsafe_disable_usb_drive()` is called in ``boot.py``, it is identical to calling
    `disable_usb_drive()`.

    On Protoboard the computer's editors and the workflows can no longer write the folder
    until `enable_usb_drive` or a hard reset (a board also waits 2.5 seconds here for the host
    to notice; Protoboard does not need to)."""
    _context().remember(usb_drive_enabled=False, usb_writable=False, python_writable=True)


def enable_usb_drive() -> None:
    """Enable presenting **CIRCUITPY** as a USB mass storage device.
    By default, the device is enabled and **CIRCUITPY** is visible,
    so you do not normally need to call this function in ``boot.py``.

    If you call `enable_usb_drive()` after ``code.py`` starts or in the REPL,
    you can reverse the effect of a previous `unsafe_disable_usb_drive()`.
    The **CIRCUITPY** drive will reappear to the host, and become read-only again
    if it was previously read-only.
    """
    _context().remember(usb_drive_enabled=True, usb_writable=True, python_writable=False)


_enum.publish(
    "storage",
    VfsFat,
    mount,
    umount,
    remount,
    getmount,
    erase_filesystem,
    disable_usb_drive,
    unsafe_disable_usb_drive,
    enable_usb_drive,
)

"""What a program can touch: every path it uses is a path on CIRCUITPY, as on a board.

On a board the filesystem *is* the drive: ``/`` is its top folder, ``..`` of the top folder is
the top folder, and nothing else exists. In a run's VM, :func:`install` makes Python's file
APIs say the same (``open``, ``io.open``, and the ``os`` functions that take paths, so also
``os.path``, ``pathlib``, ``shutil``, ``glob``, ``tempfile``):

* an absolute path is a drive path: ``/code.py``, ``/lib``; ``/etc/passwd`` or ``/dev/null`` are
  looked up on the drive, where they do not exist;
* a relative path is relative to the program's working folder on the drive; ``os.getcwd()``
  says ``/`` or ``/sub``, and ``os.chdir`` moves inside the drive;
* ``..`` stops at the drive's top folder;
* a symlink in the drive that leads out of it is not followed out ("No such file"); FAT has no
  symlinks;
* a host path that already names something inside the drive (``__file__`` of code.py is one)
  is accepted as that drive path; results (``os.scandir`` entries, ``os.readlink``,
  ``f.name``, error file names) are drive paths.

With a drive size (``protoboard run --drive-size``, see :mod:`protoboard.runtime.drivespace`)
writes that would grow the drive past it raise ``OSError: [Errno 28] No space left on device``
(FatFS writes what fits, then reports the disk full), ``os.statvfs`` reports the FAT volume,
and a new folder entry that FAT could not make raises ``[Errno 13]`` (full top folder) or
``[Errno 22]`` (a name FAT cannot hold). The first time in a run, one line on the console says
what happened and what to do.

This is faithfulness to a board, not a sandbox: code that calls the C-level functions
(``posix.open``, ``_io.FileIO``), a C extension, ``ctypes``, a child process, or a file
descriptor obtained otherwise reaches the computer with the user's rights. Run untrusted code in
a container (see the docs, "What a program can touch").

Python's imports are not affected: the import system calls ``posix`` and ``io.open_code``
directly. Protoboard's own code in the VM uses host paths; inside :func:`internal` (and while
the write rule's audit hook runs) the functions are left unmapped.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import functools
import io
import os
import posixpath
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from protoboard.runtime import drivefiles, drivespace, mounts, state

# The real functions, captured before install() wraps them: the wrappers and the space count
# must never call a wrapper.
_real_open = builtins.open
_REAL: dict[str, Callable[..., Any]] = {
    name: getattr(os, name)
    for name in (
        "getcwd", "getcwdb", "lstat", "stat", "fstat", "lseek", "write", "close", "scandir",
        "readlink", "ftruncate", "statvfs",
    )
}  # fmt: skip

_local = threading.local()
_map: DriveMap | None = None
_told = False


@contextlib.contextmanager
def internal() -> Iterator[None]:
    """Protoboard's own code in the VM: host paths, unmapped (this thread, this block)."""
    previous = getattr(_local, "internal", False)
    _local.internal = True
    try:
        yield
    finally:
        _local.internal = previous


def set_internal(value: bool) -> bool:
    """:func:`internal` without a ``with`` block, for hot paths (a port's calls into another
    library): set this thread's mode, return the previous one to restore."""
    previous = getattr(_local, "internal", False)
    _local.internal = value
    return bool(previous)


def _active() -> DriveMap | None:
    return None if getattr(_local, "internal", False) else _map


def is_internal() -> bool:
    """Is Protoboard's own code running in this thread (see :func:`internal`)?"""
    return bool(getattr(_local, "internal", False))


def _not_found(original: Any) -> OSError:
    return FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), original)


def _norm(path: str) -> str:
    """``path`` (absolute) normalised, ``..`` stopping at ``/``, a trailing ``/`` kept."""
    normal = "/" + posixpath.normpath(path).lstrip("/")
    if path.endswith("/") and normal != "/":
        normal += "/"
    return normal


class DriveMap:
    """Drive paths to host paths for one drive folder."""

    def __init__(self, drive: str | os.PathLike[str], size: int | None = None) -> None:
        self.root = os.path.abspath(os.fspath(drive))
        with internal():
            self.real_root = os.path.realpath(self.root)
        self.space = drivespace.for_folder(self.root, size) if size else None

    def drive_path(self, host: str) -> str | None:
        """The drive path of a host path inside the drive, else None."""
        mounted = mounts.drive_path(host)
        if mounted is not None:
            return mounted
        for base in (self.root, self.real_root):
            if host == base:
                return "/"
            if host.startswith(base + "/"):
                return host[len(base) :]
        return None

    def cwd(self) -> str:
        return self.drive_path(_REAL["getcwd"]()) or "/"

    def virtual(self, text: str, dir_fd: Any = None) -> str:
        """The drive path a program means by ``text``."""
        if text.startswith("/"):
            normal = _norm(text)
            inside = self.drive_path(normal.rstrip("/") or "/")
            return normal if inside is None else _norm(inside)
        base = self.cwd()
        if isinstance(dir_fd, int) and dir_fd >= 0:
            with contextlib.suppress(OSError):
                base = self.drive_path(_REAL["readlink"](f"/proc/self/fd/{dir_fd}")) or "/"
        return _norm(base + "/" + text)

    def host_of(self, virtual: str) -> str:
        mounted = mounts.host_of(virtual)
        if mounted is not None:
            return mounted
        return self.root if virtual == "/" else self.root + virtual

    def inside(self, host: str) -> bool:
        if mounts.owner(host) is not None:
            return True
        return host == self.real_root or host.startswith(self.real_root + "/")

    def host(self, path: Any, *, follow: bool = True, dir_fd: Any = None) -> Any:
        """The host path for a program's ``path`` (same type; file descriptors unchanged).
        Raises FileNotFoundError when a symlink on the way leads out of the drive."""
        if isinstance(path, int) or path is None:
            return path
        raw = os.fspath(path)
        text = os.fsdecode(raw)
        if not text:
            return raw
        host = self.host_of(self.virtual(text, dir_fd))
        check = host if follow else posixpath.dirname(host.rstrip("/")) or "/"
        with internal():
            if not self.inside(os.path.realpath(check)):
                raise _not_found(path)
        return os.fsencode(host) if isinstance(raw, bytes) else host

    def result(self, host: Any) -> Any:
        """A host path the OS returned, as the program should see it."""
        text = os.fsdecode(host)
        inside = self.drive_path(text.rstrip("/") or "/") if text.startswith("/") else None
        if inside is None:
            return host
        return os.fsencode(inside) if isinstance(host, bytes) else inside


# -- the wrappers -----------------------------------------------------------------------------

#: (argument position, keyword, dir_fd keyword, "follow" or "entry")
_Spec = tuple[tuple[int, str, str, str], ...]
_FOLLOW: _Spec = ((0, "path", "dir_fd", "follow"),)
_ENTRY: _Spec = ((0, "path", "dir_fd", "entry"),)
_SPECS: dict[str, _Spec] = {
    **{name: _FOLLOW for name in ("access", "chmod", "chown", "listdir", "utime", "pathconf")},
    **{name: _FOLLOW for name in ("getxattr", "setxattr", "removexattr", "listxattr")},
    **{name: _FOLLOW for name in ("stat", "chdir", "chflags", "lchmod", "lchown")},
    **{name: _ENTRY for name in ("lstat", "remove", "unlink", "rmdir", "mkfifo", "mknod")},
    "mkdir": _ENTRY,
    "truncate": _FOLLOW,
    "rename": ((0, "src", "src_dir_fd", "entry"), (1, "dst", "dst_dir_fd", "entry")),
    "replace": ((0, "src", "src_dir_fd", "entry"), (1, "dst", "dst_dir_fd", "entry")),
    "link": ((0, "src", "src_dir_fd", "follow"), (1, "dst", "dst_dir_fd", "entry")),
    "symlink": ((1, "dst", "dir_fd", "entry"),),
}


#: functions that change a mounted filesystem (it is written to its device after them)
_CHANGES = {"utime", "truncate", "remove", "unlink", "rmdir", "mkdir", "rename", "replace"}


def _restore_names(exc: OSError, names: dict[str, Any]) -> None:
    """Error messages name the program's paths, not the host's."""
    for attribute in ("filename", "filename2"):
        value = getattr(exc, attribute, None)
        if value is not None and os.fsdecode(value) in names:
            setattr(exc, attribute, names[os.fsdecode(value)])


def _map_args(
    drive: DriveMap, spec: _Spec, args: list[Any], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """Replace the path arguments named by ``spec`` by host paths; returns host -> original."""
    names: dict[str, Any] = {}
    follow_links = kwargs.get("follow_symlinks", True)
    for position, keyword, fd_keyword, how in spec:
        if position < len(args):
            value = args[position]
        elif keyword in kwargs:
            value = kwargs[keyword]
        else:
            continue
        follow = how == "follow" and follow_links
        host = drive.host(value, follow=follow, dir_fd=kwargs.get(fd_keyword))
        if position < len(args):
            args[position] = host
        else:
            kwargs[keyword] = host
        if isinstance(host, str | bytes):
            names[os.fsdecode(host)] = value
    return names


def _wrap(function: Callable[..., Any], spec: _Spec, name: str = "") -> Callable[..., Any]:
    @functools.wraps(function)
    def mapped(*args: Any, **kwargs: Any) -> Any:
        drive = _active()
        if drive is None:
            return function(*args, **kwargs)
        arguments = list(args)
        names = _map_args(drive, spec, arguments, kwargs)
        if name in _CHANGES:
            for host in names:
                mounts.check_writable(host)
        try:
            result = function(*arguments, **kwargs)
        except OSError as exc:
            _restore_names(exc, names)
            raise
        if name in _CHANGES:
            for host in names:
                filesystem = mounts.owner(host)
                if filesystem is not None:
                    filesystem._changed()
                    break
        return result

    mapped.__wrapped_for_drive__ = True  # type: ignore[attr-defined]
    return mapped


def _getcwd() -> str:
    drive = _active()
    return _REAL["getcwd"]() if drive is None else drive.cwd()


def _getcwdb() -> bytes:
    drive = _active()
    return _REAL["getcwdb"]() if drive is None else os.fsencode(drive.cwd())


def _readlink(path: Any, *, dir_fd: Any = None) -> Any:
    drive = _active()
    if drive is None:
        return _REAL["readlink"](path, dir_fd=dir_fd)
    host = drive.host(path, follow=False, dir_fd=dir_fd)
    try:
        return drive.result(_REAL["readlink"](host))
    except OSError as exc:
        _restore_names(exc, {os.fsdecode(host): path})
        raise


def _statvfs(path: Any) -> os.statvfs_result:
    drive = _active()
    if drive is None:
        return _REAL["statvfs"](path)
    host = drive.host(path)
    filesystem = mounts.owner(host)
    if filesystem is not None:
        _REAL["stat"](host)
        return os.statvfs_result(filesystem._statvfs())
    if drive.space is not None and not isinstance(host, int):
        _REAL["stat"](host)  # a missing path is still an error
        return drive.space.statvfs()
    return _REAL["statvfs"](host)


class _Entry:
    """An ``os.DirEntry`` whose ``path`` is a drive path (symlinks followed only inside)."""

    __slots__ = ("_entry", "path")

    def __init__(self, entry: os.DirEntry[Any], path: Any) -> None:
        self._entry = entry
        self.path = path

    @property
    def name(self) -> Any:
        return self._entry.name

    def inode(self) -> int:
        return self._entry.inode()

    def is_symlink(self) -> bool:
        return self._entry.is_symlink()

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        if follow_symlinks and self._entry.is_symlink():
            return os.stat(self.path)
        return self._entry.stat(follow_symlinks=False)

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        import stat

        try:
            return stat.S_ISDIR(self.stat(follow_symlinks=follow_symlinks).st_mode)
        except OSError:
            return False

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        import stat

        try:
            return stat.S_ISREG(self.stat(follow_symlinks=follow_symlinks).st_mode)
        except OSError:
            return False

    def __fspath__(self) -> Any:
        return self.path

    def __repr__(self) -> str:
        return f"<DirEntry {self.name!r}>"


class _Entries:
    """``os.scandir``'s iterator, giving :class:`_Entry` objects."""

    def __init__(self, entries: Any, shown: Any) -> None:
        self._entries = entries
        self._shown = shown

    def __iter__(self) -> _Entries:
        return self

    def __next__(self) -> _Entry:
        entry = next(self._entries)
        return _Entry(entry, posixpath.join(self._shown, entry.name))

    def close(self) -> None:
        self._entries.close()

    def __enter__(self) -> _Entries:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _scandir(path: Any = ".") -> Any:
    drive = _active()
    if drive is None or isinstance(path, int):
        return _REAL["scandir"](path)
    host = drive.host(path)
    try:
        entries = _REAL["scandir"](host)
    except OSError as exc:
        _restore_names(exc, {os.fsdecode(host): path})
        raise
    raw = os.fspath(path)
    return _Entries(entries, raw)


def _open_flags_mode(flags: int) -> bool:
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))


def _builtin_open(
    file: Any,
    mode: str = "r",
    buffering: int = -1,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    closefd: bool = True,
    opener: Any = None,
) -> Any:
    drive = _active()
    if drive is None or isinstance(file, int):
        return _real_open(file, mode, buffering, encoding, errors, newline, closefd, opener)
    host = drive.host(file)
    try:
        writing = isinstance(mode, str) and any(c in mode for c in "wax+")
        if writing:
            mounts.check_writable(host)
        if writing and drive.space is not None:
            drivefiles.before_create(drive, host, creating="r" not in mode)
            stream = drivefiles.open_counted(
                drive.space, host, mode, buffering, encoding, errors, newline, closefd, opener
            )
        else:
            stream = _real_open(host, mode, buffering, encoding, errors, newline, closefd, opener)
    except OSError as exc:
        _restore_names(exc, {os.fsdecode(host): file})
        raise
    drivefiles.show_name(stream, file)
    filesystem = mounts.owner(host)
    if filesystem is not None and isinstance(mode, str) and any(c in mode for c in "wax+"):
        return mounts.SyncedFile(stream, filesystem)
    return stream


def _os_open(path: Any, flags: int, mode: int = 0o777, *, dir_fd: Any = None) -> int:
    drive = _active()
    if drive is None:
        return _REAL_OS_OPEN(path, flags, mode, dir_fd=dir_fd)
    host = drive.host(path, dir_fd=dir_fd)
    try:
        if drive.space is not None and flags & os.O_CREAT:
            drivefiles.before_create(drive, host, creating=True)
        fd = _REAL_OS_OPEN(host, flags, mode)
    except OSError as exc:
        _restore_names(exc, {os.fsdecode(host): path})
        raise
    if drive.space is not None and _open_flags_mode(flags):
        drivefiles.track(fd, drive.space)
    return fd


_REAL_OS_OPEN = os.open


def install(drive: str | os.PathLike[str], size: int | None = -1) -> None:
    """Make every path the program uses a drive path (once per VM). ``size``: the drive's
    capacity in bytes (None: no limit; default: the run's ``drive_size``)."""
    global _map
    if _map is not None:
        return
    if size == -1:
        size = getattr(state.current, "drive_size", None)
    _map = DriveMap(Path(drive), size)
    builtins.open = _builtin_open
    io.open = _builtin_open
    functions = {name: getattr(os, name) for name in _SPECS if hasattr(os, name)}
    if _map.space is not None:
        # counted on host paths, so inside the mapping
        functions.update(drivefiles.counting(functions, _map))
        drivefiles.install_fd_writes(_map.space)
    for name, function in functions.items():
        setattr(os, name, _wrap(function, _SPECS[name], name))
    os.getcwd = _getcwd
    os.getcwdb = _getcwdb
    os.readlink = _readlink
    os.scandir = _scandir
    os.statvfs = _statvfs
    os.open = _os_open


def installed() -> DriveMap | None:
    """The current mapping (None outside a run's VM)."""
    return _map


def drive_cwd(drive: str | os.PathLike[str]) -> str:
    """The program's working folder as a drive path ("/" when it is not on the drive)."""
    mapping = _map or DriveMap(drive)
    return mapping.cwd()

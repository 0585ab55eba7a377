"""Writes that grow a sized drive, counted before they happen (for :mod:`.paths`).

Files a program opens for writing on the drive get a raw layer (:class:`DriveFileIO`) that asks
the drive's :class:`~protoboard.runtime.drivespace.DriveSpace` before each write, and their file
descriptors (also those of ``os.open``) are tracked, so ``os.write``, ``os.sendfile`` (which
``shutil.copyfile`` uses), ``os.copy_file_range``, ``os.ftruncate``... are counted too. New
folder entries (files, folders, rename and link targets) are counted before they are made.
Only descriptors opened through the mapped APIs are counted (not ``os.dup`` copies, ``mmap``
growth or C code): this is faithfulness, not enforcement against a determined program.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import io
import os
import posixpath
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from protoboard.runtime import paths
from protoboard.runtime.drivespace import DriveFull, DriveSpace

if TYPE_CHECKING:
    from protoboard.runtime.paths import DriveMap

_REAL: dict[str, Callable[..., Any]] = {
    name: getattr(os, name)
    for name in ("fstat", "lseek", "lstat", "stat", "write", "close", "ftruncate")
}

#: open file descriptors on a sized drive, and the drive
_tracked: dict[int, DriveSpace] = {}
#: the kinds of "full" already explained on the console in this run
_told: set[str] = set()

_MESSAGES = {
    "top-folder": "CIRCUITPY's top folder is full: FAT holds {entries} entries there (a long "
    "name takes several), so the board refuses more with Errno 13. Put files in a folder.",
}


def tell(space: DriveSpace, kind: str) -> None:
    """Say once per run, on the console, why a write was refused and what to do."""
    if kind not in (*_MESSAGES, "full") or kind in _told:
        return
    _told.add(kind)
    text = _message(space, kind)
    with contextlib.suppress(OSError):
        _REAL["write"](1, f"\n({text})\n".encode())


def _message(space: DriveSpace, kind: str) -> str:
    if kind == "full":  # the same words as the hint after the traceback
        from protoboard import hints
        from protoboard.runtime import state

        return hints.drive_full_text(space.geometry.size, state.current.image)
    return _MESSAGES[kind].format(entries=space.geometry.root_entries)


def no_space(space: DriveSpace) -> OSError:
    tell(space, "full")
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def track(fd: int, space: DriveSpace) -> None:
    _tracked[fd] = space


def grant(fd: int, offset: int | None, count: int) -> int:
    """How many of ``count`` bytes may be written to ``fd`` at ``offset`` (None: its
    position); ENOSPC when none."""
    space = _tracked.get(fd)
    if space is None or count <= 0 or paths.is_internal():
        return count
    st = _REAL["fstat"](fd)
    if offset is None:
        appending = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND
        offset = st.st_size if appending else _REAL["lseek"](fd, 0, os.SEEK_CUR)
    allowed = space.grant(st.st_size, offset, count)
    if allowed <= 0:
        raise no_space(space)
    return allowed


def grow(fd: int, length: int) -> None:
    """Count making ``fd``'s file ``length`` bytes long (FAT has no sparse files)."""
    space = _tracked.get(fd)
    if space is None or paths.is_internal():
        return
    size = _REAL["fstat"](fd).st_size
    if length > size and not space.allocate(space.clusters(length) - space.clusters(size)):
        raise no_space(space)


class DriveFileIO(io.FileIO):
    """A file on a sized drive, open for writing: each write is counted first."""

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        allowed = grant(self.fileno(), None, view.nbytes)
        return super().write(view[:allowed] if allowed < view.nbytes else view)

    def truncate(self, size: int | None = None) -> int:
        if size is not None:
            grow(self.fileno(), size)
        return super().truncate(size)

    def close(self) -> None:
        if not self.closed:
            _tracked.pop(self.fileno(), None)
        super().close()


def open_counted(
    space: DriveSpace,
    host: Any,
    mode: str,
    buffering: int,
    encoding: str | None,
    errors: str | None,
    newline: str | None,
    closefd: bool,
    opener: Any,
) -> Any:
    """``open()`` for writing on a sized drive: the usual buffered and text layers over a
    :class:`DriveFileIO`."""
    modes = set(mode)
    binary = "b" in modes
    if binary and "t" in modes:
        raise ValueError("can't have text and binary mode at once")
    if binary and (encoding is not None or errors is not None or newline is not None):
        raise ValueError("binary mode doesn't take an encoding, errors or newline argument")
    raw = DriveFileIO(host, "".join(c for c in mode if c in "rwxa+"), closefd, opener=opener)
    track(raw.fileno(), space)
    result: Any = raw
    try:
        line_buffering = False
        if buffering == 1 or (buffering < 0 and raw.isatty()):
            buffering, line_buffering = -1, True
        if buffering < 0:
            buffering = io.DEFAULT_BUFFER_SIZE
            with contextlib.suppress(OSError):
                buffering = max(buffering, _REAL["fstat"](raw.fileno()).st_blksize)
        if buffering == 0:
            if binary:
                return raw
            raise ValueError("can't have unbuffered text I/O")
        layer = io.BufferedRandom if "+" in modes else io.BufferedWriter
        result = buffer = layer(raw, buffering)
        if binary:
            return buffer
        result = text = io.TextIOWrapper(buffer, encoding, errors, newline, line_buffering)
        text.mode = mode  # type: ignore[misc]
        return text
    except BaseException:
        result.close()
        raise


def show_name(stream: Any, name: Any) -> None:
    """Make ``stream.name`` the program's own path, not the host path."""
    raw = stream
    for attribute in ("buffer", "raw"):
        raw = getattr(raw, attribute, raw)
    with contextlib.suppress(AttributeError, TypeError):
        raw.name = os.fspath(name) if isinstance(name, os.PathLike) else name


def before_create(drive: DriveMap, host: Any, *, creating: bool, folder: bool = False) -> None:
    """Count a new folder entry for ``host`` if it does not exist yet (FatFS's errors when FAT
    could not make it)."""
    space = drive.space
    if space is None or not creating or paths.is_internal() or isinstance(host, int):
        return
    text = os.fsdecode(host).rstrip("/")
    try:
        _REAL["lstat"](text)
        return  # exists: no new entry
    except OSError:
        pass
    parent, name = posixpath.split(text)
    try:
        space.add_entry(parent, name, is_folder=folder)
    except DriveFull as exc:
        tell(space, exc.kind)
        raise OSError(exc.errno, exc.strerror) from None


def counting(functions: dict[str, Callable[..., Any]], drive: DriveMap) -> dict[str, Any]:
    """Counting versions of the ``os`` functions that add folder entries or grow files (they
    receive host paths: the mapping wraps them)."""

    def entry_at(position: int, keyword: str, folder: bool = False) -> Callable[..., Any]:
        def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(function)
            def counted(*args: Any, **kwargs: Any) -> Any:
                target = args[position] if position < len(args) else kwargs.get(keyword)
                before_create(drive, target, creating=True, folder=folder)
                return function(*args, **kwargs)

            return counted

        return decorate

    found: dict[str, Any] = {}
    if "mkdir" in functions:
        found["mkdir"] = entry_at(0, "path", folder=True)(functions["mkdir"])
    for name in ("rename", "replace", "link"):
        if name in functions:
            found[name] = entry_at(1, "dst")(functions[name])
    if "symlink" in functions:
        found["symlink"] = entry_at(1, "dst")(functions["symlink"])
    if "truncate" in functions:
        found["truncate"] = _truncate_counting(functions["truncate"], drive)
    return found


def _truncate_counting(function: Callable[..., Any], drive: DriveMap) -> Callable[..., Any]:
    @functools.wraps(function)
    def truncate(path: Any, length: int) -> Any:
        space = drive.space
        if isinstance(path, int):
            grow(path, length)
        elif space is not None and not paths.is_internal():
            size = _REAL["stat"](path).st_size
            if length > size and not space.allocate(space.clusters(length) - space.clusters(size)):
                raise no_space(space)
        return function(path, length)

    return truncate


def install_fd_writes(space: DriveSpace) -> None:
    """Count the ``os`` functions that write through a file descriptor."""

    def sized(name: str, fd_at: int, count: Callable[[tuple[Any, ...]], int]) -> None:
        real = getattr(os, name, None)
        if real is None:
            return

        @functools.wraps(real)
        def counted(*args: Any, **kwargs: Any) -> Any:
            fd = args[fd_at]
            if fd in _tracked:
                offset = _offset(name, args)
                wanted = count(args)
                allowed = grant(fd, offset, wanted)
                if allowed < wanted:
                    args = _shorten(name, args, allowed)
            return real(*args, **kwargs)

        setattr(os, name, counted)

    sized("write", 0, lambda a: len(memoryview(a[1]).cast("B")))
    sized("pwrite", 0, lambda a: len(memoryview(a[1]).cast("B")))
    sized("writev", 0, lambda a: sum(memoryview(b).nbytes for b in a[1]))
    sized("pwritev", 0, lambda a: sum(memoryview(b).nbytes for b in a[1]))
    sized("sendfile", 0, lambda a: a[3])
    sized("copy_file_range", 1, lambda a: a[2])
    sized("splice", 1, lambda a: a[2])

    real_ftruncate = os.ftruncate

    @functools.wraps(real_ftruncate)
    def ftruncate(fd: int, length: int) -> None:
        grow(fd, length)
        real_ftruncate(fd, length)

    os.ftruncate = ftruncate
    real_fallocate = getattr(os, "posix_fallocate", None)
    if real_fallocate is not None:

        @functools.wraps(real_fallocate)
        def fallocate(fd: int, offset: int, length: int) -> None:
            grow(fd, offset + length)
            real_fallocate(fd, offset, length)

        os.posix_fallocate = fallocate
    real_close = os.close

    @functools.wraps(real_close)
    def close(fd: int) -> None:
        _tracked.pop(fd, None)
        real_close(fd)

    os.close = close


def _offset(name: str, args: tuple[Any, ...]) -> int | None:
    """Where a write through ``name`` lands (None: the descriptor's position)."""
    if name in ("pwrite", "pwritev"):
        return int(args[2])
    if name == "copy_file_range" and len(args) > 4 and args[4] is not None:
        return int(args[4])
    if name == "splice" and len(args) > 4 and args[4] is not None:
        return int(args[4])
    return None


def _shorten(name: str, args: tuple[Any, ...], allowed: int) -> tuple[Any, ...]:
    """The same call, writing only ``allowed`` bytes."""
    if name in ("write", "pwrite"):
        return (args[0], memoryview(args[1]).cast("B")[:allowed], *args[2:])
    if name in ("writev", "pwritev"):
        kept, left = [], allowed
        for buffer in args[1]:
            view = memoryview(buffer).cast("B")[:left]
            kept.append(view)
            left -= view.nbytes
        return (args[0], kept, *args[2:])
    if name == "sendfile":
        return (*args[:3], allowed, *args[4:])
    return (*args[:2], allowed, *args[3:])

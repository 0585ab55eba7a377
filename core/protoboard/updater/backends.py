"""Where a CIRCUITPY drive lives: the device-backend interface the updater is written against.

A backend knows how to list, read, write, move and remove files on one drive, how much room is
left, and which firmware runs there. Everything else (what to install, in which order, how to
stay transactional) is written once in :mod:`protoboard.updater.engine`.

Backends here: :class:`DiskBackend` (a folder or mounted drive: ours or a real board's);
:class:`protoboard.updater.web_backend.WebBackend` (CircuitPython's web workflow). A BLE
backend would wrap :mod:`protoboard.ble.client` the same way: its operations map one to one
(LISTDIR, READ, WRITE, MKDIR, MOVE, DELETE); free space and firmware come from
``boot_out.txt``.

Paths are POSIX, relative to the drive root (``lib/adafruit_bme280.mpy``), never absolute and
never containing ``..``: :func:`check_path` enforces it in one place for every backend.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from packaging.version import Version

from protoboard.deltree import remove_tree
from protoboard.errors import UserError
from protoboard.updater.bootout import BootOut, parse_version

__all__ = [
    "Backend",
    "BackendError",
    "DeviceInfo",
    "DiskBackend",
    "Entry",
    "Stats",
    "UnsafePath",
    "check_path",
    "device_info_from_boot_out",
]


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
#: how deep :meth:`Backend.walk` goes (libraries nest 2 or 3 folders)
MAX_WALK_DEPTH = 32


class BackendError(UserError):
    """A drive operation failed; the message says what and what to do."""


class UnsafePath(BackendError):
    """A path on the drive goes through a symbolic link (the updater never reads or writes
    through links, which could lead off the drive), or cannot exist there (a file used as a
    folder, a name too long): never a path the updater itself made."""


class SourceMissing(BackendError):
    """:meth:`Backend.replace` found no ``source``: nothing was touched (a journal replay
    skips such a step: it was done before the interruption)."""


@dataclass(frozen=True)
class DeviceInfo:
    """Which firmware a drive belongs to."""

    kind: str  # "circuitpython", "protoboard" or "unknown"
    version: Version | None
    board_id: str | None
    found_in: str  # "boot_out.txt", "/cp/version.json", "--cpy-version"
    version_text: str | None = None

    @property
    def major(self) -> int | None:
        return self.version.major if self.version is not None else None

    def describe(self) -> str:
        firmware = {"protoboard": "Protoboard", "circuitpython": "CircuitPython"}.get(
            self.kind, "unknown firmware"
        )
        version = f" {self.version_text or self.version}" if self.version else ""
        board = f" on {self.board_id}" if self.board_id else ""
        return f"{firmware}{version}{board}"


def device_info_from_boot_out(boot: BootOut, found_in: str = "boot_out.txt") -> DeviceInfo:
    return DeviceInfo(boot.kind, boot.version, boot.board_id, found_in, boot.version_text)


def device_info_from_override(version: str, board_id: str | None = None) -> DeviceInfo:
    """``--cpy-version 9.2.1``: a CircuitPython board; ``--cpy-version protoboard``: ours."""
    if version.strip().lower() == "protoboard":
        return DeviceInfo("protoboard", None, board_id, "--cpy-version")
    parsed = parse_version(version.strip())
    if parsed is None:
        raise BackendError(
            f"--cpy-version {version!r} is not a version; give one like 10.0.3 "
            "(or 'protoboard' for Protoboard's own drive)"
        )
    return DeviceInfo("circuitpython", parsed, board_id, "--cpy-version", version.strip())


@dataclass(frozen=True)
class Entry:
    """One listing entry. ``mtime_ns`` is None where the backend cannot say."""

    path: str
    is_dir: bool
    size: int
    mtime_ns: int | None = None

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class Stats:
    """What a backend cost (requests, bytes, files written): for tests and benchmarks."""

    requests: int = 0
    bytes_read: int = 0
    bytes_written: int = 0
    files_written: int = 0
    writes: list[tuple[str, int]] = field(default_factory=list)  # (path, bytes) in order
    by_kind: dict[str, int] = field(default_factory=dict)

    def wrote(self, path: str, size: int) -> None:
        self.bytes_written += size
        self.files_written += 1
        self.writes.append((path, size))

    def count(self, kind: str) -> None:
        self.requests += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


def check_path(path: str) -> str:
    """A drive-relative POSIX path, normalised; ValueError for anything that could escape."""
    if not path or "\\" in path or "\x00" in path:
        raise ValueError(f"bad drive path {path!r}")
    p = PurePosixPath(path)
    if p.is_absolute() or ".." in p.parts or any(part == "." for part in path.split("/")):
        raise ValueError(f"bad drive path {path!r}")
    return p.as_posix()


class Backend(ABC):
    """One CIRCUITPY drive. Methods raise :class:`BackendError` with a plain message."""

    #: how the drive is named in messages
    label: str
    #: reading a file costs about nothing (a local disk): the updater then checks managed
    #: files by hash, not only by size
    cheap_reads: bool = False
    #: first characters of the updater's staging names on this drive (the web API of our
    #: runtime refuses names starting with the runtime's own temporary prefix)
    stage_prefix: str = ".pbstage-"

    def __init__(self) -> None:
        self.stats = Stats()

    @abstractmethod
    def device_info(self) -> DeviceInfo | None:
        """The firmware, or None when the drive does not say (no ``boot_out.txt``)."""

    @abstractmethod
    def list_dir(self, path: str) -> list[Entry] | None:
        """The entries of a folder (not recursive), sorted by name; None if it does not exist."""

    @abstractmethod
    def read(self, path: str) -> bytes | None:
        """A file's bytes; None if it does not exist."""

    @abstractmethod
    def write(self, path: str, data: bytes) -> None:
        """Create or overwrite a file (its folder exists). Need not be atomic: the updater only
        writes staging names this way and renames them into place."""

    def write_stream(self, path: str, chunks: Iterable[bytes]) -> None:
        """:meth:`write` from chunks. This default joins them (remote drives need the length
        up front); the updater only passes files whose size it checked (:mod:`.limits`)."""
        self.write(path, b"".join(chunks))

    @abstractmethod
    def mkdir(self, path: str) -> None:
        """Create a folder (its parent exists); no error if it exists."""

    @abstractmethod
    def replace(self, source: str, target: str) -> None:
        """Rename ``source`` to ``target``, replacing a file or folder there. If ``source``
        does not exist, raise :class:`SourceMissing` and leave ``target`` alone."""

    def sync(self) -> None:  # noqa: B027 - remote drives flush each request themselves
        """Make what was written so far durable (called before and after the journal)."""

    @abstractmethod
    def remove(self, path: str) -> None:
        """Delete a file or a whole folder; no error if it is gone already."""

    @abstractmethod
    def free_space(self) -> tuple[int, int] | None:
        """(free bytes, allocation block size), or None if unknown."""

    def walk(self, path: str, max_depth: int = MAX_WALK_DEPTH) -> list[Entry]:
        """Every file and folder below ``path`` (depth first, sorted), without recursion;
        folders more than ``max_depth`` levels down are listed but not opened (no library
        nests that deep; a drive or a board may, to exhaust the stack)."""
        found: list[Entry] = []
        pending: list[tuple[Entry, int]] = [(e, 1) for e in reversed(self.list_dir(path) or [])]
        while pending:
            entry, depth = pending.pop()
            found.append(entry)
            if entry.is_dir and depth < max_depth:
                below = self.list_dir(entry.path) or []
                pending.extend((e, depth + 1) for e in reversed(below))
        return found

    def close(self) -> None:  # noqa: B027 - most backends hold nothing to release
        """Release connections."""


class DiskBackend(Backend):
    """A CIRCUITPY folder: Protoboard's drive, a mounted board, or a project folder."""

    def __init__(self, root: str | os.PathLike) -> None:
        super().__init__()
        from protoboard.runtime.drive import TEMP_PREFIX

        self.root = Path(root)
        self.label = str(self.root)
        self.cheap_reads = True
        self._unsynced: list[Path] = []  # files written since the last sync()
        self._dirty: set[Path] = set()  # folders whose entries changed
        # our runtime's watcher ignores these names: no reload until the final renames
        self.stage_prefix = f"{TEMP_PREFIX}stage-"
        if not self.root.is_dir():
            raise BackendError(
                f"{self.root} is not a folder. Give the CIRCUITPY drive's folder "
                "with --path (for example /media/$USER/CIRCUITPY)."
            )

    def _full(self, path: str, *, last: bool = False) -> Path:
        """The host path of a drive path, refusing one that goes through a symbolic link
        below the drive's root (``lib`` linked to a host folder, say); with ``last`` the path
        itself may not be a link either."""
        parts = check_path(path).split("/")
        full = self.root
        for i, part in enumerate(parts):
            full = full / part
            if i == len(parts) - 1 and not last:
                break
            try:
                linked = stat.S_ISLNK(os.lstat(full).st_mode)
            except OSError:
                break  # does not exist (yet): nothing below it can be a link
            if linked:
                shown = "/".join(parts[: i + 1])
                raise UnsafePath(
                    f"{shown} on {self.label} is a symbolic link (to {os.readlink(full)}); "
                    "the updater does not read or write through links, which can lead off "
                    f"the drive. Replace {shown} with a real folder (or remove the link), then "
                    "try again."
                )
        return full

    def _error(self, exc: OSError, doing: str) -> BackendError:
        if exc.errno in (errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP, errno.EINVAL):
            return UnsafePath(
                f"{doing} on {self.label} failed: {exc.strerror or exc} (the path cannot "
                "exist on the drive)"
            )
        if exc.errno == errno.EROFS:
            return BackendError(
                f"{self.label} is read-only, so {doing} failed. If the board's boot.py called "
                "storage.remount('/', readonly=False), the board owns the drive: undo that in "
                "boot.py and reset the board, or eject the drive and try again."
            )
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return BackendError(
                f"{self.label} is full, so {doing} failed. Delete files you no "
                "longer need (or uninstall libraries) and try again."
            )
        if exc.errno in (errno.EACCES, errno.EPERM):
            return BackendError(f"no permission for {doing} on {self.label}: {exc.strerror}")
        return BackendError(f"{doing} on {self.label} failed: {exc.strerror or exc}")

    def device_info(self) -> DeviceInfo | None:
        from protoboard.updater.bootout import read_boot_out

        try:
            boot = read_boot_out(self.root)
        except OSError as exc:
            raise self._error(exc, "reading boot_out.txt") from None
        self.stats.count("read")
        return device_info_from_boot_out(boot) if boot is not None else None

    def list_dir(self, path: str) -> list[Entry] | None:
        full = self.root if path in ("", ".") else self._full(path, last=True)
        prefix = "" if path in ("", ".") else check_path(path) + "/"
        self.stats.count("list")
        try:
            names = sorted(os.listdir(full))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise self._error(exc, f"listing {path or '/'}") from None
        entries = []
        for name in names:
            try:
                st = (full / name).lstat()
            except FileNotFoundError:
                continue
            if (full / name).is_symlink():
                continue  # never follow links out of the drive
            is_dir = (full / name).is_dir()
            entries.append(
                Entry(prefix + name, is_dir, 0 if is_dir else st.st_size, st.st_mtime_ns)
            )
        return entries

    def read(self, path: str) -> bytes | None:
        self.stats.count("read")
        try:
            fd = os.open(self._full(path), os.O_RDONLY | _NOFOLLOW)
            with os.fdopen(fd, "rb") as f:
                data = f.read()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return None  # a link: not a file of the drive (listings skip them too)
            raise self._error(exc, f"reading {path}") from None
        self.stats.bytes_read += len(data)
        return data

    def write(self, path: str, data: bytes) -> None:
        self.write_stream(path, [data])

    def write_stream(self, path: str, chunks: Iterable[bytes]) -> None:
        """Written chunk by chunk; a link at ``path`` is replaced, never written through."""
        self.stats.count("write")
        full = self._full(path)
        size = 0
        try:
            if os.path.islink(full):
                os.unlink(full)
            fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o666)
            with os.fdopen(fd, "wb") as f:
                self._unsynced.append(full)
                self._dirty.add(full.parent)
                for chunk in chunks:
                    f.write(chunk)
                    size += len(chunk)
        except BaseException as exc:
            if not os.path.islink(full):
                with contextlib.suppress(OSError):
                    full.unlink()
            if isinstance(exc, OSError):
                raise self._error(exc, f"writing {path}") from None
            raise
        self.stats.wrote(path, size)

    def mkdir(self, path: str) -> None:
        self.stats.count("mkdir")
        try:
            full = self._full(path, last=True)
            full.mkdir(exist_ok=True)
        except OSError as exc:
            raise self._error(exc, f"creating the folder {path}") from None

    def replace(self, source: str, target: str) -> None:
        self.stats.count("move")
        src, dst = self._full(source), self._full(target)
        if not os.path.lexists(src):
            raise SourceMissing(f"{source} is not on {self.label}")
        try:
            if dst.is_dir() and not dst.is_symlink():
                _rmtree(dst)
            elif src.is_dir() and (dst.exists() or dst.is_symlink()):
                dst.unlink()
            os.replace(src, dst)
            self._dirty.add(dst.parent)
        except OSError as exc:
            raise self._error(exc, f"moving {source} to {target}") from None

    def remove(self, path: str) -> None:
        self.stats.count("delete")
        full = self._full(path)
        try:
            if full.is_dir() and not full.is_symlink():
                _rmtree(full)
            else:
                full.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise self._error(exc, f"deleting {path}") from None

    def sync(self) -> None:
        for path in self._unsynced:
            _fsync(path, os.O_RDONLY)
        for folder in self._dirty:
            _fsync(folder, os.O_RDONLY)
        self._unsynced.clear()
        self._dirty.clear()

    def free_space(self) -> tuple[int, int] | None:
        try:
            st = os.statvfs(self.root)
        except (OSError, AttributeError):
            try:
                return shutil.disk_usage(self.root).free, 512
            except OSError:
                return None
        return st.f_bavail * st.f_frsize, st.f_frsize or 512


def _rmtree(top: Path) -> None:
    """Delete a folder tree of any depth; links are removed, never followed."""
    remove_tree(top.parent, top.name)


def _fsync(path: Path, flags: int) -> None:
    """fsync a file or folder; one that vanished meanwhile needs none."""
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

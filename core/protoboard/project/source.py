"""A project bundle, read safely: a Learn guide's "Project Bundle" zip, a URL to one, or a folder.

Adafruit's Learn guides ship each project as a zip with one folder per CircuitPython major
version::

    Clue_Plotter/CircuitPython 9.x/code.py
    Clue_Plotter/CircuitPython 9.x/lib/adafruit_clue.mpy
    Clue_Plotter/CircuitPython 10.x/...

A folder laid out that way works too, and so does a plain folder holding ``code.py`` (what
``protoboard project new`` makes): it counts as one version that fits every board.

Everything a bundle holds is outside input: names are checked (no ``..``, no absolute paths, no
links, names a FAT drive can store), and so are the number of files and their sizes, before a
byte is written anywhere.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from protoboard.errors import UserError
from protoboard.updater import limits
from protoboard.updater.backends import check_path
from protoboard.updater.bundle import FAT_INVALID, walk_folder

__all__ = ["ProjectError", "ProjectFile", "ProjectSource", "open_project"]

#: a version folder's name in a Learn project bundle
VERSION_FOLDER = re.compile(r"^CircuitPython[ _](\d+)\.x$", re.IGNORECASE)
#: files a project holds that never belong on a drive (an OS's or an editor's leftovers)
JUNK = re.compile(r"(^|/)(__MACOSX|\.DS_Store|Thumbs\.db|\.git|__pycache__)(/|$)")
#: one project's limits: the largest Learn project is a few MB (sounds, images, fonts)
MAX_FILES = 2000
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
_CHUNK = 64 * 1024


class ProjectError(UserError):
    """A project bundle that cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class ProjectFile:
    """One file of a version folder: its path on the drive and its size."""

    path: str
    size: int
    member: str  # where it is inside the bundle


class ProjectSource:
    """The version folders of a project and their files. Use :func:`open_project`."""

    def __init__(self, label: str, names: dict[str, int], opener: _Opener) -> None:
        self.label = label
        self._opener = opener
        self._sizes = names
        self.folders = _version_folders(label, list(names))

    @property
    def majors(self) -> list[int]:
        """The CircuitPython majors the bundle has a folder for, newest first."""
        return sorted((m for m in self.folders if m is not None), reverse=True)

    @property
    def name(self) -> str:
        """The project's name: its top folder, or the bundle's file name."""
        prefix = next(iter(self.folders.values()))
        parent = PurePosixPath(prefix).parent.name if prefix else ""
        if parent and not VERSION_FOLDER.match(parent):
            return parent
        base = PurePosixPath(self.label.rstrip("/")).name
        return base.removesuffix(".zip") or "project"

    def files(self, major: int | None) -> list[ProjectFile]:
        """The files of one version folder (``None``: the plain folder), junk left out."""
        prefix = self.folders[major]
        out: list[ProjectFile] = []
        total = 0
        for member, size in sorted(self._sizes.items()):
            if not member.startswith(prefix) or member.endswith("/"):
                continue
            rel = member[len(prefix) :]
            if not rel or JUNK.search(rel):
                continue
            path = _drive_path(self.label, rel)
            if size > MAX_FILE_BYTES:
                raise ProjectError(
                    f"{self.label}: {rel} is {size} bytes; a project file may have at most "
                    f"{MAX_FILE_BYTES // (1024 * 1024)} MB (a board's drive holds a few MB in all)"
                )
            total += size
            out.append(ProjectFile(path, size, member))
        if total > MAX_TOTAL_BYTES:
            raise ProjectError(
                f"{self.label}: its files add up to {total} bytes, more than any board's drive"
            )
        _check_case_clashes(self.label, [f.path for f in out])
        return out

    def chunks(self, file: ProjectFile) -> Iterator[bytes]:
        """A file's bytes in pieces; never more than the size its listing gave."""
        return self._opener(file.member, file.size)

    def close(self) -> None:
        closer = getattr(self._opener, "close", None)
        if closer is not None:
            closer()

    def __enter__(self) -> ProjectSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Opener:
    def __call__(self, member: str, size: int) -> Iterator[bytes]:
        raise NotImplementedError


class _ZipOpener(_Opener):
    def __init__(self, archive: zipfile.ZipFile, label: str) -> None:
        self.archive = archive
        self.label = label

    def __call__(self, member: str, size: int) -> Iterator[bytes]:
        seen = 0
        try:
            with self.archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    seen += len(chunk)
                    if seen > size:
                        break
                    yield chunk
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ProjectError(f"{self.label}: {member} cannot be read ({exc})") from None
        if seen != size:
            raise ProjectError(
                f"{self.label}: {member} does not hold the {size} bytes its zip listing says: "
                "the zip is damaged. Download it again."
            )

    def close(self) -> None:
        self.archive.close()


class _FolderOpener(_Opener):
    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, member: str, size: int) -> Iterator[bytes]:
        path = self.root / member
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, flags)
        except OSError as exc:
            raise ProjectError(f"{path}: cannot be read ({exc.strerror})") from None
        seen = 0
        with os.fdopen(fd, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                seen += len(chunk)
                if seen > size:
                    break
                yield chunk
        if seen != size:
            raise ProjectError(f"{path} changed while it was being copied; try again")


def open_project(location: str, *, offline: bool = False) -> ProjectSource:
    """A project from a folder, a zip file or an ``http(s)://`` URL to a zip (downloaded
    through the updater's cache, so a second install works offline)."""
    if location.startswith(("http://", "https://")):
        return _open_zip(_download(location, offline), location)
    path = Path(location).expanduser()
    if path.is_dir():
        return _open_folder(path)
    if not path.exists():
        raise ProjectError(
            f"{location}: no such file or folder. Give a project bundle's .zip (the "
            "'Download Project Bundle' button of a Learn guide), its URL, or a project folder."
        )
    return _open_zip(path, str(path))


def _download(url: str, offline: bool) -> Path:
    from protoboard.updater.fetch import Fetcher, FetchError

    try:
        return Fetcher(offline=offline, max_bytes=MAX_TOTAL_BYTES).get(url, refresh=not offline)
    except FetchError as exc:
        raise ProjectError(f"could not download the project: {exc}") from None


def _open_zip(path: Path, label: str) -> ProjectSource:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ProjectError(
            f"{label} is not a zip file ({exc}). A project bundle is the .zip a Learn guide's "
            "'Download Project Bundle' button gives; download it again if it was cut short."
        ) from None
    try:
        infos = archive.infolist()
        if len(infos) > limits.MAX_ZIP_ENTRIES:
            raise ProjectError(f"{label}: {len(infos)} entries; not a project bundle")
        names: dict[str, int] = {}
        for info in infos:
            _check_member(label, info)
            names[info.filename] = info.file_size
            if info.file_size > limits.RATIO_FLOOR and (
                info.file_size > info.compress_size * limits.MAX_RATIO
            ):
                raise ProjectError(
                    f"{label}: {info.filename} inflates {info.compress_size} bytes to "
                    f"{info.file_size}: no real file compresses that much (a zip bomb?)"
                )
        return ProjectSource(label, names, _ZipOpener(archive, label))
    except BaseException:
        archive.close()
        raise


def _open_folder(root: Path) -> ProjectSource:
    try:
        members, _links = walk_folder(root)
    except UserError as exc:
        raise ProjectError(str(exc)) from None
    if len(members) > MAX_FILES * 10:
        raise ProjectError(f"{root}: {len(members)} files; not a project folder")
    names = {m: (root / m).lstat().st_size for m in members}
    return ProjectSource(str(root), names, _FolderOpener(root))


def _check_member(label: str, info: zipfile.ZipInfo) -> None:
    name = info.filename
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ProjectError(f"{label}: {name!r} is a symbolic link; a project holds only files")
    try:
        check_path(name.rstrip("/"))
    except ValueError:
        raise ProjectError(
            f"{label}: unsafe entry {name!r} (an absolute path, '..' or a backslash): the "
            "zip is damaged or made to attack; do not use it"
        ) from None


def _version_folders(label: str, names: list[str]) -> dict[int | None, str]:
    """major -> the prefix of its folder (``None`` -> a plain project folder)."""
    found: dict[int | None, str] = {}
    for name in names:
        parts = name.split("/")
        for depth, part in enumerate(parts[:-1][:3]):
            match = VERSION_FOLDER.match(part)
            if match:
                found.setdefault(int(match.group(1)), "/".join(parts[: depth + 1]) + "/")
                break
    if found:
        return found
    codes = sorted((n for n in names if PurePosixPath(n).name == "code.py"), key=len)
    if not codes:
        raise ProjectError(
            f"{label} holds no 'CircuitPython N.x' folder and no code.py: it is not a project "
            "bundle. (A library bundle is installed with 'protoboard install', not 'project get'.)"
        )
    top = codes[0].rpartition("/")[0]
    return {None: f"{top}/" if top else ""}


def _drive_path(label: str, rel: str) -> str:
    for part in rel.split("/"):
        if FAT_INVALID.search(part) or part.endswith((" ", ".")) or len(part) > 255:
            raise ProjectError(
                f"{label}: {rel!r} cannot be stored on a CIRCUITPY drive (FAT names hold no "
                'control characters, no :*?"<>|, no trailing dot or space, at most 255 characters)'
            )
    return check_path(rel)


def _check_case_clashes(label: str, paths: list[str]) -> None:
    seen: dict[str, str] = {}
    for path in paths:
        other = seen.setdefault(path.casefold(), path)
        if other != path:
            raise ProjectError(
                f"{label}: {other!r} and {path!r} differ only in case; on a CIRCUITPY drive (FAT) "
                "they are the same file"
            )

"""Adafruit-format library bundles: a zip (or its extracted folder) and its JSON metadata.

Layout (circuitpython-build-tools, see docs in shared/reference/bundles-and-circup.md §2)::

    <prefix>-<py|N.x-mpy>-<YYYYMMDD>/         the zip's single top folder
        lib/<module>.py|.mpy   lib/<package>/...
        examples/<library>/...
        requirements/<module>/requirements.txt, pyproject.toml
    <prefix>-<YYYYMMDD>.json                  released beside the zips (also looked for inside)

JSON: one object keyed by module name; per library ``package``, ``version``, ``path``
(``lib/<module>``, no extension), ``dependencies`` (module names in the same bundle),
``external_dependencies`` (other requirement names), ``repo``, ``pypi_name``,
``pypi_description`` (the last three optional here: older build-tools omitted some).
Without a JSON the libraries come from ``lib/`` and dependencies from ``requirements/``.

Every zip entry name is checked when the bundle is opened: absolute names, ``..`` parts and
symlinks are refused (:class:`BundleError`), and so are names under ``lib/`` that a FAT drive
cannot hold (control characters, ``:*?"<>|``) or that differ only in case; a truncated or
corrupt zip is a BundleError too. A folder bundle's symbolic links are skipped with a warning
(:attr:`Bundle.warnings`): a link to a file of the host is never copied onto a drive.

Files are never read whole before their size is known to be acceptable (:mod:`.limits`): the
size comes from the zip's directory (or ``lstat``) and is checked against the limits and the
compression ratio first, then :meth:`Bundle.iter_bytes` inflates the file in bounded chunks
and checks that it is exactly as long as the directory said.
:meth:`Bundle.extract` builds a library in a temporary folder beside its target, then renames.
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from protoboard.errors import UserError
from protoboard.runtime.drive import TEMP_PREFIX  # the drive watcher ignores these
from protoboard.updater import limits
from protoboard.updater.limits import CHUNK, MAX_FILE_BYTES, MAX_RATIO, RATIO_FLOOR

__all__ = [
    "BLINKA_ONLY_REQUIREMENTS",
    "HOST_ONLY_REQUIREMENTS",
    "REQUIRED_KEYS",
    "Bundle",
    "BundleError",
    "LibraryInfo",
    "canonical_name",
    "is_blinka_only",
    "is_host_only",
]

REQUIRED_KEYS = ("package", "version", "path", "dependencies", "external_dependencies")
OPTIONAL_KEYS = ("repo", "pypi_name", "pypi_description")
_KIND = re.compile(r"^(?P<prefix>.+?)-(?P<kind>py|\d+\.x-mpy)(?:-(?P<tag>\d{8}))?$")
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    ValueError,
    KeyError,
    OSError,
)


class BundleError(UserError):
    """A bundle that cannot be read or used, with a message meant for the user."""


@dataclass(frozen=True)
class LibraryInfo:
    name: str
    version: str | None
    package: bool
    files: tuple[str, ...]  # paths inside the bundle folder: "lib/x.mpy", ...
    dependencies: tuple[str, ...] = ()  # module names in this bundle
    external_dependencies: tuple[str, ...] = ()
    repo: str | None = None
    pypi_name: str | None = None
    path: str | None = None  # "lib/<name>" as the JSON says


def canonical_name(name: str) -> str:
    """PyPI-style names to module names, as circup does:
    ``adafruit-circuitpython-mcp9808`` -> ``adafruit_mcp9808``."""
    name = name.strip().lower()
    name = re.split(r"[<>=~!\[;\s]", name, maxsplit=1)[0]
    if "circuitpython" in name:
        name = name.replace("-circuitpython-", "-").replace("_circuitpython_", "_")
    name = name.replace("-", "_")
    return _ALIASES.get(name, name)


#: PyPI names whose module name differs beyond the rule above (part of circup's table)
_ALIASES = {
    "adafruit_busdevice": "adafruit_bus_device",
    "adafruit_neopixel": "neopixel",
    "adafruit_simpleio": "simpleio",
    "adafruit_asyncio": "asyncio",
}

#: requirement names that only matter on Linux/Blinka, never on a board: the list
#: circuitpython-build-tools (1.21) leaves out of a bundle's ``external_dependencies``
BLINKA_ONLY_REQUIREMENTS = frozenset(
    canonical_name(name)
    for name in (
        "adafruit-blinka",
        "adafruit-blinka-bleio",
        "adafruit-blinka-displayio",
        "adafruit-blinka-pyportal",
        "adafruit-python-extended-bus",
        "numpy",
        "pillow",
        "pyasn1",
        "pyserial",
        "scipy",
        "spidev",
    )
)
#: requirement names that are never CircuitPython libraries (host-side or typing only): the
#: Blinka ones and more; the updater never installs them. Module-name form (:func:`canonical_name`).
HOST_ONLY_REQUIREMENTS = BLINKA_ONLY_REQUIREMENTS | frozenset(
    canonical_name(name)
    for name in (
        "adafruit-circuitpython-typing",
        "circuitpython-typing",
        "typing-extensions",
        "rpi-gpio",
        "smbus2",
        "pyftdi",
        "pyusb",
        "binho-host-adapter",
    )
)


def _requirement_key(name: str) -> str:
    # PyPI treats ".", "-" and "_" alike in project names
    return canonical_name(name).replace(".", "_")


def is_host_only(requirement_name: str) -> bool:
    """Whether a requirement (a PyPI or module name, version specifiers allowed) is never a
    CircuitPython library, so nothing is installed on a board for it."""
    return _requirement_key(requirement_name) in HOST_ONLY_REQUIREMENTS


def is_blinka_only(requirement_name: str) -> bool:
    """Whether a requirement is one of build-tools' Blinka-only names, which a bundle's JSON leaves
    out of ``external_dependencies`` (a subset of :func:`is_host_only`)."""
    return _requirement_key(requirement_name) in BLINKA_ONLY_REQUIREMENTS


_BAD_HINT = (
    "The bundle is damaged or was made to attack: do not use it. Remove it "
    "(protoboard bundle remove NAME) or download it again (protoboard bundle refresh)."
)
#: characters a FAT drive (CIRCUITPY) cannot hold in a name, besides "/" and control characters
FAT_INVALID = re.compile(r'[\x00-\x1f\x7f:*?"<>|]')


def _check_member(name: str, info: zipfile.ZipInfo | None, where: str) -> None:
    """Refuse a zip entry that would escape the folder it is extracted into."""
    if "\\" in name or "\x00" in name:
        raise BundleError(
            f"{where}: unsafe entry {name!r}: backslash or NUL in the name", _BAD_HINT
        )
    p = PurePosixPath(name)
    if p.is_absolute() or re.match(r"^[A-Za-z]:", name):
        raise BundleError(f"{where}: unsafe entry {name!r}: absolute path", _BAD_HINT)
    if ".." in p.parts:
        raise BundleError(
            f"{where}: unsafe entry {name!r}: '..' escapes the bundle folder", _BAD_HINT
        )
    if info is not None and stat.S_ISLNK(info.external_attr >> 16):
        raise BundleError(f"{where}: unsafe entry {name!r}: symbolic link", _BAD_HINT)


def _check_lib_names(names: list[str], where: str) -> None:
    """Names under ``lib/`` are written to a FAT drive: each must be storable there, and no
    two may differ only in case (FAT would make them one file)."""
    seen: dict[str, str] = {}
    for name in names:
        if not name.startswith("lib/"):
            continue
        for part in name.split("/")[1:]:
            if FAT_INVALID.search(part) or part.endswith((" ", ".")):
                raise BundleError(
                    f"{where}: entry {name!r} cannot be stored on a CIRCUITPY drive (FAT "
                    'names hold no control characters, no :*?"<>| and no trailing dot or '
                    "space)",
                    _BAD_HINT,
                )
        folded = name.casefold()
        if folded in seen and seen[folded] != name:
            raise BundleError(
                f"{where}: entries {seen[folded]!r} and {name!r} differ only in case: on a "
                "CIRCUITPY drive (FAT) they are the same file",
                _BAD_HINT,
            )
        seen[folded] = name


def _check_size(info: zipfile.ZipInfo, rel: str, where: object, limit: int) -> None:
    """Refuse a member whose inflated size (from the zip's directory) is past ``limit`` or
    whose compression ratio no real file has (see :mod:`.limits`)."""
    size, packed = info.file_size, info.compress_size
    if size > limit:
        raise BundleError(
            f"{where}: {rel} inflates to {size} bytes, more than the {limit} a library file "
            "may have (the largest real one is about 165 KB): a zip bomb or a broken bundle",
            _BAD_HINT,
        )
    if size >= RATIO_FLOOR and size > packed * MAX_RATIO:
        raise BundleError(
            f"{where}: {rel} compresses {size / max(packed, 1):.0f} to 1 ({packed} bytes "
            f"inflating to {size}); no real library file compresses more than {MAX_RATIO} "
            "to 1: a zip bomb",
            _BAD_HINT,
        )


class Bundle:
    """A bundle, zip or folder. Use :meth:`open`."""

    def __init__(
        self,
        source: Path,
        top: str,
        names: list[str],
        zf: zipfile.ZipFile | None,
        metadata: dict | None,
        json_name: str | None,
        warnings: list[str] | None = None,
    ):
        self.source = source
        #: what was skipped while opening (symbolic links in a folder bundle), for the user
        self.warnings: list[str] = warnings or []
        self._top = top  # "" or "<folder>/" (zip) / folder path (dir)
        self._zip = zf
        self._names = names  # file paths relative to the bundle folder
        self.json_name = json_name
        m = _KIND.match(PurePosixPath(top.rstrip("/")).name or source.stem)
        if m is None:
            m = _KIND.match(source.stem)
        self.prefix = m["prefix"] if m else None
        self.kind = m["kind"] if m else "unknown"  # "py", "10.x-mpy" or "unknown"
        self.tag = m["tag"] if m else None
        self.libraries: dict[str, LibraryInfo] = self._libraries(metadata)

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, json_path: str | os.PathLike | None = None) -> Bundle:
        """Open a bundle zip or an extracted folder (the bundle folder itself, or a folder
        holding exactly one). The JSON is ``json_path``, else a ``*.json`` inside the bundle
        folder, else ``<prefix>-<tag>.json`` beside it; none at all is allowed."""
        path = Path(path)
        if path.is_dir():
            return cls._open_dir(path, json_path)
        if not path.exists():
            raise BundleError(f"{path}: no such bundle")
        try:
            zf = zipfile.ZipFile(path)
            infos = zf.infolist()
        except _ZIP_ERRORS as e:
            raise BundleError(
                f"{path}: not a readable zip (truncated or corrupt?): {e}", _BAD_HINT
            ) from None
        try:
            return cls._from_zip(path, zf, infos, json_path)
        except BaseException:
            zf.close()
            raise

    @classmethod
    def _from_zip(
        cls,
        path: Path,
        zf: zipfile.ZipFile,
        infos: list[zipfile.ZipInfo],
        json_path: str | os.PathLike[str] | None,
    ) -> Bundle:
        if len(infos) > limits.MAX_ZIP_ENTRIES:
            raise BundleError(
                f"{path}: {len(infos)} entries, more than the {limits.MAX_ZIP_ENTRIES} a "
                "bundle may have (Adafruit's has about 4,000)",
                _BAD_HINT,
            )
        for info in infos:
            _check_member(info.filename, info, str(path))
        files = [i.filename for i in infos if not i.is_dir()]
        top = "" if any(n.startswith("lib/") for n in files) else _common_top(files)
        names = [n[len(top) :] for n in files if n.startswith(top)]
        _check_lib_names(names, str(path))
        metadata, json_name = None, None
        inner = [n for n in names if "/" not in n and n.endswith(".json")]
        if json_path is None and inner:
            json_name = f"{path.name}:{top}{inner[0]}"
            info = zf.getinfo(top + inner[0])
            _check_size(info, inner[0], path, limits.MAX_JSON_BYTES)
            data = b"".join(_zip_chunks(zf, info, top + inner[0], path))
            metadata = _parse_json(data, json_name)
        else:
            metadata, json_name = _json_beside(path, top, json_path)
        return cls(path, top, names, zf, metadata, json_name)

    @classmethod
    def _open_dir(cls, path: Path, json_path: str | os.PathLike[str] | None) -> Bundle:
        root = path
        if not (root / "lib").is_dir():
            children = [c for c in root.iterdir() if c.is_dir() and (c / "lib").is_dir()]
            if len(children) != 1:
                raise BundleError(
                    f"{path}: not a bundle folder (no lib/ folder in it or in "
                    "exactly one folder below it)"
                )
            root = children[0]
        names, warnings = walk_folder(root)
        inner = [n for n in names if "/" not in n and n.endswith(".json")]
        json_name: str | None
        if json_path is None and inner:
            json_name = str(root / inner[0])
            metadata = _parse_json(_read_file(root / inner[0], limits.MAX_JSON_BYTES), json_name)
        else:
            metadata, json_name = _json_beside(root, root.name + "/", json_path)
        _check_lib_names(names, str(root))
        return cls(root, root.name + "/", names, None, metadata, json_name, warnings)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def major(self) -> int | None:
        """N of an ``N.x-mpy`` bundle; None for ``py`` (any major) or unknown."""
        m = re.match(r"^(\d+)\.x-mpy$", self.kind)
        return int(m[1]) if m else None

    # -- metadata ---------------------------------------------------------------------------

    def _lib_files(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for n in self._names:
            parts = n.split("/")
            if len(parts) < 2 or parts[0] != "lib" or not parts[1]:
                continue
            if len(parts) == 2:
                name = parts[1].rsplit(".", 1)[0] if "." in parts[1] else parts[1]
            else:
                name = parts[1]
            found.setdefault(name, []).append(n)
        return found

    def _libraries(self, metadata: dict | None) -> dict[str, LibraryInfo]:
        lib_files = self._lib_files()
        libs: dict[str, LibraryInfo] = {}
        where = self.json_name or str(self.source)
        if metadata is not None:
            if not isinstance(metadata, dict):
                raise BundleError(f"{where}: the JSON is not an object keyed by library name")
            for name, entry in metadata.items():
                libs[name] = _library_from_json(name, entry, where, lib_files.get(name, []))
        for name, files in lib_files.items():
            if name not in libs:
                deps, ext = self._requirements(name, set(lib_files))
                package = any(f.count("/") >= 2 for f in files)
                libs[name] = LibraryInfo(
                    name, None, package, tuple(sorted(files)), deps, ext, path=f"lib/{name}"
                )
        return libs

    def _requirements(self, name: str, known: set[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        rel = f"requirements/{name}/requirements.txt"
        if rel not in self._names:
            return (), ()
        deps, ext = [], []
        for line in self.read_text(rel).splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("-"):
                continue
            module = canonical_name(line)
            if module in known:
                deps.append(module)
            else:
                ext.append(re.split(r"[<>=~!\[;\s]", line, maxsplit=1)[0])
        return tuple(deps), tuple(ext)

    def size(self, rel: str, limit: int = MAX_FILE_BYTES) -> int:
        """A file's size as the zip's directory (or the folder) says, without reading it;
        BundleError if it is past ``limit`` or compresses like a zip bomb."""
        if self._zip is not None:
            info = self._info(rel)
            _check_size(info, rel, self.source.name, limit)
            return info.file_size
        try:
            st = (self.source / rel).lstat()
        except OSError as e:
            raise BundleError(f"{self.source / rel}: cannot read: {e.strerror or e}") from None
        if not stat.S_ISREG(st.st_mode):
            raise BundleError(f"{self.source / rel}: not a regular file", _BAD_HINT)
        if st.st_size > limit:
            raise BundleError(
                f"{self.source / rel}: {st.st_size} bytes, more than the {limit} a library "
                "file may have",
                _BAD_HINT,
            )
        return st.st_size

    def _info(self, rel: str) -> zipfile.ZipInfo:
        assert self._zip is not None
        try:
            return self._zip.getinfo(self._top + rel)
        except KeyError:
            raise BundleError(f"{self.source.name}: no {rel!r} in the bundle") from None

    def iter_bytes(self, rel: str, limit: int = MAX_FILE_BYTES) -> Iterator[bytes]:
        """A file's bytes in chunks of at most :data:`~.limits.CHUNK`, after :meth:`size`
        accepted it; BundleError if the bytes are not exactly as many as it said."""
        expected = self.size(rel, limit)
        if self._zip is not None:
            yield from _zip_chunks(self._zip, self._info(rel), rel, self.source.name)
            return
        yield from _file_chunks(self.source / rel, expected)

    def read_bytes(self, rel: str, limit: int = MAX_FILE_BYTES) -> bytes:
        """A file of the bundle by its path inside the bundle folder (bounded: see
        :meth:`iter_bytes`)."""
        return b"".join(self.iter_bytes(rel, limit))

    def read_text(self, rel: str) -> str:
        return self.read_bytes(rel).decode("utf-8", "replace")

    # -- resolving --------------------------------------------------------------------------

    def find(self, name: str) -> LibraryInfo:
        """A library by module name (or PyPI-style name); BundleError with suggestions."""
        for candidate in (name, canonical_name(name)):
            if candidate in self.libraries:
                return self.libraries[candidate]
        close = difflib.get_close_matches(canonical_name(name), self.libraries, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise BundleError(f"unknown library {name!r} in {self.source.name}{hint}")

    def resolve(self, names: Iterable[str]) -> list[LibraryInfo]:
        """The libraries ``names`` with all their dependencies, each dependency before the
        libraries needing it, each library once. Unknown names and cycles are BundleErrors."""
        order: list[LibraryInfo] = []
        done: set[str] = set()
        stack: list[str] = []

        def visit(lib: LibraryInfo) -> None:
            if lib.name in done:
                return
            if lib.name in stack:
                cycle = [*stack[stack.index(lib.name) :], lib.name]
                raise BundleError(f"dependency cycle: {' -> '.join(cycle)}")
            if len(stack) >= 100:  # as the catalog's MAX_DEPENDENCY_DEPTH
                raise BundleError(
                    f"dependencies nest more than 100 deep ({' -> '.join(stack[:3])} -> ...): "
                    "the bundle is broken",
                    _BAD_HINT,
                )
            stack.append(lib.name)
            for dep in lib.dependencies:
                if dep not in self.libraries:
                    try:
                        dep_lib = self.find(dep)
                    except BundleError as e:
                        raise BundleError(
                            f"{lib.name} needs {dep!r}, which is not in the bundle ({e})"
                        ) from None
                else:
                    dep_lib = self.libraries[dep]
                visit(dep_lib)
            stack.pop()
            done.add(lib.name)
            order.append(lib)

        for name in names:
            visit(self.find(name))
        return order

    # -- extracting -------------------------------------------------------------------------

    def extract(self, name: str, target_dir: str | os.PathLike) -> list[Path]:
        """Copy one library into ``target_dir`` (usually ``<drive>/lib``): ``lib/x.mpy`` becomes
        ``target_dir/x.mpy``, a package folder replaces ``target_dir/<package>`` as a whole.
        All files are written to a temporary folder beside the target first, then renamed in;
        on any error nothing new is left. Returns the installed top-level paths."""
        lib = self.find(name)
        if not lib.files:
            raise BundleError(
                f"{lib.name}: listed in the JSON but no files under lib/ in {self.source.name}"
            )
        target = Path(target_dir)
        target.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}extract-", dir=target))
        try:
            tops: set[str] = set()
            for rel in lib.files:
                inner = PurePosixPath(rel).relative_to("lib")
                _check_member(inner.as_posix(), None, self.source.name)
                if self._zip is None:
                    src = self.source / rel
                    if src.is_symlink():
                        raise BundleError(
                            f"{self.source.name}: unsafe entry {rel!r}: symbolic link"
                        )
                dest = tmp.joinpath(*inner.parts)
                if not dest.resolve().is_relative_to(tmp.resolve()):
                    raise BundleError(
                        f"{self.source.name}: unsafe entry {rel!r}: escapes the target"
                    )
                dest.parent.mkdir(parents=True, exist_ok=True)
                with dest.open("wb") as out:
                    for chunk in self.iter_bytes(rel):
                        out.write(chunk)
                tops.add(inner.parts[0])
            installed = []
            for top in sorted(tops):
                final = target / top
                _replace(tmp / top, final, tmp)
                installed.append(final)
            return installed
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _replace(new: Path, final: Path, tmp: Path) -> None:
    if new.is_dir():
        old = None
        if final.is_dir() and not final.is_symlink():
            old = tmp / f"{TEMP_PREFIX}old-{final.name}"
            os.replace(final, old)
        elif final.exists() or final.is_symlink():
            final.unlink()
        try:
            os.replace(new, final)
        except OSError:
            if old is not None:
                os.replace(old, final)
            raise
    else:
        if final.is_dir() and not final.is_symlink():
            shutil.rmtree(final)  # a package replaced by a single-file module
        os.replace(new, final)


def _common_top(files: list[str]) -> str:
    tops = {n.split("/", 1)[0] for n in files if "/" in n}
    if len(tops) == 1:
        return tops.pop() + "/"
    return ""


def _zip_chunks(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, rel: str, where: object
) -> Iterator[bytes]:
    """Inflate a member in bounded chunks; exactly ``info.file_size`` bytes or BundleError
    (zipfile stops at the directory's size and checks the CRC; a shorter member is caught
    here)."""
    expected, got = info.file_size, 0
    try:
        with zf.open(info) as member:
            while True:
                chunk = member.read(CHUNK)
                if not chunk:
                    break
                got += len(chunk)
                if got > expected:
                    break
                yield chunk
    except _ZIP_ERRORS as e:
        raise BundleError(
            f"{where}: cannot read {rel!r} (truncated or corrupt zip?): {e}", _BAD_HINT
        ) from None
    if got != expected:
        raise BundleError(
            f"{where}: {rel} holds {'more' if got > expected else 'fewer'} bytes than the "
            f"zip's directory says ({expected}): the bundle is damaged or forged",
            _BAD_HINT,
        )


def _open_nofollow(path: Path) -> int:
    try:
        return os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise BundleError(f"{path}: a symbolic link; not read", _BAD_HINT) from None
        raise BundleError(f"{path}: cannot read: {e.strerror or e}") from None


def _file_chunks(path: Path, expected: int) -> Iterator[bytes]:
    """A folder bundle's file in chunks, never through a symbolic link, exactly
    ``expected`` bytes long (it may not grow while it is copied)."""
    fd = _open_nofollow(path)
    got = 0
    try:
        with os.fdopen(fd, "rb") as f:
            while chunk := f.read(CHUNK):
                got += len(chunk)
                if got > expected:
                    break
                yield chunk
    except OSError as e:
        raise BundleError(f"{path}: cannot read: {e.strerror or e}") from None
    if got != expected:
        raise BundleError(f"{path}: changed while it was read; try again")


def _read_file(path: Path, limit: int = limits.MAX_JSON_BYTES) -> bytes:
    """A small file (a JSON) beside or inside a bundle, refused past ``limit`` bytes."""
    fd = _open_nofollow(path)
    try:
        with os.fdopen(fd, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise BundleError(f"{path}: cannot read: {e.strerror or e}") from None
    if len(data) > limit:
        raise BundleError(f"{path}: more than {limit} bytes; not a bundle's JSON", _BAD_HINT)
    return data


def walk_folder(root: Path) -> tuple[list[str], list[str]]:
    """A folder bundle's files (paths relative to ``root``), sorted, symbolic links left
    out; and a warning for each link left out."""
    names: list[str] = []
    warnings: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):  # never descends into linked folders
        for d in list(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                dirnames.remove(d)
                filenames.append(d)
        for f in filenames:
            rel = Path(dirpath, f).relative_to(root).as_posix()
            if os.path.islink(os.path.join(dirpath, f)):
                warnings.append(
                    f"{root}: skipped {rel}, a symbolic link (a bundle's files are copied, "
                    "never what links point to)"
                )
                continue
            names.append(rel)
            if len(names) > limits.MAX_ZIP_ENTRIES:
                raise BundleError(
                    f"{root}: more than {limits.MAX_ZIP_ENTRIES} files; not a bundle folder",
                    _BAD_HINT,
                )
        dirnames.sort()
    names.sort()
    return names, warnings


def _parse_json(data: bytes, where: str) -> Any:
    try:
        return limits.loads(data)
    except limits.BadJSON as e:
        raise BundleError(
            f"{where}: invalid JSON: {e}",
            "Download the bundle again (protoboard bundle refresh), or remove the source "
            "that gave it (protoboard bundle remove NAME).",
        ) from None


def _json_beside(
    path: Path, top: str, json_path: str | os.PathLike[str] | None
) -> tuple[dict[str, Any] | None, str | None]:
    if json_path is not None:
        p = Path(json_path)
        return _parse_json(_read_file(p), str(p)), str(p)
    m = _KIND.match(PurePosixPath(top.rstrip("/")).name or path.stem) or _KIND.match(path.stem)
    if m and m["tag"]:
        p = path.parent / f"{m['prefix']}-{m['tag']}.json"
        if p.is_file():
            return _parse_json(_read_file(p), str(p)), str(p)
    return None, None


_MODULE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def _library_from_json(name: str, entry: Any, where: str, files: list[str]) -> LibraryInfo:
    # names are module names; one that could be a path ("../x") is refused
    if not _MODULE.match(name) or ".." in name:
        raise BundleError(f"{where}: {name[:80]!r} is not a library name", _BAD_HINT)
    path = entry.get("path") if isinstance(entry, dict) else None
    if isinstance(path, str) and (
        not path.startswith("lib/") or ".." in path.split("/") or "\\" in path or "\x00" in path
    ):
        raise BundleError(f"{where}: library {name!r}: 'path' {path[:80]!r} is not in lib/")
    if not isinstance(entry, dict):
        raise BundleError(f"{where}: library {name!r}: entry is not an object")
    for key in REQUIRED_KEYS:
        if key not in entry:
            raise BundleError(f"{where}: library {name!r}: missing key {key!r}")

    def str_list(key: str) -> tuple[str, ...]:
        value = entry[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BundleError(f"{where}: library {name!r}: {key!r} must be a list of names")
        return tuple(value)

    if not isinstance(entry["package"], bool):
        raise BundleError(f"{where}: library {name!r}: 'package' must be true or false")
    for key in ("version", "path", *OPTIONAL_KEYS):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            raise BundleError(f"{where}: library {name!r}: {key!r} must be a string")
    return LibraryInfo(
        name=name,
        version=entry["version"],
        package=entry["package"],
        files=tuple(sorted(files)),
        dependencies=str_list("dependencies"),
        external_dependencies=str_list("external_dependencies"),
        repo=entry.get("repo"),
        pypi_name=entry.get("pypi_name"),
        path=entry["path"],
    )

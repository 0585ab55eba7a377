"""What is installed on a drive: the install manifest, and a scan of ``lib/``.

The manifest (``lib/.protoboard.json``) records, for each library the updater installed, its
version, the bundle flavour it came from (``py`` or ``10.x-mpy``), whether the user asked for it
or it came as a dependency, and each file's size and SHA-256. That is what lets the updater

* list versions without downloading files (two small requests over the web workflow);
* tell a 9.x ``.mpy`` from a 10.x one (their headers are identical: see :mod:`.mpy`);
* write only the files that change, and remove files a new version no longer has (a library
  that moved from one file to a package, or back);
* leave alone every file it did not install, and notice files the user edited.

Libraries already on the drive without a manifest entry (copied by hand, or by circup) are
"unmanaged": their version is read from the files, as circup does, and they become managed
the first time the updater installs them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from protoboard.updater import limits
from protoboard.updater.backends import Backend, BackendError, Entry, check_path
from protoboard.updater.mpy import MpyError, MpyInfo, mpy_strings, read_mpy_header

__all__ = [
    "JOURNAL_PATH",
    "MANIFEST_PATH",
    "FileRecord",
    "InstalledLibrary",
    "Manifest",
    "ManifestEntry",
    "scan",
]

LIB = "lib"
MANIFEST_PATH = f"{LIB}/.protoboard.json"
JOURNAL_PATH = f"{LIB}/.protoboard.journal.json"
FORMAT = 1
NOTE = (
    "Written by 'protoboard install': which libraries it put in lib/. Safe to delete (the "
    "libraries keep working)."
)

_VERSION_PY = re.compile(rb"""^__version__\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]""", re.M)
_VERSION_TEXT = re.compile(r"^\d+\.\d+\.\d+(?:[-+.][0-9A-Za-z.+-]*)?$")
# an older .mpy stores the string constant near the __version__ qstr; both orders occur
_VERSION_MPY = (
    re.compile(rb"__version__[\x00-\x20]{1,8}?(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)"),
    re.compile(rb"(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)[\x00-\x20]{1,8}?__version__"),
)


def sha256(data: bytes) -> str:
    """A file's fingerprint: the first 128 bits of SHA-256 are plenty to notice a change."""
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True)
class FileRecord:
    size: int
    sha256: str
    mtime_ns: int | None = None

    def to_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {"size": self.size, "sha256": self.sha256}
        if self.mtime_ns is not None:
            record["mtime_ns"] = self.mtime_ns
        return record


@dataclass
class ManifestEntry:
    name: str
    version: str | None
    flavour: str  # "py" or "N.x-mpy"
    source: str | None = None  # the bundle source's name
    tag: str | None = None  # the bundle's release tag
    requested: bool = True  # False: installed only as a dependency
    dependencies: list[str] = field(default_factory=list)
    files: dict[str, FileRecord] = field(default_factory=dict)  # drive path -> record

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "flavour": self.flavour,
            "source": self.source,
            "tag": self.tag,
            "requested": self.requested,
            "dependencies": sorted(self.dependencies),
            "files": {p: r.to_json() for p, r in sorted(self.files.items())},
        }

    @property
    def top_level(self) -> set[str]:
        """``lib/x.py`` or ``lib/pkg``: the drive entries this library owns."""
        return {"/".join(p.split("/")[:2]) for p in self.files}


class Manifest:
    """The install manifest of one drive. A missing or unreadable one is empty (with a note)."""

    def __init__(
        self, entries: dict[str, ManifestEntry] | None = None, problem: str | None = None
    ) -> None:
        self.entries: dict[str, ManifestEntry] = entries or {}
        self.problem = problem

    @classmethod
    def load(cls, backend: Backend) -> Manifest:
        data = backend.read(MANIFEST_PATH)
        if data is None:
            return cls()
        return cls.parse(data)

    @classmethod
    def parse(cls, data: bytes) -> Manifest:
        """A manifest from its bytes; anything malformed or naming a file outside ``lib/``
        gives an empty manifest with :attr:`problem` saying why (never an exception)."""
        try:
            doc = limits.loads(data, max_bytes=limits.MAX_MANIFEST_BYTES)
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                raise ValueError(
                    f"unknown format {str(doc.get('format'))[:40]!r}"
                    if isinstance(doc, dict)
                    else "not an object"
                )
            entries = {}
            for name, e in doc.get("libraries", {}).items():
                entries[name] = _entry(name, e)
            return cls(entries)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return cls(
                problem=f"{MANIFEST_PATH} is unreadable ({str(exc)[:200]}); libraries are "
                "treated as installed by hand until they are reinstalled"
            )

    @classmethod
    def too_big(cls, size: int) -> Manifest:
        return cls(
            problem=f"{MANIFEST_PATH} is {size} bytes, too big to be the updater's; libraries "
            "are treated as installed by hand until they are reinstalled"
        )

    def dumps(self, installer: str) -> bytes:
        """Compact (it is read on every ``list`` over Wi-Fi), one library per line."""
        head = json.dumps(
            {"format": FORMAT, "installer": installer, "note": NOTE}, separators=(",", ":")
        )[:-1]
        libs = ",\n".join(
            f"{json.dumps(n)}:{json.dumps(e.to_json(), separators=(',', ':'))}"
            for n, e in sorted(self.entries.items())
        )
        return f'{head},"libraries":{{\n{libs}}}}}\n'.encode()


def _lib_path(path: Any) -> str:
    """A manifest's file path: a drive path inside ``lib/`` (never the manifest or journal),
    else ValueError (the manifest is then unreadable as a whole)."""
    if not isinstance(path, str):
        raise ValueError("a file path is not text")
    try:
        clean = check_path(path)
    except ValueError:
        raise ValueError(f"the file path {path[:80]!r} is not a drive path") from None
    if not clean.startswith(f"{LIB}/") or clean in (MANIFEST_PATH, JOURNAL_PATH):
        raise ValueError(f"the file path {path[:80]!r} is not inside {LIB}/")
    return clean


def _entry(name: Any, e: Any) -> ManifestEntry:
    if not isinstance(name, str) or not isinstance(e, dict):
        raise ValueError("a library entry is not an object")
    files = {
        _lib_path(p): FileRecord(int(r["size"]), str(r["sha256"]), _opt_int(r.get("mtime_ns")))
        for p, r in e.get("files", {}).items()
    }
    return ManifestEntry(
        name,
        _opt_str(e.get("version")),
        str(e.get("flavour", "py")),
        _opt_str(e.get("source")),
        _opt_str(e.get("tag")),
        bool(e.get("requested", True)),
        [str(d) for d in e.get("dependencies", [])],
        files,
    )


def _opt_str(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{str(value)[:40]!r} is not text")


def _opt_int(value: Any) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ValueError(f"{str(value)[:40]!r} is not a whole number")


@dataclass
class InstalledLibrary:
    """One module or package found in ``lib/``."""

    name: str
    top_level: list[Entry]  # lib/x.mpy, or lib/x/ (a package), possibly both
    files: list[Entry]  # every file, package contents included when scanned
    managed: ManifestEntry | None = None
    version: str | None = None
    mpy: MpyInfo | None = None  # header of its first .mpy file
    bad_mpy: str | None = None  # why an .mpy could not be read
    changed_files: list[str] = field(default_factory=list)  # edited since installed
    missing_files: list[str] = field(default_factory=list)  # installed, now gone

    @property
    def kind(self) -> str:
        """ "py", "mpy", "mixed" or "" (empty package)."""
        exts = {e.path.rsplit(".", 1)[-1] for e in self.files if not e.is_dir}
        has_py, has_mpy = "py" in exts, "mpy" in exts
        if self.managed is not None and has_mpy and has_py:
            return "mpy" if self.managed.flavour != "py" else "py"
        return "mixed" if has_py and has_mpy else "mpy" if has_mpy else "py" if has_py else ""

    @property
    def is_package(self) -> bool:
        return any(e.is_dir for e in self.top_level)


def module_name(entry_name: str) -> str | None:
    """The module a ``lib/`` entry provides, or None for what is not a library."""
    if entry_name.startswith(".") or entry_name.startswith("_"):
        return None
    if "." not in entry_name:
        return entry_name
    stem, ext = entry_name.rsplit(".", 1)
    return stem if ext in ("py", "mpy") else None


def scan(
    backend: Backend,
    manifest: Manifest,
    *,
    deep: bool | set[str] = True,
    read_versions: bool = True,
    top: list[Entry] | None = None,
) -> dict[str, InstalledLibrary]:
    """The libraries in ``lib/``. ``deep``: list package folders (all, or those named); without
    it a managed package's files come from the manifest. ``read_versions``: open unmanaged
    libraries' files to find ``__version__`` (managed ones take the manifest's)."""
    if top is None:
        top = backend.list_dir(LIB) or []
    libs: dict[str, InstalledLibrary] = {}
    for entry in top:
        name = module_name(entry.name)
        if name is None or (entry.is_dir and "." in entry.name):
            continue
        lib = libs.setdefault(name, InstalledLibrary(name, [], []))
        lib.top_level.append(entry)
    for name, lib in libs.items():
        lib.managed = manifest.entries.get(name)
        for entry in lib.top_level:
            if not entry.is_dir:
                lib.files.append(entry)
            elif (
                deep is True
                or (isinstance(deep, set) and name in deep)
                or (lib.managed is None and read_versions)
            ):
                # (a package the updater did not install: its files hold the version)
                lib.files.extend(backend.walk(entry.path))
            elif lib.managed is not None:
                lib.files.extend(
                    Entry(p, False, r.size, r.mtime_ns)
                    for p, r in lib.managed.files.items()
                    if p.startswith(entry.path)
                )
        _compare(lib, backend if backend.cheap_reads and deep is not False else None)
        if lib.managed is not None:
            lib.version = lib.managed.version
        if lib.managed is None:
            # circup's way, for what the updater did not install: open the files
            if read_versions:
                _read_version(backend, lib)
            elif lib.kind in ("mpy", "mixed"):
                _read_header(backend, lib)
    return libs


def _compare(lib: InstalledLibrary, hash_with: Backend | None) -> None:
    """Files edited or gone since the manifest recorded them: size or time differ, or (when
    reading is cheap) the bytes."""
    if lib.managed is None:
        return
    present = {e.path: e for e in lib.files if not e.is_dir}
    for path, record in lib.managed.files.items():
        entry = present.get(path)
        if entry is None:
            lib.missing_files.append(path)
        elif entry.size != record.size or (
            record.mtime_ns is not None
            and entry.mtime_ns is not None
            and abs(entry.mtime_ns - record.mtime_ns) > 2_000_000_000
        ):
            lib.changed_files.append(path)
        elif entry.size > limits.MAX_FILE_BYTES:
            lib.changed_files.append(path)  # not one the updater installed: never read whole
        elif hash_with is not None:
            data = hash_with.read(path)
            if data is not None and sha256(data) != record.sha256:
                lib.changed_files.append(path)


def _sorted_sources(lib: InstalledLibrary) -> list[Entry]:
    # a file past the limit is no library's (and is never read whole)
    files = [
        e
        for e in lib.files
        if not e.is_dir and e.path.endswith((".py", ".mpy")) and e.size <= limits.MAX_FILE_BYTES
    ]
    # the package's __init__ first, then the rest in name order, as circup reads them
    return sorted(
        files, key=lambda e: (not e.path.rsplit("/", 1)[-1].startswith("__init__."), e.path)
    )


def _read_header(backend: Backend, lib: InstalledLibrary) -> None:
    """Only the first .mpy's header (the manifest knows the version)."""
    for entry in _sorted_sources(lib):
        if entry.path.endswith(".mpy"):
            data = backend.read(entry.path)
            if data is not None:
                _note_header(lib, data, entry.path)
            return


def _note_header(lib: InstalledLibrary, data: bytes, path: str) -> None:
    try:
        lib.mpy = read_mpy_header(data)
    except MpyError as exc:
        lib.bad_mpy = f"{path}: {exc}"


def _read_version(backend: Backend, lib: InstalledLibrary) -> None:
    header_done = False
    for entry in _sorted_sources(lib):
        try:
            data = backend.read(entry.path)
        except BackendError:
            continue
        if data is None:
            continue
        if entry.path.endswith(".mpy") and not header_done:
            _note_header(lib, data, entry.path)
            header_done = True
        version = version_from_bytes(data, entry.path.endswith(".mpy"))
        if version is not None:
            if lib.managed is None or lib.changed_files:
                lib.version = version
            if header_done or lib.kind == "py":
                return


def version_from_bytes(data: bytes, is_mpy: bool) -> str | None:
    """``__version__`` of a .py file, or of an .mpy: from its string tables (version 6), else
    a version-like string right beside the name (older formats, as circup reads them)."""
    if not is_mpy:
        m = _VERSION_PY.search(data)
        return m[1].decode("utf-8", "replace") if m else None
    strings = mpy_strings(data)
    if strings is not None:
        if "__version__" not in strings:
            return None
        for text in strings:
            if _VERSION_TEXT.match(text):
                return text
        return None
    for pattern in _VERSION_MPY:
        m = pattern.search(data)
        if m:
            return m[1].decode("ascii", "replace")
    return None

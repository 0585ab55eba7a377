"""The install algorithm, written once for every kind of drive (see :mod:`.backends`).

Three steps, each its own function so the CLI can show a plan before it acts:

1. :func:`open_device` reads the firmware, the manifest and ``lib/``, and first finishes (or
   cleans up after) an update that was interrupted.
2. :func:`plan_install`, :func:`plan_update`, :func:`plan_uninstall` decide, per library, what to
   write and what to delete: only files whose bytes change are written; files the updater did
   not install are never touched, except the named library's own module when it replaces a
   copy installed by hand (that is what the user asked for).
3. :func:`apply` checks free space, writes every new file under a staging name beside its final
   place, records the renames in a journal, then renames. A failure before the journal leaves
   the drive as it was (the staged files are deleted); an interruption after it is finished
   by the next run. The manifest is written last, the same way.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from protoboard.errors import UserError
from protoboard.runtime.drive import TEMP_PREFIX
from protoboard.updater import limits
from protoboard.updater.backends import (
    Backend,
    BackendError,
    DeviceInfo,
    SourceMissing,
    UnsafePath,
    check_path,
)
from protoboard.updater.catalog import (
    Catalog,
    CatalogError,
    Pick,
    Wanted,
    parse_version_loose,
)
from protoboard.updater.installed import (
    JOURNAL_PATH,
    LIB,
    MANIFEST_PATH,
    FileRecord,
    InstalledLibrary,
    Manifest,
    ManifestEntry,
    scan,
)
from protoboard.updater.mpy import NEWEST_KNOWN_MAJOR, is_compatible

__all__ = [
    "Change",
    "Device",
    "Plan",
    "UpdaterError",
    "apply",
    "flavour_for",
    "open_device",
    "plan_install",
    "plan_json",
    "plan_uninstall",
    "plan_update",
    "status",
]


class UpdaterError(UserError):
    """Something the user must act on; the message says what and how."""


def flavour_for(info: DeviceInfo, *, prefer_py: bool = False) -> str:
    """Which bundle a drive needs: ``py`` for Protoboard (CPython cannot load .mpy) or when
    asked, ``N.x-mpy`` for CircuitPython N."""
    if info.kind == "protoboard" or prefer_py:
        return "py"
    if info.kind == "circuitpython" and info.major is not None:
        return f"{info.major}.x-mpy"
    raise UpdaterError(
        "cannot tell which CircuitPython this drive runs (its boot_out.txt is missing or "
        "unreadable). Say it with --cpy-version, e.g. --cpy-version 10.0.3 (the first line of "
        "boot_out.txt on the board), or --cpy-version protoboard for Protoboard's drive."
    )


# -- the device's state ----------------------------------------------------------------------


@dataclass
class Device:
    backend: Backend
    info: DeviceInfo
    flavour: str
    manifest: Manifest
    libraries: dict[str, InstalledLibrary]
    notes: list[str] = field(default_factory=list)


def open_device(
    backend: Backend,
    info: DeviceInfo | None = None,
    *,
    prefer_py: bool = False,
    deep: bool | set[str] = False,
    read_versions: bool = True,
    need_firmware: bool = True,
) -> Device:
    """The drive's firmware, manifest and libraries, after recovering from an interrupted run.
    ``info`` overrides what the drive says (``--cpy-version``). Without ``need_firmware``
    (uninstall, freeze) an unknown firmware is no error."""
    notes: list[str] = []
    if info is None:
        info = backend.device_info()
    if info is None:
        info = DeviceInfo("unknown", None, None, "nothing")
    elif info.kind == "circuitpython" and (info.major or 0) > NEWEST_KNOWN_MAJOR:
        notes.append(
            f"CircuitPython {info.major} is newer than this Protoboard knows; it "
            f"installs the {info.major}.x-mpy bundle if the bundles have one"
        )
    try:
        flavour = flavour_for(info, prefer_py=prefer_py)
    except UpdaterError:
        if need_firmware:
            raise
        flavour = "unknown"
    top = backend.list_dir(LIB)
    if top is None:
        manifest = Manifest()
    else:
        sizes = {e.name: e.size for e in top}
        if JOURNAL_PATH.rsplit("/", 1)[1] in sizes:
            notes.append(_recover(backend, sizes[JOURNAL_PATH.rsplit("/", 1)[1]]))
            top = backend.list_dir(LIB) or []
            sizes = {e.name: e.size for e in top}
        else:
            _clean_stale_staging(backend, [e.name for e in top])
        manifest = _load_manifest(backend, sizes.get(MANIFEST_PATH.rsplit("/", 1)[1]))
    if manifest.problem:
        notes.append(manifest.problem)
    libraries = (
        scan(backend, manifest, deep=deep, read_versions=read_versions, top=top)
        if top is not None
        else {}
    )
    return Device(backend, info, flavour, manifest, libraries, notes)


def _load_manifest(backend: Backend, size: int | None) -> Manifest:
    if size is None:
        return Manifest()
    if size > limits.MAX_MANIFEST_BYTES:
        return Manifest.too_big(size)  # not even read
    return Manifest.load(backend)


def _clean_stale_staging(backend: Backend, names: list[str]) -> None:
    for name in names:
        if name.startswith(backend.stage_prefix):
            backend.remove(f"{LIB}/{name}")


# -- plans -----------------------------------------------------------------------------------


@dataclass
class Change:
    """What happens to one library."""

    name: str
    action: str  # install, upgrade, downgrade, reinstall, repair, keep, remove
    reason: str
    old_version: str | None
    new_version: str | None
    pick: Pick | None = None
    writes: list[str] = field(default_factory=list)  # drive paths whose bytes change
    deletes: list[str] = field(default_factory=list)  # drive paths
    entry: ManifestEntry | None = None  # the new manifest entry
    #: every new file's size and hash (read from the bundle in chunks, never kept whole)
    records: dict[str, FileRecord] = field(default_factory=dict, repr=False)

    @property
    def acts(self) -> bool:
        return self.action not in ("keep", "skip")


@dataclass(frozen=True)
class ExtraFile:
    """A file outside ``lib/`` written in the same transaction as the libraries: a project's
    ``code.py`` and assets (:mod:`protoboard.project`). Extras are only ever added or replaced,
    never deleted, and are moved into place before the manifest."""

    path: str
    size: int
    chunks: Callable[[], Iterable[bytes]] = field(repr=False)


@dataclass
class Plan:
    device: Device
    changes: list[Change]
    notes: list[str] = field(default_factory=list)
    extras: list[ExtraFile] = field(default_factory=list)

    @property
    def active(self) -> list[Change]:
        return [c for c in self.changes if c.acts]

    @property
    def bytes_to_write(self) -> int:
        libraries = sum(c.records[p].size for c in self.active for p in c.writes)
        return libraries + sum(extra.size for extra in self.extras)


def plan_install(
    device: Device,
    catalog: Catalog,
    wanted: list[Wanted],
    *,
    upgrade: bool = False,
    force: bool = False,
) -> Plan:
    """Install ``wanted`` and whatever they need. Already-installed libraries that satisfy their
    pin are kept unless ``upgrade`` (then newer versions replace them, as ``update`` does)."""
    notes = list(device.notes)
    picks = _resolve(catalog, wanted, notes)
    named = {w.name for w in wanted}
    pinned = {w.name: w.spec for w in wanted}
    changes = []
    for pick in picks:
        requested = pick.name in named or _was_requested(device, pick.name)
        changes.append(
            _decide(
                device,
                pick,
                requested=requested,
                upgrade=upgrade,
                pinned=bool(pinned.get(pick.name)),
                force=force,
                notes=notes,
            )
        )
    return Plan(device, changes, notes)


def plan_update(
    device: Device,
    catalog: Catalog,
    names: Iterable[str] = (),
    *,
    pins: dict[str, Wanted] | None = None,
    force: bool = False,
) -> Plan:
    """Bring installed libraries (all, or ``names``) to the bundles' versions, repair wrong
    builds, and add dependencies the new versions need. Libraries in no bundle are reported."""
    notes = list(device.notes)
    pins = pins or {}
    names = list(names)
    for name in names:
        if name not in device.libraries:
            raise UpdaterError(
                f"{name} is not installed on {device.backend.label} "
                f"(install it with: protoboard install {name})"
            )
    targets = names or sorted(device.libraries)
    wanted = []
    for name in targets:
        if name in pins:
            wanted.append(pins[name])
        elif name in catalog.names():
            wanted.append(Wanted(name, SpecifierSet(), name))
        else:
            notes.append(f"{name}: in no bundle, left as it is")
    picks = _resolve(catalog, wanted, notes)
    changes = [
        _decide(
            device,
            p,
            requested=_was_requested(device, p.name, default=p.name in targets),
            upgrade=True,
            pinned=p.name in pins,
            force=force,
            notes=notes,
        )
        for p in picks
    ]
    return Plan(device, changes, notes)


def plan_uninstall(device: Device, names: list[str]) -> Plan:
    """Remove the named libraries: the files the manifest lists (a managed library) or its
    module file/folder (one installed by hand). Dependencies no longer needed are reported."""
    changes = []
    notes = list(device.notes)
    for name in names:
        lib = device.libraries.get(name)
        if lib is None:
            close = [n for n in device.libraries if name in n or n in name][:3]
            hint = f" (installed: {', '.join(close)})" if close else ""
            raise UpdaterError(f"{name} is not installed on {device.backend.label}{hint}")
        if lib.managed is not None:
            deletes = sorted(lib.managed.files)
            # whole package folders go at once; files the user added inside stay unless
            # the folder holds nothing else
            deletes = _collapse_package(device.backend, lib, deletes)
        else:
            deletes = sorted(e.path for e in lib.top_level)
        changes.append(Change(name, "remove", "asked", lib.version, None, deletes=deletes))
    remaining = {n: lib for n, lib in device.libraries.items() if n not in names}
    needed = {d for lib in remaining.values() if lib.managed for d in lib.managed.dependencies}
    orphans = sorted(
        n
        for n, lib in remaining.items()
        if lib.managed and not lib.managed.requested and n not in needed
    )
    if orphans:
        notes.append(
            f"no longer needed by anything: {', '.join(orphans)} "
            f"(remove with: protoboard uninstall {' '.join(orphans)})"
        )
    return Plan(device, changes, notes)


def _collapse_package(backend: Backend, lib: InstalledLibrary, files: list[str]) -> list[str]:
    tops = [e for e in lib.top_level if e.is_dir]
    if not tops:
        return files
    on_drive = {e.path for e in backend.walk(tops[0].path) if not e.is_dir}
    if on_drive <= set(files):
        return sorted({*(f for f in files if not f.startswith(tops[0].path + "/")), tops[0].path})
    return files


def _resolve(catalog: Catalog, wanted: list[Wanted], notes: list[str]) -> list[Pick]:
    try:
        return catalog.resolve(wanted, notes)
    except CatalogError as exc:
        raise UpdaterError(str(exc)) from None


def _was_requested(device: Device, name: str, default: bool = False) -> bool:
    lib = device.libraries.get(name)
    if lib is not None and lib.managed is not None:
        return lib.managed.requested
    return default if lib is None else True


def _decide(
    device: Device,
    pick: Pick,
    *,
    requested: bool,
    upgrade: bool,
    pinned: bool,
    force: bool,
    notes: list[str],
) -> Change:
    lib = device.libraries.get(pick.name)
    pick = _keeping_format(device, lib, pick)
    new = pick.version
    if lib is None:
        return _with_files(Change(pick.name, "install", "new", None, new, pick), None, requested)
    old = lib.version
    ov, nv = parse_version_loose(old), parse_version_loose(new)
    broken = _wrong_build(device, lib, pick)
    if broken is None and lib.missing_files:
        broken = f"{len(lib.missing_files)} of its files are missing"
    if broken:
        action, reason = "repair", broken
    elif force:
        action, reason = "reinstall", "--force"
    elif pinned and ov != nv:
        action = "downgrade" if ov is not None and nv is not None and nv < ov else "upgrade"
        reason = f"pinned to {new}"
    elif not upgrade:
        return Change(pick.name, "keep", "already installed", old, new, pick)
    elif ov is not None and nv is not None:
        if nv <= ov:
            why = "up to date" if nv == ov else f"newer than the bundles ({new})"
            return Change(pick.name, "keep", why, old, new, pick)
        action, reason = "upgrade", f"{old} -> {new}"
    elif lib.managed is None and nv is not None:
        action, reason = "reinstall", "installed version unknown"
    else:
        return Change(pick.name, "keep", "up to date", old, new, pick)
    if lib.changed_files and not force:
        notes.append(
            f"{pick.name}: you changed {', '.join(lib.changed_files)} since it was "
            "installed; not updating it so your edits stay (add --force to replace "
            "them)"
        )
        return Change(pick.name, "skip", "edited on the drive", old, new, pick)
    return _with_files(Change(pick.name, action, reason, old, new, pick), lib, requested)


def _wrong_build(device: Device, lib: InstalledLibrary, pick: Pick) -> str | None:
    """Why the installed build cannot run on this device, or None. ``.py`` runs everywhere;
    an ``.mpy`` only on the CircuitPython major it was built for (never on Protoboard)."""
    info = device.info
    if lib.bad_mpy:
        return f"unreadable .mpy ({lib.bad_mpy})"
    if info.kind == "protoboard" and lib.kind in ("mpy", "mixed"):
        return ".mpy files: Protoboard runs .py libraries"
    if lib.managed is not None:
        flavour = lib.managed.flavour
        if flavour != "py" and device.flavour.endswith("-mpy") and flavour != device.flavour:
            return (
                f"built for CircuitPython {flavour.split('.')[0]}, the board runs "
                f"{info.version_text or info.version}"
            )
        return None
    if lib.kind in ("mpy", "mixed") and lib.mpy is not None and info.major is not None:
        if is_compatible(lib.mpy, info.major) is False:
            return f"{lib.mpy.format_name} .mpy cannot load on CircuitPython {info.major}"
    return None


def _keeping_format(device: Device, lib: InstalledLibrary | None, pick: Pick) -> Pick:
    """A library installed as .py stays .py on a real board (as circup does): the user chose
    source, or copied it by hand."""
    if lib is None or pick.flavour == "py" or lib.kind != "py" or device.info.kind == "protoboard":
        return pick
    if lib.managed is not None and lib.managed.flavour != "py":
        return pick
    return Pick(pick.info, pick.set, pick.set.py, pick.info.files, "py")


def _flavour_name(flavour: str) -> str:
    return ".py files" if flavour == "py" else f"CircuitPython {flavour.split('.')[0]}"


def _with_files(change: Change, lib: InstalledLibrary | None, requested: bool) -> Change:
    """Fill in the files to write and to delete, comparing hashes with the manifest."""
    pick = change.pick
    assert pick is not None
    # bundle paths are drive paths: lib/...; sizes from the zip's directory first, then
    # each file is hashed in chunks (a zip bomb is refused before anything is inflated)
    _check_sizes(pick)
    records = {rel: _record(pick.files_from.iter_bytes(rel)) for rel in pick.file_paths}
    change.records = records
    old_records: dict[str, FileRecord] = {}
    old_paths: set[str] = set()
    if lib is not None:
        old_paths = {e.path for e in lib.files if not e.is_dir}
        if lib.managed is not None:
            old_paths |= set(lib.managed.files)
            old_records = {
                p: r
                for p, r in lib.managed.files.items()
                if p not in lib.changed_files and p not in lib.missing_files
            }
    change.writes = sorted(
        p
        for p, record in records.items()
        if p not in old_paths or p not in old_records or old_records[p].sha256 != record.sha256
    )
    change.deletes = sorted(_deletions(lib, old_paths, set(records)))
    change.entry = ManifestEntry(
        pick.name,
        pick.version,
        pick.flavour,
        pick.set.source,
        pick.set.tag,
        requested,
        sorted(_dependency_names(pick)),
        records,
    )
    return change


def _check_sizes(pick: Pick) -> None:
    """Every file's size is acceptable (:meth:`Bundle.size`), and so is their sum."""
    total = sum(pick.files_from.size(rel) for rel in pick.file_paths)
    if total > limits.MAX_LIBRARY_BYTES:
        raise UpdaterError(
            f"{pick.name}: its files inflate to {total} bytes, more than the "
            f"{limits.MAX_LIBRARY_BYTES} one library may have (a CIRCUITPY drive holds 1-16 "
            "MB): the bundle is broken or hostile; remove it (protoboard bundle remove NAME)"
        )


def _record(chunks: Iterable[bytes]) -> FileRecord:
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return FileRecord(size, digest.hexdigest()[:32])  # as installed.sha256


def _checked(chunks: Iterable[bytes], record: FileRecord, path: str) -> Iterator[bytes]:
    """``chunks``, then an error if they were not the bytes planned (the bundle changed)."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
    if digest.hexdigest()[:32] != record.sha256:
        raise UpdaterError(
            f"{path} changed in the bundle since the plan was made; nothing was changed on "
            "the drive. Run the command again."
        )


def _deletions(lib: InstalledLibrary | None, old: set[str], new: set[str]) -> set[str]:
    """Old files the new version does not have; a whole package folder when the library
    becomes a single file (and the folder holds only its files)."""
    if lib is None:
        return set()
    gone = old - new
    for entry in lib.top_level:
        if entry.is_dir and not any(p.startswith(entry.path + "/") for p in new):
            inside = {p for p in gone if p.startswith(entry.path + "/")}
            on_drive = {
                e.path for e in lib.files if not e.is_dir and e.path.startswith(entry.path + "/")
            }
            if on_drive <= inside | old:
                gone = (gone - inside) | {entry.path}
    return gone


def _dependency_names(pick: Pick) -> set[str]:
    from protoboard.updater.bundle import canonical_name, is_host_only

    return {
        canonical_name(d)
        for d in (*pick.info.dependencies, *pick.info.external_dependencies)
        if not is_host_only(d)
    }


# -- applying --------------------------------------------------------------------------------


class Progress(Protocol):
    """What :func:`apply` reports; the CLI plugs in a progress bar."""

    def start(self, total_bytes: int) -> None: ...

    def advance(self, path: str, size: int) -> None: ...

    def done(self) -> None: ...


class _Silent:
    """No progress to show (the default)."""

    def start(self, total_bytes: int) -> None:
        pass

    def advance(self, path: str, size: int) -> None:
        pass

    def done(self) -> None:
        pass


def apply(
    plan: Plan,
    *,
    installer: str,
    progress: Progress | None = None,
    fail_after: Callable[[str], None] | None = None,
) -> None:
    """Carry out a plan transactionally (see the module docs). ``fail_after`` is a test hook
    called after each step with its name, to interrupt the run there."""
    backend = plan.device.backend
    if not plan.active and not plan.extras:
        return
    _check_space(plan)
    stage = _Stager(backend)
    progress = progress or _Silent()
    progress.start(plan.bytes_to_write)
    try:
        ops = _stage(plan, stage, installer, progress, fail_after)
        backend.sync()
        backend.write(JOURNAL_PATH, _journal("commit", ops))
        backend.sync()
    except BaseException:
        stage.discard()
        raise
    finally:
        progress.done()
    if fail_after:
        fail_after("journal")
    _run_journal(backend, ops, fail_after)
    backend.remove(JOURNAL_PATH)


def _stage(
    plan: Plan,
    stage: _Stager,
    installer: str,
    progress: Progress,
    fail_after: Callable[[str], None] | None,
) -> list[list[str]]:
    """Write every new file and the new manifest under staging names; the journal's operations
    to put them in place."""
    backend = plan.device.backend
    if backend.list_dir(LIB) is None:
        backend.mkdir(LIB)
    stage.made.add(LIB)
    # first the list of what is about to be staged: an interruption while staging is then
    # cleaned up by the next run, even inside package folders
    finals = [p for c in plan.active for p in c.writes] + [MANIFEST_PATH]
    finals += [extra.path for extra in plan.extras]
    backend.write(JOURNAL_PATH, _journal("stage", stage.candidates(finals)))
    for change in plan.active:
        assert change.pick is not None or not change.writes
        for path in change.writes:
            record = change.records[path]
            source = change.pick.files_from.iter_bytes(path)  # type: ignore[union-attr]
            stage.put(path, _checked(source, record, path))
            progress.advance(path, record.size)
            if fail_after:
                fail_after("stage")
    for extra in plan.extras:
        stage.put(extra.path, _sized(extra.chunks(), extra))
        progress.advance(extra.path, extra.size)
        if fail_after:
            fail_after("stage")
    stage.put(MANIFEST_PATH, [_next_manifest(plan).dumps(installer)])
    ops = stage.operations()
    ops += [["delete", path] for change in plan.active for path in change.deletes]
    # the manifest moves last: until then the old one stays true enough to retry
    ops.sort(key=lambda op: op[0] == "move" and op[2] == MANIFEST_PATH)
    return ops


def _sized(chunks: Iterable[bytes], extra: ExtraFile) -> Iterator[bytes]:
    """An extra's bytes, refused if they are not the size planned (the source changed)."""
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        if seen > extra.size:
            break
        yield chunk
    if seen != extra.size:
        raise UpdaterError(
            f"{extra.path} changed while it was being copied ({seen} bytes, not {extra.size}); "
            "nothing was changed. Try again."
        )


def _next_manifest(plan: Plan) -> Manifest:
    # entries of libraries deleted by hand since are dropped
    entries = {n: e for n, e in plan.device.manifest.entries.items() if n in plan.device.libraries}
    for change in plan.active:
        if change.action == "remove":
            entries.pop(change.name, None)
        elif change.entry is not None:
            entries[change.name] = change.entry
    return Manifest(entries)


def _run_journal(
    backend: Backend, ops: list[list[str]], fail_after: Callable[[str], None] | None = None
) -> None:
    for op in ops:
        if op[0] == "move":
            try:
                backend.replace(op[1], op[2])
            except SourceMissing:
                pass  # moved already, by the run that was interrupted
        elif op[0] == "delete":
            backend.remove(op[1])
        if fail_after:
            fail_after("commit")
    backend.sync()


def _journal(phase: str, ops: list[list[str]]) -> bytes:
    return json.dumps({"format": 1, "phase": phase, "ops": ops}).encode()


#: where a refused journal is moved, so that it is kept for a look but never applied
QUARANTINE_PATH = f"{LIB}/.protoboard.journal.refused.json"
_OP_LENGTHS = {"move": 3, "delete": 2, "staged": 2}
_PHASE_OPS = {"stage": ("staged",), "commit": ("move", "delete")}


def _recover(backend: Backend, size: int | None = None) -> str:
    """After an interruption: staging cut short → delete the staged files (the drive is as
    before); renaming cut short → finish the renames. A journal that names anything outside
    ``lib/`` (or a move from a file that is not a staging name) was not written by the
    updater: it is moved aside, never applied."""
    if size is not None and size > limits.MAX_JOURNAL_BYTES:
        return _quarantine(backend, f"it is {size} bytes, far more than a journal")
    try:
        doc = limits.loads(backend.read(JOURNAL_PATH) or b"", max_bytes=limits.MAX_JOURNAL_BYTES)
        phase, ops = doc["phase"], doc["ops"]
        valid = phase in _PHASE_OPS and all(
            isinstance(op, list)
            and all(isinstance(part, str) for part in op)
            and op[0] in _PHASE_OPS[phase]
            and len(op) == _OP_LENGTHS[op[0]]
            for op in ops
        )
    except (ValueError, KeyError, TypeError, IndexError):
        valid = False
    if not valid:
        backend.remove(JOURNAL_PATH)
        return (
            f"{JOURNAL_PATH} was unreadable and has been removed; run 'protoboard update' "
            "to check every library"
        )
    why = _unsafe_op(backend, ops)
    if why is not None:
        return _quarantine(backend, why)
    try:
        if phase == "stage":
            for _, path in ops:
                backend.remove(path)
        else:
            _run_journal(backend, ops)
    except UnsafePath as exc:
        return _quarantine(backend, str(exc))
    backend.remove(JOURNAL_PATH)
    if phase == "stage":
        return "cleaned up after an update that was interrupted last time (nothing had changed)"
    return "finished an update that was interrupted last time"


_STAGE_PREFIXES = (".pbstage-", f"{TEMP_PREFIX}stage-")


def _stage_name(backend: Backend, path: str) -> bool:
    prefixes = (backend.stage_prefix, *_STAGE_PREFIXES)
    return any(part.startswith(prefixes) for part in path.split("/"))


def _staged_beside(backend: Backend, staged: str, final: str) -> bool:
    """``staged`` is the staging name of ``final`` in the same folder (how extras move)."""
    folder, _, name = final.rpartition("/")
    return any(
        staged == (f"{folder}/{prefix}{name}" if folder else f"{prefix}{name}")
        for prefix in (backend.stage_prefix, *_STAGE_PREFIXES)
    )


def _outside_lib_allowed(backend: Backend, op: list[str], path: str) -> bool:
    """Outside ``lib/`` a journal may only drop staged files and move a staged file onto its
    own final name: a project's extras. Nothing outside ``lib/`` is ever deleted."""
    if op[0] == "staged":
        return _stage_name(backend, path)
    return op[0] == "move" and _staged_beside(backend, op[1], op[2])


def _unsafe_op(backend: Backend, ops: list[list[str]]) -> str | None:
    """Why a journal's operations cannot be the updater's own, or None."""
    for op in ops:
        for path in op[1:]:
            try:
                clean = check_path(path)
            except ValueError:
                return f"it names {path[:80]!r}, which is not a path on the drive"
            if clean in (JOURNAL_PATH, QUARANTINE_PATH):
                return f"it names {path[:80]!r}, the updater's own bookkeeping"
            if not clean.startswith(f"{LIB}/") and not _outside_lib_allowed(backend, op, clean):
                return f"it names {path[:80]!r}, outside {LIB}/"
        if op[0] in ("move", "staged") and not _stage_name(backend, op[1]):
            verb = "move" if op[0] == "move" else "delete"
            return f"it would {verb} {op[1][:80]!r}, which is not a name the updater stages"
    return None


def _quarantine(backend: Backend, why: str) -> str:
    """Move the journal aside (or, if that fails, delete it) so later commands work."""
    try:
        backend.replace(JOURNAL_PATH, QUARANTINE_PATH)
        where = f"moved aside to {QUARANTINE_PATH}"
    except BackendError:
        backend.remove(JOURNAL_PATH)
        where = "deleted"
    return (
        f"{JOURNAL_PATH} was refused and not applied ({why}); it was {where}. The updater "
        "did not write it: check what else changed on this drive, then run 'protoboard "
        "update' to check every library."
    )


def _check_space(plan: Plan) -> None:
    backend = plan.device.backend
    space = backend.free_space()
    if space is None:
        return
    free, block = space
    block = block or 512

    def on_disk(size: int) -> int:
        return max(1, math.ceil(size / block)) * block

    needed = sum(on_disk(c.records[p].size) for c in plan.active for p in c.writes)
    needed += sum(on_disk(extra.size) for extra in plan.extras)
    needed += 4 * block + on_disk(len(plan.device.manifest.dumps("x")))
    if needed > free:
        raise UpdaterError(
            f"not enough room on {backend.label}: this needs {_kib(needed)} free and "
            f"{_kib(free)} is free. Nothing was changed. Make room (delete files you no longer "
            "need, or uninstall libraries), then try again."
        )


def _kib(n: int) -> str:
    return f"{n / 1024:.0f} KiB" if n >= 10 * 1024 else f"{n / 1024:.1f} KiB"


class _Stager:
    """Writes files under staging names: ``lib/x.mpy`` -> ``lib/<prefix>x.mpy``; a library
    folder that does not exist yet is staged whole as ``lib/<prefix>pkg/`` and moved at once."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.prefix = backend.stage_prefix
        self.files: list[tuple[str, str]] = []  # (staged, final) single files
        self.folders: dict[str, str] = {}  # final top folder -> staged folder
        self.made: set[str] = set()
        self.created: list[str] = []  # folders this run made (removed again if discarded)
        self.existing: dict[str, set[str] | None] = {}

    def _listing(self, folder: str) -> set[str] | None:
        if folder not in self.existing:
            entries = self.backend.list_dir(folder)
            self.existing[folder] = None if entries is None else {e.name for e in entries}
        return self.existing[folder]

    def _ensure(self, folder: str) -> None:
        if not folder or folder in self.made:
            return
        parent, _, name = folder.rpartition("/")
        if parent:
            self._ensure(parent)
            names = self._listing(parent)
            if names is not None and name in names:
                self.made.add(folder)
                return
        elif name in (self._listing("") or set()):
            self.made.add(folder)
            return
        self.backend.mkdir(folder)
        self.made.add(folder)
        self.created.append(folder)
        if parent and self.existing.get(parent) is not None:
            self.existing[parent].add(name)  # type: ignore[union-attr]

    def put(self, path: str, data: Iterable[bytes]) -> None:
        parts = path.split("/")
        if len(parts) > 2 and parts[0] == LIB:
            top = f"{LIB}/{parts[1]}"
            names = self._listing(LIB) or set()
            if parts[1] not in names or top in self.folders:
                staged_top = self.folders.setdefault(top, f"{LIB}/{self.prefix}{parts[1]}")
                target = "/".join([staged_top, *parts[2:]])
                self._ensure(target.rpartition("/")[0])
                self.backend.write_stream(target, data)
                return
        folder, _, name = path.rpartition("/")
        self._ensure(folder)
        staged = f"{folder}/{self.prefix}{name}" if folder else f"{self.prefix}{name}"
        self.files.append((staged, path))  # before writing: a failed write is discarded too
        self.backend.write_stream(staged, data)

    def candidates(self, finals: list[str]) -> list[list[str]]:
        """``["staged", path]`` for every name :meth:`put` may use for ``finals``."""
        names: set[str] = set()
        for path in finals:
            folder, _, name = path.rpartition("/")
            names.add(f"{folder}/{self.prefix}{name}" if folder else f"{self.prefix}{name}")
            parts = path.split("/")
            if len(parts) > 2 and parts[0] == LIB:
                names.add(f"{LIB}/{self.prefix}{parts[1]}")
        return [["staged", n] for n in sorted(names)]

    def operations(self) -> list[list[str]]:
        ops = [["move", staged, final] for staged, final in self.files]
        ops += [["move", staged, final] for final, staged in sorted(self.folders.items())]
        return ops

    def discard(self) -> None:
        """Delete what was staged, then the journal: the drive is as before."""
        for staged, _ in self.files:
            try:
                self.backend.remove(staged)
            except BackendError:
                pass
        for staged in self.folders.values():
            try:
                self.backend.remove(staged)
            except BackendError:
                pass
        for folder in reversed(self.created):  # only folders left empty
            try:
                if not self.backend.list_dir(folder):
                    self.backend.remove(folder)
            except BackendError:
                pass
        try:
            self.backend.remove(JOURNAL_PATH)
        except BackendError:
            pass  # the next run cleans up from the journal


# -- reporting -------------------------------------------------------------------------------


def status(device: Device, catalog: Catalog | None) -> list[dict[str, Any]]:
    """One row per installed library: versions, whether it is out of date and why. Without a
    catalog (no bundle could be opened) the rows say what is installed and ``in_bundles`` is
    None: not known."""
    rows = []
    for name, lib in sorted(device.libraries.items()):
        pick = catalog.newest(name) if catalog is not None else None
        latest = pick.version if pick else None
        reason = None
        if pick is not None:
            broken = _wrong_build(device, lib, pick)
            ov, nv = parse_version_loose(lib.version), parse_version_loose(latest)
            if broken:
                reason = broken
            elif lib.missing_files:
                reason = "files missing"
            elif ov is not None and nv is not None and nv > ov:
                reason = _bump(ov, nv)
            elif ov is None and lib.managed is None:
                reason = "version unknown"
        rows.append(
            {
                "name": name,
                "installed": lib.version,
                "latest": latest,
                "outdated": reason is not None,
                "reason": reason,
                "managed": lib.managed is not None,
                "format": lib.managed.flavour if lib.managed else lib.kind,
                "edited": list(lib.changed_files),
                "in_bundles": pick is not None if catalog is not None else None,
            }
        )
    return rows


def plan_json(plan: Plan, dry_run: bool) -> dict[str, Any]:
    """A plan as ``--json`` prints it: the device, each change and the notes."""
    info = plan.device.info
    return {
        "device": {
            "label": plan.device.backend.label,
            "firmware": info.kind,
            "version": str(info.version) if info.version else None,
            "board_id": info.board_id,
            "flavour": plan.device.flavour,
        },
        "dry_run": dry_run,
        "changes": [
            {
                "name": c.name,
                "action": c.action,
                "reason": c.reason,
                "old_version": c.old_version,
                "new_version": c.new_version,
                "write": c.writes,
                "delete": c.deletes,
            }
            for c in plan.changes
        ],
        "bytes_to_write": plan.bytes_to_write,
        "notes": plan.notes,
    }


def _bump(old: Version, new: Version) -> str:
    if new.major != old.major:
        return "major version"
    if new.minor != old.minor:
        return "minor version"
    return "patch version"

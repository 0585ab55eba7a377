"""Put a project onto a drive: the right version folder, its libraries through the updater, its
code and assets copied, all in one transaction (:func:`protoboard.updater.engine.apply`).

Careful with people's files: a file the project replaces is first saved on the computer
(:func:`backup`), files whose bytes are the same are not written, and nothing is deleted.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.specifiers import SpecifierSet

from protoboard.project.source import ProjectError, ProjectFile, ProjectSource
from protoboard.updater.catalog import Catalog, Wanted
from protoboard.updater.engine import Device, ExtraFile, Plan, plan_install
from protoboard.updater.requirements import imports_of
from protoboard.version import CIRCUITPYTHON_API_MAJOR

__all__ = ["ProjectPlan", "backup", "backup_root", "choose_folder", "plan_project"]

LIB = "lib"
#: the largest source file whose imports are read to find libraries a bundle forgot
MAX_SCANNED_SOURCE = 512 * 1024


@dataclass
class ProjectPlan:
    """What installing a project changes; :attr:`plan` is the updater's transaction."""

    source: ProjectSource
    major: int | None
    plan: Plan
    new: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    copied_libraries: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def folder_name(self) -> str:
        return "the project folder" if self.major is None else f"CircuitPython {self.major}.x"

    def as_json(self) -> dict[str, Any]:
        return {
            "project": self.source.name,
            "folder": self.folder_name,
            "new": self.new,
            "replaced": self.replaced,
            "unchanged": self.unchanged,
            "libraries": [
                {"name": c.name, "action": c.action, "version": c.new_version}
                for c in self.plan.changes
            ],
            "copied_libraries": self.copied_libraries,
            "notes": self.notes + self.plan.notes,
        }


def choose_folder(source: ProjectSource, device: Device, wanted: int | None = None) -> int | None:
    """The version folder for this drive: the one named with ``--folder``; a real board's own
    major; on Protoboard's drive the API it follows (else the newest older one)."""
    folders = source.folders
    have = ", ".join(f"CircuitPython {m}.x" for m in source.majors) or "none"
    if wanted is not None:
        if wanted not in folders:
            raise ProjectError(
                f"{source.label} has no 'CircuitPython {wanted}.x' folder (it has: {have})"
            )
        return wanted
    if None in folders:
        return None
    if device.info.kind == "circuitpython" and device.info.major is not None:
        if device.info.major in folders:
            return device.info.major
        raise ProjectError(
            f"{source.label} has no folder for CircuitPython {device.info.major}, which "
            f"{device.backend.label} runs (it has: {have}).",
            f"Take one anyway with --folder {source.majors[0]} (the code may need changes), or "
            "download the project bundle again: guides add folders for new versions.",
        )
    fitting = [m for m in source.majors if m <= CIRCUITPYTHON_API_MAJOR]
    return fitting[0] if fitting else source.majors[-1]


def plan_project(
    source: ProjectSource,
    device: Device,
    catalog: Catalog | None,
    major: int | None,
) -> ProjectPlan:
    """Decide every file: libraries through the catalog (or, where it lacks one, the bundle's
    own copy when the drive can load it), everything else copied unless already the same."""
    files = source.files(major)
    libs = [f for f in files if f.path.split("/", 1)[0] == LIB and "/" in f.path]
    assets = [f for f in files if f not in libs]
    if not any(f.path == "code.py" or f.path == "main.py" for f in assets):
        raise ProjectError(f"{source.label}: the {_folder(major)} holds no code.py")
    notes: list[str] = []
    names = _library_names(libs)
    known = catalog.names() if catalog is not None else set()
    names |= _imported_libraries(source, assets, known) - names
    wanted = [Wanted(n, SpecifierSet(), n) for n in sorted(names & known)]
    plan = plan_install(device, catalog, wanted) if wanted and catalog else Plan(device, [])
    result = ProjectPlan(source, major, plan, notes=notes)
    extras = [_copy_plan(result, f) for f in assets]
    for name in sorted(names - known):
        own = [f for f in libs if _library_name(f.path) == name]
        extras += _bundled_library(result, device, major, name, own, catalog is not None)
    plan.extras = [extra for extra in extras if extra is not None]
    return result


def _folder(major: int | None) -> str:
    return "project folder" if major is None else f"'CircuitPython {major}.x' folder"


def _library_name(path: str) -> str:
    top = path.split("/")[1]
    return top if path.count("/") > 1 else PurePosixPath(top).stem


def _library_names(libs: list[ProjectFile]) -> set[str]:
    return {_library_name(f.path) for f in libs}


def _imported_libraries(
    source: ProjectSource, assets: list[ProjectFile], known: set[str]
) -> set[str]:
    """Libraries the project's code imports that its lib/ forgot (bundles have missed some)."""
    local = {PurePosixPath(f.path).stem for f in assets if "/" not in f.path}
    found: set[str] = set()
    for f in assets:
        if f.path.endswith(".py") and f.size <= MAX_SCANNED_SOURCE:
            try:
                found |= imports_of(b"".join(source.chunks(f)), f.path)
            except SyntaxError:
                continue  # the program's own problem; it will say so when it runs
    return (found & known) - local


def _copy_plan(result: ProjectPlan, f: ProjectFile) -> ExtraFile | None:
    device = result.plan.device
    current = device.backend.read(f.path) if _exists(device, f.path) else None
    if current is not None:
        if len(current) == f.size and _digest([current]) == _digest(result.source.chunks(f)):
            result.unchanged.append(f.path)
            return None
        result.replaced.append(f.path)
    else:
        result.new.append(f.path)
    return ExtraFile(f.path, f.size, _reader(result.source, f))


def _bundled_library(
    result: ProjectPlan,
    device: Device,
    major: int | None,
    name: str,
    own: list[ProjectFile],
    have_catalog: bool,
) -> list[ExtraFile | None]:
    """A library the catalog cannot give: the bundle's own files, if this drive can load them."""
    why = "is in none of the library bundles" if have_catalog else "was not looked up (offline)"
    if not own:
        return []
    mpy = any(f.path.endswith(".mpy") for f in own)
    loads_mpy = device.info.kind == "circuitpython" and device.info.major == major
    if mpy and not loads_mpy:
        target = "Protoboard runs .py source" if device.flavour == "py" else "its .mpy is for"
        detail = (
            f"{target}, not .mpy"
            if device.flavour == "py"
            else f"{target} CircuitPython {major}, not {device.info.major}"
        )
        result.notes.append(
            f"{name} {why}, and the project's copy cannot be used here ({detail}): skipped. "
            f"If the program imports it, find a .py version (protoboard install {name})."
        )
        return []
    result.copied_libraries.append(name)
    result.notes.append(f"{name} {why}: copied as the project has it")
    return [_copy_plan(result, f) for f in own]


def _exists(device: Device, path: str) -> bool:
    folder, _, name = path.rpartition("/")
    entries = device.backend.list_dir(folder)
    return entries is not None and any(e.name == name and not e.is_dir for e in entries)


def _digest(chunks: Any) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _reader(source: ProjectSource, f: ProjectFile) -> Callable[[], Iterator[bytes]]:
    return lambda: source.chunks(f)


def backup_root() -> Path:
    """``$PROTOBOARD_BACKUP_DIR``, else ``project-backups`` in the user's data folder (kept:
    unlike the download cache, nothing ever deletes it)."""
    override = os.environ.get("PROTOBOARD_BACKUP_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path("protoboard", appauthor=False) / "project-backups"


def backup(project: ProjectPlan, root: Path) -> Path | None:
    """Save the drive's copies of the files the project replaces under ``root`` (on the
    computer, not the drive: a drive has little room). Returns the folder, or None."""
    if not project.replaced:
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = root / f"{stamp}-{project.source.name}"
    backend = project.plan.device.backend
    for path in project.replaced:
        data = backend.read(path)
        if data is None:
            continue
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder

"""Write a project folder as a Learn-style project bundle (``protoboard project pack``)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from protoboard.project.source import JUNK, MAX_FILES, MAX_TOTAL_BYTES, ProjectError
from protoboard.updater.bundle import walk_folder

#: a fixed time for every entry: the same folder always packs to the same bytes
_STAMP = (2026, 1, 1, 0, 0, 0)


def pack_folder(folder: Path, out: Path, majors: tuple[int, ...]) -> tuple[Path, int]:
    """``out/NAME.zip`` holding ``NAME/CircuitPython N.x/...`` for each major; the zip's path
    and the number of files per version folder. Written to a temporary name, then renamed."""
    folder = folder.resolve()
    name = folder.name
    files, _links = walk_folder(folder)
    files = [f for f in files if not JUNK.search(f) and not _hidden(f)]
    if "code.py" not in files and "main.py" not in files:
        raise ProjectError(f"{folder} has no code.py: a project bundle needs one")
    if len(files) > MAX_FILES:
        raise ProjectError(f"{folder} has {len(files)} files; a project may have {MAX_FILES}")
    total = sum((folder / f).stat().st_size for f in files)
    if total > MAX_TOTAL_BYTES:
        raise ProjectError(f"{folder} holds {total} bytes, more than any board's drive")
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{name}.zip"
    partial = out / f".{name}.zip.{os.getpid()}.part"
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for major in sorted(set(majors), reverse=True):
                for rel in files:
                    info = zipfile.ZipInfo(f"{name}/CircuitPython {major}.x/{rel}", _STAMP)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, (folder / rel).read_bytes())
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target, len(files)


def _hidden(rel: str) -> bool:
    return any(part.startswith(".") for part in rel.split("/"))

"""The drive's ``lib/``: compiled libraries (``.mpy``) the board named in ``boot_out.txt`` cannot
load. A board stops at the first one with ``ValueError: Incompatible .mpy file``; Protoboard,
which runs Python source, cannot load any ``.mpy``."""

from __future__ import annotations

from pathlib import Path

from protoboard.check.findings import Finding
from protoboard.updater.bootout import read_boot_out
from protoboard.updater.mpy import (
    MpyError,
    compatible_major_versions,
    is_compatible,
    read_mpy_header,
)

#: .mpy files looked at, at most (a full lib/ has a few hundred)
MAX_FILES = 2000


def library_findings(root: Path) -> list[Finding]:
    """One finding per library in ``root/lib`` whose ``.mpy`` files the drive's firmware
    cannot load (nothing when boot_out.txt does not say which firmware it is)."""
    boot = read_boot_out(root)
    if boot is None or boot.kind not in ("circuitpython", "protoboard"):
        return []
    findings: dict[str, Finding] = {}
    for path in _mpy_files(root / "lib"):
        library = path.relative_to(root / "lib").parts[0].removesuffix(".mpy")
        if library in findings:
            continue
        shown = path.relative_to(root).as_posix()
        if boot.kind == "protoboard":
            findings[library] = Finding(
                shown, 1, 0, "warning", "compiled-lib",
                f"{shown} is compiled for a real board; Protoboard runs Python source",
                f"protoboard install {library} puts the .py version in its place",
            )  # fmt: skip
            continue
        major = boot.major
        try:
            info = read_mpy_header(path)
        except (MpyError, OSError):
            continue
        if major is None or is_compatible(info, major) is not False:
            continue
        built = sorted(compatible_major_versions(info))
        made_for = f"CircuitPython {'/'.join(map(str, built))}" if built else "another version"
        findings[library] = Finding(
            shown, 1, 0, "error", "mpy-version",
            f"{shown} is built for {made_for}; this board runs CircuitPython {major} and "
            "stops with 'Incompatible .mpy file'",
            f"protoboard update --path {root} replaces it with the build for CircuitPython "
            f"{major}",
        )  # fmt: skip
    return list(findings.values())


def _mpy_files(lib: Path) -> list[Path]:
    found: list[Path] = []
    if not lib.is_dir():
        return found
    for path in sorted(lib.rglob("*.mpy")):
        if path.is_file() and not path.is_symlink():
            found.append(path)
            if len(found) >= MAX_FILES:
                break
    return found

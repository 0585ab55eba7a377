"""Checking a program's files against a target board."""

from __future__ import annotations

import ast
import difflib
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from protoboard.check.dialects import advice
from protoboard.check.findings import Finding
from protoboard.check.reading import Use, read_program
from protoboard.check.syntax import check_syntax
from protoboard.check.target import Target

#: modules every CircuitPython accepts whatever its board's list says
_ALWAYS = frozenset({"__future__", "__main__", "micropython"})
#: pins listed in a "did you mean" message before "..."
PINS_LISTED = 40


@cache
def any_board_modules() -> frozenset[str]:
    """Every module built into some CircuitPython board (the stubs' ``<name>-stubs``)."""
    from importlib import metadata

    try:
        files = metadata.files("circuitpython-stubs") or []
    except metadata.PackageNotFoundError:
        return frozenset()
    return frozenset(f.parts[0][: -len("-stubs")] for f in files if f.parts[0].endswith("-stubs"))


def local_modules(root: Path | None) -> frozenset[str]:
    """Modules a program can import from its drive: files and folders in the root and lib/."""
    if root is None:
        return frozenset()
    names: set[str] = set()
    for folder in (root, root / "lib"):
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.suffix in (".py", ".mpy"):
                names.add(entry.stem)
            elif entry.is_dir() and not entry.name.startswith("."):
                names.add(entry.name)
    return frozenset(names)


def _module_finding(shown: str, use: Use, target: Target, local: frozenset[str]) -> Finding | None:
    name = use.name
    if use.optional or name in target.modules or name in local or name in _ALWAYS:
        return None

    def finding(severity: str, code: str, message: str, hint: str) -> Finding:
        return Finding(shown, use.line, use.column, severity, code, message, hint)  # type: ignore[arg-type]

    dialect = advice(name)
    if dialect is not None:
        whose, instead = dialect
        return finding(
            "error", "dialect", f"'{name}' is {whose} module, not CircuitPython's", instead
        )
    if name in any_board_modules():
        return finding(
            "error",
            "module",
            f"'{name}' is built into some CircuitPython boards, but not into {target.title}",
            "choose a board that has it: protoboard boards --search WORD, then check --board ID",
        )
    if name in sys.stdlib_module_names:
        return finding(
            "error",
            "host-only",
            f"'{name}' is part of Python on computers; CircuitPython does not have it",
            "look for a CircuitPython library that does the job (circuitpython.org/libraries)",
        )
    return finding(
        "warning",
        "library",
        f"'{name}' is not built in and not on the drive (lib/ or the root)",
        f"if it is a CircuitPython library: protoboard install {name}",
    )


def _pin_finding(shown: str, use: Use, target: Target) -> Finding | None:
    if use.name in target.names or use.name.startswith("__"):
        return None
    pins = sorted(target.names)
    close = difflib.get_close_matches(use.name, pins, n=3, cutoff=0.5)
    listed = ", ".join(pins[:PINS_LISTED]) + (", ..." if len(pins) > PINS_LISTED else "")
    hint = (f"did you mean {' or '.join(close)}? " if close else "") + f"It has: {listed}"
    return Finding(
        shown,
        use.line,
        use.column,
        "error",
        "pin",
        f"board.{use.name} does not exist on {target.title}",
        hint,
    )


def check_file(path: Path, shown: str, target: Target, local: frozenset[str]) -> list[Finding]:
    """Every finding for one file."""
    try:
        source = path.read_bytes()
    except OSError as exc:
        return [Finding(shown, 1, 0, "error", "file", f"cannot read it: {exc.strerror}")]
    findings: list[Finding] = []
    syntax = check_syntax(path, shown, source)
    if syntax is not None:
        findings.append(syntax)
    try:
        tree = ast.parse(source, shown)
    except (SyntaxError, ValueError):
        return findings  # nothing more can be read from it
    imports, board_names = read_program(tree)
    for use in imports:
        found = _module_finding(shown, use, target, local)
        if found is not None:
            findings.append(found)
    if "board" in target.modules:
        for use in board_names:
            pin = _pin_finding(shown, use, target)
            if pin is not None:
                findings.append(pin)
    return findings


def check_files(files: Iterable[Path], target: Target, root: Path | None) -> list[Finding]:
    """Findings for ``files`` of a program whose drive is ``root`` (for its own modules)."""
    local = local_modules(root)
    findings: list[Finding] = []
    for path in files:
        shown = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
        findings += check_file(path, shown, target, local)
    return sorted(findings, key=lambda f: (f.file, f.line, f.column))

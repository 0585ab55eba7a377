"""What to install: requirements files, and the imports of the code on a drive (``--auto``).

``--auto`` reads ``code.py`` (or whichever file CircuitPython would run) and every other ``.py``
in the drive's root with :mod:`ast`, following ``import x``, ``from x import y`` and
``from x.y import z``. Imports of the drive's own modules, of CircuitPython's built-in modules
and of the Python standard library are not libraries; every other name is looked up in the
bundles, and one that is in none of them gets a "did you mean".
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from protoboard.updater.backends import Backend
from protoboard.updater.catalog import Catalog, CatalogError, Wanted, parse_requirement
from protoboard.updater.installed import InstalledLibrary

__all__ = [
    "AutoResult",
    "freeze_text",
    "imports_of",
    "is_pinned",
    "parse_requirements_text",
    "read_requirements",
    "scan_imports",
    "wanted_libraries",
]

CODE_FILES = ("code.txt", "code.py", "main.py", "main.txt")


def parse_requirements_text(text: str, where: str) -> list[Wanted]:
    """A requirements file: one name (optionally pinned) per line, ``#`` comments. Options
    (``-r``, ``--index-url`` ...) are refused with the line number, not silently skipped."""
    wanted = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-"):
            raise CatalogError(
                f"{where}, line {number}: options such as {line.split()[0]!r} "
                "are not supported; list one library per line"
            )
        try:
            wanted.append(parse_requirement(line))
        except CatalogError as exc:
            raise CatalogError(f"{where}, line {number}: {exc}") from None
    return wanted


def read_requirements(path: Path) -> list[Wanted]:
    """A requirements file from disk (``-r FILE``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(f"cannot read {path}: {exc}") from None
    return parse_requirements_text(text, str(path))


def is_pinned(names: tuple[str, ...], requirement: Path | None) -> bool:
    """Whether an install may need an older release (a version in a name, or a file of pins)."""
    return requirement is not None or any(c in n for n in names for c in "=<>")


def freeze_text(libraries: Mapping[str, InstalledLibrary]) -> tuple[str, int]:
    """``name==version`` lines (the input of :func:`read_requirements`) and how many."""
    lines = [
        f"{name}=={lib.version}" if lib.version else f"# {name}: version unknown"
        for name, lib in sorted(libraries.items())
    ]
    return "".join(f"{line}\n" for line in lines), len(lines)


def wanted_libraries(
    names: tuple[str, ...],
    requirement: Path | None,
    backend: Backend,
    catalog: Catalog,
    *,
    auto: bool = False,
    note: Callable[[str], None],
) -> list[Wanted]:
    """The named libraries, a requirements file's and (``auto``) the drive code's imports,
    one entry per library: a pinned mention wins. What the user should know goes to ``note``."""
    wanted = [parse_requirement(n) for n in names]
    if requirement is not None:
        wanted += read_requirements(requirement)
    if auto:

        def suggest(name: str) -> str:
            return catalog.unknown_message(
                name, f"{name} is imported by the code but is in none of the bundles."
            )

        found = scan_imports(backend, catalog.names(), suggest)
        if not found.files:
            note("--auto: no code.py (or other .py file) in the drive's root to read")
        for message in found.unknown:
            note(message)
        wanted += [parse_requirement(n) for n in found.found]
    if not wanted:
        raise CatalogError(
            "nothing to install: name libraries, or use -r requirements.txt "
            "or --auto (the imports of code.py)"
        )
    merged: dict[str, Wanted] = {}
    for w in wanted:
        if w.name not in merged or w.spec:
            merged[w.name] = w
    return list(merged.values())


def imports_of(source: str | bytes, filename: str = "code.py") -> set[str]:
    """Top-level module names a file imports (relative imports excluded). A file that does
    not parse raises SyntaxError with its line, for the caller to report."""
    tree = ast.parse(source, filename=filename)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@cache
def _builtin_modules() -> frozenset[str]:
    """CircuitPython's built-in modules (any board: the ``<name>-stubs`` folders of
    circuitpython-stubs, plus Protoboard's own) and CPython's standard library."""
    from importlib import metadata

    from protoboard.modules import MODULES

    names = set(sys.stdlib_module_names) | set(MODULES)
    try:
        files = metadata.files("circuitpython-stubs") or []
    except metadata.PackageNotFoundError:
        files = []
    names |= {f.parts[0][: -len("-stubs")] for f in files if f.parts[0].endswith("-stubs")}
    return frozenset(names)


#: the largest program file whose imports are read (a board's whole drive is 1-16 MB)
MAX_SOURCE_BYTES = 1024 * 1024


@dataclass
class AutoResult:
    found: list[str] = field(default_factory=list)  # library names in the bundles
    unknown: list[str] = field(default_factory=list)  # messages for the user
    files: list[str] = field(default_factory=list)  # the files read


def scan_imports(
    backend: Backend, library_names: set[str], suggest: Callable[[str], str] | None = None
) -> AutoResult:
    """The libraries the drive's code imports. ``suggest(name)`` gives the message for a
    name that is in no bundle."""
    result = AutoResult()
    root = backend.list_dir("") or []
    local = {e.name.rsplit(".", 1)[0] for e in root if e.name.endswith((".py", ".mpy"))}
    local |= {e.name for e in root if e.is_dir and e.name not in ("lib",)}
    files = [e.name for e in root if not e.is_dir and e.name.endswith(".py")]
    files += [
        e.name for e in root if not e.is_dir and e.name in CODE_FILES and not e.name.endswith(".py")
    ]
    imported: set[str] = set()
    sizes = {e.name: e.size for e in root}
    for name in sorted(set(files), key=lambda n: (n not in CODE_FILES, n)):
        if sizes.get(name, 0) > MAX_SOURCE_BYTES:
            result.unknown.append(
                f"{name}: {sizes[name]} bytes, too big for a board's program; its imports "
                "were not read"
            )
            continue
        data = backend.read(name)
        if data is None:
            continue
        result.files.append(name)
        try:
            imported |= imports_of(data, name)
        except SyntaxError as exc:
            result.unknown.append(
                f"{name}, line {exc.lineno}: not valid Python "
                f"({exc.msg}); its imports were not read"
            )
        except ValueError as exc:  # NUL bytes
            result.unknown.append(f"{name}: cannot be read as Python ({exc})")
        except (RecursionError, MemoryError):  # CPython's parser on pathological nesting
            result.unknown.append(
                f"{name}: nested too deeply for Python to parse; its imports were not read"
            )
    builtins = _builtin_modules()
    for name in sorted(imported):
        if name in library_names:
            result.found.append(name)
        elif name in local or name in builtins or name == "__future__":
            continue
        else:
            result.unknown.append(
                suggest(name) if suggest else f"{name} is imported but is in none of the bundles"
            )
    return result

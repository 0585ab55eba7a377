"""Reading one library's folder (first-party, unpacked sdist or wheel, git checkout) into a
:class:`Library`: the modules it installs into ``lib/``, its version, name, repository and
description, its requirement lines and files, and its examples.

What the source itself says beyond the folder (PyPI's JSON, a wheel's METADATA) comes in as a
:class:`SourceInfo` from :mod:`protoboard.bundler.library_sources`; the manifest entry
(:class:`~protoboard.bundler.manifest.LibrarySpec`) wins over both.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protoboard.bundler.errors import BundlerError
from protoboard.bundler.manifest import LibrarySpec

__all__ = ["Library", "Module", "SourceInfo", "dist_name", "read_library", "repo_from_urls"]

SKIP_DIRS = {"examples", "docs", "doc", "tests", "test", "build", "dist", "__pycache__"}
SKIP_FILES = {"setup.py", "conf.py", "noxfile.py", "__init__.py"}


@dataclass(frozen=True)
class Module:
    """A top-level module or package a library installs into ``lib/``.

    ``files`` are (path relative to the library root, source file): ``x.py`` or ``pkg/...``."""

    name: str
    package: bool
    files: tuple[tuple[str, Path], ...]


@dataclass
class Library:
    """A library ready to bundle: its files and the metadata the JSON and circup need."""

    label: str
    root: Path
    pypi_name: str
    version: str
    repo: str
    description: str
    examples_name: str
    modules: list[Module]
    requirements: list[str]  # requirement lines (comments dropped)
    requirement_files: list[tuple[str, bytes]]  # copied into requirements/<module>/
    examples: list[tuple[str, Path]] = field(default_factory=list)  # rel to examples/
    dependencies: list[str] = field(default_factory=list)
    external_dependencies: list[str] = field(default_factory=list)


def _load_pyproject(root: Path, label: str) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise BundlerError(f"{label}: {path.name} is not valid TOML: {e}") from None


def _nested(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def _discover_modules(root: Path, pyproject: dict[str, Any], label: str) -> list[Module]:
    """Modules from ``[tool.setuptools] packages / py-modules``, else from the folder layout
    (package folders with ``__init__.py`` and top-level ``.py`` files)."""
    packages = _nested(pyproject, "tool", "setuptools", "packages")
    py_modules = _nested(pyproject, "tool", "setuptools", "py-modules")
    names: list[tuple[str, bool]] = []
    if isinstance(packages, list) and packages:
        names += [(p, True) for p in packages if isinstance(p, str) and "." not in p]
    if isinstance(py_modules, list) and py_modules:
        names += [(m, False) for m in py_modules if isinstance(m, str)]
    if not names:
        names = _layout_modules(root)
    if not names:
        raise BundlerError(
            f"{label}: no module found in {root}",
            'add [tool.setuptools] py-modules = ["name"] or packages = '
            '["name"] to its pyproject.toml, or put the .py file or package '
            "folder at the top of the library",
        )
    return [_module(root, name, package, label) for name, package in names]


def _layout_modules(root: Path) -> list[tuple[str, bool]]:
    found = []
    for child in sorted(root.iterdir()):
        if child.name.startswith(".") or child.name in SKIP_DIRS:
            continue
        if child.is_dir() and (child / "__init__.py").is_file() and child.name.isidentifier():
            found.append((child.name, True))
        elif (
            child.is_file()
            and child.suffix == ".py"
            and child.name not in SKIP_FILES
            and child.stem.isidentifier()
        ):
            found.append((child.stem, False))
    return found


def _module(root: Path, name: str, package: bool, label: str) -> Module:
    if package:
        folder = root / name
        if not folder.is_dir():
            raise BundlerError(
                f"{label}: package folder {name}/ is missing in {root}",
                "fix [tool.setuptools] packages in its pyproject.toml",
            )
        files = [
            (p.relative_to(root).as_posix(), p)
            for p in sorted(folder.rglob("*"))
            if p.is_file()
            and "__pycache__" not in p.parts
            and p.suffix != ".pyc"
            and not p.name.startswith(".")
        ]
        return Module(name, True, tuple(files))
    source = root / f"{name}.py"
    if not source.is_file():
        raise BundlerError(
            f"{label}: module {name}.py is missing in {root}",
            "fix [tool.setuptools] py-modules in its pyproject.toml",
        )
    return Module(name, False, ((source.name, source),))


def _requirement_lines(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            lines.append(line)
    return lines


def _examples(root: Path) -> list[tuple[str, Path]]:
    folder = root / "examples"
    if not folder.is_dir():
        return []
    return [
        (p.relative_to(folder).as_posix(), p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    ]


def _short_name(name: str) -> str:
    """The folder name under ``examples/``: ``adafruit-circuitpython-bme280`` -> ``bme280``."""
    name = name.lower().replace("_", "-")
    for prefix in ("adafruit-circuitpython-", "circuitpython-"):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix) :]
            break
    return name.replace("-", "_")


def dist_name(name: str) -> str:
    """PyPI names as build-tools compares them: lowercase, ``_`` -> ``-``."""
    return name.strip().lower().replace("_", "-").replace(".", "-")


def _clean_repo(url: str | None) -> str:
    if not url:
        return ""
    url = url.strip().rstrip("/").lower()
    return url[:-4] if url.endswith(".git") else url


def repo_from_urls(urls: Any) -> str:
    if not isinstance(urls, dict):
        return ""
    by_key = {str(k).lower(): v for k, v in urls.items() if isinstance(v, str)}
    for key in ("repository", "source", "source code", "homepage", "home"):
        if by_key.get(key):
            return by_key[key]
    return ""


@dataclass
class SourceInfo:
    """What the source itself says (PyPI JSON, wheel METADATA), under the library's own files."""

    version: str | None = None
    name: str | None = None
    description: str = ""
    repo: str = ""
    requires: list[str] | None = None  # Requires-Dist (wheels): no requirements.txt


def read_library(root: Path, spec: LibrarySpec, info: SourceInfo | None = None) -> Library:
    """Read a library folder (first-party, unpacked sdist/wheel, git checkout)."""
    info = info or SourceInfo()
    label = spec.label
    pyproject = _load_pyproject(root, label)
    project = pyproject.get("project") if isinstance(pyproject.get("project"), dict) else {}
    assert isinstance(project, dict)
    version = spec.version or info.version or _static(project, "version")
    if spec.kind == "git" and not version and spec.ref:
        version = _version_from_ref(spec.ref)
    if not version:
        raise BundlerError(
            f"{label}: no version",
            'add version = "X.Y.Z" to its [[library]] entry (or a static '
            "[project] version to its pyproject.toml)",
        )
    name = (
        info.name
        or _static(project, "name")
        or (_repo_name(spec.location) if spec.kind == "git" else root.name)
    )
    repo = _clean_repo(
        spec.repo
        or info.repo
        or repo_from_urls(project.get("urls"))
        or (spec.location if spec.kind == "git" else "")
    )
    description = _static(project, "description") or info.description or ""
    req_files, requirements = _requirement_files(root, info)
    return Library(
        label=label,
        root=root,
        pypi_name=dist_name(name),
        version=version,
        repo=repo,
        description=description,
        examples_name=spec.examples or (root.name if spec.kind == "path" else _short_name(name)),
        modules=_discover_modules(root, pyproject, label),
        requirements=requirements,
        requirement_files=req_files,
        examples=_examples(root),
    )


def _static(project: dict[str, Any], key: str) -> str | None:
    value = project.get(key)
    return value if isinstance(value, str) and value else None


def _version_from_ref(ref: str) -> str | None:
    from packaging.version import InvalidVersion, Version

    text = ref[1:] if ref[:1] in "vV" else ref
    try:
        Version(text)
    except InvalidVersion:
        return None
    return text


def _repo_name(url: str) -> str:
    name = url.rstrip("/").rsplit("/", 1)[-1]
    return name[:-4] if name.endswith(".git") else name


def _requirement_files(root: Path, info: SourceInfo) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The files for ``requirements/<module>/`` (non-empty requirements.txt and pyproject.toml,
    as build-tools copies them) and the requirement lines. A wheel has no requirements.txt: one
    is written from its Requires-Dist so circup still finds the dependencies."""
    files: list[tuple[str, bytes]] = []
    lines: list[str] = []
    req = root / "requirements.txt"
    if req.is_file() and req.stat().st_size:
        data = req.read_bytes()
        files.append(("requirements.txt", data))
        lines = _requirement_lines(data.decode("utf-8", "replace"))
    elif info.requires:
        lines = list(info.requires)
        files.append(("requirements.txt", "".join(f"{r}\n" for r in lines).encode()))
    toml = root / "pyproject.toml"
    if toml.is_file() and toml.stat().st_size:
        files.append(("pyproject.toml", toml.read_bytes()))
    return files, lines

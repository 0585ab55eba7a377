"""Build Adafruit-format library bundles from a TOML manifest, byte-reproducibly and without git.

Output for prefix ``P`` and tag ``T`` (the layout circuitpython-build-tools writes, so circup and
Adafruit's tools read it; see ``bundles/README.md``)::

    P-py-T.zip  P-<N>.x-mpy-T.zip (one per configured compiler)  P-examples-T.zip  P-T.json

Each zip holds one folder named like the zip: ``README.txt``, ``VERSIONS.txt``, ``lib/``,
``examples/<library>/`` and ``requirements/<module>/{requirements.txt,pyproject.toml}`` (the
examples zip has no ``lib/`` nor ``requirements/``).

Why it differs from build-tools inside:

* sources are first-party folders, PyPI sdists/wheels (PyPI's JSON API gives the URL and
  sha256; the download is verified and cached) or git checkouts; versions come from the
  manifest, pyproject.toml or PyPI, never from ``git describe``;
* every .py is read and stamped once, then all files of all targets compile in parallel;
* zips are written from sorted in-memory entries with a fixed time (the tag's date), fixed
  permissions and fixed compression, so the same inputs give the same bytes;
* output is staged in a temporary folder beside ``out`` and renamed in only when everything
  succeeded: a failed build leaves no partial zip.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import email.parser
import email.policy
import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import tarfile
import tempfile
import tomllib
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Protocol
from urllib.parse import urljoin

from protoboard.libraries.bundle import canonical_name
from protoboard.libraries.mpycross import (
    CompileJob,
    CompilerSpec,
    MpyCross,
    MpyCrossError,
    compile_all,
    parse_spec,
)

__all__ = [
    "BLINKA_LIBRARIES", "DEFAULT_PYPI_URL", "DEFAULT_TARGETS", "BuildResult", "BundlerError",
    "Library", "LibrarySpec", "Manifest", "Module", "build_bundle", "default_tag",
    "load_manifest", "read_library", "stamp_version",
]

DEFAULT_PYPI_URL = "https://pypi.org/pypi"
DEFAULT_TARGETS = (9, 10)
#: requirement names that only matter on Linux/Blinka, never on a board (as build-tools 1.21)
BLINKA_LIBRARIES = frozenset({
    "adafruit-blinka", "adafruit-blinka-bleio", "adafruit-blinka-displayio",
    "adafruit-blinka-pyportal", "adafruit-python-extended-bus", "numpy", "pillow", "pyasn1",
    "pyserial", "scipy", "spidev",
})
TEMP_PREFIX = ".protoboard-"
SOURCE_KINDS = ("path", "pypi", "git")
COMMON_KEYS = {"examples", "repo", "version"}
KIND_KEYS = {"path": {"path"}, "pypi": {"pypi", "sha256", "prefer"}, "git": {"git", "ref"}}
SKIP_DIRS = {"examples", "docs", "doc", "tests", "test", "build", "dist", "__pycache__"}
SKIP_FILES = {"setup.py", "conf.py", "noxfile.py", "__init__.py"}
UNPACK_SKIP = {"docs", "doc", "tests", "test", ".github", "LICENSES", ".reuse", ".git"}
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_SPLIT_REQ = re.compile(r"[<>=~!\[;\s]")
_VERSION_TOKENS = (b"0.0.0-auto.0", b"0.0.0+auto.0")
GIT_TIMEOUT = 300


class BundlerError(Exception):
    """A build that cannot go on; ``str()`` says what is wrong, ``hint`` how to fix it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class BuildProgress(Protocol):
    """What a build reports: stages (with a count when known), steps, and notes for the user."""

    def stage(self, label: str, total: int | None = None) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def note(self, message: str) -> None: ...


class _Quiet:
    def stage(self, label: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def note(self, message: str) -> None:
        pass


# -- the manifest ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LibrarySpec:
    """One ``[[library]]`` entry: where the library comes from (``kind``: path, pypi or git)."""

    kind: str
    label: str                      # "library #2 (pypi adafruit-circuitpython-bme280)"
    location: str                   # the path, PyPI name or git URL
    version: str | None = None
    ref: str | None = None          # git
    sha256: str | None = None       # pypi: pin the file's checksum too
    prefer: str = "sdist"           # pypi: "sdist" (examples, requirements.txt) or "wheel"
    examples: str | None = None     # folder name under examples/
    repo: str | None = None


@dataclass(frozen=True)
class Manifest:
    """A parsed bundle manifest (see ``bundles/README.md`` for the file format)."""

    path: Path
    prefix: str
    name: str
    tag: str
    targets: tuple[int, ...]
    compilers: Mapping[int, CompilerSpec]
    libraries: tuple[LibrarySpec, ...]
    readme: Path | None = None


def default_tag(environ: Mapping[str, str] | None = None, today: dt.date | None = None) -> str:
    """YYYYMMDD from ``SOURCE_DATE_EPOCH`` (reproducible builds' convention), else today (UTC)."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y%m%d")
        except (ValueError, OverflowError, OSError):
            raise BundlerError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds",
                               "unset it, or set it to e.g. $(git log -1 --format=%ct)") from None
    return (today or dt.datetime.now(dt.UTC).date()).strftime("%Y%m%d")


def _check_tag(tag: str, where: str) -> str:
    tag = str(tag)
    try:
        if not re.fullmatch(r"\d{8}", tag):
            raise ValueError
        dt.datetime.strptime(tag, "%Y%m%d")
    except ValueError:
        raise BundlerError(f"{where}: tag {tag!r} is not a date YYYYMMDD",
                           "use e.g. tag = \"20261121\", or leave it out to use today") from None
    return tag


def load_manifest(path: str | os.PathLike[str], *, tag: str | None = None,
                  environ: Mapping[str, str] | None = None) -> Manifest:
    """Read and check a manifest. ``tag`` (the CLI's ``--tag``) wins over the manifest's, which
    wins over :func:`default_tag`. Paths in the manifest are relative to its folder."""
    path = Path(path)
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundlerError(f"{where}: no such manifest", "check the path (bundles/*.toml)"
                           ) from None
    except OSError as e:
        raise BundlerError(f"{where}: cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise BundlerError(f"{where}: not UTF-8 text", "save the manifest as UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise BundlerError(f"{where}: not valid TOML: {e}",
                           "see bundles/README.md for the format") from None
    _no_unknown(data, {"bundle", "mpy-cross", "library"}, where, "top-level table")
    bundle = data.get("bundle")
    if not isinstance(bundle, dict):
        raise BundlerError(f"{where}: missing [bundle] table",
                           "start the manifest with [bundle] and prefix = \"my-bundle\"")
    _no_unknown(bundle, {"prefix", "name", "tag", "targets", "readme"}, where, "key in [bundle]")
    prefix = bundle.get("prefix")
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise BundlerError(f"{where}: [bundle] prefix must be a lowercase file-name prefix such "
                           f"as \"my-bundle\" (got {prefix!r})",
                           "circup finds bundles by this prefix: lowercase letters, digits, "
                           "dashes")
    base = path.parent
    if tag is not None:
        chosen = _check_tag(tag, "--tag")
    elif "tag" in bundle:
        chosen = _check_tag(bundle["tag"], where)
    else:
        chosen = default_tag(environ)
    readme = bundle.get("readme")
    if readme is not None and not isinstance(readme, str):
        raise BundlerError(f"{where}: [bundle] readme must be a file path")
    compilers = _compilers(data.get("mpy-cross", {}), base, where)
    return Manifest(
        path=path, prefix=prefix, name=str(bundle.get("name") or prefix), tag=chosen,
        targets=_targets(bundle.get("targets", list(DEFAULT_TARGETS)), where),
        compilers=compilers, libraries=_library_specs(data.get("library"), base, where),
        readme=(base / readme) if readme else None,
    )


def _no_unknown(table: Mapping[str, Any], allowed: set[str], where: str, what: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = (f"did you mean {close[0]!r}?" if close
                    else f"allowed: {', '.join(sorted(allowed))}")
            raise BundlerError(f"{where}: unknown {what} {key!r}", hint)


def _targets(value: Any, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value):
        raise BundlerError(f"{where}: [bundle] targets must be a list of CircuitPython majors",
                           "e.g. targets = [9, 10]")
    return tuple(sorted(set(value)))


def _compilers(table: Any, base: Path, where: str) -> dict[int, CompilerSpec]:
    if not isinstance(table, dict):
        raise BundlerError(f"{where}: [mpy-cross] must be a table of major = path")
    try:
        return {spec.major: spec for spec in
                (parse_spec(major, value, base) for major, value in table.items())}
    except MpyCrossError as e:
        raise BundlerError(f"{where}: {e}", "see bundles/README.md, [mpy-cross]") from None


def _library_specs(entries: Any, base: Path, where: str) -> tuple[LibrarySpec, ...]:
    if entries is None:
        raise BundlerError(f"{where}: no libraries",
                           "add at least one [[library]] table with path, pypi or git")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise BundlerError(f"{where}: 'library' must be an array of tables: write [[library]]")
    return tuple(_library_spec(entry, i + 1, base, where) for i, entry in enumerate(entries))


def _library_spec(entry: dict[str, Any], number: int, base: Path, where: str) -> LibrarySpec:
    here = f"{where}: library #{number}"
    kinds = [k for k in SOURCE_KINDS if k in entry]
    if len(kinds) != 1:
        extra = sorted(set(entry) - COMMON_KEYS - set().union(*KIND_KEYS.values()))
        found = f" (found unknown key {extra[0]!r})" if extra and not kinds else ""
        raise BundlerError(
            f"{here}: {'no' if not kinds else 'more than one'} source{found}",
            "give exactly one of path = \"../libraries/x\", pypi = \"name\" with "
            "version = \"1.2.3\", or git = \"URL\" with ref = \"tag\"")
    kind = kinds[0]
    _no_unknown(entry, COMMON_KEYS | KIND_KEYS[kind], here, f"key for a {kind} library")
    for key, value in entry.items():
        if not isinstance(value, str):
            raise BundlerError(f"{here}: {key} must be a string (in quotes)")
    location = entry[kind]
    version = entry.get("version")
    label = f"library #{number} ({kind} {location})"
    if kind == "path":
        location = str((base / location).resolve())
    elif kind == "pypi":
        location, version = _pypi_name_version(location, version, here)
    elif "ref" not in entry:
        raise BundlerError(f"{here}: a git library needs ref = \"<tag or commit>\"",
                           "pin a release tag so the bundle can be rebuilt identically")
    prefer = entry.get("prefer", "sdist")
    if prefer not in ("sdist", "wheel"):
        raise BundlerError(f"{here}: prefer must be \"sdist\" or \"wheel\"")
    return LibrarySpec(kind=kind, label=label, location=location, version=version,
                       ref=entry.get("ref"), sha256=entry.get("sha256"), prefer=prefer,
                       examples=entry.get("examples"), repo=entry.get("repo"))


def _pypi_name_version(text: str, version: str | None, here: str) -> tuple[str, str]:
    name, _, pinned = (part.strip() for part in text.partition("=="))
    if pinned and version and pinned != version:
        raise BundlerError(f"{here}: two versions given ({pinned} and {version})")
    version = version or pinned
    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", name):
        raise BundlerError(f"{here}: {name!r} is not a PyPI project name")
    if not version or not re.fullmatch(r"[0-9A-Za-z.+!_-]+", version) or "*" in version:
        raise BundlerError(f"{here}: PyPI libraries need an exact version",
                           f"add version = \"X.Y.Z\" (see https://pypi.org/project/{name}/"
                           "#history)")
    return name, version


# -- libraries ---------------------------------------------------------------------------------

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
    requirements: list[str]                    # requirement lines (comments dropped)
    requirement_files: list[tuple[str, bytes]]  # copied into requirements/<module>/
    examples: list[tuple[str, Path]] = field(default_factory=list)  # rel to examples/
    dependencies: list[str] = field(default_factory=list)
    external_dependencies: list[str] = field(default_factory=list)


@dataclass
class BuildResult:
    """What a build wrote (``files``, in ``out``) and what it left out (``notes``)."""

    tag: str
    files: list[Path]
    notes: list[str]
    libraries: list[Library]
    metadata: dict[str, Any]


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
        raise BundlerError(f"{label}: no module found in {root}",
                           "add [tool.setuptools] py-modules = [\"name\"] or packages = "
                           "[\"name\"] to its pyproject.toml, or put the .py file or package "
                           "folder at the top of the library")
    return [_module(root, name, package, label) for name, package in names]


def _layout_modules(root: Path) -> list[tuple[str, bool]]:
    found = []
    for child in sorted(root.iterdir()):
        if child.name.startswith(".") or child.name in SKIP_DIRS:
            continue
        if child.is_dir() and (child / "__init__.py").is_file() and child.name.isidentifier():
            found.append((child.name, True))
        elif (child.is_file() and child.suffix == ".py" and child.name not in SKIP_FILES
              and child.stem.isidentifier()):
            found.append((child.stem, False))
    return found


def _module(root: Path, name: str, package: bool, label: str) -> Module:
    if package:
        folder = root / name
        if not folder.is_dir():
            raise BundlerError(f"{label}: package folder {name}/ is missing in {root}",
                               "fix [tool.setuptools] packages in its pyproject.toml")
        files = [
            (p.relative_to(root).as_posix(), p) for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
            and not p.name.startswith(".")
        ]
        return Module(name, True, tuple(files))
    source = root / f"{name}.py"
    if not source.is_file():
        raise BundlerError(f"{label}: module {name}.py is missing in {root}",
                           "fix [tool.setuptools] py-modules in its pyproject.toml")
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
    return [(p.relative_to(folder).as_posix(), p) for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]


def _short_name(name: str) -> str:
    """The folder name under ``examples/``: ``adafruit-circuitpython-bme280`` -> ``bme280``."""
    name = name.lower().replace("_", "-")
    for prefix in ("adafruit-circuitpython-", "circuitpython-"):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix):]
            break
    return name.replace("-", "_")


def _dist_name(name: str) -> str:
    """PyPI names as build-tools compares them: lowercase, ``_`` -> ``-``."""
    return name.strip().lower().replace("_", "-").replace(".", "-")


def _clean_repo(url: str | None) -> str:
    if not url:
        return ""
    url = url.strip().rstrip("/").lower()
    return url[:-4] if url.endswith(".git") else url


def _repo_from_urls(urls: Any) -> str:
    if not isinstance(urls, dict):
        return ""
    by_key = {str(k).lower(): v for k, v in urls.items() if isinstance(v, str)}
    for key in ("repository", "source", "source code", "homepage", "home"):
        if by_key.get(key):
            return by_key[key]
    return ""


@dataclass
class _SourceInfo:
    """What the source itself says (PyPI JSON, wheel METADATA), under the library's own files."""

    version: str | None = None
    name: str | None = None
    description: str = ""
    repo: str = ""
    requires: list[str] | None = None          # Requires-Dist (wheels): no requirements.txt


def read_library(root: Path, spec: LibrarySpec, info: _SourceInfo | None = None) -> Library:
    """Read a library folder (first-party, unpacked sdist/wheel, git checkout)."""
    info = info or _SourceInfo()
    label = spec.label
    pyproject = _load_pyproject(root, label)
    project = pyproject.get("project") if isinstance(pyproject.get("project"), dict) else {}
    assert isinstance(project, dict)
    version = spec.version or info.version or _static(project, "version")
    if spec.kind == "git" and not version and spec.ref:
        version = _version_from_ref(spec.ref)
    if not version:
        raise BundlerError(f"{label}: no version",
                           "add version = \"X.Y.Z\" to its [[library]] entry (or a static "
                           "[project] version to its pyproject.toml)")
    name = info.name or _static(project, "name") or (
        _repo_name(spec.location) if spec.kind == "git" else root.name)
    repo = _clean_repo(spec.repo or info.repo or _repo_from_urls(project.get("urls"))
                       or (spec.location if spec.kind == "git" else ""))
    description = _static(project, "description") or info.description or ""
    req_files, requirements = _requirement_files(root, info)
    return Library(
        label=label, root=root, pypi_name=_dist_name(name), version=version, repo=repo,
        description=description, examples_name=spec.examples or (
            root.name if spec.kind == "path" else _short_name(name)),
        modules=_discover_modules(root, pyproject, label), requirements=requirements,
        requirement_files=req_files, examples=_examples(root),
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


def _requirement_files(root: Path, info: _SourceInfo) -> tuple[list[tuple[str, bytes]],
                                                                list[str]]:
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


def _link_dependencies(libraries: list[Library]) -> None:
    """Split each library's requirements into bundle modules and external names (build-tools'
    rules: lowercase, ``_`` -> ``-``, Blinka-only names dropped)."""
    by_dist: dict[str, list[str]] = {}
    modules: set[str] = set()
    for lib in libraries:
        by_dist.setdefault(lib.pypi_name, []).extend(m.name for m in lib.modules)
        modules.update(m.name for m in lib.modules)
    for lib in libraries:
        deps: set[str] = set()
        external: set[str] = set()
        for line in lib.requirements:
            original = _SPLIT_REQ.split(line.lower(), maxsplit=1)[0].strip()
            if not original:
                continue
            dist = _dist_name(original)
            if dist in by_dist:
                deps.update(by_dist[dist])
            elif canonical_name(original) in modules:
                deps.add(canonical_name(original))
            elif dist not in BLINKA_LIBRARIES:
                external.add(original)
        own = {m.name for m in lib.modules}
        lib.dependencies = sorted(deps - own)
        lib.external_dependencies = sorted(external)


def _check_collisions(libraries: list[Library]) -> None:
    owner: dict[str, Library] = {}
    for lib in libraries:
        for module in lib.modules:
            other = owner.setdefault(module.name, lib)
            if other is not lib:
                raise BundlerError(
                    f"module {module.name!r} comes from two libraries: {other.label} and "
                    f"{lib.label}",
                    "a bundle can hold each module once: remove one of them from the manifest")


# -- fetching sources ------------------------------------------------------------------------

def _resolve_source(spec: LibrarySpec, work: Path, fetcher: Any, pypi_url: str
                    ) -> tuple[Path, _SourceInfo]:
    if spec.kind == "path":
        root = Path(spec.location)
        if not root.is_dir():
            raise BundlerError(f"{spec.label}: folder {root} does not exist",
                               "paths in a manifest are relative to the manifest's folder")
        return root, _SourceInfo()
    if spec.kind == "pypi":
        return _fetch_pypi(spec, work, fetcher, pypi_url)
    return _fetch_git(spec, work), _SourceInfo()


def _fetch_errors() -> tuple[type[Exception], type[Exception]]:
    from protoboard.libraries.fetch import FetchError, NotFoundError

    return FetchError, NotFoundError


def _fetch_pypi(spec: LibrarySpec, work: Path, fetcher: Any, pypi_url: str
                ) -> tuple[Path, _SourceInfo]:
    fetch_error, _ = _fetch_errors()
    name, version = spec.location, spec.version
    files, info, json_url = _release(spec, fetcher, pypi_url)
    chosen = _choose_file(files, spec)
    file_url = urljoin(json_url, str(chosen["url"]))     # mirrors may give relative URLs
    sha256 = chosen["digests"]["sha256"]
    if spec.sha256 and spec.sha256.lower() != sha256.lower():
        raise BundlerError(f"{spec.label}: PyPI's {chosen['filename']} has sha256 {sha256}, "
                           f"not the {spec.sha256} the manifest pins",
                           "if the new file is expected, update sha256 in the manifest")
    try:
        path = Path(fetcher.get(file_url, sha256=sha256, name=chosen["filename"],
                                refresh=False))
    except fetch_error as e:
        raise BundlerError(f"{spec.label}: cannot download {chosen['filename']}: {e}") from None
    actual = _sha256(path)
    if actual != sha256.lower():
        _forget(fetcher, file_url)
        raise BundlerError(f"{spec.label}: {chosen['filename']} has sha256 {actual}, but PyPI "
                           f"says {sha256}", "the download or cache is damaged: run the build "
                           "again to download it afresh")
    dest = work / "sources" / f"{_dist_name(name)}-{version}"
    try:
        root = _unpack(path, dest, chosen["packagetype"])
    except BundlerError as e:
        _forget(fetcher, file_url)
        raise BundlerError(f"{spec.label}: {e}", e.hint) from None
    return root, _pypi_info(info, version, root, chosen["packagetype"])


def _release(spec: LibrarySpec, fetcher: Any, pypi_url: str
             ) -> tuple[Any, dict[str, Any], str]:
    """The files and info of one release: from a cached project JSON if it lists the release,
    else PyPI's per-version JSON, else the project JSON (some mirrors serve only that one; a
    cached copy is refreshed once if it predates the release). Nothing is asked of the network
    once a release is cached."""
    fetch_error, not_found = _fetch_errors()
    name, version = spec.location, str(spec.version)
    base = pypi_url.rstrip("/")
    try:
        project_url = f"{base}/{name}/json"
        is_cached = getattr(fetcher, "is_cached", None)
        if callable(is_cached) and is_cached(project_url):
            data = fetcher.get_json(project_url, refresh=False)
            if version in _field(data, "releases", spec):
                return data["releases"][version], _field(data, "info", spec), project_url
        url = f"{base}/{name}/{version}/json"
        try:
            data = fetcher.get_json(url, refresh=False)
            return _field(data, "urls", spec), _field(data, "info", spec), url
        except not_found:
            pass
        for refresh in (False, True):
            data = fetcher.get_json(project_url, refresh=refresh)
            releases = _field(data, "releases", spec)
            if version in releases:
                return releases[version], _field(data, "info", spec), project_url
    except not_found:
        raise BundlerError(f"{spec.label}: PyPI has no project {name}",
                           f"check the name on https://pypi.org/search/?q={name}") from None
    except fetch_error as e:
        raise BundlerError(f"{spec.label}: cannot read PyPI's data for {name} {version}: {e}",
                           "check your connection; --offline uses only cached downloads"
                           ) from None
    raise BundlerError(f"{spec.label}: PyPI has no {name} version {version}",
                       f"check the version on https://pypi.org/project/{name}/#history")


def _field(data: Any, key: str, spec: LibrarySpec) -> Any:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict | list):
        raise BundlerError(f"{spec.label}: PyPI's answer has no {key!r}",
                           "is --pypi-url a PyPI JSON API (https://pypi.org/pypi)?")
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _forget(fetcher: Any, url: str) -> None:
    forget = getattr(fetcher, "forget", None)
    if callable(forget):
        with contextlib.suppress(Exception):
            forget(url)


def _choose_file(files: Any, spec: LibrarySpec) -> dict[str, Any]:
    if not isinstance(files, list):
        files = []
    usable = [f for f in files if isinstance(f, dict) and not f.get("yanked")
              and f.get("packagetype") in ("sdist", "bdist_wheel")
              and isinstance(f.get("digests"), dict) and f["digests"].get("sha256")
              and (f.get("packagetype") == "sdist" or str(f.get("filename", "")).endswith(
                  "-none-any.whl"))]
    order = ("sdist", "bdist_wheel") if spec.prefer == "sdist" else ("bdist_wheel", "sdist")
    for kind in order:
        for f in sorted(usable, key=lambda f: str(f.get("filename"))):
            if f["packagetype"] == kind:
                return f
    raise BundlerError(f"{spec.label}: {spec.location} {spec.version} has no sdist nor "
                       "pure-Python wheel on PyPI",
                       "use a git or path source for this library instead")


def _pypi_info(info: dict[str, Any], version: str | None, root: Path, packagetype: str
               ) -> _SourceInfo:
    repo = _repo_from_urls(info.get("project_urls")) or str(info.get("home_page") or "")
    result = _SourceInfo(version=version, name=info.get("name"),
                         description=str(info.get("summary") or ""), repo=repo)
    if packagetype == "bdist_wheel":
        _wheel_metadata(root, result)
    return result


def _unpack(archive: Path, dest: Path, packagetype: str) -> Path:
    """Unpack an sdist (its single top folder is the library) or a wheel (the library)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    try:
        if archive.name.endswith(".zip") or packagetype == "bdist_wheel":
            with zipfile.ZipFile(archive) as zf:
                for member in zf.infolist():
                    _safe_member(member.filename)
                zf.extractall(dest)
        else:
            with tarfile.open(archive) as tf:
                members = [m for m in tf.getmembers() if _wanted(m.name)]
                tf.extractall(dest, members=members, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, OSError,
            ValueError) as e:
        raise BundlerError(f"{archive.name} is corrupt or not an archive ({e})",
                           "run the build again to download it afresh; if that fails, PyPI's "
                           "file is broken: pin another version") from None
    if packagetype == "bdist_wheel":
        return dest
    tops = [p for p in dest.iterdir()]
    if len(tops) != 1 or not tops[0].is_dir():
        raise BundlerError(f"{archive.name}: an sdist must hold one top folder",
                           "pin another version, or use prefer = \"wheel\"")
    return tops[0]


def _wanted(name: str) -> bool:
    """Members of an sdist worth unpacking: not its docs, tests or CI files (which make up
    most of an Adafruit sdist and are never bundled)."""
    _safe_member(name)
    parts = PurePosixPath(name).parts
    return len(parts) < 2 or parts[1] not in UNPACK_SKIP


def _safe_member(name: str) -> None:
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts:
        raise BundlerError(f"unsafe archive entry {name!r}")


def _wheel_metadata(root: Path, info: _SourceInfo) -> None:
    metas = sorted(root.glob("*.dist-info/METADATA"))
    if not metas:
        raise BundlerError(f"wheel in {root.name} has no .dist-info/METADATA")
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
        metas[0].read_bytes())
    info.name = msg.get("Name") or info.name
    info.version = msg.get("Version") or info.version
    info.description = msg.get("Summary") or info.description
    urls = {}
    for entry in msg.get_all("Project-URL") or []:
        key, _, value = str(entry).partition(",")
        urls[key.strip()] = value.strip()
    info.repo = info.repo or _repo_from_urls(urls) or str(msg.get("Home-page") or "")
    info.requires = _requires_dist(msg.get_all("Requires-Dist") or [])
    for extra in [*root.glob("*.dist-info"), *root.glob("*.data")]:
        shutil.rmtree(extra)      # not modules: keep them out of layout discovery


def _requires_dist(entries: Iterable[str]) -> list[str]:
    from packaging.requirements import InvalidRequirement, Requirement

    lines = []
    for entry in entries:
        try:
            req = Requirement(str(entry))
        except InvalidRequirement:
            continue
        if req.marker is not None and "extra" in str(req.marker):
            continue
        lines.append(f"{req.name}{req.specifier}")
    return lines


def _fetch_git(spec: LibrarySpec, work: Path) -> Path:
    git = shutil.which("git")
    if git is None:
        raise BundlerError(f"{spec.label}: the git program is needed for git sources and is "
                           "not installed", "install git (https://git-scm.com/downloads), or "
                           "use a pypi or path source for this library")
    dest = work / "sources" / f"git-{hashlib.sha256(spec.location.encode()).hexdigest()[:12]}"
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    steps = (
        ["clone", "--quiet", "--no-checkout", "--", spec.location, str(dest)],
        ["-C", str(dest), "-c", "advice.detachedHead=false", "checkout", "--quiet",
         str(spec.ref), "--"],
    )
    for step in steps:
        try:
            done = subprocess.run([git, *step], capture_output=True, text=True, env=env,
                                  timeout=GIT_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise BundlerError(f"{spec.label}: git {step[0]} failed: {e}") from None
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip()
            what = "clone" if step[0] == "clone" else f"check out ref {spec.ref!r}"
            raise BundlerError(f"{spec.label}: git could not {what}:\n{said}",
                               "check the URL and that the ref (tag, branch or commit) exists")
    shutil.rmtree(dest / ".git", ignore_errors=True)
    return dest


# -- building --------------------------------------------------------------------------------

def stamp_version(data: bytes, version: str) -> bytes:
    """Replace ``0.0.0+auto.0`` / ``0.0.0-auto.0`` on lines starting ``__version__``, line by
    line as build-tools does (so line ends become ``\\n`` and a last newline is added)."""
    if not data:
        return data
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    new = version.encode()
    out = []
    for line in lines:
        if line.startswith(b"__version__"):
            for token in _VERSION_TOKENS:
                line = line.replace(token, new)
        out.append(line + b"\n")
    return b"".join(out)


@dataclass
class _Trees:
    """In-memory zip contents: path inside the top folder -> bytes."""

    py: dict[str, bytes] = field(default_factory=dict)
    examples: dict[str, bytes] = field(default_factory=dict)
    mpy: dict[int, dict[str, bytes]] = field(default_factory=dict)


def build_bundle(manifest: Manifest, out: str | os.PathLike[str], *,
                 compilers: Mapping[int, MpyCross] | None = None, fetcher: Any = None,
                 pypi_url: str = DEFAULT_PYPI_URL, jobs: int | None = None,
                 progress: BuildProgress | None = None,
                 compile_cache: Path | None = None) -> BuildResult:
    """Build the bundle ``manifest`` describes into the folder ``out``.

    ``compilers`` (major -> :class:`MpyCross`) adds to or replaces the manifest's
    ``[mpy-cross]``; a target major without one is skipped with a note. ``fetcher`` downloads
    PyPI files and URL compilers (default: a :class:`~protoboard.libraries.fetch.Fetcher`).
    Raises :class:`BundlerError` and leaves ``out`` as it was on any failure."""
    report = progress or _Quiet()
    out = Path(out)
    staging, created = _staging_dir(out)
    try:
        work = staging / "work"
        work.mkdir()
        chosen, notes = _choose_compilers(manifest, compilers, fetcher, compile_cache)
        libraries = _read_all(manifest, work, fetcher, pypi_url, report)
        _check_collisions(libraries)
        _link_dependencies(libraries)
        trees, compiles = _fill_trees(libraries, chosen, work)
        names = _write_outputs(manifest, libraries, trees, compiles, staging, jobs, report)
        files = _publish(staging, out, names)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise
    shutil.rmtree(staging, ignore_errors=True)
    for note in notes:
        report.note(note)
    return BuildResult(manifest.tag, files, notes, libraries, _metadata(libraries))


def _staging_dir(out: Path) -> tuple[Path, bool]:
    """A temporary folder on ``out``'s file system (beside it, else inside it) so the final
    moves are renames; also proves early that ``out`` is writable."""
    created = not out.exists()
    if out.exists() and not out.is_dir():
        raise BundlerError(f"{out} exists and is not a folder", "choose another --out folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BundlerError(f"cannot create the output folder {out}: {e.strerror or e}",
                           "choose another --out folder") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise BundlerError(f"cannot write to the output folder {out}: permission denied",
                           "choose a folder you can write to with --out")
    for parent in (out.resolve().parent, out):
        try:
            return Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}bundle-", dir=parent)), created
        except OSError:
            continue
    if created:
        with contextlib.suppress(OSError):
            out.rmdir()
    raise BundlerError(f"cannot write to the output folder {out}: permission denied",
                       "choose a folder you can write to with --out")


def _choose_compilers(manifest: Manifest, given: Mapping[int, MpyCross] | None, fetcher: Any,
                      cache: Path | None) -> tuple[dict[int, MpyCross], list[str]]:
    from protoboard.libraries.mpycross import resolve

    chosen: dict[int, MpyCross] = {}
    for major, spec in manifest.compilers.items():
        if not given or major not in given:
            try:
                chosen[major] = resolve(spec, fetcher, cache_dir=cache)
            except MpyCrossError as e:
                raise BundlerError(str(e)) from None
    chosen.update(given or {})
    for compiler in chosen.values():
        try:
            compiler.check()
        except MpyCrossError as e:
            raise BundlerError(str(e), "fix the path in [mpy-cross] or --mpy-cross") from None
    targets = sorted(set(manifest.targets) | set(chosen))
    notes = [f"{major}.x-mpy zip skipped: no mpy-cross for CircuitPython {major} (give one "
             f"with --mpy-cross {major}=PATH or in the manifest's [mpy-cross])"
             for major in targets if major not in chosen]
    return {m: chosen[m] for m in sorted(chosen)}, notes


def _read_all(manifest: Manifest, work: Path, fetcher: Any, pypi_url: str,
              report: BuildProgress) -> list[Library]:
    needs_fetch = any(s.kind == "pypi" for s in manifest.libraries)
    if fetcher is None and needs_fetch:
        from protoboard.libraries.fetch import Fetcher

        fetcher = Fetcher()
    report.stage("reading libraries", len(manifest.libraries))
    libraries = []
    for spec in manifest.libraries:
        root, info = _resolve_source(spec, work, fetcher, pypi_url)
        libraries.append(read_library(root, spec, info))
        report.advance()
    return libraries


@dataclass
class _Compiles:
    """The mpy-cross work of a build: the jobs, and where each output goes in which zip."""

    jobs: list[tuple[MpyCross, CompileJob]] = field(default_factory=list)
    outputs: list[tuple[int, str, Path]] = field(default_factory=list)


def _fill_trees(libraries: list[Library], compilers: Mapping[int, MpyCross], work: Path
                ) -> tuple[_Trees, _Compiles]:
    """Every zip's files except the compiled ones; each .py is read and stamped once."""
    trees = _Trees(mpy={major: {} for major in compilers})
    compiles = _Compiles()
    requirements: dict[str, bytes] = {}
    for index, lib in enumerate(libraries):
        for module in lib.modules:
            for rel, source in module.files:
                data = source.read_bytes()
                if source.suffix == ".py":
                    data = stamp_version(data, lib.version)
                trees.py[f"lib/{rel}"] = data
                if source.suffix != ".py" or not data:
                    for tree in trees.mpy.values():
                        tree[f"lib/{rel}"] = data      # non-.py and empty files as they are
                    continue
                stamped = work / "stamped" / str(index) / rel
                stamped.parent.mkdir(parents=True, exist_ok=True)
                stamped.write_bytes(data)
                for major, compiler in compilers.items():
                    target = work / "mpy" / str(major) / str(index) / (rel[:-3] + ".mpy")
                    compiles.jobs.append((compiler, CompileJob(stamped, target, rel)))
                    compiles.outputs.append((major, f"lib/{rel[:-3]}.mpy", target))
            for name, content in lib.requirement_files:
                requirements[f"requirements/{module.name}/{name}"] = content
        for rel, source in lib.examples:
            trees.examples[f"examples/{lib.examples_name}/{rel}"] = source.read_bytes()
    for tree in (trees.py, *trees.mpy.values()):
        tree.update(requirements)
        tree.update(trees.examples)
    return trees, compiles


def _compile(compiles: _Compiles, trees: _Trees, jobs: int | None,
             report: BuildProgress) -> None:
    """Run every compile in parallel, then put the .mpy files into their trees."""
    if compiles.jobs:
        report.stage(f"compiling {len(compiles.jobs)} files with mpy-cross",
                     len(compiles.jobs))
        try:
            compile_all(compiles.jobs, workers=jobs, on_done=report.advance)
        except MpyCrossError as e:
            raise BundlerError(str(e), "fix the file, or check the compiler with "
                               "mpy-cross --version") from None
    for major, name, path in compiles.outputs:
        trees.mpy[major][name] = path.read_bytes()


def _metadata(libraries: list[Library]) -> dict[str, Any]:
    """The bundle JSON: keyed by module, with every key build-tools writes."""
    result: dict[str, Any] = {}
    for lib in libraries:
        for module in lib.modules:
            result[module.name] = {
                "package": module.package, "pypi_name": lib.pypi_name, "version": lib.version,
                "repo": lib.repo, "path": f"lib/{module.name}",
                "dependencies": lib.dependencies,
                "external_dependencies": lib.external_dependencies,
                "pypi_description": lib.description,
            }
    return result


def _common_files(manifest: Manifest, libraries: list[Library]) -> dict[str, bytes]:
    versions = [manifest.tag] + [
        f"{lib.repo}/releases/tag/{lib.version}" if lib.repo else f"{lib.pypi_name}=={lib.version}"
        for lib in libraries
    ]
    if manifest.readme is not None:
        try:
            readme = manifest.readme.read_bytes()
        except OSError as e:
            raise BundlerError(f"{manifest.path}: readme {manifest.readme}: "
                               f"{e.strerror or e}") from None
    else:
        readme = (f"{manifest.name} ({manifest.prefix}), bundle {manifest.tag}\n\n"
                  "CircuitPython libraries. Copy what you need from lib/ into the lib/ folder "
                  "of your CIRCUITPY drive,\nor let circup or `protoboard` install them with "
                  "their dependencies.\n").encode()
    return {"README.txt": readme,
            "VERSIONS.txt": "".join(f"{line}\r\n" for line in versions).encode()}


def _write_outputs(manifest: Manifest, libraries: list[Library], trees: _Trees,
                   compiles: _Compiles, staging: Path, jobs: int | None,
                   report: BuildProgress) -> list[str]:
    """Write the zips and the JSON into ``staging``; the py and examples zips are compressed
    (zlib lets go of the GIL) while mpy-cross runs, the mpy zips after it."""
    common = _common_files(manifest, libraries)
    prefix, tag = manifest.prefix, manifest.tag
    tops = {"py": f"{prefix}-py-{tag}", "examples": f"{prefix}-examples-{tag}"}
    deflate = _Deflater()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="zip") as zipper:
        writes = [zipper.submit(_write_zip, staging / f"{tops[kind]}.zip", tops[kind],
                                {**common, **getattr(trees, kind)}, tag, deflate)
                  for kind in ("examples", "py")]
        _compile(compiles, trees, jobs, report)
        report.stage("writing zips", None)
        mpy_tops = []
        for major, tree in trees.mpy.items():
            top = f"{prefix}-{major}.x-mpy-{tag}"
            mpy_tops.append(top)
            writes.append(zipper.submit(_write_zip, staging / f"{top}.zip", top,
                                        {**common, **tree}, tag, deflate))
        for future in writes:
            future.result()
    json_name = f"{prefix}-{tag}.json"
    (staging / json_name).write_bytes(json.dumps(_metadata(libraries), sort_keys=True).encode())
    return [f"{tops['py']}.zip", *(f"{t}.zip" for t in mpy_tops), f"{tops['examples']}.zip",
            json_name]


def _zip_name(top: str, rel: str) -> str:
    """build-tools turns dashes in file names (not folders) into underscores."""
    folder, _, name = rel.rpartition("/")
    name = name.replace("-", "_")
    return f"{top}/{folder}/{name}" if folder else f"{top}/{name}"


class _Deflater:
    """Raw deflate (level 6, as build-tools) of each distinct content once per build: the
    examples, requirements and data files repeat in every zip. Thread-safe enough: two threads
    racing on one content compute the same bytes."""

    def __init__(self) -> None:
        self._done: dict[bytes, bytes] = {}

    def __call__(self, data: bytes) -> bytes:
        key = hashlib.sha256(data).digest()
        packed = self._done.get(key)
        if packed is None:
            engine = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed = self._done[key] = engine.compress(data) + engine.flush()
        return packed


def _write_zip(path: Path, top: str, tree: Mapping[str, bytes], tag: str,
               deflate: _Deflater | None = None) -> None:
    """A deterministic zip, written by hand so that nothing varies: sorted names, the tag's date
    as every time stamp, mode 0644 (made on Unix), deflate level 6, no extra fields, the
    comment build-tools writes."""
    deflate = deflate or _Deflater()
    entries: dict[str, bytes] = {}
    for rel, data in tree.items():
        name = _zip_name(top, rel)
        if name in entries:
            raise BundlerError(f"two files would both be {name} in {path.name}",
                               "build-tools turns '-' into '_' in file names: rename one")
        entries[name] = data
    if len(entries) >= 0xFFFF or sum(map(len, entries.values())) >= 0xFFFFFFFF:
        raise BundlerError(f"{path.name}: too large for a zip without zip64",
                           "split the manifest into smaller bundles")
    date = (int(tag[:4]) - 1980) << 9 | int(tag[4:6]) << 5 | int(tag[6:])
    body = io.BytesIO()
    central = []
    for name in sorted(entries):
        data = entries[name]
        raw = name.encode("utf-8")
        flags = 0 if raw.isascii() else 0x800            # UTF-8 names flagged as zipfile does
        packed = deflate(data)
        crc = zlib.crc32(data)
        offset = body.tell()
        body.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, 8, 0, date, crc,
                               len(packed), len(data), len(raw), 0) + raw + packed)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 3 << 8 | 20, 20, flags, 8, 0,
                                   date, crc, len(packed), len(data), len(raw), 0, 0, 0, 0,
                                   0o100644 << 16, offset) + raw)
    directory = b"".join(central)
    comment = json.dumps({"build-tools-version": "protoboard-bundler"}).encode()
    body.write(directory)
    body.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central),
                           len(directory), body.tell() - len(directory), len(comment)) + comment)
    path.write_bytes(body.getvalue())


def _publish(staging: Path, out: Path, names: list[str]) -> list[Path]:
    """Rename the finished files into ``out`` (same file system: each rename is atomic)."""
    final = []
    for name in names:
        target = out / name
        try:
            os.replace(staging / name, target)
        except OSError as e:
            raise BundlerError(f"cannot write {target}: {e.strerror or e}",
                               "choose a folder you can write to with --out") from None
        final.append(target)
    return final

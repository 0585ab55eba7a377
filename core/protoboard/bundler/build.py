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

The build is put together here (:func:`build_bundle`: read, link, stamp, compile, zip, publish);
its parts live in their own modules:

* :mod:`~protoboard.bundler.manifest`: the manifest file, checked;
* :mod:`~protoboard.bundler.library_sources`: fetching PyPI files and git checkouts;
* :mod:`~protoboard.bundler.library_folder`: reading a library's folder;
* :mod:`~protoboard.bundler.metadata`: dependencies, the JSON, README and VERSIONS;
* :mod:`~protoboard.bundler.zipwriter`: the deterministic zip writer;
* :mod:`~protoboard.bundler.errors`: :class:`BundlerError`, which all of them raise.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from protoboard.bundler.errors import BundlerError
from protoboard.bundler.library_folder import Library, Module, read_library
from protoboard.bundler.library_sources import DEFAULT_PYPI_URL, resolve_source
from protoboard.bundler.manifest import (
    DEFAULT_TARGETS,
    LibrarySpec,
    Manifest,
    default_tag,
    load_manifest,
)
from protoboard.bundler.metadata import (
    bundle_json,
    check_collisions,
    common_files,
    link_dependencies,
)
from protoboard.bundler.mpycross import CompileJob, MpyCross, MpyCrossError, compile_all
from protoboard.bundler.zipwriter import Deflater, write_zip
from protoboard.runtime.drive import TEMP_PREFIX

__all__ = [
    "DEFAULT_PYPI_URL",
    "DEFAULT_TARGETS",
    "BuildResult",
    "BundlerError",
    "Library",
    "LibrarySpec",
    "Manifest",
    "Module",
    "build_bundle",
    "default_tag",
    "load_manifest",
    "read_library",
    "stamp_version",
]

_VERSION_TOKENS = (b"0.0.0-auto.0", b"0.0.0+auto.0")


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


@dataclass
class BuildResult:
    """What a build wrote (``files``, in ``out``) and what it left out (``notes``)."""

    tag: str
    files: list[Path]
    notes: list[str]
    libraries: list[Library]
    metadata: dict[str, Any]


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


def build_bundle(
    manifest: Manifest,
    out: str | os.PathLike[str],
    *,
    compilers: Mapping[int, MpyCross] | None = None,
    fetcher: Any = None,
    pypi_url: str = DEFAULT_PYPI_URL,
    jobs: int | None = None,
    progress: BuildProgress | None = None,
    compile_cache: Path | None = None,
) -> BuildResult:
    """Build the bundle ``manifest`` describes into the folder ``out``.

    ``compilers`` (major -> :class:`MpyCross`) adds to or replaces the manifest's
    ``[mpy-cross]``; a target major without one is skipped with a note. ``fetcher`` downloads
    PyPI files and URL compilers (default: a :class:`~protoboard.updater.fetch.Fetcher`).
    Raises :class:`BundlerError` and leaves ``out`` as it was on any failure."""
    report = progress or _Quiet()
    out = Path(out)
    staging, created = _staging_dir(out)
    try:
        work = staging / "work"
        work.mkdir()
        chosen, notes = _choose_compilers(manifest, compilers, fetcher, compile_cache)
        libraries = _read_all(manifest, work, fetcher, pypi_url, report)
        check_collisions(libraries)
        link_dependencies(libraries)
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
    return BuildResult(manifest.tag, files, notes, libraries, bundle_json(libraries))


def _staging_dir(out: Path) -> tuple[Path, bool]:
    """A temporary folder on ``out``'s file system (beside it, else inside it) so the final
    moves are renames; also proves early that ``out`` is writable."""
    created = not out.exists()
    if out.exists() and not out.is_dir():
        raise BundlerError(f"{out} exists and is not a folder", "choose another --out folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BundlerError(
            f"cannot create the output folder {out}: {e.strerror or e}",
            "choose another --out folder",
        ) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise BundlerError(
            f"cannot write to the output folder {out}: permission denied",
            "choose a folder you can write to with --out",
        )
    for parent in (out.resolve().parent, out):
        try:
            return Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}bundle-", dir=parent)), created
        except OSError:
            continue
    if created:
        with contextlib.suppress(OSError):
            out.rmdir()
    raise BundlerError(
        f"cannot write to the output folder {out}: permission denied",
        "choose a folder you can write to with --out",
    )


def _choose_compilers(
    manifest: Manifest, given: Mapping[int, MpyCross] | None, fetcher: Any, cache: Path | None
) -> tuple[dict[int, MpyCross], list[str]]:
    from protoboard.bundler.mpycross import resolve

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
    notes = [
        f"{major}.x-mpy zip skipped: no mpy-cross for CircuitPython {major} (give one "
        f"with --mpy-cross {major}=PATH or in the manifest's [mpy-cross])"
        for major in targets
        if major not in chosen
    ]
    return {m: chosen[m] for m in sorted(chosen)}, notes


def _read_all(
    manifest: Manifest, work: Path, fetcher: Any, pypi_url: str, report: BuildProgress
) -> list[Library]:
    needs_fetch = any(s.kind == "pypi" for s in manifest.libraries)
    if fetcher is None and needs_fetch:
        from protoboard.updater.fetch import Fetcher

        fetcher = Fetcher()
    report.stage("reading libraries", len(manifest.libraries))
    libraries = []
    for spec in manifest.libraries:
        root, info = resolve_source(spec, work, fetcher, pypi_url)
        libraries.append(read_library(root, spec, info))
        report.advance()
    return libraries


@dataclass
class _Compiles:
    """The mpy-cross work of a build: the jobs, and where each output goes in which zip."""

    jobs: list[tuple[MpyCross, CompileJob]] = field(default_factory=list)
    outputs: list[tuple[int, str, Path]] = field(default_factory=list)


def _fill_trees(
    libraries: list[Library], compilers: Mapping[int, MpyCross], work: Path
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
                        tree[f"lib/{rel}"] = data  # non-.py and empty files as they are
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


def _compile(compiles: _Compiles, trees: _Trees, jobs: int | None, report: BuildProgress) -> None:
    """Run every compile in parallel, then put the .mpy files into their trees."""
    if compiles.jobs:
        report.stage(f"compiling {len(compiles.jobs)} files with mpy-cross", len(compiles.jobs))
        try:
            compile_all(compiles.jobs, workers=jobs, on_done=report.advance)
        except MpyCrossError as e:
            raise BundlerError(
                str(e), "fix the file, or check the compiler with mpy-cross --version"
            ) from None
    for major, name, path in compiles.outputs:
        trees.mpy[major][name] = path.read_bytes()


def _write_outputs(
    manifest: Manifest,
    libraries: list[Library],
    trees: _Trees,
    compiles: _Compiles,
    staging: Path,
    jobs: int | None,
    report: BuildProgress,
) -> list[str]:
    """Write the zips and the JSON into ``staging``; the py and examples zips are compressed
    (zlib lets go of the GIL) while mpy-cross runs, the mpy zips after it."""
    common = common_files(manifest, libraries)
    prefix, tag = manifest.prefix, manifest.tag
    tops = {"py": f"{prefix}-py-{tag}", "examples": f"{prefix}-examples-{tag}"}
    deflate = Deflater()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="zip") as zipper:
        writes = [
            zipper.submit(
                write_zip,
                staging / f"{tops[kind]}.zip",
                tops[kind],
                {**common, **getattr(trees, kind)},
                tag,
                deflate,
            )
            for kind in ("examples", "py")
        ]
        _compile(compiles, trees, jobs, report)
        report.stage("writing zips", None)
        mpy_tops = []
        for major, tree in trees.mpy.items():
            top = f"{prefix}-{major}.x-mpy-{tag}"
            mpy_tops.append(top)
            writes.append(
                zipper.submit(
                    write_zip, staging / f"{top}.zip", top, {**common, **tree}, tag, deflate
                )
            )
        for future in writes:
            future.result()
    json_name = f"{prefix}-{tag}.json"
    (staging / json_name).write_bytes(json.dumps(bundle_json(libraries), sort_keys=True).encode())
    return [
        f"{tops['py']}.zip",
        *(f"{t}.zip" for t in mpy_tops),
        f"{tops['examples']}.zip",
        json_name,
    ]


def _publish(staging: Path, out: Path, names: list[str]) -> list[Path]:
    """Rename the finished files into ``out`` (same file system: each rename is atomic)."""
    final = []
    for name in names:
        target = out / name
        try:
            os.replace(staging / name, target)
        except OSError as e:
            raise BundlerError(
                f"cannot write {target}: {e.strerror or e}",
                "choose a folder you can write to with --out",
            ) from None
        final.append(target)
    return final

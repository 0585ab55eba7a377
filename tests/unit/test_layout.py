"""The path is the import path: each source root holds ``protoboard`` at its real import path.

``core/protoboard/machine.py`` is ``protoboard.machine``,
``shared-bindings/protoboard/bindings/digitalio.py`` is ``protoboard.bindings.digitalio``,
``ports/protoboard/ports/sim/model.py`` is ``protoboard.ports.sim.model``. ``protoboard`` itself is
a namespace package (no ``__init__.py`` in any root), so standard tools given only the three roots
find every module, and an editable and a wheel install see the same files.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = ("core", "shared-bindings", "ports")


def _modules_on_disk() -> dict[str, Path]:
    """Every module and package under the source roots, by import name."""
    found: dict[str, Path] = {}
    for root in SOURCE_ROOTS:
        for path in sorted((ROOT / root / "protoboard").rglob("*.py")):
            parts = path.relative_to(ROOT / root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join(parts)
            assert name not in found, f"{name} is both {found[name]} and {path}"
            found[name] = path
    return found


def _packages_on_disk() -> set[str]:
    packages = {"protoboard"}
    for root in SOURCE_ROOTS:
        for init in (ROOT / root / "protoboard").rglob("__init__.py"):
            packages.add(".".join(init.parent.relative_to(ROOT / root).parts))
    return packages


def test_protoboard_is_a_namespace_package_in_every_root():
    for root in SOURCE_ROOTS:
        assert (ROOT / root / "protoboard").is_dir()
        assert not (ROOT / root / "protoboard" / "__init__.py").exists()
        assert not (ROOT / root / "__init__.py").exists(), f"{root}/ must not be a package"
        # nothing but the package in a source root (the file path is the import path)
        stray = [p.name for p in (ROOT / root).glob("*.py")]
        assert not stray, f"modules outside the package in {root}/: {stray}"


def test_pyproject_lists_every_package_at_its_path():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert set(config["packages"]) == _packages_on_disk()
    for package, folder in config["package-dir"].items():
        # every mapping keeps the import path: "<root>/<package as a path>"
        root = folder if not package else folder[: -len(package) - 1]
        assert root in SOURCE_ROOTS
        if package:
            assert folder == f"{root}/{package.replace('.', '/')}"


def test_every_module_imports_from_its_own_file():
    for name, path in _modules_on_disk().items():
        if name == "protoboard":
            continue
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        assert Path(spec.origin).resolve() == path.resolve(), name


def test_the_source_roots_alone_are_enough():
    """No install, no site-packages: the three roots on the path find every module."""
    names = sorted(n for n in _modules_on_disk() if n != "protoboard")
    script = (
        "import importlib.util, sys\n"
        f"for name in {names!r}:\n"
        "    spec = importlib.util.find_spec(name)\n"
        "    print(name, spec.origin if spec else None)\n"
    )
    env = {"PYTHONPATH": os.pathsep.join(str(ROOT / r) for r in SOURCE_ROOTS), "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-S", "-c", script],
        env=env,
        cwd=ROOT / "tests",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    modules = _modules_on_disk()
    for line in out.splitlines():
        name, origin = line.split(" ", 1)
        assert Path(origin).resolve() == modules[name].resolve(), name


@pytest.mark.network
def test_a_wheel_holds_every_module_at_its_import_path(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("protoboard-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name, path in _modules_on_disk().items():
        if name == "protoboard":
            continue
        inside = str(path.relative_to(ROOT / path.relative_to(ROOT).parts[0])).replace(os.sep, "/")
        assert inside in names, inside
    assert "protoboard/__init__.py" not in names
    assert "protoboard/ports/sim/boards/protoboard_sim.toml" in names

    # A non-editable install of that wheel runs a program from its own files alone.
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-t", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    deps = [p for p in sys.path if p.endswith("site-packages")]
    script = (
        "import sys\n"
        f"sys.path[:0] = {[str(target), *deps]!r}\n"
        "from protoboard import importer, machine\n"
        "machine.activate(machine.create('sim', 'protoboard_sim'))\n"
        "importer.install()\n"
        "import board, digitalio\n"
        "led = digitalio.DigitalInOut(board.LED)\n"
        "led.switch_to_output(True)\n"
        "print(led.value, digitalio.__file__, machine.__file__)\n"
    )
    # -S: no .pth files, so the checkout's editable-install finder is not there to help.
    out = subprocess.run(
        [sys.executable, "-S", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0] == "True"
    assert all(Path(f).is_relative_to(target) for f in out[1:]), out


def test_mirror_paths():
    """<module> sits at the same relative place in the binding, contract and sim layers."""
    from protoboard.modules import CONTRACTS

    bindings = ROOT / "shared-bindings/protoboard/bindings"
    for contract in CONTRACTS:
        module = contract.__module__.rpartition(".")[2]
        assert contract.__module__ == f"protoboard.hal.{module}"
        assert (bindings / f"{module}.py").exists() or (bindings / module / "__init__.py").exists()
        assert (ROOT / "ports/protoboard/ports/sim" / f"{module}.py").exists()

"""The three source roots map into one import package; pyproject must list every package."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOTS = {"core": "protoboard", "shared-bindings": "protoboard.bindings",
         "ports": "protoboard.ports"}


def _packages_on_disk():
    found = set()
    for folder, package in ROOTS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *rel.parts]) if rel.parts else package)
    return found


def test_pyproject_lists_every_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert set(config["packages"]) == _packages_on_disk()
    assert config["package-dir"] == {v: k for k, v in ROOTS.items()}


def test_mirror_paths():
    """<module> sits at the same relative place in the binding, contract and sim layers."""
    from protoboard.modules import CONTRACTS

    for key, ref in CONTRACTS.items():
        module = key.split(".")[0]
        assert ref.startswith(f"protoboard.hal.{module}:")
        assert (ROOT / "shared-bindings" / f"{module}.py").exists() or (
            ROOT / "shared-bindings" / module / "__init__.py"
        ).exists()
        assert (ROOT / "ports" / "sim" / f"{module}.py").exists()

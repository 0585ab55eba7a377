"""Blinka's code loaded privately: its top-level ``board``, ``microcontroller``, ``busio``...
never become the program's.

Blinka installs top-level modules named as CircuitPython's (``board.py``, ``busio.py``,
``microcontroller/``...), and its chip code imports them by those names
(``from microcontroller.pin import i2cPorts``). In a program those names are Protoboard's. So
the bridge loads each of Blinka's top-level modules under :data:`PRIVATE` (``board`` becomes
``_protoboard_blinka.board``), and every module of Blinka's (those and ``adafruit_blinka.*``)
runs with builtins whose ``__import__`` sends those names to the private copies: Blinka sees
Blinka, the program sees Protoboard, and nothing is patched in ``sys.modules`` under a public
name. (The same builtins mechanism gates a program's imports: :mod:`protoboard.boardimport`.)
"""

from __future__ import annotations

import builtins
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from protoboard.boards import BoardError

#: the package Blinka's top-level modules are loaded under
PRIVATE = "_protoboard_blinka"
NOT_INSTALLED = "the Blinka port needs Adafruit Blinka: pip install 'protoboard[blinka]'"

_real_import = builtins.__import__


@cache
def blinka_root() -> Path:
    """The folder Blinka is installed in (its top-level modules sit beside ``adafruit_blinka``)."""
    spec = importlib.util.find_spec("adafruit_blinka")
    if spec is None or spec.origin is None:
        raise BoardError(NOT_INSTALLED)
    return Path(spec.origin).parent.parent


def _top_level_file(root: Path, name: str) -> tuple[Path, bool] | None:
    """Blinka's file for top-level ``name`` (and whether it is a package), or None."""
    if (root / name / "__init__.py").is_file():
        return root / name / "__init__.py", True
    if (root / f"{name}.py").is_file():
        return root / f"{name}.py", False
    return None


@cache
def private_names() -> frozenset[str]:
    """Blinka's top-level modules whose names are CircuitPython modules (and so ours)."""
    from protoboard.modules import MODULES

    root = blinka_root()
    return frozenset(name for name in MODULES if _top_level_file(root, name) is not None)


def _private_import(
    name: str,
    globals: Mapping[str, Any] | None = None,
    locals: Mapping[str, Any] | None = None,
    fromlist: Sequence[str] | None = (),
    level: int = 0,
) -> ModuleType:
    """``__import__`` for Blinka's modules: its CircuitPython-named modules are the private
    copies; everything else (``adafruit_blinka``, ``adafruit_platformdetect``...) is as usual."""
    if level == 0:
        top = name.partition(".")[0]
        if top in private_names():
            module = importlib.import_module(f"{PRIVATE}.{name}")
            if not fromlist:
                return sys.modules[f"{PRIVATE}.{top}"]
            for item in fromlist:  # ``from microcontroller import pin``: a submodule
                if item != "*" and not hasattr(module, item) and hasattr(module, "__path__"):
                    try:
                        importlib.import_module(f"{PRIVATE}.{name}.{item}")
                    except ModuleNotFoundError:
                        pass  # not a submodule: the import statement reports the name
            return module
    return _real_import(name, globals, locals, fromlist or (), level)


#: the builtins every module of Blinka's runs with
_BUILTINS = {**vars(builtins), "__import__": _private_import}


class _BlinkaLoader(importlib.machinery.SourceFileLoader):
    def exec_module(self, module: ModuleType) -> None:
        module.__dict__["__builtins__"] = _BUILTINS
        super().exec_module(module)


class _BlinkaFinder(importlib.abc.MetaPathFinder):
    """Finds ``_protoboard_blinka.<name>`` in Blinka's folder, and gives ``adafruit_blinka``'s
    modules (found where Python finds them) the private builtins."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.startswith(PRIVATE + "."):
            parts = fullname.split(".")[1:]
            if parts[0] not in private_names():
                return None
            found = _top_level_file(blinka_root().joinpath(*parts[:-1]), parts[-1])
            if found is None:
                return None
            file, package = found
            return importlib.util.spec_from_file_location(
                fullname,
                file,
                loader=_BlinkaLoader(fullname, str(file)),
                submodule_search_locations=[str(file.parent)] if package else None,
            )
        if fullname == "adafruit_blinka" or fullname.startswith("adafruit_blinka."):
            spec = importlib.machinery.PathFinder.find_spec(fullname, path)
            if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
                spec.loader = _BlinkaLoader(fullname, str(spec.origin))
            return spec
        return None


_FINDER = _BlinkaFinder()


def blinka_module(name: str) -> ModuleType:
    """Blinka's top-level module ``name`` (``"board"``, ``"busio"``, ``"microcontroller.pin"``),
    loaded privately. Errors are Blinka's own (``NotImplementedError`` for a board it does not
    support, ``RuntimeError`` naming a missing platform package)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    root = blinka_root()  # BoardError when Blinka is not installed
    if PRIVATE not in sys.modules:
        package = ModuleType(PRIVATE, "Blinka's top-level modules, loaded for the blinka port")
        package.__path__ = []  # only the finder above fills it
        sys.modules[PRIVATE] = package
    if name.partition(".")[0] not in private_names():
        raise BoardError(f"Blinka has no module '{name}' (looked in {root})")
    return importlib.import_module(f"{PRIVATE}.{name}")


__all__ = ["NOT_INSTALLED", "PRIVATE", "blinka_module", "blinka_root", "private_names"]

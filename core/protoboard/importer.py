"""The built-in module table made importable: ``import digitalio`` gets Protoboard's binding.

A finder at the front of ``sys.meta_path`` serves the active board's enabled modules ahead of
anything on ``sys.path``, so an installed Blinka (which every Adafruit driver wheel pulls in) never
shadows them, and a module the board does not enable fails to import as on the real board.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

from protoboard import machine
from protoboard.modules import MODULES, missing_requirement

#: built-in modules whose names CPython's standard library also has (``ssl``, ``ipaddress``,
#: ``atexit``):
#: never served here, so the host's code keeps CPython's; a program gets ours through
#: :data:`protoboard.boardimport.BOARD_STANDARD`.
HOST_OWNED = frozenset({"ssl", "ipaddress", "atexit"})


class BuiltinModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``digitalio`` as ``protoboard.bindings.digitalio`` (the same module object)."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        top, _, rest = fullname.partition(".")
        module = MODULES.get(top)
        if module is None or top in HOST_OWNED:
            return None
        if top not in machine.current().modules:
            raise ModuleNotFoundError(f"No module named '{fullname}'", name=fullname)
        missing = missing_requirement(module) if module.requires else None
        if missing is not None:
            raise missing
        target_name = module.binding + ("." + rest if rest else "")
        binding = importlib.import_module(target_name)
        spec = importlib.machinery.ModuleSpec(
            fullname, self, is_package=hasattr(binding, "__path__")
        )
        spec.loader_state = (binding, binding.__spec__)
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        binding: ModuleType = spec.loader_state[0]
        return binding

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias spec on the shared module object; give the module
        # back its own so that importlib.reload and inspect keep working on the binding.
        spec = module.__spec__
        assert spec is not None  # the import system sets it before exec_module
        original = spec.loader_state[1]
        module.__spec__ = original
        module.__loader__ = original.loader
        if "__dir__" not in vars(module):
            module.__dir__ = lambda: public_names(module)  # type: ignore[method-assign]


#: Where the helpers a binding imports for itself come from (``Any``, ``Protocol``...).
_HELPER_MODULES = frozenset({"typing", "typing_extensions", "collections.abc", "__future__"})


def public_names(module: ModuleType, extra: tuple[str, ...] = ()) -> list[str]:
    """``dir()`` of a built-in module as on a board: its API (plus ``extra`` names it computes
    on access), not the binding's imports and private helpers, so Tab after ``digitalio.``
    lists ``DigitalInOut``, not ``Protocol``."""
    names = ["__name__", *extra]
    for name, value in vars(module).items():
        if name.startswith("_") or name == "TYPE_CHECKING" or isinstance(value, ModuleType):
            continue  # (a binding's submodules are its own files, not API: busio.i2c)
        if getattr(value, "__module__", None) not in _HELPER_MODULES:
            names.append(name)
    return sorted(set(names))


_FINDER = BuiltinModuleFinder()


def served_names() -> list[str]:
    return [
        name
        for name in sys.modules
        if name.partition(".")[0] in MODULES and name.partition(".")[0] not in HOST_OWNED
    ]


def forget_served() -> None:
    """Drop built-in module names from ``sys.modules`` (e.g. Blinka's, or another board's)."""
    for name in served_names():
        del sys.modules[name]


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (idempotent) and evict shadowing modules."""
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    sys.meta_path.insert(0, _FINDER)
    for name in served_names():
        if getattr(sys.modules[name], "__spec__", None) is None or not sys.modules[
            name
        ].__name__.startswith("protoboard."):
            del sys.modules[name]


def uninstall() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    forget_served()


def installed() -> bool:
    return _FINDER in sys.meta_path

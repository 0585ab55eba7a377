"""What a program can import: a board's world, not the host's.

A board's program imports from four places, in this order (CircuitPython's ``sys.path`` is
``['', '/', '.frozen', '/lib']``, with the built-in modules ahead of all of them):

1. the **built-in modules** (:data:`protoboard.modules.MODULES`, served by
   :mod:`protoboard.importer`; one the board does not enable fails as on that board);
2. the **standard modules CircuitPython has** (:data:`protoboard.modules.PYTHON_MODULES`;
   CPython's own stand in for them: ``os``, ``time``, ``json``, ``math``...);
3. the **drive**: its root folder, then the **frozen modules** shipped with Protoboard
   (``core/protoboard/frozen/``: the ``circuitpython_typing`` names Adafruit libraries annotate
   with), then ``/lib`` (and any folder the program adds to ``sys.path`` itself).

Anything else fails as on a board: ``ImportError: no module named 'watchdog'`` (CircuitPython's
text and type, with ``.name`` set), even when the host has the package or has already imported
it. ``typing`` and ``typing_extensions`` are host modules too: a board has neither, so an
Adafruit library's ``try: from typing import ... except ImportError: pass`` takes the branch it
takes on a board.

**How a program's imports are told from Protoboard's.** An ``import`` statement calls the
``__import__`` found in its frame's builtins, which come from the module's globals. A program's
modules (``code.py``, ``<stdin>`` at the REPL, and every module loaded from the drive) get a copy
of the builtins whose ``__import__`` is :meth:`World.import_`; everything else (Protoboard, the
standard library, host packages) keeps the real one, so its imports are untouched and pay
nothing. The gate is the name, not ``sys.modules``: ``import click`` fails for a program even
though Protoboard has loaded click. A function defined on the drive stays gated when Protoboard
calls it back (its globals are the program's).

**Drive modules** are found by :class:`ProgramFinder` (at the front of ``sys.meta_path``, right
after the built-in finder) and loaded by :class:`DriveLoader`, which compiles them with the
``from __future__ import annotations`` flag (PEP 563): a board ignores annotations, and CPython
would otherwise evaluate them at ``def`` time, so a library whose typing names came from a
failed ``try`` import would raise ``NameError: name 'WriteableBuffer' is not defined``. No
bytecode is written (a board's drive never gets ``__pycache__``) or read (a cached ``.pyc`` was
compiled without the flag). A drive module whose name a host module already has in
``sys.modules`` replaces it for the run; the host's comes back when the run ends. Built-in and
standard names always win over drive files of the same name.

A ``.mpy`` file cannot run on CPython: ``import x`` that finds only ``lib/x.mpy`` raises an
``ImportError`` that names the file and says that ``protoboard install x`` gets the ``.py``.

**Opting in to host packages**: ``PROTOBOARD_HOST_PACKAGES`` in the drive's ``settings.toml``
(or in the environment, which wins) is a comma-separated list of host module names the program
may import (``"numpy, typing"``), or ``"*"`` for all of them (the behaviour before isolation).
A board ignores the key.
"""

from __future__ import annotations
import __future__

import builtins
import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from protoboard.modules import MODULES, PYTHON_MODULES

#: Modules shipped with Protoboard as a board's frozen modules
FROZEN_DIR = Path(__file__).resolve().parent / "frozen"
#: The settings.toml key (and environment variable) naming host packages a program may import
HOST_PACKAGES_KEY = "PROTOBOARD_HOST_PACKAGES"
#: compile() flag: annotations are kept as strings, never evaluated (PEP 563)
ANNOTATIONS_FLAG = __future__.annotations.compiler_flag

_real_import = builtins.__import__

#: standard modules a program gets in CircuitPython's version (see protoboard.bindings.stdlib)
BOARD_STANDARD = {
    **{
        name: f"protoboard.bindings.stdlib.{name}"
        for name in ("gc", "hashlib", "json", "msgpack", "os", "sys", "time")
    },
    # CPython has modules of these names: a program gets CircuitPython's, the host keeps its own
    "ssl": "protoboard.bindings.ssl",
    "ipaddress": "protoboard.bindings.ipaddress",
    "atexit": "protoboard.bindings.atexit",
}


def board_import_error(name: str, detail: str = "") -> ImportError:
    """``ImportError: no module named 'x'`` as CircuitPython words it, with ``.name`` set."""
    return ImportError(f"no module named '{name}'{detail}", name=name)


class _MissingSubmodule(ModuleNotFoundError):
    """A drive package has no such submodule (a ModuleNotFoundError, so ``from pkg import
    attr`` still falls back to "can't import name"); :meth:`World.import_` turns it into a
    board ImportError."""


def compile_program(source: bytes | str, filename: str) -> CodeType:
    """Compile a program's source as a board treats it: annotations never evaluated."""
    return compile(source, filename, "exec", flags=ANNOTATIONS_FLAG, dont_inherit=True)


class DriveLoader(importlib.machinery.SourceFileLoader):
    """Loads a drive (or frozen) module: PEP 563 compile, no bytecode cache, and, for a drive
    module, the program's builtins so its own imports are gated too."""

    def __init__(self, fullname: str, path: str, world: World | None = None) -> None:
        super().__init__(fullname, path)
        self.world = world

    def source_to_code(self, data: Any, path: Any, *, _optimize: int = -1) -> CodeType:  # type: ignore[override]
        return compile_program(data, str(path))

    def get_code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)

    def exec_module(self, module: ModuleType) -> None:
        if self.world is not None:
            module.__dict__["__builtins__"] = self.world.builtins
        super().exec_module(module)


class _MpyLoader(importlib.machinery.SourcelessFileLoader):
    """Marks a ``.mpy`` file found where a module was looked for; never loads it."""


def _mpy_error(fullname: str, origin: str, roots: Sequence[Path]) -> ImportError:
    shown = origin
    for root in roots:
        try:
            shown = Path(origin).relative_to(root).as_posix()
            break
        except ValueError:
            continue
    top = fullname.partition(".")[0]
    return board_import_error(
        fullname,
        f" ({shown} is a compiled .mpy file: a CircuitPython board loads it, Protoboard runs "
        f"only .py source; 'protoboard install {top}' puts the .py version on the drive)",
    )


def parse_host_packages(text: str | None) -> bool | frozenset[str]:
    """``"*"``: every host package; ``"numpy, typing"``: those; empty or None: none."""
    if not text:
        return frozenset()
    if text.strip() == "*":
        return True
    return frozenset(part.strip() for part in text.replace(";", ",").split(",") if part.strip())


def host_packages_setting(root: Path) -> bool | frozenset[str]:
    """The opt-in: the environment variable, else the drive's settings.toml key."""
    text = os.environ.get(HOST_PACKAGES_KEY)
    if text is None:
        from protoboard.runtime import settings

        try:
            text = settings.getenv(root, HOST_PACKAGES_KEY)
        except Exception:  # a settings file must never stop a run
            text = None
    return parse_host_packages(text)


def _enabled_builtin(name: str) -> bool:
    from protoboard import machine

    try:
        return name in machine.current().modules
    except Exception:  # no active machine: let the built-in finder decide
        return True


class World:
    """One run's import world: where its modules come from, and what it loaded."""

    def __init__(
        self, root: Path, libs: Sequence[Path], host_packages: bool | Iterable[str] = ()
    ) -> None:
        self.root = root
        self.libs = list(libs)
        self.host: bool | frozenset[str] = (
            host_packages if isinstance(host_packages, bool) else frozenset(host_packages)
        )
        self.builtins: dict[str, Any] = dict(vars(builtins))
        self.builtins["__import__"] = self.import_
        #: names of the modules this run loaded from the drive or the frozen folder
        self.owned: set[str] = set()
        #: specs found by the gate, handed to the import system by ProgramFinder
        self.pending: dict[str, importlib.machinery.ModuleSpec] = {}
        #: host modules a drive module of the same name replaced for the run
        self.stashed: dict[str, ModuleType] = {}
        self._path_at_start = set(sys.path)
        self._finders: dict[tuple[str, bool], importlib.machinery.FileFinder] = {}

    # -- where modules are looked for ----------------------------------------------------

    def search_dirs(self) -> list[tuple[str, bool]]:
        """(folder, is_drive) in a board's order: root, frozen, /lib, then folders the program
        added to ``sys.path``."""
        dirs = [(str(self.root), True), (str(FROZEN_DIR), False)]
        dirs += [(str(p), True) for p in self.libs]
        dirs += [(p, True) for p in sys.path if p not in self._path_at_start and isinstance(p, str)]
        return dirs

    def _finder(self, directory: str, drive: bool) -> importlib.machinery.FileFinder:
        finder = self._finders.get((directory, drive))
        if finder is None:
            loader = functools.partial(DriveLoader, world=self if drive else None)
            finder = importlib.machinery.FileFinder(
                directory,
                (loader, [".py"]),  # type: ignore[arg-type]  # (FileFinder only calls it)
                (_MpyLoader, [".mpy"]),
            )
            self._finders[(directory, drive)] = finder
        return finder

    def locate(
        self, fullname: str, dirs: Iterable[tuple[str, bool]]
    ) -> importlib.machinery.ModuleSpec | None:
        """The spec of ``fullname`` in the first folder that has it (a namespace package only
        when no folder has a module or a regular package); a ``.mpy`` raises."""
        namespace: list[str] = []
        for directory, drive in dirs:
            spec = self._finder(directory, drive).find_spec(fullname)
            if spec is None:
                continue
            if isinstance(spec.loader, _MpyLoader):
                raise _mpy_error(fullname, spec.origin or "", [self.root, *self.libs])
            if spec.loader is None:  # a folder without __init__.py: a namespace portion
                namespace.extend(spec.submodule_search_locations or ())
                continue
            return spec
        if namespace:
            spec = importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            spec.submodule_search_locations = namespace
            return spec
        return None

    # -- the gate ------------------------------------------------------------------------

    def admit(self, top: str) -> None:
        """Let the program import the top-level name ``top``, or raise as a board does."""
        if top in self.owned and top in sys.modules:
            return
        if top in MODULES:
            if not _enabled_builtin(top):
                raise board_import_error(top)
            return
        if top in PYTHON_MODULES or top in BOARD_STANDARD:
            return
        spec = self.locate(top, self.search_dirs())
        if spec is not None:
            self.pending[top] = spec
            held = sys.modules.get(top)
            if held is not None:
                self.stashed.setdefault(top, held)
                del sys.modules[top]
            return
        if self.host is True or (self.host and top in self.host):
            return
        raise board_import_error(top)

    def import_(
        self,
        name: str,
        globals: Mapping[str, Any] | None = None,
        locals: Mapping[str, Any] | None = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> ModuleType:
        """The program's ``__import__``."""
        absolute = name
        if level > 0:
            package = _package_of(globals)
            if not package:
                return _real_import(name, globals, locals, fromlist or (), level)
            absolute = importlib.util.resolve_name("." * level + name, package)
        try:
            self.admit(absolute.partition(".")[0])
            if absolute in BOARD_STANDARD:
                module = importlib.import_module(BOARD_STANDARD[absolute])
            else:
                module = _real_import(name, globals, locals, fromlist or (), level)
        except _MissingSubmodule as exc:
            raise board_import_error(exc.name or absolute) from None
        finally:
            self.pending.clear()
        for attribute in fromlist or ():
            if attribute != "*" and not hasattr(module, attribute):
                # CircuitPython's words (CPython's would name the host file)
                raise ImportError(f"can't import name {attribute}", name=absolute)
        return module

    def close(self) -> None:
        """Forget the run's modules and give the host back the ones they replaced."""
        for name in list(sys.modules):
            if name.partition(".")[0] in self.owned:
                del sys.modules[name]
        sys.modules.update(self.stashed)


def _package_of(globals: Mapping[str, Any] | None) -> str | None:
    if not globals:
        return None
    package = globals.get("__package__")
    if package is None:
        spec = globals.get("__spec__")
        package = getattr(spec, "parent", None)
    if package is None and "__name__" in globals:
        name = str(globals["__name__"])
        package = name if "__path__" in globals else name.rpartition(".")[0]
    return package


#: the worlds of the runs in progress, innermost last (a REPL's world holds repl.py's run)
_WORLDS: list[World] = []


class ProgramFinder(importlib.abc.MetaPathFinder):
    """Hands the import system the drive modules the gate found, and looks up submodules of
    drive packages with the drive loader; answers nothing else."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        for world in reversed(_WORLDS):
            if "." not in fullname:
                spec = world.pending.pop(fullname, None)
                if spec is not None:
                    world.owned.add(fullname)
                    return spec
                continue
            if fullname.partition(".")[0] not in world.owned:
                continue
            dirs = [(entry, True) for entry in path or ()]
            if any(Path(entry).is_relative_to(FROZEN_DIR) for entry, _ in dirs):
                dirs = [(entry, False) for entry, _ in dirs]
            spec = world.locate(fullname, dirs)
            if spec is None:
                raise _MissingSubmodule(f"no module named '{fullname}'", name=fullname)
            return spec
        return None


_FINDER = ProgramFinder()


def enter(world: World) -> None:
    """Start ``world``: its finder goes right after the built-in modules' finder."""
    from protoboard import importer

    importer.install()
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(1, _FINDER)
    _WORLDS.append(world)


def leave(world: World) -> None:
    if world in _WORLDS:
        _WORLDS.remove(world)
    world.close()
    if not _WORLDS and _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)


def run_main(world: World, program: Path) -> None:
    """Run ``program`` as ``__main__`` in ``world`` (what ``runpy.run_path`` did, with the
    program's builtins and PEP 563 compilation)."""
    import io

    with io.open_code(str(program)) as file:
        source = file.read()
    code = compile_program(source, str(program))
    module = ModuleType("__main__")
    module.__dict__.update(
        __file__=str(program), __builtins__=world.builtins, __loader__=None, __package__=None
    )
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = module
    try:
        exec(code, module.__dict__)
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved

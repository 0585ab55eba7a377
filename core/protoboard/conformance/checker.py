"""Comparing one of our modules with its stub: which stub names we have, with the right kind and
a conforming signature, which are missing, and which names of ours the stub lacks (extras)."""

from __future__ import annotations

import importlib
import inspect
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from protoboard.boardimport import BOARD_STANDARD
from protoboard.conformance.deviations import Deviation, accepted
from protoboard.conformance.scope import MODULES
from protoboard.conformance.signatures import compare_params
from protoboard.conformance.stubs import Stub, StubMember, StubParam, load_stub
from protoboard.machine import current
from protoboard.testing import simulated_board

P = inspect.Parameter


@dataclass
class Mismatch:
    name: str
    problems: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "problems": self.problems}


@dataclass
class ModuleReport:
    module: str
    source: str = ""
    total: int = 0
    matched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    #: "<name>: <reason>" for each accepted deviation that was used
    deviations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def coverage(self) -> float:
        if self.error is not None:
            return 0.0
        return 100.0 * len(self.matched) / self.total if self.total else 100.0

    @property
    def ok(self) -> bool:
        return self.error is None and len(self.matched) == self.total

    def as_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "source": self.source,
            "names_in_stub": self.total,
            "matched": len(self.matched),
            "missing": self.missing,
            "signature_mismatches": [m.as_dict() for m in self.mismatches],
            "extras": self.extras,
            "coverage": round(self.coverage, 1),
            "ok": self.ok,
            "deviations_applied": self.deviations,
            "notes": self.notes,
            "error": self.error,
        }


def check_module(module: str, *, board: str | None = None) -> ModuleReport:
    """The conformance report of one module, on a fresh simulated board."""
    return check_modules([module], board=board)[0]


def check_modules(
    modules: Iterable[str] = MODULES, *, board: str | None = None
) -> list[ModuleReport]:
    """Reports for ``modules`` (all of :data:`MODULES` by default), on one simulated board."""
    with simulated_board(board):
        return [_check_one(name) for name in modules]


def _check_one(name: str) -> ModuleReport:
    """One module's report; an unreadable stub, a binding that fails to import and a crash of
    the checker each become that module's error, so one module cannot hide the others."""
    try:
        stub = load_stub(name)
    except (OSError, SyntaxError) as exc:
        return ModuleReport(name, error=f"stub unreadable: {exc}")
    try:
        # a board's versions of standard modules are a program's, not the process's
        ours = importlib.import_module(BOARD_STANDARD.get(name, name))
    except Exception as exc:  # an incomplete binding is reported, not fatal
        return _failed(stub, f"import {name} failed", exc)
    try:
        return ModuleChecker(name, ours, stub).run()
    except Exception as exc:
        return _failed(stub, "check crashed", exc)


def _failed(stub: Stub, what: str, exc: Exception) -> ModuleReport:
    error = f"{what}: {type(exc).__name__}: {exc}"
    return ModuleReport(stub.module, stub.source, total=len(stub.members), error=error)


_MISSING = object()
_TYPING_MODULES = {"typing", "typing_extensions", "collections.abc", "abc", "__future__"}


def _static_lookup(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        if klass is object:
            break
        if name in vars(klass):
            return vars(klass)[name]
    return _MISSING


def _annotated(cls: type, name: str) -> bool:
    return any(name in getattr(k, "__annotations__", {}) for k in cls.__mro__ if k is not object)


class ModuleChecker:
    """Compares our module ``ours`` (CircuitPython name ``module_name``) with its ``stub``."""

    def __init__(self, module_name: str, ours: types.ModuleType, stub: Stub) -> None:
        self.name = module_name
        self.ours = ours
        self.stub = stub
        self.report = ModuleReport(
            module_name, stub.source, total=len(stub.members), notes=list(stub.notes)
        )

    def run(self) -> ModuleReport:
        for qualname, member in self.stub.members.items():
            problems = self.check(member)
            stub_only = accepted(self.name, qualname, None, "stub-only")
            if problems is None and stub_only is not None:
                self._use(stub_only, qualname)
                self.report.matched.append(qualname)
            elif problems is None:
                self.report.missing.append(qualname)
            elif problems:
                self.report.mismatches.append(Mismatch(qualname, problems))
            else:
                self.report.matched.append(qualname)
        self.report.extras = sorted(set(self.report.extras) | set(self.find_extras()))
        return self.report

    # -- helpers ------------------------------------------------------------------------------

    def _use(self, deviation: Deviation, member: str) -> None:
        text = f"{member}: {deviation.reason}"
        if text not in self.report.deviations:
            self.report.deviations.append(text)

    def _resolve(self, qualname: str) -> Any:
        target: Any = self.ours
        for part in qualname.split("."):
            target = getattr(target, part, _MISSING)
            if target is _MISSING:
                return _MISSING
        return target

    def _compare(
        self, member: str, stub_params: list[StubParam], ours: inspect.Signature
    ) -> list[str]:
        """Signature problems of ``member``; its extras and deviations go to the report."""
        comparison = compare_params(self.name, self.ours, member, stub_params, ours)
        for deviation in comparison.deviations:
            self._use(deviation, member)
        self.report.extras.extend(comparison.extras)
        return comparison.problems

    # -- members ------------------------------------------------------------------------------

    def check(self, member: StubMember) -> list[str] | None:
        """None when the name is missing; else the list of problems (empty: matched)."""
        owner_name, _, attr = member.qualname.rpartition(".")
        owner: Any = self.ours if not owner_name else self._resolve(owner_name)
        if owner is _MISSING:
            return None
        if isinstance(owner, type):
            # Looked up statically and below ``object``: a dunder the stub lists (__hash__,
            # __eq__, __enter__...) must be defined by our class, not inherited from object;
            # ``__hash__ = None`` (set by Python when only __eq__ is defined) is missing.
            found = _static_lookup(owner, attr)
            if found is None and attr.startswith("__"):
                return None
            if found is _MISSING and not (member.kind == "property" and _annotated(owner, attr)):
                return None
        else:
            found = getattr(owner, attr, _MISSING)
            if found is _MISSING:
                return None
        if member.kind == "class":
            return self.check_class(member, found)
        if member.kind in ("function", "method"):
            return self.check_callable(member, owner, found)
        if member.kind == "constant":
            return self.check_constant(member, owner, attr)
        if member.kind == "property":
            return self.check_property(member, found)
        return self.check_attribute(member, found)

    def check_class(self, member: StubMember, found: Any) -> list[str]:
        if not isinstance(found, type):
            return [f"is a {type(found).__name__!r} object, not a class"]
        if member.init is None:
            return []
        label = f"{member.qualname}.__init__"
        try:
            signature = inspect.signature(found)
        except (TypeError, ValueError) as exc:
            return [f"constructor signature unavailable: {exc}"]
        if not member.init:
            # ``def __init__(self) -> None`` marks classes Python code cannot (or need not)
            # construct: enum-likes, Pin, Processor. Accept any constructor callable with no
            # arguments (ours raise TypeError like CircuitPython's when they cannot be made).
            try:
                signature.bind()
            except TypeError:
                return [f"constructor {signature} needs arguments (stub: ())"]
            return []
        return [f"constructor: {p}" for p in self._compare(label, member.init, signature)]

    def check_callable(self, member: StubMember, owner: Any, found: Any) -> list[str]:
        function = found
        is_method = member.kind == "method"
        if isinstance(found, staticmethod | classmethod):
            function = found.__func__
            is_method = isinstance(found, classmethod)
        if not callable(function) or isinstance(function, type):
            return [f"is a {type(found).__name__!r} object, not a function"]
        if member.params is None:
            return []  # overloaded in the stub: presence only
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError) as exc:
            return [f"signature unavailable: {exc}"]
        if is_method:
            params = list(signature.parameters.values())
            if params and params[0].kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD):
                params = params[1:]
            signature = signature.replace(parameters=params)
        return self._compare(member.qualname, member.params, signature)

    def check_constant(self, member: StubMember, owner: Any, attr: str) -> list[str]:
        value = getattr(owner, attr, _MISSING)
        if value is _MISSING:
            return ["not readable"]
        if member.instance_of is not None:
            cls = self._resolve(member.instance_of)
            if isinstance(cls, type) and not isinstance(value, cls):
                return [f"is {value!r}, not a {member.instance_of} instance"]
        return []

    def check_property(self, member: StubMember, found: Any) -> list[str]:
        if callable(found) and not isinstance(found, property | type):
            return [f"is a method, not a property (stub: {member.annotation or 'attribute'})"]
        if member.access is None:
            return []
        if isinstance(found, property):
            readable, writable = found.fget is not None, found.fset is not None
        elif found is _MISSING or type(found).__name__ in (
            "member_descriptor",
            "getset_descriptor",
        ):
            readable, writable = True, True  # an instance attribute or a slot
        else:
            return []  # a plain class attribute: nothing more to check statically
        wanted = {"ro": (True, False), "wo": (None, True), "rw": (True, True)}[member.access]
        problems = []
        if wanted[0] is True and not readable:
            problems.append(f"not readable ({member.access_source})")
        if wanted[1] is True and not writable:
            problems.append(f"read-only ({member.access_source})")
        if wanted[1] is False and writable:
            problems.append(f"writable ({member.access_source})")
        return problems

    def check_attribute(self, member: StubMember, found: Any) -> list[str]:
        builtin = {"str": str, "int": int, "bool": bool, "float": float, "bytes": bytes}
        expected = builtin.get(member.annotation)
        if expected is not None and not isinstance(found, expected):
            return [f"is {type(found).__name__} (stub: {member.annotation})"]
        return []

    # -- extras -------------------------------------------------------------------------------

    def _ours_public(self, name: str, value: Any) -> bool:
        """Whether a module global is part of our public surface (not an import or a typing
        helper such as ``Any``, ``TypeVar('T')``, ``TYPE_CHECKING`` or ``from __future__ import
        annotations``)."""
        if isinstance(value, types.ModuleType | typing.TypeVar):
            return False
        if getattr(typing, name, _MISSING) is value:
            return False  # imported from typing (TYPE_CHECKING is a plain bool)
        if isinstance(value, type) or callable(value):
            module = getattr(value, "__module__", "") or ""
            return module == self.name or module.startswith("protoboard.")
        return type(value).__module__ not in _TYPING_MODULES or isinstance(
            value, int | float | str | bytes | tuple | frozenset | type(None)
        )

    def find_extras(self) -> list[str]:
        return [*self._module_extras(), *self._class_extras()]

    def _module_extras(self) -> list[str]:
        """Public globals of our module that the stub does not name."""
        stub_names = set(self.stub.members)
        names = getattr(self.ours, "__all__", None)
        if names is None or self.name == "board":
            names = [n for n in dir(self.ours) if not n.startswith("_")]
        per_board = self._per_board_names() if self.name == "board" else set()
        extras = []
        for name in names:
            if name in stub_names or name in per_board or name.startswith("_"):
                continue
            value = getattr(self.ours, name, _MISSING)
            if value is _MISSING or not self._ours_public(name, value):
                continue
            extras.append(name)
        return extras

    def _class_extras(self) -> list[str]:
        """Public members of our classes that the stub's classes do not name."""
        stub_names = set(self.stub.members)
        extras = []
        for qualname, member in self.stub.members.items():
            if member.kind != "class":
                continue
            cls = self._resolve(qualname)
            if not isinstance(cls, type):
                continue
            for name in sorted(dir(cls)):
                if name.startswith("_") or f"{qualname}.{name}" in stub_names:
                    continue
                if hasattr(object, name) or name in dir(typing.Protocol):
                    continue
                extras.append(f"{qualname}.{name}")
        return extras

    def _per_board_names(self) -> set[str]:
        machine = current()
        return set(machine.board_pins) | {bus.upper() for bus in machine.board.buses}

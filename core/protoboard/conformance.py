"""API conformance report: Protoboard's modules against CircuitPython's published stubs.

For each built-in module in :data:`MODULES`, the public surface of Protoboard's binding (imported
under its CircuitPython name on a fresh simulated board) is compared with the module's stub from
the ``circuitpython-stubs`` package (``<module>-stubs/__init__.pyi``, parsed with :mod:`ast`, never
imported):

* module-level functions, attributes and classes;
* class members: methods, properties (read-only / write-only / read-write where the stub or
  CircuitPython's C source says), nested classes such as ``UART.Parity``, enum constants (which
  must be instances of their class);
* signatures of functions, methods and constructors: parameter names and order, kinds
  (positional or keyword-only), required/optional, and defaults where the stub's default is a
  literal or a name we can resolve (``sys.maxsize``, ``DriveMode.PUSH_PULL``).

A stub name counts as *matched* when it exists with the right kind and a conforming signature;
coverage is matched / names in the stub. Names in our module that the stub lacks are *extras*:
reported, never failures. Known inaccuracies of the stubs, where we deliberately follow
CircuitPython's C code instead, are listed in :data:`DEVIATIONS` with their reasons.

``board`` is compared with the API common to every board (``board_id``, ``I2C``, ``SPI``,
``UART``); pins are per board, so ``--board ID`` checks separately that our ``board`` module for
that board exposes exactly the pin names of its stub in ``board_definitions/<id>/__init__.pyi``
(or, for a board the port ships as TOML, the names in that file).

Run ``python -m protoboard.conformance`` (``--json`` for machine output, ``--board ID``, ``--board
all``). The exit code is 1 when a module is below 100% or a board check fails.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import dataclasses
import fnmatch
import importlib
import inspect
import json
import platform
import re
import sys
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The modules checked, in report order.
MODULES: tuple[str, ...] = (
    "board",
    "microcontroller",
    "nvm",
    "digitalio",
    "busio",
    "analogio",
    "pwmio",
    "neopixel_write",
    "keypad",
    "rotaryio",
    "countio",
    "micropython",
    "supervisor",
    "storage",
)

STUBS_DISTRIBUTION = "circuitpython-stubs"

#: ``board``'s names common to every board; everything else in a board module is per board.
COMMON_BOARD_API = frozenset({"board_id", "I2C", "SPI", "UART"})


# --- deliberate deviations from the stubs ---------------------------------------------------------


@dataclass(frozen=True)
class Deviation:
    """One accepted difference between a stub and our binding.

    ``member`` is the qualified name in the module (``SPI.__init__``; ``*`` globs allowed),
    ``param`` the parameter it concerns (None: the member as a whole). ``accept`` says what is
    accepted:

    * ``"keyword-only"``: the stub shows the parameter as positional-or-keyword, CircuitPython's C
      code parses it with ``MP_ARG_KW_ONLY``; ours may be keyword-only (or match the stub).
    * ``"extra-varargs"``: ours may take ``*args`` the stub does not show.
    """

    module: str
    member: str
    param: str | None
    accept: str
    reason: str

    def applies(self, module: str, member: str, param: str | None, accept: str) -> bool:
        return (
            self.module == module
            and fnmatch.fnmatchcase(member, self.member)
            and self.param in (None, param)
            and self.accept == accept
        )


# The stubs are generated from ``//|`` comments in CircuitPython's C sources, which are not exact
# about keyword-only-ness and dunder signatures. Each entry below names the C source that decides.
# (Paths are in adafruit/circuitpython, checked at commit cd3da4a5, after 10.3.0-alpha.4.)
DEVIATIONS: tuple[Deviation, ...] = (
    # busio.SPI(clock, MOSI=None, MISO=None, *, half_duplex=False): the stub drops the ``*``.
    Deviation(
        "busio",
        "SPI.__init__",
        "half_duplex",
        "keyword-only",
        "shared-bindings/busio/SPI.c parses half_duplex as MP_ARG_BOOL | MP_ARG_KW_ONLY; "
        "the stub shows it positional",
    ),
    # keypad.KeyMatrix(row_pins, column_pins, *, columns_to_anodes=True, interval=0.02, ...).
    *(
        Deviation(
            "keypad",
            "KeyMatrix.__init__",
            name,
            "keyword-only",
            "shared-bindings/keypad/KeyMatrix.c parses every argument after column_pins with "
            "MP_ARG_KW_ONLY; the stub shows them positional",
        )
        for name in ("columns_to_anodes", "interval", "max_events", "debounce_threshold")
    ),
    # storage.erase_filesystem(*, extended=None): the stub drops the ``*``.
    Deviation(
        "storage",
        "erase_filesystem",
        "extended",
        "keyword-only",
        "shared-bindings/storage/__init__.c parses extended as MP_ARG_KW_ONLY | MP_ARG_OBJ; "
        "the stub shows it positional",
    ),
    # Context managers: CircuitPython's __exit__ is default___exit___obj, which takes the
    # exception triple (MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(..., 4, 4, ...)); the stubs write
    # ``def __exit__(self) -> None``. Ours takes ``*exc`` so ``with`` works.
    *(
        Deviation(
            module,
            "*.__exit__",
            None,
            "extra-varargs",
            "stubs write __exit__(self); the C __exit__ (default___exit___obj in "
            "shared-bindings/util.c) takes (exc_type, exc_value, traceback)",
        )
        for module in MODULES
    ),
)

# Read/write-ness of properties whose stub docstring does not say "(read-only)" or
# "(write-only)": taken from the MP_PROPERTY_GETTER (ro) / MP_PROPERTY_GETSET (rw) macros in
# shared-bindings/<module>/*.c (same commit as above). Processor.frequency is left out on
# purpose: it is GETSET on ports with CIRCUITPY_SETTABLE_PROCESSOR_FREQUENCY, else GETTER.
C_ACCESS: dict[str, dict[str, str]] = {
    "digitalio": {
        "DigitalInOut.direction": "rw",
        "DigitalInOut.value": "rw",
        "DigitalInOut.drive_mode": "rw",
        "DigitalInOut.pull": "rw",
    },
    "busio": {
        "SPI.frequency": "ro",
        "UART.baudrate": "rw",
        "UART.in_waiting": "ro",
        "UART.timeout": "rw",
    },
    "pwmio": {"PWMOut.duty_cycle": "rw", "PWMOut.frequency": "rw"},
    "keypad": {
        "Event.key_number": "ro",
        "Event.pressed": "ro",
        "Event.released": "ro",
        "Event.timestamp": "ro",
    },
    "rotaryio": {"IncrementalEncoder.divisor": "rw", "IncrementalEncoder.position": "rw"},
    "countio": {"Counter.count": "rw"},
    "microcontroller": {"Processor.reset_reason": "ro"},
}

# If a stub is missing from the installed package, the names below are used instead.
# micropython: MicroPython's documented micropython.const() and the code-emitter decorators
# @micropython.native / @micropython.viper / @micropython.asm_thumb
# (docs.micropython.org: library/micropython.html and reference/speed_python.html).
FALLBACK_STUBS: dict[str, tuple[str, str]] = {
    "micropython": (
        "MicroPython documentation (micropython.const; native/viper/asm_thumb emitters)",
        # The docs name const's argument ``expr``; the decorators' argument is unnamed there,
        # so it is positional-only here (only its position is compared).
        "def const(expr): ...\n"
        "def native(function, /): ...\n"
        "def viper(function, /): ...\n"
        "def asm_thumb(function, /): ...\n",
    ),
}


# --- the stub side -------------------------------------------------------------------------------

_EMPTY = inspect.Parameter.empty
P = inspect.Parameter
_KIND_TEXT = {
    P.POSITIONAL_ONLY: "positional-only",
    P.POSITIONAL_OR_KEYWORD: "positional-or-keyword",
    P.VAR_POSITIONAL: "*args",
    P.KEYWORD_ONLY: "keyword-only",
    P.VAR_KEYWORD: "**kwargs",
}


@dataclass
class StubParam:
    name: str
    kind: inspect._ParameterKind
    #: source text of the default, or None when the parameter is required
    default: str | None = None


@dataclass
class StubMember:
    """One name of a stub: ``qualname`` is ``Class.member`` inside classes."""

    qualname: str
    #: "function", "method", "class", "attribute", "property", "constant"
    kind: str
    params: list[StubParam] | None = None
    #: for classes: the constructor's parameters (None: no ``__init__`` in the stub)
    init: list[StubParam] | None = None
    #: "ro", "wo", "rw" or None (not stated); with where it was stated
    access: str | None = None
    access_source: str = ""
    annotation: str = ""
    overloaded: bool = False
    #: for constants annotated with their own class: that class's qualname
    instance_of: str | None = None


@dataclass
class Stub:
    module: str
    source: str
    members: dict[str, StubMember] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def stubs_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version(STUBS_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def stub_path(module: str) -> Path | None:
    """The installed ``<module>-stubs/__init__.pyi``, or None."""
    from importlib import metadata

    relative = f"{module}-stubs/__init__.pyi"
    with contextlib.suppress(metadata.PackageNotFoundError):
        dist = metadata.distribution(STUBS_DISTRIBUTION)
        for entry in dist.files or ():
            if str(entry).replace("\\", "/") == relative:
                path = Path(str(dist.locate_file(entry)))
                if path.is_file():
                    return path
    for entry in sys.path:
        path = Path(entry or ".") / relative
        if path.is_file():
            return path
    return None


_TYPE_PARAMS = re.compile(r"^(\s*(?:async\s+)?(?:def|class)\s+\w+)\[[^\]\n]*\]", re.M)


def _parse(text: str, where: str, notes: list[str]) -> ast.Module:
    try:
        return ast.parse(text, where)
    except SyntaxError:
        # Stubs may use PEP 695 type parameters (``def const[T](expr: T) -> T``), which Python
        # before 3.12 cannot parse; they do not change the runtime surface, so drop them.
        stripped = _TYPE_PARAMS.sub(r"\1", text)
        if stripped == text:
            raise
        notes.append("PEP 695 type parameters removed to parse the stub on this Python")
        return ast.parse(stripped, where)


def _params(args: ast.arguments, drop_first: bool) -> list[StubParam]:
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    result = []
    for index, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        kind = P.POSITIONAL_ONLY if index < len(args.posonlyargs) else P.POSITIONAL_OR_KEYWORD
        result.append(StubParam(arg.arg, kind, ast.unparse(default) if default else None))
    if args.vararg:
        result.append(StubParam(args.vararg.arg, P.VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        result.append(StubParam(arg.arg, P.KEYWORD_ONLY, ast.unparse(default) if default else None))
    if args.kwarg:
        result.append(StubParam(args.kwarg.arg, P.VAR_KEYWORD))
    if drop_first and result and result[0].kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD):
        result = result[1:]
    return result


def _docstring_after(body: list[ast.stmt], index: int) -> str:
    if index + 1 < len(body):
        nxt = body[index + 1]
        if isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
            value = nxt.value.value
            return value if isinstance(value, str) else ""
    return ""


def _decorator_names(node: ast.FunctionDef) -> list[str]:
    return [ast.unparse(d) for d in node.decorator_list]


def _public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _walk(stub: Stub, body: list[ast.stmt], prefix: str, class_name: str | None) -> None:
    for index, node in enumerate(body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            _add_function(stub, node, prefix, class_name)
        elif isinstance(node, ast.ClassDef):
            if not _public(node.name) or node.name.startswith("__"):
                continue
            qualname = prefix + node.name
            stub.members[qualname] = StubMember(qualname, "class")
            _walk(stub, node.body, qualname + ".", qualname)
        elif isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            annotation = ast.unparse(node.annotation) if isinstance(node, ast.AnnAssign) else ""
            for target in targets:
                if isinstance(target, ast.Name) and not target.id.startswith("_"):
                    _add_attribute(
                        stub,
                        target.id,
                        annotation,
                        _docstring_after(body, index),
                        prefix,
                        class_name,
                    )


def _add_attribute(
    stub: Stub, name: str, annotation: str, doc: str, prefix: str, class_name: str | None
) -> None:
    qualname = prefix + name
    member = StubMember(qualname, "attribute", annotation=annotation)
    if class_name is not None:
        own = class_name.rsplit(".", 1)[-1]
        if annotation in (own, class_name, f"{stub.module}.{class_name}"):
            member.kind = "constant"
            member.instance_of = class_name
        elif name.isupper():
            member.kind = "constant"
        else:
            member.kind = "property"
            flat = " ".join(doc.split())
            if "(read-only)" in flat:
                member.access, member.access_source = "ro", "stub: (read-only)"
            elif "(write-only)" in flat:
                member.access, member.access_source = "wo", "stub: (write-only)"
            elif qualname in C_ACCESS.get(stub.module, {}):
                member.access = C_ACCESS[stub.module][qualname]
                member.access_source = "C: MP_PROPERTY_" + (
                    "GETTER" if member.access == "ro" else "GETSET"
                )
    stub.members[qualname] = member


def _add_function(
    stub: Stub, node: ast.FunctionDef | ast.AsyncFunctionDef, prefix: str, class_name: str | None
) -> None:
    decorators = _decorator_names(node)
    name = node.name
    if not _public(name):
        return
    if class_name is not None and name == "__init__":
        stub.members[class_name].init = _params(node.args, drop_first=True)
        return
    qualname = prefix + name
    if "property" in decorators:
        member = StubMember(qualname, "property", access="ro", access_source="stub: @property")
        stub.members[qualname] = member
        return
    if any(d.endswith(".setter") for d in decorators):
        existing = stub.members.get(qualname)
        if existing is not None:
            existing.access = "wo" if existing.access is None else "rw"
            existing.access_source = "stub: @property + setter"
        return
    existing = stub.members.get(qualname)
    if "overload" in decorators or "typing.overload" in decorators or existing is not None:
        if existing is None:
            kind = "method" if class_name else "function"
            stub.members[qualname] = StubMember(qualname, kind, overloaded=True)
        else:
            existing.overloaded = True
            existing.params = None
        return
    drop = class_name is not None and "staticmethod" not in decorators
    kind = "method" if class_name else "function"
    stub.members[qualname] = StubMember(qualname, kind, params=_params(node.args, drop))


def load_stub(module: str) -> Stub:
    """Parse ``<module>-stubs/__init__.pyi`` (or the documented fallback) into a :class:`Stub`."""
    path = stub_path(module)
    notes: list[str] = []
    if path is not None:
        text = path.read_text(encoding="utf-8")
        version = stubs_version()
        source = f"{STUBS_DISTRIBUTION} {version or '?'}: {module}-stubs/__init__.pyi"
    elif module in FALLBACK_STUBS:
        source, text = FALLBACK_STUBS[module]
        notes.append(
            f"no {module}-stubs in the installed {STUBS_DISTRIBUTION}; compared with {source}"
        )
    else:
        raise FileNotFoundError(
            f"no stub for '{module}': is {STUBS_DISTRIBUTION} installed? "
            f"(pip install {STUBS_DISTRIBUTION})"
        )
    tree = _parse(text, str(path or source), notes)
    stub = Stub(module, source, notes=notes)
    _walk(stub, tree.body, "", None)
    if module == "board":
        stub.members = {k: v for k, v in stub.members.items() if k in COMMON_BOARD_API}
        stub.notes.append(
            "pins are per board: compared with the common board API only "
            "(use --board ID for pin names)"
        )
    return stub


# --- our side ------------------------------------------------------------------------------------


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


class _Checker:
    def __init__(self, module_name: str, ours: types.ModuleType, stub: Stub) -> None:
        self.name = module_name
        self.ours = ours
        self.stub = stub
        self.report = ModuleReport(
            module_name, stub.source, total=len(stub.members), notes=list(stub.notes)
        )

    # -- helpers ------------------------------------------------------------------------------

    def _deviation(self, member: str, param: str | None, accept: str) -> Deviation | None:
        for deviation in DEVIATIONS:
            if deviation.applies(self.name, member, param, accept):
                return deviation
        return None

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

    def _eval_default(self, text: str) -> Any:
        """The value a stub default stands for, or _MISSING when it cannot be worked out."""
        with contextlib.suppress(ValueError, SyntaxError):
            return ast.literal_eval(text)
        if not re.fullmatch(r"[A-Za-z_][\w.]*", text):
            return _MISSING
        head, _, rest = text.partition(".")
        roots: dict[str, Any] = {"sys": sys, self.name: self.ours}
        target: Any = roots.get(head, _MISSING)
        if target is _MISSING:
            target = getattr(self.ours, head, _MISSING)
            if target is _MISSING:
                with contextlib.suppress(ImportError):
                    target = importlib.import_module(head)
        for part in rest.split(".") if rest else ():
            if target is _MISSING:
                break
            target = getattr(target, part, _MISSING)
        return target

    # -- signatures ---------------------------------------------------------------------------

    def compare_params(
        self, member: str, stub_params: list[StubParam], ours: inspect.Signature
    ) -> tuple[list[str], list[str]]:
        """Problems (failures) and extras (reported only) of ``ours`` against the stub."""
        problems: list[str] = []
        extras: list[str] = []
        our_params = list(ours.parameters.values())
        by_name = {p.name: p for p in our_params}
        our_positional = [
            p for p in our_params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)
        ]
        has_varargs = any(p.kind is P.VAR_POSITIONAL for p in our_params)
        has_varkw = any(p.kind is P.VAR_KEYWORD for p in our_params)
        seen: set[str] = set()
        position = 0
        for sp in stub_params:
            if sp.kind is P.VAR_POSITIONAL:
                if not has_varargs:
                    problems.append(f"takes no *{sp.name} (stub: *{sp.name})")
                continue
            if sp.kind is P.VAR_KEYWORD:
                if not has_varkw:
                    problems.append(f"takes no **{sp.name} (stub: **{sp.name})")
                continue
            op = by_name.get(sp.name)
            if sp.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD):
                at = our_positional[position] if position < len(our_positional) else None
                position += 1
                if sp.kind is P.POSITIONAL_ONLY and at is not None:
                    op = at  # the name of a positional-only parameter is not part of the API
                elif at is not None and at.name != sp.name and op is None:
                    problems.append(f"parameter {position} is '{at.name}' (stub: '{sp.name}')")
                    seen.add(at.name)
                    continue
            if op is None:
                if has_varkw and sp.kind is not P.POSITIONAL_ONLY:
                    continue  # accepted through **kwargs
                problems.append(f"missing parameter '{sp.name}' ({_KIND_TEXT[sp.kind]})")
                continue
            seen.add(op.name)
            self._compare_kind(member, sp, op, problems)
            self._compare_default(sp, op, problems)
        for op in our_params:
            if op.name in seen:
                continue
            if op.kind is P.VAR_POSITIONAL or op.kind is P.VAR_KEYWORD:
                star = "*" if op.kind is P.VAR_POSITIONAL else "**"
                deviation = self._deviation(member, None, "extra-varargs")
                if deviation is not None and op.kind is P.VAR_POSITIONAL:
                    self._use(deviation, member)
                else:
                    extras.append(f"{member}: extra {star}{op.name}")
            elif op.default is _EMPTY:
                problems.append(f"extra required parameter '{op.name}'")
            else:
                extras.append(f"{member}: extra optional parameter '{op.name}'")
        return problems, extras

    def _compare_kind(
        self, member: str, sp: StubParam, op: inspect.Parameter, problems: list[str]
    ) -> None:
        if sp.kind is P.POSITIONAL_ONLY and op.kind is P.POSITIONAL_OR_KEYWORD:
            return  # more permissive, and the stub's name for it is not part of the API
        if sp.kind is op.kind:
            return
        if sp.kind is P.POSITIONAL_OR_KEYWORD and op.kind is P.KEYWORD_ONLY:
            deviation = self._deviation(member, sp.name, "keyword-only")
            if deviation is not None:
                self._use(deviation, member)
                return
        problems.append(f"'{sp.name}' is {_KIND_TEXT[op.kind]} (stub: {_KIND_TEXT[sp.kind]})")

    def _compare_default(self, sp: StubParam, op: inspect.Parameter, problems: list[str]) -> None:
        if sp.default is None:
            if op.default is not _EMPTY:
                problems.append(f"'{sp.name}' is optional, default {op.default!r} (stub: required)")
            return
        if op.default is _EMPTY:
            problems.append(f"'{sp.name}' is required (stub: default {sp.default})")
            return
        expected = self._eval_default(sp.default)
        if expected is _MISSING:
            return  # a default we cannot evaluate here: only its presence is checked
        same = (
            op.default is expected
            or (
                type(expected) is not bool
                and type(op.default) is not bool
                and isinstance(op.default, int | float | str | bytes | type(None))
                and op.default == expected
            )
            or (type(expected) is bool and op.default is expected)
        )
        if not same:
            problems.append(f"'{sp.name}' defaults to {op.default!r} (stub: {sp.default})")

    # -- members ------------------------------------------------------------------------------

    def run(self) -> ModuleReport:
        for qualname, member in self.stub.members.items():
            problems = self.check(member)
            if problems is None:
                self.report.missing.append(qualname)
            elif problems:
                self.report.mismatches.append(Mismatch(qualname, problems))
            else:
                self.report.matched.append(qualname)
        self.report.extras = sorted(set(self.report.extras) | set(self.find_extras()))
        return self.report

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
        problems, extras = self.compare_params(label, member.init, signature)
        self.report.extras.extend(extras)
        return [f"constructor: {p}" for p in problems]

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
        problems, extras = self.compare_params(member.qualname, member.params, signature)
        self.report.extras.extend(extras)
        return problems

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

    def _ours_public(self, value: Any) -> bool:
        """Whether a module global is part of our public surface (not an import or a typing
        helper such as ``Any``, ``TypeVar('T')`` or ``from __future__ import annotations``)."""
        if isinstance(value, types.ModuleType | typing.TypeVar):
            return False
        if isinstance(value, type) or callable(value):
            module = getattr(value, "__module__", "") or ""
            return module == self.name or module.startswith("protoboard.")
        return type(value).__module__ not in _TYPING_MODULES or isinstance(
            value, int | float | str | bytes | tuple | frozenset | type(None)
        )

    def find_extras(self) -> list[str]:
        stub_names = set(self.stub.members)
        extras = []
        names = getattr(self.ours, "__all__", None)
        if names is None or self.name == "board":
            names = [n for n in dir(self.ours) if not n.startswith("_")]
        per_board = self._per_board_names() if self.name == "board" else set()
        for name in names:
            if name in stub_names or name in per_board or name.startswith("_"):
                continue
            value = getattr(self.ours, name, _MISSING)
            if value is _MISSING or not self._ours_public(value):
                continue
            extras.append(name)
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
        from protoboard.machine import current

        machine = current()
        return set(machine.board_pins) | {bus.upper() for bus in machine.board.buses}


def _fail(module: str, source: str, error: str, total: int = 0) -> ModuleReport:
    report = ModuleReport(module, source, total=total, error=error)
    return report


@contextlib.contextmanager
def _board(board_id: str | None = None) -> Iterator[Any]:
    from protoboard.testing import simulated_board

    with simulated_board(board_id) as sim:
        yield sim


def check_module(module: str, *, board: str | None = None) -> ModuleReport:
    """The conformance report of one module, on a fresh simulated board."""
    return check_modules([module], board=board)[0]


def check_modules(
    modules: Iterable[str] = MODULES, *, board: str | None = None
) -> list[ModuleReport]:
    """Reports for ``modules`` (all of :data:`MODULES` by default), on one simulated board."""
    reports = []
    with _board(board):
        for name in modules:
            try:
                stub = load_stub(name)
            except (OSError, SyntaxError) as exc:
                reports.append(_fail(name, "", f"stub unreadable: {exc}"))
                continue
            try:
                ours = importlib.import_module(name)
            except Exception as exc:  # an incomplete binding is reported, not fatal
                reports.append(
                    _fail(
                        name,
                        stub.source,
                        f"import {name} failed: {type(exc).__name__}: {exc}",
                        len(stub.members),
                    )
                )
                continue
            try:
                reports.append(_Checker(name, ours, stub).run())
            except Exception as exc:
                reports.append(
                    _fail(
                        name,
                        stub.source,
                        f"check crashed: {type(exc).__name__}: {exc}",
                        len(stub.members),
                    )
                )
    return reports


# --- board pin names ------------------------------------------------------------------------------


@dataclass
class BoardReport:
    board_id: str
    source: str = ""
    expected: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    board_id_ok: bool = True
    #: bus functions the board definition has (``I2C``, ``STEMMA_I2C``...). Reported as a
    #: warning, not a failure: a stub names the function but not its pins, which live in the
    #: board's C config, so a port may not be able to provide every one.
    bus_functions: list[str] = field(default_factory=list)
    bus_functions_missing: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.missing and not self.extra and self.board_id_ok

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["ok"] = self.ok
        return data


_STUB_PIN = re.compile(r"^([^\s:#]+)\s*:\s*microcontroller\.Pin\b", re.M)
_STUB_BUS = re.compile(r"^def\s+(\w+)\(\)\s*->\s*busio\.(?:I2C|SPI|UART)\s*:", re.M)


def board_stub_path(board_id: str) -> Path | None:
    from protoboard.boards import _stub_root

    root = _stub_root()
    if root is None:
        return None
    path = root / board_id / "__init__.pyi"
    return path if path.is_file() else None


def expected_board_names(board_id: str) -> tuple[str, list[str], list[str]]:
    """(source, pin names, bus function names) of a board: the sim port's own TOML if it ships
    the board, else the board's stub in ``board_definitions``."""
    from protoboard.registry import select_port

    port = select_port("sim")
    own = port.boards.get(board_id)
    if own is not None:
        pins = [name for names in own.pins.values() for name in names]
        buses = [bus.upper() for bus in own.buses]
        return own.source, pins, buses
    path = board_stub_path(board_id)
    if path is None:
        raise LookupError(
            f"unknown board id '{board_id}' (neither a sim board nor in "
            f"{STUBS_DISTRIBUTION}' board_definitions)"
        )
    text = path.read_text(encoding="utf-8")
    # A regex rather than ast: some boards have pin names that are not identifiers
    # (``32KHZ_XTAL1``), which real boards expose through getattr() all the same.
    return str(path), _STUB_PIN.findall(text), _STUB_BUS.findall(text)


def check_board(board_id: str) -> BoardReport:
    """Does our ``board`` on ``board_id`` expose exactly that board's pin names?"""
    report = BoardReport(board_id)
    try:
        report.source, expected, buses = expected_board_names(board_id)
    except (LookupError, OSError) as exc:
        report.error = str(exc)
        return report
    report.expected = list(dict.fromkeys(expected))
    report.bus_functions = list(dict.fromkeys(buses))
    try:
        with _board(board_id):
            board = importlib.import_module("board")
            from protoboard.bindings.microcontroller import Pin

            ours = {name for name in board.__all__ if isinstance(getattr(board, name, None), Pin)}
            report.board_id_ok = board.board_id == board_id
            for name in report.bus_functions:
                if not callable(getattr(board, name, None)):
                    report.bus_functions_missing.append(name)
    except Exception as exc:
        report.error = f"{type(exc).__name__}: {exc}"
        return report
    wanted = set(report.expected)
    report.missing = [name for name in report.expected if name not in ours]
    report.extra = sorted(ours - wanted)
    return report


def all_board_ids() -> list[str]:
    from protoboard.registry import select_port

    return select_port("sim").board_ids()


# --- output --------------------------------------------------------------------------------------


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_modules(reports: Sequence[ModuleReport], *, verbose: bool = False) -> str:
    version = stubs_version() or "not installed"
    out = [
        f"Protoboard API conformance vs {STUBS_DISTRIBUTION} {version} "
        f"(Python {platform.python_version()})",
        "",
    ]
    rows = [("module", "in stub", "matched", "missing", "mismatched", "extras", "coverage")]
    for r in reports:
        rows.append(
            (
                r.module,
                str(r.total),
                str(len(r.matched)),
                str(len(r.missing)),
                str(len(r.mismatches)),
                str(len(r.extras)),
                "error" if r.error else f"{r.coverage:.1f}%",
            )
        )
    total = sum(r.total for r in reports)
    matched = sum(len(r.matched) for r in reports)
    rows.append(
        (
            "TOTAL",
            str(total),
            str(matched),
            str(sum(len(r.missing) for r in reports)),
            str(sum(len(r.mismatches) for r in reports)),
            str(sum(len(r.extras) for r in reports)),
            f"{100.0 * matched / total if total else 100.0:.1f}%",
        )
    )
    out.append(_table(rows))
    for r in reports:
        details = []
        if r.error:
            details.append(f"  error: {r.error}")
        if r.missing:
            details.append("  missing: " + ", ".join(r.missing))
        for m in r.mismatches:
            details.append(f"  mismatch {m.name}: " + "; ".join(m.problems))
        if r.extras:
            details.append("  extras (not failures): " + ", ".join(r.extras))
        if verbose:
            details += [f"  deviation {d}" for d in r.deviations]
            details += [f"  note: {n}" for n in r.notes]
            details.append(f"  source: {r.source}")
        if details:
            out += ["", f"{r.module}:", *details]
    failing = [r.module for r in reports if not r.ok]
    out += ["", "below 100%: " + ", ".join(failing) if failing else "all modules at 100%"]
    return "\n".join(out)


def format_boards(reports: Sequence[BoardReport], *, verbose: bool = False) -> str:
    out = []
    for r in reports:
        if r.ok and not r.bus_functions_missing and not verbose and len(reports) > 1:
            continue
        status = "ok" if r.ok else "FAIL"
        out.append(
            f"board {r.board_id}: {status} ({len(r.expected)} pin names, source {r.source or '-'})"
        )
        if r.error:
            out.append(f"  error: {r.error}")
        if r.missing:
            out.append("  missing pins: " + ", ".join(r.missing))
        if r.extra:
            out.append("  extra pins: " + ", ".join(r.extra))
        if not r.board_id_ok:
            out.append("  board.board_id differs")
        if r.bus_functions_missing:
            out.append("  warning, missing bus functions: " + ", ".join(r.bus_functions_missing))
    failing = sum(not r.ok for r in reports)
    warned = sum(bool(r.bus_functions_missing) for r in reports)
    out.append(
        f"{len(reports) - failing}/{len(reports)} boards expose exactly their pin names"
        + (f"; {warned} lack a bus function their definition has" if warned else "")
    )
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="protoboard conformance",
        description="Compare Protoboard's modules with CircuitPython's stubs "
        f"({STUBS_DISTRIBUTION}).",
    )
    parser.add_argument(
        "modules",
        nargs="*",
        metavar="MODULE",
        help=f"modules to check (default: {' '.join(MODULES)})",
    )
    parser.add_argument(
        "--board",
        action="append",
        metavar="ID",
        help="check that `board` on this board exposes exactly its pin names "
        "(repeatable; 'all' checks every board)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also list accepted deviations, notes and stub sources",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)

    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s): {', '.join(unknown)} (choose from {', '.join(MODULES)})")

    output: dict[str, Any] = {"stubs_version": stubs_version(), "python": platform.python_version()}
    ok = True
    text = []
    if args.modules or not args.board:
        reports = check_modules(args.modules or MODULES)
        ok = all(r.ok for r in reports)
        output["modules"] = [r.as_dict() for r in reports]
        text.append(format_modules(reports, verbose=args.verbose))
    if args.board:
        ids = all_board_ids() if "all" in args.board else list(dict.fromkeys(args.board))
        boards = [check_board(board_id) for board_id in ids]
        ok = ok and all(b.ok for b in boards)
        output["boards"] = [b.as_dict() for b in boards]
        text.append(format_boards(boards, verbose=args.verbose))
    output["ok"] = ok
    if args.json:
        print(json.dumps(output, indent=2))
    else:
        print("\n\n".join(text))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

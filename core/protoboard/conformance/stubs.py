"""Reading ``circuitpython-stubs``: a module's ``<module>-stubs/__init__.pyi``, parsed with
:mod:`ast` (never imported), into the names and signatures the checker compares."""

from __future__ import annotations

import ast
import contextlib
import inspect
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from protoboard.conformance.deviations import C_ACCESS
from protoboard.conformance.scope import COMMON_BOARD_API, STUBS_DISTRIBUTION

P = inspect.Parameter

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
    try:
        return metadata.version(STUBS_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def stub_path(module: str) -> Path | None:
    """The installed ``<module>-stubs/__init__.pyi`` (for a submodule such as ``usb.core``,
    ``usb-stubs/core/__init__.pyi``), or None."""
    top, _, rest = module.partition(".")
    relative = "/".join([f"{top}-stubs", *(rest.split(".") if rest else []), "__init__.pyi"])
    with contextlib.suppress(metadata.PackageNotFoundError):
        dist = metadata.distribution(STUBS_DISTRIBUTION)
        for file in dist.files or ():
            if str(file).replace("\\", "/") == relative:
                path = Path(str(dist.locate_file(file)))
                if path.is_file():
                    return path
    for entry in sys.path:
        path = Path(entry or ".") / relative
        if path.is_file():
            return path
    return None


def load_stub(module: str) -> Stub:
    """Parse ``<module>-stubs/__init__.pyi`` (or the documented fallback) into a :class:`Stub`."""
    path = stub_path(module)
    notes: list[str] = []
    if path is not None:
        text = path.read_text(encoding="utf-8")
        version = stubs_version()
        top, _, rest = module.partition(".")
        inside = "".join(f"{part}/" for part in rest.split(".")) if rest else ""
        source = f"{STUBS_DISTRIBUTION} {version or '?'}: {top}-stubs/{inside}__init__.pyi"
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
    stub = parse_stub(module, text, source=source, notes=notes, where=str(path or source))
    if module == "board":
        stub.members = {k: v for k, v in stub.members.items() if k in COMMON_BOARD_API}
        stub.notes.append(
            "pins are per board: compared with the common board API only "
            "(use --board ID for pin names)"
        )
    return stub


def parse_stub(
    module: str, text: str, *, source: str, notes: Sequence[str] = (), where: str | None = None
) -> Stub:
    """Parse the text of ``module``'s stub (``where``: its file, for syntax errors)."""
    stub = Stub(module, source, notes=list(notes))
    tree = _parse(text, where or source, stub.notes)
    _walk(stub, tree.body, "", None)
    return stub


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
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        text = ast.unparse(kw_default) if kw_default else None
        result.append(StubParam(arg.arg, P.KEYWORD_ONLY, text))
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
            _set_access(member, stub.module, doc)
    stub.members[qualname] = member


def _set_access(member: StubMember, module: str, doc: str) -> None:
    """A property attribute's read/write-ness: from its docstring, else from the C source."""
    flat = " ".join(doc.split())
    if "(read-only)" in flat:
        member.access, member.access_source = "ro", "stub: (read-only)"
    elif "(write-only)" in flat:
        member.access, member.access_source = "wo", "stub: (write-only)"
    elif member.qualname in C_ACCESS.get(module, {}):
        member.access = C_ACCESS[module][member.qualname]
        member.access_source = "C: MP_PROPERTY_" + ("GETTER" if member.access == "ro" else "GETSET")


def _add_function(
    stub: Stub, node: ast.FunctionDef | ast.AsyncFunctionDef, prefix: str, class_name: str | None
) -> None:
    decorators = [ast.unparse(d) for d in node.decorator_list]
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

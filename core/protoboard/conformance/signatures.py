"""Comparing one signature of ours with a stub's parameters: names and order, kinds,
required/optional and defaults, with the accepted :mod:`~protoboard.conformance.deviations`."""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import re
import sys
import types
from dataclasses import dataclass, field
from typing import Any

from protoboard.conformance.deviations import Deviation, accepted
from protoboard.conformance.stubs import StubParam

P = inspect.Parameter
_EMPTY = inspect.Parameter.empty
_POSITIONAL = (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)
_KIND_TEXT = {
    P.POSITIONAL_ONLY: "positional-only",
    P.POSITIONAL_OR_KEYWORD: "positional-or-keyword",
    P.VAR_POSITIONAL: "*args",
    P.KEYWORD_ONLY: "keyword-only",
    P.VAR_KEYWORD: "**kwargs",
}
#: a stub default that cannot be worked out here
_UNKNOWN = object()


@dataclass
class Comparison:
    """The outcome of comparing one signature with the stub."""

    #: failures
    problems: list[str] = field(default_factory=list)
    #: differences that are reported only ("<member>: extra optional parameter 'x'")
    extras: list[str] = field(default_factory=list)
    #: the accepted deviations that made a difference pass, in the order they were used
    deviations: list[Deviation] = field(default_factory=list)


def compare_params(
    name: str,
    module: types.ModuleType,
    member: str,
    stub_params: list[StubParam],
    ours: inspect.Signature,
) -> Comparison:
    """Compare ``ours`` (the signature of ``member`` in our module ``name``, loaded as
    ``module``; without ``self``) with the stub's parameters."""
    return _Comparer(name, module, member, ours).run(stub_params)


class _Comparer:
    """One comparison: walks the stub's parameters against ours, then reports ours left over."""

    def __init__(
        self, name: str, module: types.ModuleType, member: str, ours: inspect.Signature
    ) -> None:
        #: the module's CircuitPython name (``busio``): what deviations and stub defaults use
        self.name = name
        self.module = module
        self.member = member
        self.params = list(ours.parameters.values())
        self.by_name = {p.name: p for p in self.params}
        self.positional = [p for p in self.params if p.kind in _POSITIONAL]
        self.has_varargs = any(p.kind is P.VAR_POSITIONAL for p in self.params)
        self.has_varkw = any(p.kind is P.VAR_KEYWORD for p in self.params)
        #: our parameters already matched (or reported) against a stub parameter
        self.seen: set[str] = set()
        #: index of the next positional parameter of ours
        self.position = 0
        self.result = Comparison()

    def run(self, stub_params: list[StubParam]) -> Comparison:
        for sp in stub_params:
            self._match(sp)
        for op in self.params:
            if op.name not in self.seen:
                self._leftover(op)
        return self.result

    def _match(self, sp: StubParam) -> None:
        problems = self.result.problems
        if sp.kind is P.VAR_POSITIONAL:
            if not self.has_varargs:
                problems.append(f"takes no *{sp.name} (stub: *{sp.name})")
            return
        if sp.kind is P.VAR_KEYWORD:
            if not self.has_varkw:
                problems.append(f"takes no **{sp.name} (stub: **{sp.name})")
            return
        op = self.by_name.get(sp.name)
        if sp.kind in _POSITIONAL:
            at = self.positional[self.position] if self.position < len(self.positional) else None
            self.position += 1
            if sp.kind is P.POSITIONAL_ONLY and at is not None:
                op = at  # the name of a positional-only parameter is not part of the API
            elif at is not None and at.name != sp.name and op is None:
                deviation = accepted(self.name, self.member, sp.name, "renamed")
                if deviation is not None:
                    self.result.deviations.append(deviation)
                    op = at
                else:
                    problems.append(f"parameter {self.position} is '{at.name}' (stub: '{sp.name}')")
                    self.seen.add(at.name)
                    return
        if op is None and sp.name == "self":
            deviation = accepted(self.name, self.member, "self", "stub-self")
            if deviation is not None:
                self.position -= 1  # ours has no parameter in that place
                self.result.deviations.append(deviation)
                return
        if op is None:
            if self.has_varkw and sp.kind is not P.POSITIONAL_ONLY:
                return  # accepted through **kwargs
            problems.append(f"missing parameter '{sp.name}' ({_KIND_TEXT[sp.kind]})")
            return
        self.seen.add(op.name)
        self._compare_kind(sp, op)
        self._compare_default(sp, op)

    def _leftover(self, op: inspect.Parameter) -> None:
        """One of our parameters the stub does not have."""
        if op.kind is P.VAR_POSITIONAL or op.kind is P.VAR_KEYWORD:
            star = "*" if op.kind is P.VAR_POSITIONAL else "**"
            deviation = accepted(self.name, self.member, None, "extra-varargs")
            if deviation is not None and op.kind is P.VAR_POSITIONAL:
                self.result.deviations.append(deviation)
            else:
                self.result.extras.append(f"{self.member}: extra {star}{op.name}")
        elif op.default is _EMPTY:
            self.result.problems.append(f"extra required parameter '{op.name}'")
        else:
            self.result.extras.append(f"{self.member}: extra optional parameter '{op.name}'")

    def _compare_kind(self, sp: StubParam, op: inspect.Parameter) -> None:
        if sp.kind is P.POSITIONAL_ONLY and op.kind is P.POSITIONAL_OR_KEYWORD:
            return  # more permissive, and the stub's name for it is not part of the API
        if sp.kind is op.kind:
            return
        if sp.kind is P.POSITIONAL_OR_KEYWORD and op.kind is P.KEYWORD_ONLY:
            deviation = accepted(self.name, self.member, sp.name, "keyword-only")
            if deviation is not None:
                self.result.deviations.append(deviation)
                return
        if sp.kind is P.KEYWORD_ONLY and op.kind is P.POSITIONAL_OR_KEYWORD:
            deviation = accepted(self.name, self.member, sp.name, "positional")
            if deviation is not None:
                self.result.deviations.append(deviation)
                return
        self.result.problems.append(
            f"'{sp.name}' is {_KIND_TEXT[op.kind]} (stub: {_KIND_TEXT[sp.kind]})"
        )

    def _compare_default(self, sp: StubParam, op: inspect.Parameter) -> None:
        problems = self.result.problems
        if sp.default is None:
            if op.default is not _EMPTY:
                deviation = accepted(self.name, self.member, sp.name, "optional")
                if deviation is not None:
                    self.result.deviations.append(deviation)
                    return
                problems.append(f"'{sp.name}' is optional, default {op.default!r} (stub: required)")
            return
        if op.default is _EMPTY:
            problems.append(f"'{sp.name}' is required (stub: default {sp.default})")
            return
        expected = self._eval_default(sp.default)
        if expected is _UNKNOWN:
            return  # a default we cannot evaluate here: only its presence is checked
        if not _same_default(op.default, expected):
            deviation = accepted(self.name, self.member, sp.name, "c-default")
            if deviation is not None:
                self.result.deviations.append(deviation)
                return
            problems.append(f"'{sp.name}' defaults to {op.default!r} (stub: {sp.default})")

    def _eval_default(self, text: str) -> Any:
        """The value a stub default stands for, or _UNKNOWN when it cannot be worked out."""
        with contextlib.suppress(ValueError, SyntaxError):
            return ast.literal_eval(text)
        if not re.fullmatch(r"[A-Za-z_][\w.]*", text):
            return _UNKNOWN
        head, _, rest = text.partition(".")
        roots: dict[str, Any] = {"sys": sys, self.name: self.module}
        target: Any = roots.get(head, _UNKNOWN)
        if target is _UNKNOWN:
            target = getattr(self.module, head, _UNKNOWN)
            if target is _UNKNOWN:
                with contextlib.suppress(ImportError):
                    target = importlib.import_module(head)
        for part in rest.split(".") if rest else ():
            if target is _UNKNOWN:
                break
            target = getattr(target, part, _UNKNOWN)
        return target


def _same_default(ours: Any, expected: Any) -> bool:
    """Identity, or equality of plain values where neither is a bool (``1 == True`` is not a
    match: a bool default must be the same bool)."""
    return (
        ours is expected
        or (
            type(expected) is not bool
            and type(ours) is not bool
            and isinstance(ours, int | float | str | bytes | type(None))
            and ours == expected
        )
        or (type(expected) is bool and ours is expected)
    )

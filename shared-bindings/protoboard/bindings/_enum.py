"""CircuitPython's enum-like classes: singleton members compared by identity.

``digitalio.Direction.OUTPUT`` is an instance of ``Direction`` whose repr is its full dotted name;
the class cannot be instantiated from Python. Each member carries the matching
:mod:`protoboard.hal` value so bindings pass clean values to the ports.
"""

from __future__ import annotations

from typing import Any


class Constant:
    """Base of every enum-like class. Subclasses list members with :func:`define`."""

    __slots__ = ("_hal", "_name")
    _name: str
    _hal: Any

    def __new__(cls, *args: Any, **kwargs: Any) -> Constant:
        from protoboard.bindings import _validate

        raise _validate.cannot_create(f"{cls.__module__}.{cls.__qualname__}")

    def __repr__(self) -> str:
        cls = type(self)
        return f"{cls.__module__}.{cls.__qualname__}.{self._name}"

    def __reduce__(self) -> tuple[Any, ...]:
        return getattr, (type(self), self._name)


def define(cls: type[Constant], **members: Any) -> None:
    """Create ``cls``'s members: ``define(Pull, UP=hal.Pull.UP, DOWN=hal.Pull.DOWN)``."""
    for name, hal_value in members.items():
        member = object.__new__(cls)
        member._name = name
        member._hal = hal_value
        setattr(cls, name, member)


def publish(module_name: str, *objects: Any) -> None:
    """Give classes and functions their CircuitPython module name (``digitalio``, not
    ``protoboard.bindings.digitalio``) so reprs, errors and the API docs read as on a board."""
    for obj in objects:
        obj.__module__ = module_name

"""MicroPython's compile-time helpers, as no-ops on CPython.

Adafruit drivers use ``from micropython import const``; on Protoboard ``const`` returns its
argument and the code emitters are plain decorators that return the function unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def const(expr: T) -> T:
    """Used to declare that the expression is a constant so that the compiler can optimise it
    on a board. Here it returns ``expr`` unchanged::

        from micropython import const

        CONST_X = const(123)
    """
    return expr


def native(f: F) -> F:
    """Compile with the native emitter on MicroPython; here it returns ``f`` unchanged."""
    return f


def viper(f: F) -> F:
    """Compile with the viper emitter on MicroPython; here it returns ``f`` unchanged."""
    return f


def asm_thumb(f: F) -> F:
    """Inline Thumb assembler on MicroPython; here it returns ``f`` unchanged."""
    return f

"""MicroPython's compile-time helpers, as no-ops on CPython.

Adafruit drivers use ``from micropython import const``; on Protoboard ``const`` returns its
argument and the code emitters are plain decorators that return the function unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def const(x: T) -> T:
    """Declare ``x`` constant. Returns ``x`` unchanged."""
    return x


def native(f: F) -> F:
    """Compile with the native emitter on MicroPython; here it returns ``f`` unchanged."""
    return f


def viper(f: F) -> F:
    """Compile with the viper emitter on MicroPython; here it returns ``f`` unchanged."""
    return f


def asm_thumb(f: F) -> F:
    """Inline Thumb assembler on MicroPython; here it returns ``f`` unchanged."""
    return f

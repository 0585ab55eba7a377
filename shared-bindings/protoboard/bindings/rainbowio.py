"""`rainbowio` module.

Provides the `colorwheel()` function.

Protoboard computes it exactly as CircuitPython's C code does on a board: in 32-bit floats
(``mp_float_t``), with the integer conversions of an ARM Cortex-M (out-of-range values saturate,
NaN becomes 0) and a result that is a 31-bit small int. So ``colorwheel(n)`` gives the same
integer as a board for every ``n``, including negative, fractional, huge and non-finite ones.
"""

from __future__ import annotations

import math
import struct
from typing import Any

_U32 = 0xFFFF_FFFF
_I32_MIN = -(1 << 31)
_I32_MAX = (1 << 31) - 1
#: a board's ints from -2**30 to 2**30-1 are small ints; bigger ones are mpz (16-bit digits)
_SMALL_INT_MAX = (1 << 30) - 1
_MPZ_DIGIT_BITS = 16


def _f32(value: float) -> float:
    """``value`` rounded to the nearest 32-bit float, as each float operation on a board is."""
    try:
        result: float = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:  # beyond the largest float32: the board's result is infinite
        return math.copysign(math.inf, value)
    return result


def _to_u32(value: float) -> int:
    """C's ``(uint32_t)value`` on a Cortex-M FPU (VCVT): truncates, saturates, NaN is 0."""
    if math.isnan(value) or value <= 0:
        return 0
    if value >= 2**32:
        return _U32
    return int(value)


def _to_i32(value: float) -> int:
    """C's ``(int)value`` on a Cortex-M FPU (VCVT): truncates, saturates, NaN is 0."""
    if math.isnan(value):
        return 0
    if value >= 2**31:
        return _I32_MAX
    if value <= _I32_MIN:
        return _I32_MIN
    return int(value)


def _wrap32(value: int) -> int:
    """``value`` as a two's-complement int32 (C arithmetic wraps on the board)."""
    value &= _U32
    return value - (1 << 32) if value >= 1 << 31 else value


def _mpz_as_float(value: int) -> float:
    """MicroPython's ``mpz_as_float``: the magnitude's 16-bit digits, most significant first,
    folded in with 32-bit float arithmetic (rounding at each step), then the sign."""
    magnitude = abs(value)
    digits = []
    while magnitude:
        digits.append(magnitude & ((1 << _MPZ_DIGIT_BITS) - 1))
        magnitude >>= _MPZ_DIGIT_BITS
    result = 0.0
    for digit in reversed(digits):
        result = _f32(_f32(result * (1 << _MPZ_DIGIT_BITS)) + digit)
    return -result if value < 0 else result


def _get_float(value: Any) -> float:
    """CircuitPython's ``mp_obj_get_float``: bools, ints and floats (and objects with
    ``__float__``), as the board's 32-bit float."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int):
        if -_SMALL_INT_MAX - 1 <= value <= _SMALL_INT_MAX:
            return _f32(float(value))
        return _mpz_as_float(int(value))
    if isinstance(value, float):
        return _f32(float(value))
    convert = getattr(type(value), "__float__", None)
    if convert is not None:
        converted = convert(value)
        if isinstance(converted, float):
            return _f32(converted)
    raise TypeError(f"can't convert {type(value).__name__} to float")


def _small_int(value: int) -> int:
    """``MP_OBJ_NEW_SMALL_INT`` of an int32: the board keeps its low 31 bits, sign-extended."""
    value &= (1 << 31) - 1
    return value - (1 << 31) if value >= 1 << 30 else value


def colorwheel(n: float) -> int:
    """C implementation of the common colorwheel() function found in many examples.
    Takes a hue, a value between 0-255, and returns an RGB tuple encoded as an
    integer value (usable in neopixel and dotstar).

    For example, ``colorwheel(0)`` is ``0xFF0000`` (red), ``colorwheel(85)`` is ``0x00FF00``
    (green) and ``colorwheel(170)`` is ``0x0000FF`` (blue); hues wrap every 256.
    """
    pos = _get_float(n)
    # pos = pos - ((uint32_t)(pos / 256) * 256);  (the product is uint32 arithmetic)
    whole = (_to_u32(_f32(pos / 256)) * 256) & _U32
    pos = _f32(pos - _f32(float(whole)))
    if pos < 85:
        shift1, shift2 = 8, 16
    elif pos < 170:
        pos = _f32(pos - 85)
        shift1, shift2 = 0, 8
    else:
        pos = _f32(pos - 170)
        shift1, shift2 = 16, 0
    p = _to_i32(_f32(pos * 3))
    p = p if p < 256 else 255
    return _small_int(_wrap32(p << shift1) | _wrap32(_wrap32(255 - p) << shift2))


__all__ = ["colorwheel"]

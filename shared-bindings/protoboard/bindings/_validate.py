"""Argument validation for every binding: the one place each CircuitPython error text lives.

Texts follow CircuitPython 10.x (``py/argcheck.c``, ``shared-bindings/util.c`` and the module
bindings), so a program that prints or matches an error sees what it would see on a real board.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

if TYPE_CHECKING:
    from protoboard.bindings.microcontroller import Pin

T = TypeVar("T")

MAXSIZE = sys.maxsize

DEINITIALIZED = "Object has been deinitialized and can no longer be used. Create a new object."
REQUIRES_LOCK = "Function requires lock"
NO_DEFAULT_BUS = "No default {bus} bus"


def unknown_bus_pins(function: str, kind: str) -> str:
    """Protoboard's own message (no CircuitPython equivalent): a simulated real board whose
    definition names a bus without saying which pins it uses."""
    return (
        f"Protoboard does not know which pins board.{function}() uses on this board; "
        f"create the bus yourself, e.g. busio.{kind}(...) with the pins from the board's pinout"
    )


def raise_deinited() -> NoReturn:
    raise ValueError(DEINITIALIZED)


def raise_requires_lock() -> NoReturn:
    raise RuntimeError(REQUIRES_LOCK)


def type_name(value: object) -> str:
    return type(value).__name__


def of_type(value: object, cls: type[T], name: str) -> T:
    """``name must be of type Cls, not other`` (TypeError) unless ``value`` is a ``cls``."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be of type {cls.__name__}, not {type_name(value)}")
    return value


def of_type_or_none(value: object, cls: type[T], name: str) -> T | None:
    if value is not None and not isinstance(value, cls):
        raise TypeError(f"{name} must be of type {cls.__name__} or None, not {type_name(value)}")
    return value


def to_int(value: Any, name: str) -> int:
    """CircuitPython's ``mp_obj_get_int``: ints and bools pass, floats and others do not."""
    if isinstance(value, int):
        return int(value)
    raise TypeError(f"can't convert {type_name(value)} to int")


def to_float(value: Any, name: str) -> float:
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"can't convert {type_name(value)} to float")


def int_range(value: Any, low: int, high: int, name: str) -> int:
    number = to_int(value, name)
    if not low <= number <= high:
        raise ValueError(f"{name} must be {low}-{high}")
    return number


def int_at_least(value: Any, low: int, name: str) -> int:
    number = to_int(value, name)
    if number < low:
        raise ValueError(f"{name} must be >= {low}")
    return number


def int_at_most(value: Any, high: int, name: str) -> int:
    number = to_int(value, name)
    if number > high:
        raise ValueError(f"{name} must be <= {high}")
    return number


def float_range(value: Any, low: float, high: float, name: str) -> float:
    number = to_float(value, name)
    if not low <= number <= high:
        raise ValueError(f"{name} must be {low:g}-{high:g}")
    return number


def cannot_create(qualified_name: str) -> TypeError:
    """``cannot create 'digitalio.Direction' instances``: a class Python code may not construct."""
    return TypeError(f"cannot create '{qualified_name}' instances")


def invalid(name: str) -> ValueError:
    """``Invalid <name>``, e.g. ``Invalid pin``, ``Invalid frequency``."""
    return ValueError(f"Invalid {name}")


def pin(value: object, name: str = "pin") -> Pin:
    from protoboard.bindings.microcontroller import Pin

    return of_type(value, Pin, name)


def optional_pin(value: object, name: str) -> Pin | None:
    from protoboard.bindings.microcontroller import Pin

    return of_type_or_none(value, Pin, name)


def pin_in_use(pin_name: str) -> ValueError:
    return ValueError(f"{pin_name} in use")


def unique_pins(pins: Iterable[Any], name: str) -> None:
    seen = set()
    for item in pins:
        if item in seen:
            raise TypeError(f"{name} contains duplicate pins")
        seen.add(item)


def free_pin(value: object, name: str = "pin") -> Pin:
    """A Pin that no peripheral of the active machine holds (``validate_obj_is_free_pin``):
    ``pin must be of type Pin, not int`` or ``D5 in use``. It does not claim the pin."""
    from protoboard.machine import current

    found = pin(value, name)
    if current().in_use(found):
        raise pin_in_use(found._display_name)
    return found


def sequence(values: Any) -> tuple[Any, ...]:
    """The items of a sequence read as CircuitPython reads them (``len()`` then indexing), so a
    non-sequence fails with ``object of type 'int' has no len()``."""
    return tuple(values[index] for index in range(len(values)))


def pin_in(value: object, name: str) -> Pin:
    """An element of a pin list: ``object in row_pins must be of type Pin, not int``."""
    from protoboard.bindings.microcontroller import Pin

    if not isinstance(value, Pin):
        raise TypeError(f"object in {name} must be of type {Pin.__name__}, not {type_name(value)}")
    return value


def no_duplicate_pins(pins: Any, name: str) -> tuple[Pin, ...]:
    """``validate_no_duplicate_pins``: every element a Pin, none twice (TypeError
    ``row_pins contains duplicate pins``)."""
    items = tuple(pin_in(item, name) for item in sequence(pins))
    unique_pins(items, name)
    return items


def no_duplicate_pins_2(
    pins_1: Any, pins_2: Any, name_1: str, name_2: str
) -> tuple[tuple[Pin, ...], tuple[Pin, ...]]:
    """``validate_no_duplicate_pins_2``: each list checked alone, then against each other
    (``row_pins and column_pins contain duplicate pins``)."""
    first = no_duplicate_pins(pins_1, name_1)
    second = no_duplicate_pins(pins_2, name_2)
    if set(first) & set(second):
        raise TypeError(f"{name_1} and {name_2} contain duplicate pins")
    return first, second


def float_non_negative(value: Any, name: str) -> float:
    """``mp_arg_validate_obj_float_non_negative``: ``interval must be of type float, not str``,
    ``interval must be >= 0``."""
    if not isinstance(value, int | float):
        raise TypeError(f"{name} must be of type float, not {type_name(value)}")
    number = float(value)
    if number < 0.0:
        raise ValueError(f"{name} must be >= 0")
    return number


def length(actual: int, required: int, name: str) -> int:
    """``mp_arg_validate_length``: ``key_count length must be 2``."""
    if actual != required:
        raise ValueError(f"{name} length must be {required}")
    return actual


def pin_sequence(values: Any, name: str) -> tuple[Pin, ...]:
    """A non-empty sequence of distinct pins (keypad and friends)."""
    try:
        items = tuple(values)
    except TypeError:
        raise TypeError(f"{name} must be of type tuple, not {type_name(values)}") from None
    if not items:
        raise ValueError(f"{name} length must be >= 1")
    pins = tuple(pin(item, name) for item in items)
    unique_pins(pins, name)
    return pins


# --- buffers -------------------------------------------------------------------------------------


def memoryview_of(value: Any) -> memoryview:
    """``memoryview(value)``, also for a Python class with a ``__buffer__`` method (PEP 688) on
    Python 3.11, where ``memoryview()`` does not call it: a ``ulab.numpy.ndarray`` is a buffer
    on a board (a synthio waveform, an audio sample). Raises ``TypeError`` like memoryview."""
    try:
        return memoryview(value)
    except TypeError:
        hook = getattr(type(value), "__buffer__", None)
        if hook is None:
            raise
        view: memoryview = hook(value, 0)
        return view


def buffer_slice(
    buffer: Any, start: Any, end: Any, name: str = "buffer", *, writable: bool = False
) -> memoryview:
    """The ``[start:end]`` part of a buffer as bytes, counting ``start``/``end`` in elements.

    As ``shared/runtime/buffer_helper.c``: negative indices wrap, ``end`` is clamped to the
    length, and ``end < start`` gives an empty slice.
    """
    try:
        view = memoryview_of(buffer)
    except TypeError:
        raise TypeError(f"object with buffer protocol required, not {type_name(buffer)}") from None
    if writable and view.readonly:
        raise TypeError(f"{name} must be a writable buffer (bytearray, array, memoryview)")
    length = len(view)
    if type(start) is int and start == 0 and type(end) is int and end >= length:
        # The common case (the whole buffer): no index arithmetic.
        return view if view.format == "B" and view.ndim == 1 else view.cast("B")
    first = to_int(start, "start")
    last = to_int(end, "end")
    if first < 0:
        first = max(first + length, 0)
    if last < 0:
        last = max(last + length, 0)
    first = min(first, length)
    last = max(min(last, length), first)
    part = view[first:last]
    return part if part.format == "B" and part.ndim == 1 else part.cast("B")


def bus_error(code: int) -> OSError:
    """An ``OSError`` with the errno a bus failure maps to (ENODEV for a missing I2C device)."""
    return OSError(code, os.strerror(code))


ENODEV = errno.ENODEV
EROFS = errno.EROFS

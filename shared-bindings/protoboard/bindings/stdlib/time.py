"""``time`` as CircuitPython has it.

The differences from CPython's: ``time()`` is a whole number of seconds and, with
``localtime()``, reads the board's real-time clock (``rtc``: the time source
``rtc.set_time_source`` chose), so setting ``rtc.RTC().datetime`` sets them; a board without
``rtc`` raises ``RuntimeError``. A board has no time zones: ``localtime(secs)`` and ``mktime``
convert without one (CPython's use the computer's zone). There is no ``strftime``,
``perf_counter`` or ``gmtime``: code that needs them does not run on a board either.
"""

from __future__ import annotations

from time import monotonic, monotonic_ns, sleep, struct_time
from typing import Any

from protoboard.bindings._timeutils import seconds_since_epoch, struct_time_fields, to_struct_time
from protoboard.bindings.rtc import _time_source_time

__all__ = ["localtime", "mktime", "monotonic", "monotonic_ns", "sleep", "struct_time", "time"]


def _now() -> struct_time:
    from protoboard.machine import current

    if "rtc" not in current().modules:
        raise RuntimeError("RTC is not supported on this board")
    return _time_source_time()


def time() -> int:
    """Return the current time in seconds since since Jan 1, 1970."""
    return seconds_since_epoch(tuple(_now()))


def localtime(secs: Any = None) -> struct_time:
    """Convert a time expressed in seconds since Jan 1, 1970 to a struct_time in local time.
    If secs is not provided or None, the current time from the RTC is used."""
    if secs is None:
        return _now()
    if isinstance(secs, float):
        secs = int(secs)
    if not isinstance(secs, int):
        raise TypeError(f"can't convert {type(secs).__name__} to int")
    return to_struct_time(secs)


def mktime(t: Any) -> int:
    """This is the inverse function of localtime(). Its argument is the struct_time or full
    9-tuple (since the dst flag is needed; use -1 as the dst flag if it is unknown) which
    expresses the time in local time, not UTC."""
    return seconds_since_epoch(struct_time_fields(t))

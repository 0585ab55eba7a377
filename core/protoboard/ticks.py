"""The board's millisecond clock (``supervisor.ticks_ms()``), shared by every module that
timestamps events (keypad now, supervisor with the runtime)."""

from __future__ import annotations

import time

#: supervisor.ticks_ms() wraps at 2**29 ms, as on a board.
TICKS_PERIOD = 1 << 29
#: CircuitPython starts ticks_ms 65.536 s before the wrap, so wrap bugs show up within a minute.
_TICKS_START = 0x1FFF0000
_BOOT_NS = time.monotonic_ns()


def ticks_ms() -> int:
    """Milliseconds from a monotonic clock, wrapping at 2**29, as ``supervisor.ticks_ms()``."""
    return ((time.monotonic_ns() - _BOOT_NS) // 1_000_000 + _TICKS_START) % TICKS_PERIOD

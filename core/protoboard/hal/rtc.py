"""Contract for ``rtc``: the board's real-time clock.

Time crosses this boundary as whole seconds since 1970-01-01 00:00:00 in the board's local time
(a board has no time zone); the binding turns them into ``time.struct_time``.
"""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class RTC(Implementation):
    """One per board. A port whose clock cannot be calibrated leaves :attr:`calibration_range`
    as None (the binding then raises CircuitPython's ``NotImplementedError``)."""

    #: the calibration values the hardware accepts, or None when it has no calibration
    calibration_range: tuple[int, int] | None = None

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def read(self) -> int:
        """Whole seconds since 1970-01-01 00:00:00, local time."""

    @abc.abstractmethod
    def write(self, seconds: int) -> None:
        """Set the clock; it keeps counting from ``seconds``."""

    def read_calibration(self) -> int:
        """The calibration in force (0 on a clock without calibration)."""
        return 0

    def write_calibration(self, value: int) -> None:
        """Set the calibration; ``value`` is within :attr:`calibration_range`. Only called when
        that range is not None."""

    def deinit(self) -> None:
        """The clock keeps running: nothing to release."""

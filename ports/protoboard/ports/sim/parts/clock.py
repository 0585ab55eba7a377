"""The simulated board's real-time clock, as a part you can read and set."""

from __future__ import annotations

import calendar
import datetime as _datetime
import threading
import time
from typing import Any

from protoboard.ports.sim.parts.base import Part

#: one calibration step changes the rate by this much (about 1 ppm, as on a SAMD51)
CALIBRATION_STEP = 1e-6


def host_local_seconds() -> int:
    """The host's local time as seconds since 1970 with no time zone, as a board keeps it."""
    return calendar.timegm(time.localtime())


class Clock(Part):
    """The board's real-time clock (what ``rtc.RTC`` and ``time.localtime()`` read). It starts
    at the host's local time and keeps counting.

    Set ``datetime`` to a ``time.struct_time``, a 6- to 9-tuple or a text such as
    ``"2024-05-29 15:14:15"``, or ``seconds`` (since 1970, local time). ``calibration`` is what
    the program set with ``rtc.RTC().calibration``; each step speeds the clock up by 1 ppm.
    """

    kind = "Clock"
    roles = ()

    def __init__(self, *, name: str | None = None, start: Any = None) -> None:
        super().__init__(name=name or "RTC")
        self._lock = threading.Lock()
        self._calibration = 0
        self._base: float = host_local_seconds()
        self._since = time.monotonic()
        if start is not None:
            self.datetime = start

    def _now(self) -> float:
        rate = 1.0 + self._calibration * CALIBRATION_STEP
        return self._base + (time.monotonic() - self._since) * rate

    @property
    def seconds(self) -> int:
        """Whole seconds since 1970-01-01 00:00:00, local time."""
        with self._lock:
            return int(self._now() // 1)

    @seconds.setter
    def seconds(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"seconds must be a whole number, not {value!r}")
        with self._lock:
            self._base = value
            self._since = time.monotonic()

    @property
    def datetime(self) -> time.struct_time:
        """The clock's date and time (weekday and day of the year worked out)."""
        return time.gmtime(self.seconds)

    @datetime.setter
    def datetime(self, value: Any) -> None:
        self.seconds = _seconds_of(value)

    @property
    def calibration(self) -> int:
        return self._calibration

    @calibration.setter
    def calibration(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"calibration must be a whole number, not {value!r}")
        with self._lock:
            self._base = self._now()  # the old rate up to now, the new one from here
            self._since = time.monotonic()
            self._calibration = value


def _seconds_of(value: Any) -> int:
    if isinstance(value, str):
        try:
            when = _datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"'{value}' is not a date and time; write it like 2024-05-29 15:14:15"
            ) from None
        return calendar.timegm(when.timetuple())
    if isinstance(value, _datetime.datetime):
        return calendar.timegm(value.timetuple())
    if isinstance(value, tuple | list) and 6 <= len(value) <= 9:
        fields = tuple(value[:6])
        if all(isinstance(f, int) and not isinstance(f, bool) for f in fields):
            return calendar.timegm((*fields, 0, 0, 0))
    raise TypeError(
        f"datetime must be a time.struct_time, a (year, month, day, hour, minute, second) "
        f"tuple or a text like '2024-05-29 15:14:15', not {value!r}"
    )

"""Real Time Clock

The `rtc` module provides support for a Real Time Clock. You can access and manage the
RTC using :class:`rtc.RTC`. It also backs the :func:`time.time` and :func:`time.localtime`
functions using the onboard RTC if present.

On the simulated board the clock starts at your computer's local time and keeps counting; a
program sets it as on a board (``rtc.RTC().datetime = ...``), and a test or ``protoboard sim``
sets it through the ``RTC`` part (its ``datetime`` or ``seconds``).
"""

from __future__ import annotations

import time
from typing import Any

from protoboard.bindings import _enum, _errors, _validate
from protoboard.bindings._timeutils import (
    SECONDS_PER_DAY,
    seconds_since_epoch,
    struct_time_fields,
    to_struct_time,
)
from protoboard.hal import rtc as hal


class _BoardClock:
    """What one machine keeps for ``rtc``: its clock implementation, the ``RTC`` singleton and
    the time source ``time.localtime()`` reads."""

    def __init__(self, impl: hal.RTC) -> None:
        self.impl = impl
        self.rtc: RTC | None = None
        self.source: Any = None

    def deinit(self) -> None:
        self.impl.deinit()


def _board_clock() -> _BoardClock:
    from protoboard.machine import current

    machine = current()
    clock = machine.singletons.get("rtc")
    if not isinstance(clock, _BoardClock):
        with _errors.translate():
            clock = _BoardClock(machine.create(hal.RTC))
        machine.singletons["rtc"] = clock
    return clock


class RTC:
    """Real Time Clock"""

    __slots__ = ("_clock",)

    _clock: _BoardClock

    def __new__(cls, *args: Any, **kwargs: Any) -> RTC:
        if kwargs:
            raise TypeError("function doesn't take keyword arguments")
        if args:
            raise TypeError(f"function takes 0 positional arguments but {len(args)} were given")
        clock = _board_clock()
        if clock.rtc is None:
            rtc = super().__new__(cls)
            rtc._clock = clock
            clock.rtc = rtc
        return clock.rtc

    def __init__(self) -> None:
        """This class represents the onboard Real Time Clock. It is a singleton and will always
        return the same instance."""

    @property
    def datetime(self) -> time.struct_time:
        """The current date and time of the RTC as a `time.struct_time`.

        This must be set to the current date and time whenever the board loses power::

          import rtc
          import time

          r = rtc.RTC()
          r.datetime = time.struct_time((2019, 5, 29, 15, 14, 15, 0, -1, -1))


        Once set, the RTC will automatically update this value as time passes. You can read this
        property to get a snapshot of the current time::

          current_time = r.datetime
          print(current_time)
          # struct_time(tm_year=2019, tm_month=5, ...)"""
        with _errors.translate():
            return to_struct_time(self._clock.impl.read())

    @datetime.setter
    def datetime(self, value: time.struct_time) -> None:
        seconds = seconds_since_epoch(struct_time_fields(value))
        with _errors.translate():
            self._clock.impl.write(seconds)

    @property
    def calibration(self) -> int:
        """The RTC calibration value as an `int`.

        A positive value speeds up the clock and a negative value slows it down.

        **Limitations:** Calibration not supported on SAMD, Nordic, RP2040, Spresense, and STM.

        Range and value is hardware specific, but one step is often approximately 1 ppm::

          import rtc
          import time

          r = rtc.RTC()
          r.calibration = 1

        The simulated board accepts -127 to 127, as a SAMD51 does; each step is 1 ppm."""
        with _errors.translate():
            return self._clock.impl.read_calibration()

    @calibration.setter
    def calibration(self, value: int) -> None:
        number = _validate.to_int(value, "calibration")
        impl = self._clock.impl
        limits = impl.calibration_range
        if limits is None:
            raise NotImplementedError("calibration")
        number = _validate.int_range(number, limits[0], limits[1], "calibration")
        with _errors.translate():
            impl.write_calibration(number)


def set_time_source(rtc: RTC) -> None:
    """Sets the RTC time source used by :func:`time.localtime`.
    The default is :class:`rtc.RTC`, but it's useful to use this to override the
    time source for testing purposes. For example::

      import rtc
      import time

      class RTC(object):
          @property
          def datetime(self):
              return time.struct_time((2018, 3, 17, 21, 1, 47, 0, 0, 0))

      r = RTC()
      rtc.set_time_source(r)"""
    _board_clock().source = rtc


def _time_source_time() -> time.struct_time:
    """What ``time.localtime()`` with no argument returns on a board with ``rtc``: the time
    source's ``datetime`` (the board's RTC unless :func:`set_time_source` chose another), with
    the weekday and day of the year worked out again, as CircuitPython does."""
    clock = _board_clock()
    source = clock.source if clock.source is not None else RTC()
    fields = struct_time_fields(source.datetime)
    days = seconds_since_epoch(fields) // SECONDS_PER_DAY
    again = to_struct_time(days * SECONDS_PER_DAY)
    return time.struct_time((*fields[:6], again.tm_wday, again.tm_yday, -1))


_enum.publish("rtc", RTC, set_time_source)

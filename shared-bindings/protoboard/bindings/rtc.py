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
from protoboard.hal import rtc as hal

_SECONDS_PER_DAY = 86_400
_WORD_MIN, _WORD_MAX = -(1 << 31), (1 << 31) - 1


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to the date (proleptic Gregorian); a month outside 1-12 carries
    into the year, as ``mktime`` does."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719_468
    era = days // 146_097
    day_of_era = days - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    mp = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return year_of_era + era * 400 + (month <= 2), month, day


def _struct_time(seconds: int) -> time.struct_time:
    """CircuitPython's ``struct_time`` for seconds since 1970 (weekday 0 is Monday; the day
    of the year counts from 1; ``tm_isdst`` is always -1)."""
    days, rest = divmod(seconds, _SECONDS_PER_DAY)
    year, month, day = _civil_from_days(days)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    yday = days - _days_from_civil(year, 1, 1) + 1
    wday = (days + 3) % 7  # 1970-01-01 was a Thursday
    return time.struct_time((year, month, day, hour, minute, second, wday, yday, -1))


def _word(value: Any) -> int:
    number = _validate.to_int(value, "")
    if not _WORD_MIN <= number <= _WORD_MAX:
        raise OverflowError("overflow converting long int to machine word")
    return number


def _fields(value: Any) -> tuple[int, ...]:
    """CircuitPython's ``struct_time_to_tm``: a tuple or ``struct_time`` of 9 ints."""
    if not isinstance(value, tuple):
        raise TypeError(f"value must be of type struct_time, not {_validate.type_name(value)}")
    if len(value) != 9:
        raise TypeError(f"function takes 9 positional arguments but {len(value)} were given")
    return tuple(_word(field) for field in value)


def _seconds(fields: tuple[int, ...]) -> int:
    year, month, day, hour, minute, second = fields[:6]
    days = _days_from_civil(year, month, day)
    return days * _SECONDS_PER_DAY + hour * 3600 + minute * 60 + second


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
            return _struct_time(self._clock.impl.read())

    @datetime.setter
    def datetime(self, value: time.struct_time) -> None:
        seconds = _seconds(_fields(value))
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
    fields = _fields(source.datetime)
    days = _seconds(fields) // _SECONDS_PER_DAY
    again = _struct_time(days * _SECONDS_PER_DAY)
    return time.struct_time((*fields[:6], again.tm_wday, again.tm_yday, -1))


_enum.publish("rtc", RTC, set_time_source)

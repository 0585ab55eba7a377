"""Time Alarm

On the simulated board the time is the computer's monotonic clock, the one
``time.monotonic()`` reads, so an alarm fires when the program's clock says so."""

from __future__ import annotations

import time as _host_time
from typing import Any

from protoboard.bindings import _enum, _validate
from protoboard.hal.alarm import WakeAlarm


class TimeAlarm:
    """Trigger an alarm when the specified time is reached."""

    __slots__ = ("_monotonic_time",)

    def __init__(
        self, *, monotonic_time: float | None = None, epoch_time: int | None = None
    ) -> None:
        """Create an alarm that will be triggered when `time.monotonic()` would equal
        ``monotonic_time``, or when `time.time()` would equal ``epoch_time``.
        Only one of the two arguments can be given.
        The alarm is not active until it is passed to an
        `alarm`-enabling function, such as `alarm.light_sleep_until_alarms()` or
        `alarm.exit_and_deep_sleep_until_alarms()`.

        If the given time is already in the past, then an exception is raised.
        If the sleep happens after the given time, then it will wake immediately
        due to this time alarm.

        Example::

          # Deep sleep for 30 seconds.
          time_alarm = alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 30)
          alarm.exit_and_deep_sleep_until_alarms(time_alarm)
        """
        if (monotonic_time is None) == (epoch_time is None):
            raise ValueError("Supply one of monotonic_time or epoch_time")
        now = _host_time.monotonic()
        if monotonic_time is not None:
            when = _validate.to_float(monotonic_time, "monotonic_time")
        else:
            from protoboard.bindings.stdlib.time import time as board_time

            seconds = _validate.to_int(epoch_time, "epoch_time")
            when = now + (seconds - board_time())
        if when < now:
            raise ValueError("Time is in the past.")
        self._monotonic_time = when

    @property
    def monotonic_time(self) -> float:
        """When this time is reached, the alarm will trigger, based on the `time.monotonic()`
        clock. The time may be given as ``epoch_time`` in the constructor, but it is returned by
        this property only as a `time.monotonic()` time.
        """
        return self._monotonic_time

    def _describe(self) -> WakeAlarm:
        return WakeAlarm("time", monotonic_time=self._monotonic_time)

    @classmethod
    def _from(cls, found: WakeAlarm) -> Any:
        alarm = object.__new__(cls)
        alarm._monotonic_time = found.monotonic_time
        return alarm


_enum.publish("alarm.time", TimeAlarm)

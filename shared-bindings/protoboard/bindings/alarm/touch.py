"""Trigger an alarm when touch is detected.

On the simulated board a ``TouchPad`` part on the pin is touched (its ``touched``)."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _validate
from protoboard.bindings.microcontroller import Pin
from protoboard.hal.alarm import WakeAlarm


class TouchAlarm:
    """Trigger an alarm when touch is detected."""

    __slots__ = ("_pin",)

    def __init__(self, pin: Pin) -> None:
        """Create an alarm that will be triggered when the given pin is touched.
        The alarm is not active until it is passed to an `alarm`-enabling function, such as
        `alarm.light_sleep_until_alarms()` or `alarm.exit_and_deep_sleep_until_alarms()`.

        :param microcontroller.Pin pin: The pin to monitor. On some ports, the choice of pin
          may be limited due to hardware restrictions, particularly for deep-sleep alarms.
        """
        _validate.free_pin(pin, "pin")
        self._pin = pin

    @property
    def pin(self) -> Pin:
        """The trigger pin."""
        return self._pin

    def _describe(self) -> WakeAlarm:
        return WakeAlarm("touch", pin=self._pin._id)

    @classmethod
    def _from(cls, found: WakeAlarm) -> Any:
        from protoboard.machine import current

        alarm = object.__new__(cls)
        alarm._pin = current().pins[found.pin]
        return alarm


_enum.publish("alarm.touch", TouchAlarm)

"""Trigger an alarm when a pin changes state.

On the simulated board the level is the pin's in the simulated world: a ``Button`` part
pressed, ``protoboard sim set BUTTON.pressed true``, or a test setting the pin."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _validate
from protoboard.bindings.microcontroller import Pin
from protoboard.hal.alarm import WakeAlarm


class PinAlarm:
    """Trigger an alarm when a pin changes state."""

    __slots__ = ("_edge", "_pin", "_pull", "_value")

    def __init__(self, pin: Pin, value: bool, edge: bool = False, pull: bool = False) -> None:
        """Create an alarm triggered by a `microcontroller.Pin` level. The alarm is not active
        until it is passed to an `alarm`-enabling function, such as
        `alarm.light_sleep_until_alarms()` or `alarm.exit_and_deep_sleep_until_alarms()`.

        :param microcontroller.Pin pin: The pin to monitor. On some ports, the choice of pin
          may be limited due to hardware restrictions, particularly for deep-sleep alarms.
        :param bool value: When active, trigger when the pin value is high (``True``) or low
          (``False``).
          On some ports, multiple `PinAlarm` objects may need to have coordinated values
          for deep-sleep alarms.
        :param bool edge: If ``True``, trigger only when there is a transition to the specified
          value of ``value``. If ``True``, if the alarm becomes active when the pin value already
          matches ``value``, the alarm is not triggered: the pin must transition from ``not value``
          to ``value`` to trigger the alarm. On some ports, edge-triggering may not be available,
          particularly for deep-sleep alarms.
        :param bool pull: Enable a pull-up or pull-down which pulls the pin to the level opposite
          that of ``value``. For instance, if ``value`` is set to ``True``, setting ``pull``
          to ``True`` will enable a pull-down, to hold the pin low normally until an outside signal
          pulls it high.
        """
        _validate.free_pin(pin, "pin")
        self._pin = pin
        self._value = bool(value)
        self._edge = bool(edge)
        self._pull = bool(pull)

    @property
    def pin(self) -> Pin:
        """The trigger pin."""
        return self._pin

    @property
    def value(self) -> bool:
        """The value on which to trigger."""
        return self._value

    def _describe(self) -> WakeAlarm:
        return WakeAlarm(
            "pin", pin=self._pin._id, value=self._value, edge=self._edge, pull=self._pull
        )

    @classmethod
    def _from(cls, found: WakeAlarm) -> Any:
        from protoboard.machine import current

        alarm = object.__new__(cls)
        alarm._pin = current().pins[found.pin]
        alarm._value, alarm._edge, alarm._pull = found.value, found.edge, found.pull
        return alarm


_enum.publish("alarm.pin", PinAlarm)

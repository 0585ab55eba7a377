"""Alarms and sleep

Provides alarms that trigger based on time intervals or on external events, such as pin
changes.
The program can simply wait for these alarms, or go to sleep and be awoken when they trigger.

There are two supported levels of sleep: light sleep and deep sleep.

Light sleep keeps sufficient state so the program can resume after sleeping.
It does not shut down WiFi, BLE, or other communications, or ongoing activities such
as audio playback. It reduces power consumption to the extent possible that leaves
these continuing activities running. In some cases there may be no decrease in power consumption.

Deep sleep shuts down power to nearly all of the microcontroller including the CPU and RAM.
This can save a more significant amount of power, but CircuitPython must restart ``code.py`` from
the beginning when awakened.

For more information about working with alarms and light/deep sleep in CircuitPython,
see `this Learn guide <https://learn.adafruit.com/deep-sleep-with-circuitpython>`_.

On the simulated board deep sleep is what a board does while a computer is connected to its
USB: the program ends, the console says ``Pretending to deep sleep until alarm, CTRL-C or file
write.``, and when an alarm fires ``code.py`` starts again as after a reset, with `wake_alarm`
set and `sleep_memory` kept. Time alarms use the ``time.monotonic()`` clock, pin alarms the
simulated world's pin levels, touch alarms the ``TouchPad`` parts.
"""

from __future__ import annotations

import sys
import time as _host_time
import weakref
from collections.abc import Sequence
from typing import Any

from protoboard.bindings import _enum, _errors, _validate
from protoboard.bindings.alarm import pin, time, touch
from protoboard.hal import alarm as hal
from protoboard.runtime import state
from protoboard.runtime.messages import StateChanged as _StateChanged

#: how often a sleep looks at pin and touch alarms
_POLL = 0.002
_KINDS: dict[str, Any] = {"time": time.TimeAlarm, "pin": pin.PinAlarm, "touch": touch.TouchAlarm}


class SleepMemory:
    """Store raw bytes in RAM that persists during deep sleep.
    The class acts as a ``bytearray``.
    If power is lost, the memory contents are lost.

    Note that this class can't be imported and used directly. The sole
    instance of :class:`SleepMemory` is available at
    :attr:`alarm.sleep_memory`.

    Usage::

       import alarm
       alarm.sleep_memory[0] = True
       alarm.sleep_memory[1] = 12
    """

    def __init__(self) -> None:
        """Not used. Access the sole instance through `alarm.sleep_memory`."""
        raise _validate.cannot_create("alarm.SleepMemory")

    def __bool__(self) -> bool:
        """``sleep_memory`` is ``True`` if its length is greater than zero.
        This is an easy way to check for its existence.
        """
        return hal.SLEEP_MEMORY_LENGTH > 0

    def __len__(self) -> int:
        """Return the length. This is used by (`len`)"""
        return hal.SLEEP_MEMORY_LENGTH

    def __getitem__(self, index: Any) -> Any:
        """Returns the value at the given index."""
        memory = _memory()
        if isinstance(index, slice):
            start, stop, step = index.indices(len(memory))
            if step != 1:
                raise NotImplementedError("only slices with step=1 (aka None) are supported")
            return bytearray(memory[start:stop])
        return memory[_index(index)]

    def __setitem__(self, index: Any, value: Any) -> None:
        """Set the value at the given index."""
        memory = _memory()
        if isinstance(index, slice):
            start, stop, step = index.indices(len(memory))
            if step != 1:
                raise NotImplementedError("only slices with step=1 (aka None) are supported")
            try:
                data = memoryview(value)
            except TypeError:
                raise NotImplementedError("array/bytes required on right side") from None
            if data.itemsize != 1:
                raise ValueError("Array values should be single bytes.")
            if data.nbytes != max(0, stop - start):
                raise ValueError("Slice and value different lengths.")
            memory[start:stop] = data.cast("B")
            return
        position = _index(index)
        memory[position] = _validate.int_range(value, 0, 255, "bytes")

    def __delitem__(self, index: Any) -> None:
        raise TypeError("'SleepMemory' object doesn't support item deletion")


def _index(index: Any) -> int:
    if not isinstance(index, int):
        raise TypeError(f"SleepMemory indices must be integers, not {_validate.type_name(index)}")
    position = index + hal.SLEEP_MEMORY_LENGTH if index < 0 else index
    if not 0 <= position < hal.SLEEP_MEMORY_LENGTH:
        raise IndexError("SleepMemory index out of range")
    return position


def _memory() -> bytearray:
    """The run's sleep memory, from what the last run left (zeros after power on)."""
    context = state.current
    memory = context.sleep_memory
    if not isinstance(memory, bytearray) or len(memory) != hal.SLEEP_MEMORY_LENGTH:
        # (bytes from the supervisor, or nothing yet: zeros, as after power on)
        memory = bytearray(
            bytes(memory)[: hal.SLEEP_MEMORY_LENGTH].ljust(hal.SLEEP_MEMORY_LENGTH, b"\0")
        )
        context.sleep_memory = memory
    return memory


def _save_sleep_memory() -> None:
    """Tell the supervisor what sleep memory holds, for the next run (the VM calls this when a
    program ends; a deep sleep does it first)."""
    memory = state.current.sleep_memory
    if isinstance(memory, bytearray):
        state.current.notify(_StateChanged({"sleep_memory": bytes(memory)}))


sleep_memory = object.__new__(SleepMemory)
"""Memory that persists during deep sleep.
This object is the sole instance of `alarm.SleepMemory`."""

wake_alarm: Any
"""The most recently triggered alarm. If CircuitPython was sleeping, the alarm that woke it from
sleep.
If no alarm occurred since the last hard reset or soft restart, value is ``None``.
"""

#: per machine (one per run): the alarm that ended the last light sleep
_light_wake: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _sleeper() -> hal.Sleeper:
    from protoboard.machine import current

    machine = current()
    found = machine.singletons.get("alarm")
    if not isinstance(found, hal.Sleeper):
        with _errors.translate():
            found = machine.create(hal.Sleeper)
        machine.singletons["alarm"] = found
    return found


def _describe_all(alarms: Sequence[Any]) -> tuple[hal.WakeAlarm, ...]:
    described = []
    for alarm in alarms:
        if not isinstance(alarm, (time.TimeAlarm, pin.PinAlarm, touch.TouchAlarm)):
            raise TypeError("Expected a kind of Alarm")
        described.append(alarm._describe())
    if sum(1 for d in described if d.kind == "time") > 1:
        raise ValueError("Only one alarm.time alarm can be set.")
    return tuple(described)


def _wait_for(alarms: Sequence[hal.WakeAlarm], sleeper: hal.Sleeper | None = None) -> int | None:
    """Sleep until one of ``alarms`` fires; its index (None: no alarms to wait for)."""
    if not alarms:
        return None
    sleeper = sleeper or _sleeper()
    start = {a.pin: sleeper.level(a.pin, a.pull, a.value) for a in alarms if a.kind == "pin"}
    watching = any(a.kind != "time" for a in alarms)
    while True:
        found = sleeper.fired(alarms, start)
        if found is not None:
            return found
        soonest = min((a.monotonic_time for a in alarms if a.kind == "time"), default=None)
        pause = _POLL if watching or soonest is None else soonest - _host_time.monotonic()
        _host_time.sleep(min(max(pause, 0.0), _POLL if watching else pause))


def light_sleep_until_alarms(*alarms: Any) -> Any:
    """Go into a light sleep until awakened one of the alarms. The alarm causing the wake-up
    is returned, and is also available as `alarm.wake_alarm`.

    If no alarms are specified, return immediately.

    **If CircuitPython is connected to a host computer, the connection will be maintained,
    and the microcontroller may not actually go into a light sleep.**
    This allows the user to interrupt an existing program with ctrl-C,
    and to edit the files in CIRCUITPY, which would not be possible in true light sleep.
    Thus, to use light sleep and save significant power,
    it may be necessary to disconnect from the host.
    """
    described = _describe_all(alarms)
    index = _wait_for(described)
    if index is None:
        return None
    from protoboard.machine import current

    _light_wake[current()] = alarms[index]
    return alarms[index]


def exit_and_deep_sleep_until_alarms(*alarms: Any, preserve_dios: Sequence[Any] = ()) -> None:
    """Exit the program and go into a deep sleep, until awakened by one of the alarms.
    This function does not return.

    When awakened, the microcontroller will restart and will run ``boot.py`` and ``code.py``
    from the beginning.

    After restart, an alarm *equivalent* to the one that caused the wake-up
    will be available as `alarm.wake_alarm`.
    Its type and/or attributes may not correspond exactly to the original alarm.
    For time-base alarms, currently, an `alarm.time.TimeAlarm()` is created.

    If no alarms are specified, the microcontroller will deep sleep until reset.

    :param circuitpython_typing.Alarm alarms: the alarms that can wake the microcontroller.
    :param Sequence[digitalio.DigitalInOut] preserve_dios: A sequence of `DigitalInOut` objects
      whose state should be preserved during deep sleep.
      If a `DigitalInOut` in the sequence is set to be an output,
      its current `DigitalInOut.value` (``True`` or ``False``)
      will be preserved during the deep sleep.
      If a `DigitalInOut` in the sequence is set to be an input,
      its current `DigitalInOut.pull` value (``DOWN``, ``UP``, or ``None``)
      will be preserved during deep sleep.

    Preserving `DigitalInOut` states during deep sleep can be used to ensure that
    external or on-board devices are powered or unpowered during sleep, among other purposes.

    On some microcontrollers, some pins cannot remain in their original state for hardware reasons.

    **Limitations:** ``preserve_dios`` is currently only available on Espressif.

    .. note::
        On Espressif chips, preserving pin settings during deep sleep may consume extra current.
        On ESP32, this was measured to be 250 uA or more.
        Consider not preserving pins unless you need to.
        Measure power consumption carefully both with no pins preserved and with the pins you
        might want to preserve to achieve the lowest consumption.

    **If CircuitPython is connected to a host computer via USB or BLE
    the first time a deep sleep is requested,
    the connection will be maintained and the system will not go into deep sleep.**
    This allows the user to interrupt an existing program with ctrl-C,
    and to edit the files in CIRCUITPY, which would not be possible in true deep sleep.

    If CircuitPython goes into a true deep sleep, and USB or BLE is reconnected,
    the next deep sleep will still be a true deep sleep. You must do a hard reset
    or power-cycle to exit a true deep sleep loop.

    Here is skeletal example::

        import alarm
        import time
        import board

        print("Waking up")

        # Create an alarm for 60 seconds from now, and also a pin alarm.
        time_alarm = alarm.time.TimeAlarm(monotonic_time=time.monotonic() + 60)
        pin_alarm = alarm.pin.PinAlarm(board.D7, False)

        # Deep sleep until one of the alarm goes off. Then restart the program.
        alarm.exit_and_deep_sleep_until_alarms(time_alarm, pin_alarm)
    """
    from protoboard.bindings.digitalio import DigitalInOut

    for dio in _validate.sequence(preserve_dios):
        _validate.of_type(dio, DigitalInOut, "alarm")
    described = _describe_all(alarms)
    _save_sleep_memory()
    raise state.DeepSleepRequest(described)


def _wake_alarm() -> Any:
    from protoboard.machine import current

    woke = _light_wake.get(current())
    if woke is not None:
        return woke
    found = state.current.wake_alarm
    if isinstance(found, hal.WakeAlarm):
        return _KINDS[found.kind]._from(found)
    return None


def __getattr__(name: str) -> Any:
    if name == "wake_alarm":
        return _wake_alarm()
    raise AttributeError(f"module 'alarm' has no attribute '{name}'")


def __dir__() -> list[str]:
    from protoboard.importer import public_names

    return public_names(sys.modules[__name__], ("pin", "time", "touch", "wake_alarm"))


_enum.publish("alarm", SleepMemory, light_sleep_until_alarms, exit_and_deep_sleep_until_alarms)

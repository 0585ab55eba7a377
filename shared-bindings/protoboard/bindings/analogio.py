"""Analog hardware support

The `analogio` module contains classes to provide access to analog IO typically implemented with
digital-to-analog (DAC) and analog-to-digital (ADC) converters.

All classes change hardware state and should be deinitialized when they are no longer needed if
the program continues after use. To do so, either call :py:meth:`!deinit` or use a context manager.

For example::

  import analogio
  from board import *

  pin = analogio.AnalogIn(A0)
  print(pin.value)
  pin.deinit()

This example will initialize the device, read :py:data:`~analogio.AnalogIn.value` and then
:py:meth:`~analogio.AnalogIn.deinit` the hardware. The last step is optional because
CircuitPython will do it automatically after the program finishes.
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _peripheral, _validate
from protoboard.hal import analogio as hal


class AnalogIn(_peripheral.Peripheral[hal.AnalogIn]):
    """Read analog voltage levels

    Usage::

       import analogio
       from board import *

       adc = analogio.AnalogIn(A1)
       val = adc.value"""

    __slots__ = ()

    def __init__(self, pin: Any) -> None:
        """Use the AnalogIn on the given pin. The reference voltage varies by
        platform so use ``reference_voltage`` to read the configured setting.

        :param ~microcontroller.Pin pin: the pin to read from"""
        _validate.pin(pin)
        self._claim(pin)
        self._build(hal.AnalogIn, pin._id)

    def deinit(self) -> None:
        """Turn off the AnalogIn and release the pin for other use."""
        super().deinit()

    def __enter__(self) -> AnalogIn:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    @property
    def value(self) -> int:
        """The value on the analog pin between 0 and 65535 inclusive (16-bit). (read-only)

        Even if the underlying analog to digital converter (ADC) is lower
        resolution, the value is 16-bit."""
        return self._checked().read()

    @property
    def reference_voltage(self) -> float | None:
        """The maximum voltage measurable (also known as the reference voltage) as a
        ``float`` in Volts.  Note the ADC value may not scale to the actual voltage linearly
        at ends of the analog range."""
        volts = self._checked().reference_voltage
        return volts if volts is not None and volts > 0 else None


class AnalogOut(_peripheral.Peripheral[hal.AnalogOut]):
    """Output analog values (a specific voltage).

    Example usage::

        import analogio
        from board import *

        dac = analogio.AnalogOut(A0)          # output on pin A0
        dac.value = 32768                     # makes A0 1.65V"""

    __slots__ = ()

    def __init__(self, pin: Any) -> None:
        """Use the AnalogOut on the given pin.

        :param ~microcontroller.Pin pin: the pin to output to"""
        _validate.pin(pin)
        self._claim(pin)
        self._build(hal.AnalogOut, pin._id)

    def deinit(self) -> None:
        """Turn off the AnalogOut and release the pin for other use."""
        super().deinit()

    def __enter__(self) -> AnalogOut:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    @property
    def value(self) -> int:
        """The value on the analog pin between 0 and 65535 inclusive (16-bit). (write-only)

        Even if the underlying digital to analog converter (DAC) is lower
        resolution, the value is 16-bit."""
        raise AttributeError("unreadable attribute")

    @value.setter
    def value(self, value: int) -> None:
        impl = self._checked()
        impl.write(_validate.int_range(value, 0, 65535, "value"))


_enum.publish("analogio", AnalogIn, AnalogOut)

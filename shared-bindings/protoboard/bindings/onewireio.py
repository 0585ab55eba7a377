"""Low-level bit primitives for Maxim (formerly Dallas Semi) one-wire protocol.

Protocol definition is here: https://www.analog.com/en/technical-articles/1wire-communication-through-software.html

On the simulated board, 1-Wire parts such as ``DS18B20`` wired to the pin answer the slots
(several can share one pin, each with its own ROM code); ``adafruit_onewire`` and
``adafruit_ds18x20`` run on top unchanged.
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _errors, _peripheral, _validate
from protoboard.hal import onewireio as hal


class OneWire(_peripheral.Peripheral[hal.OneWire]):
    """Lowest-level of the Maxim OneWire protocol"""

    __slots__ = ()

    def __init__(self, pin: Any) -> None:
        """Create a OneWire object associated with the given pin.

        The object implements the lowest level timing-sensitive bits of the protocol.

        :param ~microcontroller.Pin pin: Pin connected to the OneWire bus

        Read a short series of pulses::

          import onewireio
          import board

          onewire = onewireio.OneWire(board.D7)
          onewire.reset()
          onewire.write_bit(True)
          onewire.write_bit(False)
          print(onewire.read_bit())"""
        _validate.free_pin(pin, "pin")
        self._claim(pin)
        self._build(hal.OneWire, pin._id)

    def deinit(self) -> None:
        """Deinitialize the OneWire bus and release any hardware resources for reuse."""
        super().deinit()

    def __enter__(self) -> OneWire:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    def reset(self) -> bool:
        """Reset the OneWire bus and read presence

        :returns: False when at least one device is present
        :rtype: bool"""
        impl = self._checked()
        with _errors.translate():
            return not impl.reset()

    def read_bit(self) -> bool:
        """Read in a bit

        :returns: bit state read
        :rtype: bool"""
        impl = self._checked()
        with _errors.translate():
            return impl.read_bit()

    def write_bit(self, value: bool) -> None:
        """Write out a bit based on value."""
        impl = self._checked()
        with _errors.translate():
            impl.write_bit(bool(value))


_enum.publish("onewireio", OneWire)

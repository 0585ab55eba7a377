"""``i2cdisplaybus``: a display bus over I2C (SSD1306, SH1107 and similar OLED controllers)."""

from __future__ import annotations

import time
from typing import Any

from protoboard.bindings import _validate
from protoboard.displaycore import registry
from protoboard.displaycore.bus_core import ByteType, ChipSelect


class I2CDisplayBus:
    """Manage updating a display over I2C in the background while Python code runs.
    It doesn't handle display initialization."""

    def __init__(self, i2c_bus: Any, *, device_address: int, reset: Any = None) -> None:
        """Create a I2CDisplayBus object associated with the given I2C bus and reset pin.

        The I2C bus and pins are then in use by the display until `displayio.release_displays()`
        is called even after a reload. So, the first time you initialize a display bus in
        code.py you should call :py:func:`displayio.release_displays` first, otherwise it will
        error after the first code.py run.

        :param busio.I2C i2c_bus: The I2C bus that make up the clock and data lines
        :param int device_address: The I2C address of the device
        :param microcontroller.Pin reset: Reset pin. When None only software reset can be used"""
        from protoboard.bindings.busio import I2C
        from protoboard.bindings.digitalio import DigitalInOut

        reset_pin = _validate.optional_pin(reset, "reset")
        if reset_pin is not None:
            _validate.free_pin(reset_pin, "reset")
        self._i2c = _validate.of_type(i2c_bus, I2C, "i2c_bus")
        self._address = _validate.to_int(device_address, "device_address")
        self._reset: Any = None
        if reset_pin is not None:
            self._reset = DigitalInOut(reset_pin)
            self._reset.switch_to_output(value=True)
            self._pulse_reset()
        while not self._i2c.try_lock():
            pass
        try:
            found = self._i2c.probe(self._address)
        finally:
            self._i2c.unlock()
        if not found:
            self._deinit()
            raise ValueError(f"Unable to find I2C Display at {self._address:x}")
        registry.register(self)

    def _pulse_reset(self) -> None:
        self._reset.value = False
        time.sleep(0.000004)
        self._reset.value = True

    def reset(self) -> None:
        """Performs a hardware reset via the reset pin. Raises an exception if called when no
        reset pin is available."""
        if self._reset is None:
            raise RuntimeError("No reset pin")
        self._pulse_reset()

    def send(self, command: int, data: Any) -> None:
        """Sends the given command value followed by the full set of data. Display state, such
        as vertical scroll, set via ``send`` may or may not be reset once the code is done."""
        command = _validate.int_range(command, 0, 255, "command")
        payload = bytes(memoryview(data).cast("B"))
        while not self._begin_transaction():
            pass
        try:
            self._send(ByteType.COMMAND, ChipSelect.UNTOUCHED, bytes([command]))
            self._send(ByteType.DATA, ChipSelect.UNTOUCHED, payload)
        finally:
            self._end_transaction()

    # -- the display bus protocol (protoboard.displaycore.bus_core.DisplayBus) ----------------

    def _bus_free(self) -> bool:
        if not self._i2c.try_lock():
            return False
        self._i2c.unlock()
        return True

    def _begin_transaction(self) -> bool:
        return bool(self._i2c.try_lock())

    def _send(self, byte_type: ByteType, chip_select: ChipSelect, data: bytes) -> None:
        # Each command byte goes with a control byte 0x80 (Co=1, D/C#=0); data follows 0x40.
        if byte_type is ByteType.COMMAND:
            framed = b"".join(bytes((0x80, byte)) for byte in data)
        else:
            framed = b"\x40" + data
        self._i2c.writeto(self._address, framed)

    def _end_transaction(self) -> None:
        self._i2c.unlock()

    def _bus_reset(self) -> bool:
        if self._reset is None:
            return False
        self._pulse_reset()
        return True

    def _release(self) -> None:
        """``displayio.release_displays()``: free the pins (the bus object stays the program's)."""
        registry.unregister(self)
        self._deinit()

    def _deinit(self) -> None:
        if self._reset is not None:
            self._reset.deinit()
            self._reset = None


__all__ = ["I2CDisplayBus"]

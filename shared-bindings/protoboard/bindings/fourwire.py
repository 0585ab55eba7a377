"""``fourwire``: a display bus over SPI with a data/command pin, chip select and reset."""

from __future__ import annotations

import time
from typing import Any

from protoboard.bindings import _validate
from protoboard.bindings._displaypins import ControlPin, control_pin
from protoboard.displaycore import registry
from protoboard.displaycore.bus_core import ByteType, ChipSelect


class FourWire:
    """Manage updating a display over SPI four wire protocol in the background while Python code
    runs. It doesn't handle display initialization.

    .. seealso:: See `busdisplay.BusDisplay` and `epaperdisplay.EPaperDisplay`
        for how to initialize a display, given a `FourWire` bus."""

    def __init__(
        self,
        spi_bus: Any,
        *,
        command: Any = None,
        chip_select: Any = None,
        reset: Any = None,
        baudrate: int = 24000000,
        polarity: int = 0,
        phase: int = 0,
    ) -> None:
        """Create a FourWire object associated with the given pins.

        The SPI bus and pins are then in use by the display until `displayio.release_displays()`
        is called even after a reload. So, the first time you initialize a display bus in
        code.py you should call :py:func:`displayio.release_displays` first, otherwise it will
        error after the first code.py run.

        If the ``command`` pin is not specified, a 9-bit SPI mode will be simulated by adding a
        data/command bit to every bit being transmitted, and splitting the resulting data back
        into 8-bit bytes for transmission. The extra bits that this creates at the end are
        ignored by the receiving device.

        :param busio.SPI spi_bus: The SPI bus that make up the clock and data lines
        :param microcontroller.Pin command: Data or command pin. When None, 9-bit SPI is
            simulated.
        :param microcontroller.Pin chip_select: Chip select pin
        :param microcontroller.Pin reset: Reset pin. When None only software reset can be used
        :param int baudrate: Maximum baudrate in Hz for the display on the bus
        :param int polarity: the base state of the clock line (0 or 1)
        :param int phase: the edge of the clock that data is captured. First (0)
            or second (1). Rising or falling depends on clock polarity."""
        from protoboard.bindings.busio import SPI

        self._spi = _validate.of_type(spi_bus, SPI, "spi_bus")
        self._baudrate = _validate.to_int(baudrate, "baudrate")
        self._polarity = _validate.int_range(polarity, 0, 1, "polarity")
        self._phase = _validate.int_range(phase, 0, 1, "phase")
        self._command: ControlPin | None = None
        self._chip_select: ControlPin | None = None
        self._reset: ControlPin | None = None
        self._command = control_pin(command, "command")
        self._reset = control_pin(reset, "reset")
        if self._reset is not None:
            self._pulse_reset()
        self._chip_select = control_pin(chip_select, "chip_select")
        registry.register(self)

    def _pulse_reset(self) -> None:
        assert self._reset is not None
        self._reset.set(False)
        time.sleep(0.001)
        self._reset.set(True)
        time.sleep(0.001)

    def reset(self) -> None:
        """Performs a hardware reset via the reset pin. Raises an exception if called when no
        reset pin is available."""
        if self._reset is None:
            raise RuntimeError("No reset pin")
        self._pulse_reset()

    def send(self, command: int, data: Any, *, toggle_every_byte: bool = False) -> None:
        """Sends the given command value followed by the full set of data. Display state, such
        as vertical scroll, set via ``send`` may or may not be reset once the code is done."""
        command = _validate.int_range(command, 0, 255, "command")
        payload = bytes(memoryview(data).cast("B"))
        while not self._begin_transaction():
            pass  # a refresh holds the bus: wait for it, as CircuitPython runs background tasks
        try:
            chip_select = (
                ChipSelect.TOGGLE_EVERY_BYTE if toggle_every_byte else ChipSelect.UNTOUCHED
            )
            self._send(ByteType.COMMAND, chip_select, bytes([command]))
            self._send(ByteType.DATA, chip_select, payload)
        finally:
            self._end_transaction()

    # -- the display bus protocol (protoboard.displaycore.bus_core.DisplayBus) ----------------

    def _bus_free(self) -> bool:
        if not self._spi.try_lock():
            return False
        self._spi.unlock()
        return True

    def _begin_transaction(self) -> bool:
        if not self._spi.try_lock():
            return False
        self._spi.configure(
            baudrate=self._baudrate, polarity=self._polarity, phase=self._phase, bits=8
        )
        if self._chip_select is not None:
            self._chip_select.set(False)
        return True

    def _send(self, byte_type: ByteType, chip_select: ChipSelect, data: bytes) -> None:
        if not data:
            return
        is_data = byte_type is ByteType.DATA
        if self._command is None:
            self._send_nine_bit(is_data, data)
            return
        self._command.set(is_data)
        if chip_select is ChipSelect.TOGGLE_EVERY_BYTE and self._chip_select is not None:
            for byte in data:
                self._spi.write(bytes([byte]))
                self._chip_select.set(True)
                self._chip_select.set(False)
        else:
            self._spi.write(data)

    def _send_nine_bit(self, is_data: bool, data: bytes) -> None:
        """Each byte goes out with its D/C bit in front: 9 bits a byte, packed into bytes."""
        bits = 0
        for byte in data:
            bits = (bits << 9) | (int(is_data) << 8) | byte
        total = 9 * len(data)
        pad = -total % 8
        packed = (bits << pad).to_bytes((total + pad) // 8, "big")
        self._spi.write(packed)
        if pad and self._chip_select is not None:
            # The extra bits end the transfer: chip select rises to drop them.
            self._chip_select.set(True)
            self._chip_select.set(False)

    def _end_transaction(self) -> None:
        if self._chip_select is not None:
            self._chip_select.set(True)
        self._spi.unlock()

    def _bus_reset(self) -> bool:
        """The reset a display does before each e-paper refresh (False without a pin)."""
        if self._reset is None:
            return False
        self._pulse_reset()
        return True

    def _release(self) -> None:
        """``displayio.release_displays()``: free the pins (the bus object stays the program's)."""
        registry.unregister(self)
        self._deinit()

    def _deinit(self) -> None:
        for pin in (self._command, self._chip_select, self._reset):
            if pin is not None:
                pin.release()


__all__ = ["FourWire"]

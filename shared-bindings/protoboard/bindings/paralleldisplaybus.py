"""``paralleldisplaybus``: a display bus over 8 parallel data lines (the PyPortal's screen)."""

from __future__ import annotations

import re
import time
from typing import Any

from protoboard.bindings import _peripheral, _validate
from protoboard.displaycore import registry
from protoboard.displaycore.bus_core import ByteType, ChipSelect
from protoboard.hal import paralleldisplaybus as hal


def _following_pins(data0: Any) -> list[Any]:
    """data0 and the 7 pins after it in the chip's numbering (PA16 -> PA17...PA23)."""
    from protoboard.machine import current

    found = re.fullmatch(r"(.*?)(\d+)", data0._id)
    if found is None:
        raise ValueError("Data 0 pin must be byte aligned")
    prefix, number = found.group(1), int(found.group(2))
    pins = current().pins
    chosen = [data0]
    for index in range(number + 1, number + 8):
        pin = pins.get(f"{prefix}{index}") or pins.get(f"{prefix}{index:02d}")
        if pin is not None:
            chosen.append(pin)
    return chosen


class ParallelBus(_peripheral.Peripheral[hal.ParallelBus]):
    """Manage updating a display over 8-bit parallel bus in the background while Python code
    runs. This protocol may be referred to as 8080-I Series Parallel Interface in datasheets. It
    doesn't handle display initialization."""

    def __init__(
        self,
        *,
        data0: Any = None,
        data_pins: Any = None,
        command: Any,
        chip_select: Any,
        write: Any,
        read: Any,
        reset: Any = None,
        frequency: int = 30_000_000,
    ) -> None:
        """Create a ParallelBus object associated with the given pins. The bus is inferred from
        data0 by implying the next 7 additional pins on a given GPIO port.

        The parallel bus and pins are then in use by the display until
        `displayio.release_displays()` is called even after a reload. So, the first time you
        initialize a display bus in code.py you should call
        :py:func:`displayio.release_displays` first, otherwise it will error after the first
        code.py run.

        :param microcontroller.Pin data0: The first data pin. The rest are implied
        :param microcontroller.Pin command: Data or command pin
        :param microcontroller.Pin chip_select: Chip select pin
        :param microcontroller.Pin write: Write pin
        :param microcontroller.Pin read: Read pin (None when the display has none wired)
        :param microcontroller.Pin reset: Reset pin, optional
        :param int frequency: The communication frequency in Hz for the display on the bus"""
        from protoboard.bindings.digitalio import DigitalInOut

        command = _validate.free_pin(command, "command")
        chip_select = _validate.free_pin(chip_select, "chip_select")
        write = _validate.free_pin(write, "write")
        if read is not None:
            read = _validate.free_pin(read, "read")
        if reset is not None:
            reset = _validate.free_pin(reset, "reset")
        if (data0 is None) == (data_pins is None):
            raise ValueError("Specify exactly one of data0 or data_pins")
        frequency = _validate.int_at_least(frequency, 1, "frequency")
        if data0 is not None:
            data = _following_pins(_validate.free_pin(data0, "data0"))
        else:
            data = list(_validate.pin_sequence(data_pins, "data_pins"))
            for pin in data:
                _validate.free_pin(pin, "data_pins")
        self._outputs: list[Any] = []
        self._claim(write, *data)
        self._build(hal.ParallelBus, tuple(p._id for p in data), write._id, frequency)
        self._command = self._output(DigitalInOut, command)
        self._chip_select = self._output(DigitalInOut, chip_select)
        self._read = self._output(DigitalInOut, read) if read is not None else None
        self._reset = self._output(DigitalInOut, reset) if reset is not None else None
        if self._reset is not None:
            self.reset()
        registry.register(self)

    def _output(self, cls: type, pin: Any) -> Any:
        io = cls(pin)
        io.switch_to_output(value=True)
        self._outputs.append(io)
        return io

    def reset(self) -> None:
        """Performs a hardware reset via the reset pin. Raises an exception if called when no
        reset pin is available."""
        if self._reset is None:
            raise RuntimeError("No reset pin")
        self._reset.value = False
        time.sleep(0.000004)
        self._reset.value = True

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
        return self._impl is not None

    def _begin_transaction(self) -> bool:
        if self._impl is None:
            return False
        self._chip_select.value = False
        return True

    def _send(self, byte_type: ByteType, chip_select: ChipSelect, data: bytes) -> None:
        if not data:
            return
        self._command.value = byte_type is ByteType.DATA
        impl = self._checked()
        if chip_select is ChipSelect.TOGGLE_EVERY_BYTE:
            for byte in data:
                impl.write(bytes([byte]))
                self._chip_select.value = True
                self._chip_select.value = False
        else:
            impl.write(data)

    def _end_transaction(self) -> None:
        self._chip_select.value = True

    def _bus_reset(self) -> bool:
        if self._reset is None:
            return False
        self.reset()
        return True

    def _release(self) -> None:
        registry.unregister(self)
        for io in self._outputs:
            io.deinit()
        self._outputs.clear()
        super().deinit()


__all__ = ["ParallelBus"]

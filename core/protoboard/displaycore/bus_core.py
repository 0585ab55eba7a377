"""What a display (BusDisplay, EPaperDisplay) needs from its bus, and the bus side of a refresh:
CircuitPython's ``bus_core.c`` in Python.

A display bus (``fourwire.FourWire``, ``i2cdisplaybus.I2CDisplayBus``,
``paralleldisplaybus.ParallelBus``) offers :class:`DisplayBus`'s four methods. :class:`BusCore`
uses them to set the window a block of pixels goes to: the column and row commands with
``colstart``/``rowstart`` added, single-byte or two-byte bounds, little-endian addresses for
some e-paper chips, the SH1107's page/column addressing, and the "data as commands" buses that
send every byte as a command.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

NO_COMMAND = 0x100


class ByteType(Enum):
    """What the D/C line says about the bytes."""

    COMMAND = 0
    DATA = 1


class ChipSelect(Enum):
    """Whether chip select rises after every byte (some chips end a command on it)."""

    UNTOUCHED = 0
    TOGGLE_EVERY_BYTE = 1


class DisplayBus(Protocol):
    """The bus methods a display calls (each bus binding implements them)."""

    def _begin_transaction(self) -> bool: ...

    def _send(self, byte_type: ByteType, chip_select: ChipSelect, data: bytes) -> None: ...

    def _end_transaction(self) -> None: ...

    def _bus_free(self) -> bool: ...


@dataclass
class Region:
    """A block of the display, ``x2``/``y2`` exclusive (CircuitPython's ``displayio_area_t``)."""

    x1: int
    y1: int
    x2: int
    y2: int


@dataclass
class PixelFormat:
    """The colour-space facts the addressing needs."""

    depth: int = 16
    pixels_in_byte_share_row: bool = True
    bytes_per_cell: int = 1


@dataclass
class BusCore:
    """A display's view of its bus: the addressing commands and how to send them."""

    bus: DisplayBus
    ram_width: int
    ram_height: int
    colstart: int = 0
    rowstart: int = 0
    column_command: int = 0x2A
    row_command: int = 0x2B
    set_current_column_command: int = NO_COMMAND
    set_current_row_command: int = NO_COMMAND
    data_as_commands: bool = False
    always_toggle_chip_select: bool = False
    sh1107_addressing: bool = False
    address_little_endian: bool = False

    def begin(self) -> bool:
        return self.bus._begin_transaction()

    def end(self) -> None:
        self.bus._end_transaction()

    def send(self, byte_type: ByteType, chip_select: ChipSelect, data: bytes) -> None:
        if data:
            self.bus._send(byte_type, chip_select, data)

    def is_free(self) -> bool:
        return self.bus._bus_free()

    def _bounds(self, start: int, end: int, ram_size: int) -> list[int]:
        if ram_size < 0x100:  # one byte per bound
            return [start & 0xFF, end & 0xFF]
        if self.address_little_endian:
            return [start & 0xFF, (start >> 8) & 0xFF, end & 0xFF, (end >> 8) & 0xFF]
        return [(start >> 8) & 0xFF, start & 0xFF, (end >> 8) & 0xFF, end & 0xFF]

    def set_region(self, region: Region, pixels: PixelFormat) -> None:
        """Send the commands that make the next pixel bytes land in ``region``."""
        x1, x2 = region.x1 + self.colstart, region.x2 + self.colstart
        y1, y2 = region.y1 + self.rowstart, region.y2 + self.rowstart
        if pixels.depth < 8:  # several pixels share a byte: address bytes, not pixels
            per_byte = 8 // pixels.depth * pixels.bytes_per_cell
            if pixels.pixels_in_byte_share_row:
                x1, x2 = x1 // per_byte, x2 // per_byte
            else:
                y1, y2 = y1 // per_byte, y2 // per_byte
        x2 -= 1
        y2 -= 1
        toggle = self.always_toggle_chip_select or self.data_as_commands
        chip_select = ChipSelect.TOGGLE_EVERY_BYTE if toggle else ChipSelect.UNTOUCHED
        columns = self._bounds(x1, x2, self.ram_width)
        if self.sh1107_addressing:
            columns = [0x10 | ((x1 >> 4) & 0x0F), x1 & 0x0F]
        self._address(self.column_command, columns, chip_select)
        if self.set_current_column_command != NO_COMMAND:
            self._current(self.set_current_column_command, columns, chip_select)
        rows = self._bounds(y1, y2, self.ram_height)
        if self.sh1107_addressing:
            rows = [0xB0 | (y1 & 0xFF)]
        self._address(self.row_command, rows, chip_select)
        if self.set_current_row_command != NO_COMMAND:
            self._current(self.set_current_row_command, rows, chip_select)

    def _address(self, command: int, bounds: list[int], chip_select: ChipSelect) -> None:
        if not self.begin():
            return
        if self.sh1107_addressing:
            # The SH1107's column and page commands carry their value in the opcode.
            self.send(ByteType.COMMAND, chip_select, bytes(bounds))
        elif self.data_as_commands:
            self.send(ByteType.COMMAND, chip_select, bytes([command, *bounds]))
        else:
            self.send(ByteType.COMMAND, ChipSelect.UNTOUCHED, bytes([command]))
            self.send(ByteType.DATA, chip_select, bytes(bounds))
        self.end()

    def _current(self, command: int, bounds: list[int], chip_select: ChipSelect) -> None:
        """The e-paper "current address" commands take the first bound only."""
        if not self.begin():
            return
        self.send(ByteType.COMMAND, chip_select, bytes([command]))
        self.send(ByteType.DATA, chip_select, bytes(bounds[: len(bounds) // 2]))
        self.end()

"""What the page-addressed monochrome OLED controllers share (Solomon Systech SSD1306, Sino
Wealth SH1107): the display RAM in pages of 128 column bytes, each byte 8 pixels of one column
(bit 0 first), the RAM pointer's page-mode commands and the switches both chips decode the same
way. The chips differ in how many pages they have, their addressing modes and how the RAM
reaches the glass (see :mod:`.ssd1306` and :mod:`.sh1107`)."""

from __future__ import annotations

from typing import ClassVar

COLUMNS = 128


class PagedRAM:
    """The RAM, its pointer and the shared switches; a controller sets ``pages`` and the last
    of its "higher column address" commands (0x10 up to ``last_high_column``)."""

    pages: ClassVar[int]
    last_high_column: ClassVar[int]

    def _setup_ram(self) -> None:
        #: the display RAM: ``pages`` pages of 128 column bytes (bit 0 = the page's first pixel)
        self.ram = bytearray(COLUMNS * self.pages)
        #: how many data bytes the program has written to the RAM
        self.data_bytes = 0

    def _reset_paged(self) -> None:
        """The power-on state of what both chips share (the RAM is kept, as on the chip)."""
        self.display_on = False
        self.inverted = False
        self.entire_on = False
        self.column = 0
        self.page = 0
        self.segment_remap = False
        self.start_line = 0
        self.display_offset = 0

    def _paged_command(self, op: int) -> bool:
        """Run a command both chips share; False if ``op`` is not one."""
        if op <= 0x0F:
            self.column = (self.column & 0x70) | op
        elif 0x10 <= op <= self.last_high_column:
            self.column = ((op & 0x07) << 4) | (self.column & 0x0F)
        elif 0xB0 <= op < 0xB0 + self.pages:
            self.page = op & 0x0F
        elif op in (0xA0, 0xA1):
            self.segment_remap = op == 0xA1
        elif op in (0xA4, 0xA5):
            self.entire_on = op == 0xA5
        elif op in (0xA6, 0xA7):
            self.inverted = op == 0xA7
        elif op in (0xAE, 0xAF):
            self.display_on = op == 0xAF
        else:
            return False
        return True

    def _store(self, byte: int) -> None:
        """One data byte at the pointer (the caller moves the pointer)."""
        self.ram[self.page * COLUMNS + self.column] = byte
        self.data_bytes += 1

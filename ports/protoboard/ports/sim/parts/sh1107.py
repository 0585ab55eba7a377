"""Sino Wealth SH1107 monochrome OLED controller with its panel (128 x 64 FeatherWing, 128 x 128
breakouts), on I2C (:class:`SH1107`) or 4-wire SPI (:class:`SH1107SPI`, with a D/C pin: the
128 x 128 OLED breakouts' SPI wiring).

The controller keeps 128 x 128 pixels of RAM: 16 pages of 128 column bytes, each byte 8 pixels
of one column (bit 0 first). Unlike the SSD1306, the column address runs along the COM lines
(the panel's rows here) and the page bits along the segments: a panel with fewer COM lines
(``height`` 64) uses the middle ones, and the display offset (0xD3) picks which RAM columns
they show. On I2C each write starts with a control byte as on the SSD1306 (``0x80``: one
command byte follows, ``0x00``: commands, ``0x40``: display data); on SPI the ``dc`` pin tells
commands (low) from display data (high).

Decoded: column address (0x00-0x0F low, 0x10-0x17 high), page address (0xB0-0xBF), page or
vertical addressing (0x20/0x21), contrast (0x81), segment remap (0xA0/0xA1), entire display on
(0xA4/0xA5), invert (0xA6/0xA7), multiplex ratio (0xA8), display offset (0xD3), start line
(0xDC), display off/on (0xAE/0xAF), COM scan direction (0xC0-0xCF) and the clock, pre-charge,
VCOM and DC-DC commands (recorded). Others are logged and counted, never a crash.
"""

from __future__ import annotations

from protoboard.ports.sim.parts.oled import COLUMNS, PagedRAM
from protoboard.ports.sim.parts.panel import (
    ControlByteI2C,
    DataCommandSPI,
    DisplayPanel,
    rotate_rgb,
)

PAGES = 16
#: commands followed by one parameter byte
_ONE_PARAMETER = frozenset({0x81, 0xA8, 0xAD, 0xD3, 0xD5, 0xD9, 0xDB, 0xDC})
_LIT, _DARK = b"\xff\xff\xff", b"\x00\x00\x00"


class _SH1107Controller(PagedRAM, DisplayPanel):
    """The command decoder, RAM and panel, shared by both interfaces."""

    kind = "SH1107"
    pages = PAGES
    last_high_column = 0x17

    def _setup(self, width: int, height: int, rotation: int) -> None:
        if width != COLUMNS or height not in (64, 96, 128):
            raise ValueError(f"an SH1107 panel is 128 x 64, 96 or 128, not {width} x {height}")
        if rotation not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation}")
        self.glass_size = (width, height)
        self.rotation = rotation
        self.width, self.height = (height, width) if rotation % 180 else (width, height)
        self._setup_ram()
        self._setup_log()
        self._pending: int | None = None
        self.reset()

    def reset(self) -> None:
        """The power-on state (the RAM is kept)."""
        self._reset_paged()
        self.contrast = 0x80
        self.vertical = False
        self.com_reversed = False
        self.multiplex = 128
        self._pending = None

    # -- commands and data ---------------------------------------------------------------------

    def write_command(self, byte: int) -> None:
        if self._pending is not None:
            opcode, self._pending = self._pending, None
            self.commands.append((opcode, bytes([byte])))
            self._parameter(opcode, byte)
            return
        if byte in _ONE_PARAMETER:
            self._pending = byte
            return
        self.commands.append((byte, b""))
        if self._paged_command(byte):
            return
        if byte in (0x20, 0x21):
            self.vertical = byte == 0x21
        elif 0xC0 <= byte <= 0xCF:
            self.com_reversed = bool(byte & 0x08)
        elif byte != 0xE3:  # NOP
            self._unknown(byte, b"")

    def _parameter(self, opcode: int, value: int) -> None:
        if opcode == 0x81:
            self.contrast = value
        elif opcode == 0xA8:
            self.multiplex = (value & 0x7F) + 1
        elif opcode == 0xD3:
            self.display_offset = value & 0x7F
        elif opcode == 0xDC:
            self.start_line = value & 0x7F
        # 0xAD (DC-DC), 0xD5 (clock), 0xD9 (pre-charge), 0xDB (VCOM) tune the analog side

    def write_data(self, data: bytes) -> None:
        for byte in data:
            self._store(byte)
            if self.vertical:
                self.page = (self.page + 1) % PAGES
            else:
                self.column = (self.column + 1) % COLUMNS

    # -- the picture ---------------------------------------------------------------------------

    @property
    def lit(self) -> bool:
        return self.display_on

    def render(self) -> bytes:
        glass_w, glass_h = self.glass_size
        if not self.display_on:
            return _DARK * (self.width * self.height)
        if self.entire_on:
            return _LIT * (self.width * self.height)
        lines = min(self.multiplex, glass_h)
        first_com = (COLUMNS - lines) // 2  # a shorter panel uses the middle COM lines
        out = []
        for y in range(glass_h):
            if y >= lines:
                out.append(_DARK * glass_w)
                continue
            # The glass's top row is wired to the last COM line (as on the SSD1306 modules):
            # the usual scan direction (0xC0) draws the program's rows top-down.
            com = first_com + (y if self.com_reversed else lines - 1 - y)
            column = (com + self.display_offset + self.start_line) % COLUMNS
            row = []
            for x in range(glass_w):
                segment = COLUMNS - 1 - x if self.segment_remap else x
                bit = (self.ram[(segment // 8) * COLUMNS + column] >> (segment % 8)) & 1
                row.append(_LIT if bit != self.inverted else _DARK)
            out.append(b"".join(row))
        return rotate_rgb(b"".join(out), glass_w, glass_h, self.rotation)


class SH1107(_SH1107Controller, ControlByteI2C):
    """Monochrome OLED display on I2C (``address`` 0x3C or 0x3D), 128 x 64 by default (the
    FeatherWing), or 128 x 128.

    ``width`` is the panel's segments (128), ``height`` its COM lines (64 or 128); ``rotation``
    how the panel is mounted (degrees clockwise: the FeatherWing's picture is upright at 0 with
    ``adafruit_displayio_sh1107``'s default rotation). Inspect ``frame`` (white on black),
    :meth:`pixel`, ``display_on``, ``inverted``, ``contrast``, ``display_offset``, ``ram`` and
    :meth:`save_png`.
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        address: int = 0x3C,
        width: int = 128,
        height: int = 64,
        rotation: int = 0,
    ) -> None:
        if address not in (0x3C, 0x3D):
            raise ValueError(f"an SH1107's I2C address is 0x3C or 0x3D, not {address:#x}")
        super().__init__(address, name=name)
        self._setup(width, height, rotation)


class SH1107SPI(_SH1107Controller, DataCommandSPI):
    """Monochrome OLED display on 4-wire SPI, selected by ``cs``, with a D/C pin (``dc``: low
    for commands, high for display data) and an optional ``reset``; 128 x 128 by default (the
    1.12" breakout). Same options (but ``address``) and inspection as :class:`SH1107`."""

    def __init__(
        self,
        *,
        name: str | None = None,
        width: int = 128,
        height: int = 128,
        rotation: int = 0,
    ) -> None:
        super().__init__(name=name)
        self._setup(width, height, rotation)

"""Solomon Systech SSD1306 monochrome OLED controller with its panel (128 x 32, 128 x 64...), on
I2C (:class:`SSD1306`) or 4-wire SPI (:class:`SSD1306SPI`, with a D/C# pin).

The controller keeps 128 x 64 pixels of display RAM (GDDRAM) in 8 pages of 128 bytes; each byte
is a column of 8 pixels, least significant bit on top. After the address byte, each I2C write
starts with a control byte: ``0x00`` (Co=0, D/C#=0) means the rest of the write is commands,
``0x40`` (Co=0, D/C#=1) means display data; with Co=1 (``0x80``/``0xC0``) one byte follows and
then another control byte. Command parameters may come in later writes (``adafruit_ssd1306``
sends ``0x80, 0x21`` then ``0x80, 0x00``...), as the chip allows.

Supported commands: addressing mode (``0x20``: horizontal, vertical, page), column and page
windows (``0x21``, ``0x22``), page-mode pointer (``0xB0-0xB7``, ``0x00-0x1F``), contrast
(``0x81``), entire display on (``0xA4/0xA5``), invert (``0xA6/0xA7``), display off/on
(``0xAE/0xAF``), segment remap (``0xA0/0xA1``), COM scan direction (``0xC0/0xC8``), start line
(``0x40-0x7F``), display offset (``0xD3``), multiplex ratio (``0xA8``), charge pump (``0x8D``),
and the timing, COM pin, scrolling and NOP commands with their parameters (recorded, not
rendered). Reading returns the status byte (bit 6 set while the display is off).

The panel is mounted as on the usual modules: with segment remap and COM scan remapped (what
``adafruit_ssd1306`` sets), RAM column ``x`` and RAM row ``y`` appear at ``frame[y][x]``;
without them the picture is mirrored. Like the real module, the panel stays dark until the
charge pump is on (``0x8D, 0x14``) unless the part is built with ``external_vcc=True``.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from protoboard.ports.sim.parts.oled import COLUMNS, PagedRAM
from protoboard.ports.sim.parts.panel import ControlByteI2C, DataCommandSPI

#: parameters taken by each multi-byte command
_PARAMETERS = {
    0x20: 1,
    0x21: 2,
    0x22: 2,
    0x81: 1,
    0x8D: 1,
    0xA8: 1,
    0xAD: 1,
    0xD3: 1,
    0xD5: 1,
    0xD6: 1,
    0xD9: 1,
    0xDA: 1,
    0xDB: 1,
    0x26: 6,
    0x27: 6,
    0x29: 5,
    0x2A: 5,
    0xA3: 2,
}

HORIZONTAL, VERTICAL, PAGE = "horizontal", "vertical", "page"
_MODES = {0: HORIZONTAL, 1: VERTICAL, 2: PAGE}

PAGES = 8


class _SSD1306Controller(PagedRAM):
    """The controller's command decoder, display RAM and panel, shared by both interfaces."""

    pages = PAGES
    last_high_column = 0x1F

    def _setup(self, width: int, height: int, external_vcc: bool) -> None:
        if height not in (16, 32, 48, 64):
            raise ValueError(f"SSD1306 panel height must be 16, 32, 48 or 64, not {height}")
        if not 8 <= width <= COLUMNS or width % 8:
            raise ValueError(f"SSD1306 panel width must be a multiple of 8 up to 128, not {width}")
        self.width = width
        self.height = height
        self.external_vcc = external_vcc
        self._setup_ram()
        #: every command byte received, in order (parameters included)
        self.commands: list[int] = []
        self.reset()

    def reset(self) -> None:
        """The power-on / RES# state of the controller (RAM contents are kept, as on the chip)."""
        self._reset_paged()
        self.contrast = 0x7F
        self.addressing_mode = PAGE
        self.column_start, self.column_end = 0, COLUMNS - 1
        self.page_start, self.page_end = 0, PAGES - 1
        self.com_remap = False
        self.multiplex = 64
        self.charge_pump = False
        self.com_pins = 0x12
        self.scrolling = False
        self._command: list[int] = []

    # -- commands ----------------------------------------------------------------------------

    def write_command(self, byte: int) -> None:
        """A command byte (or a parameter of the pending command) from the program."""
        self.commands.append(byte)
        command = self._command
        command.append(byte)
        needed = _PARAMETERS.get(command[0], 0)
        if len(command) <= needed:
            return
        self._command = []
        self._execute(command[0], command[1:])

    def _execute(self, op: int, args: list[int]) -> None:
        """Addressing commands here, settings in :meth:`_set`."""
        if op == 0x20:
            self.addressing_mode = _MODES.get(args[0] & 3, self.addressing_mode)
        elif op == 0x21:
            self.column_start, self.column_end = args[0] & 0x7F, args[1] & 0x7F
            self.column = self.column_start
        elif op == 0x22:
            self.page_start, self.page_end = args[0] & 7, args[1] & 7
            self.page = self.page_start
        elif self._paged_command(op):
            pass
        elif 0x40 <= op <= 0x7F:
            self.start_line = op & 0x3F
        else:
            self._set(op, args)

    def _set(self, op: int, args: list[int]) -> None:
        if op == 0x81:
            self.contrast = args[0]
        elif op == 0x8D:
            self.charge_pump = bool(args[0] & 0x04)
        elif op == 0xA8:
            if (args[0] & 0x3F) >= 15:
                self.multiplex = (args[0] & 0x3F) + 1
        elif op in (0xC0, 0xC8):
            self.com_remap = op == 0xC8
        elif op == 0xD3:
            self.display_offset = args[0] & 0x3F
        elif op == 0xDA:
            self.com_pins = args[0]
        elif op == 0x2E:
            self.scrolling = False
        elif op == 0x2F:
            self.scrolling = True
        # 0xD5, 0xD9, 0xDB, 0xAD, 0xE3 (NOP) and the scroll set-ups only tune the analog side

    # -- display data ------------------------------------------------------------------------

    def write_data(self, data: bytes) -> None:
        """Display data bytes from the program, stored at the RAM pointer."""
        if self.addressing_mode != HORIZONTAL:
            for byte in data:
                self._store(byte)
                self._advance()
            return
        index = 0
        while index < len(data):
            run = min(len(data) - index, max(self.column_end - self.column + 1, 1))
            offset = self.page * COLUMNS + self.column
            self.ram[offset : offset + run] = data[index : index + run]
            self.data_bytes += run
            index += run
            self.column += run - 1
            self._advance()

    def _advance(self) -> None:
        """Move the RAM pointer after a data byte, as the addressing mode says."""
        if self.addressing_mode == PAGE:
            self.column = (self.column + 1) % COLUMNS  # the page stays put
        elif self.addressing_mode == HORIZONTAL:
            if self.column >= self.column_end:
                self.column = self.column_start
                self.page = self.page_start if self.page >= self.page_end else self.page + 1
            else:
                self.column += 1
        else:  # vertical
            if self.page >= self.page_end:
                self.page = self.page_start
                self.column = (
                    self.column_start if self.column >= self.column_end else self.column + 1
                )
            else:
                self.page += 1

    # -- what the panel shows ----------------------------------------------------------------

    def ram_pixel(self, column: int, row: int) -> int:
        """A pixel of the display RAM (column 0-127, row 0-63), regardless of what is shown."""
        return (self.ram[(row // 8) * COLUMNS + column] >> (row % 8)) & 1

    @property
    def lit(self) -> bool:
        """Whether the panel shows anything: display on and powered (charge pump or external
        VCC)."""
        return self.display_on and (self.charge_pump or self.external_vcc)

    @property
    def frame(self) -> list[list[int]]:
        """The picture on the panel: ``height`` rows of ``width`` pixels (1 = lit)."""
        if not self.lit:
            return [[0] * self.width for _ in range(self.height)]
        if self.entire_on:
            return [[1] * self.width for _ in range(self.height)]
        offset = (COLUMNS - self.width) // 2
        mux = self.multiplex
        flip = 1 if self.inverted else 0
        rows = []
        for y in range(self.height):
            # The panel's top row is wired to COM[height-1]: the program's row order appears
            # top-down when it scans remapped (0xC8), as the usual modules are built.
            com = self.height - 1 - y
            if com >= mux:
                rows.append([0] * self.width)
                continue
            line = (mux - 1 - com) if self.com_remap else com
            ram_row = (line + self.start_line + self.display_offset) % 64
            page = self.ram[(ram_row // 8) * COLUMNS : (ram_row // 8 + 1) * COLUMNS]
            bit = ram_row % 8
            row = []
            for x in range(self.width):
                segment = COLUMNS - 1 - offset - x
                column = COLUMNS - 1 - segment if self.segment_remap else segment
                row.append(((page[column] >> bit) & 1) ^ flip)
            rows.append(row)
        return rows

    def pixel(self, x: int, y: int) -> int:
        """The pixel at column ``x``, row ``y`` of the panel (1 = lit)."""
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise IndexError(f"pixel ({x}, {y}) is outside the {self.width}x{self.height} panel")
        return self.frame[y][x]

    def lit_pixels(self) -> set[tuple[int, int]]:
        """The ``(x, y)`` of every lit pixel."""
        return {(x, y) for y, row in enumerate(self.frame) for x, v in enumerate(row) if v}

    def to_text(self, on: str = "#", off: str = ".") -> str:
        """The picture as text, one line per row (for debugging and test failure messages)."""
        return "\n".join("".join(on if v else off for v in row) for row in self.frame)

    def to_png(self, path: str | Path, scale: int = 4) -> Path:
        """Write the picture as a PNG (white pixels on black, each ``scale`` x ``scale``)."""
        raw = bytearray()
        for row in self.frame:
            line = bytes(0xFF if v else 0x00 for v in row for _ in range(scale))
            for _ in range(scale):
                raw += b"\x00" + line

        def chunk(tag: bytes, data: bytes) -> bytes:
            body = tag + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width * scale, self.height * scale, 8, 0, 0, 0, 0)
        png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
        png += chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")
        target = Path(path)
        target.write_bytes(png)
        return target


class SSD1306(_SSD1306Controller, ControlByteI2C):
    """Monochrome OLED display on I2C (``address`` 0x3C, or 0x3D), 128 x 32 by default.

    ``width`` 128 (or 64, 96...) by ``height`` 32 or 64 (16, 48) pixels. An optional ``reset``
    connection resets the controller when the program pulls it low.

    Inspect ``frame`` (rows of 0/1 pixels as shown: display off blanks it, invert flips it),
    :meth:`pixel`, ``display_on``, ``inverted``, ``contrast``, ``addressing_mode``, ``ram``
    (the raw GDDRAM, 8 pages x 128 bytes) and :meth:`to_text` / :meth:`to_png` for a picture.
    """

    kind = "SSD1306"

    def __init__(
        self,
        *,
        name: str | None = None,
        address: int = 0x3C,
        width: int = 128,
        height: int = 32,
        external_vcc: bool = False,
    ) -> None:
        if address not in (0x3C, 0x3D):
            raise ValueError(f"an SSD1306's I2C address is 0x3C or 0x3D, not {address:#x}")
        super().__init__(address, name=name)
        self._setup(width, height, external_vcc)


class SSD1306SPI(_SSD1306Controller, DataCommandSPI):
    """Monochrome OLED display on 4-wire SPI, selected by ``cs``, with a D/C# pin.

    The ``dc`` pin tells commands (low) from display data (high); an optional ``reset`` pin
    resets the controller. Same options and inspection API as :class:`SSD1306`."""

    kind = "SSD1306"

    def __init__(
        self,
        *,
        name: str | None = None,
        width: int = 128,
        height: int = 32,
        external_vcc: bool = False,
    ) -> None:
        super().__init__(name=name)
        self._setup(width, height, external_vcc)

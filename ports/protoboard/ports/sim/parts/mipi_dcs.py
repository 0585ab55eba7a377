"""Colour TFT controllers that speak MIPI DCS over 4-wire SPI: Sitronix ST7789, Ilitek ILI9341
and Himax HX8357, each with its panel.

The program selects the chip (``cs`` low), sends a command byte with ``dc`` low and its
parameters with ``dc`` high. The part decodes the standard set: ``SWRESET`` (0x01), ``SLPIN`` /
``SLPOUT`` (0x10/0x11), ``NORON`` (0x13), ``INVOFF`` / ``INVON`` (0x20/0x21), ``DISPOFF`` /
``DISPON`` (0x28/0x29), ``CASET`` / ``RASET`` (0x2A/0x2B: the window), ``RAMWR`` (0x2C) and
``RAMWRC`` (0x3C: pixels into the window), ``MADCTL`` (0x36: row/column exchange, mirroring,
RGB/BGR order), ``COLMOD`` (0x3A: 12, 16 or 18 bits per pixel), ``IDMOFF``/``IDMON`` (0x38/0x39),
``VSCRDEF``/``VSCRSADD`` (0x33/0x37: vertical scrolling) and the brightness/tearing/gamma
commands (recorded). Each chip's own tuning commands (power, frame rate, gamma curves...) are
recorded without effect; any other command is logged once and counted in
``unknown_commands``, never a crash.

The RAM keeps 18 bits per pixel, 6 per colour, as the chips do. In 18-bit mode (COLMOD 0x66)
each pixel comes as 3 bytes, red, green, blue, of which the top 6 bits count; in 16-bit mode
(0x55) as 2 bytes of 5-6-5, red and blue widened to 6 bits by repeating their top bit; in
12-bit mode (0x33) two pixels come in 3 bytes of 4-4-4, each colour widened by repeating its
top 2 bits (the datasheets' rules). The panel shows a
``width`` x ``height`` part of the RAM starting at ``x_offset``/``y_offset``, mounted as the
usual modules are (so that each driver's usual ``MADCTL`` shows the picture upright), with the
colour order, inversion, sleep and display-off states applied.
"""

from __future__ import annotations

from typing import ClassVar

from protoboard.ports.sim.parts.panel import DataCommandSPI, DisplayPanel, rotate_rgb

SWRESET, SLPIN, SLPOUT, NORON = 0x01, 0x10, 0x11, 0x13
INVOFF, INVON, DISPOFF, DISPON = 0x20, 0x21, 0x28, 0x29
CASET, RASET, RAMWR, RAMWRC = 0x2A, 0x2B, 0x2C, 0x3C
VSCRDEF, MADCTL, VSCRSADD, IDMOFF, IDMON, COLMOD = 0x33, 0x36, 0x37, 0x38, 0x39, 0x3A

MY, MX, MV, BGR = 0x80, 0x40, 0x20, 0x08

#: standard DCS commands with no visible effect here (reads, partial mode, tearing, gamma,
#: brightness): recorded only
_QUIET = frozenset(
    {0x00, 0x04, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x12, 0x26, 0x2E, 0x30, 0x34, 0x35}
    | {0x3E, 0x44, 0x45, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x5E, 0xDA, 0xDB, 0xDC}
)


class MipiDcsDisplay(DisplayPanel, DataCommandSPI):
    """The command decoder, 18-bit RAM and panel of a MIPI DCS TFT controller."""

    kind = "MipiDcsDisplay"

    #: the controller's RAM in pixels (columns, rows)
    ram_size: ClassVar[tuple[int, int]] = (240, 320)
    #: the panel's own tuning commands, recorded without effect
    vendor_commands: ClassVar[frozenset[int]] = frozenset()
    #: the glass is wired right to left / bottom to top (a driver's usual MADCTL sets MX / MY
    #: to draw upright)
    flip_x: ClassVar[bool] = False
    flip_y: ClassVar[bool] = False
    #: the glass's colour filters are in B, G, R order (a driver sets MADCTL's BGR bit); the
    #: ``bgr`` option sets it for one module
    bgr_panel: bool = False
    #: IPS glass shows true colours only with the controller's inversion on (INVON)
    inverted_panel: ClassVar[bool] = False
    default_size: ClassVar[tuple[int, int]] = (240, 320)

    def __init__(
        self,
        *,
        name: str | None = None,
        width: int | None = None,
        height: int | None = None,
        x_offset: int = 0,
        y_offset: int = 0,
        rotation: int = 0,
        bgr: bool | None = None,
    ) -> None:
        super().__init__(name=name)
        if bgr is not None:
            self.bgr_panel = bgr  # this module's glass, whatever the chip's usual one
        if rotation not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation}")
        width = self.default_size[0] if width is None else width
        height = self.default_size[1] if height is None else height
        ram_w, ram_h = self.ram_size
        if not (0 < width and 0 <= x_offset and x_offset + width <= ram_w):
            raise ValueError(
                f"a {self.kind} panel's width plus x_offset must fit its {ram_w} RAM columns, "
                f"not {width} + {x_offset}"
            )
        if not (0 < height and 0 <= y_offset and y_offset + height <= ram_h):
            raise ValueError(
                f"a {self.kind} panel's height plus y_offset must fit its {ram_h} RAM rows, "
                f"not {height} + {y_offset}"
            )
        #: the glass in its own orientation; ``width``/``height`` are the picture's, turned by
        #: ``rotation`` degrees clockwise (how the glass is mounted in the product)
        self.glass_size = (width, height)
        self.rotation = rotation
        self.width, self.height = (height, width) if rotation % 180 else (width, height)
        self.x_offset, self.y_offset = x_offset, y_offset
        #: the RAM as three planes, red, green and blue (each 0-63), a byte a pixel, row by row
        #: (``ram_size``); planes rather than interleaved pixels so that a run of pixels is
        #: three slice copies
        self.ram = tuple(bytearray(ram_w * ram_h) for _ in range(3))
        #: pixel bytes received by RAMWR/RAMWRC
        self.data_bytes = 0
        self._setup_log()
        self.reset()

    def reset(self) -> None:
        """The state after power-on, RESX or SWRESET (the RAM is kept, as on the chip)."""
        self.sleeping = True
        self.display_on = False
        self.inverted = False
        self.idle = False
        self.madctl = 0
        #: source (column) and gate (row) scan directions reversed by a vendor command
        self.source_reversed = False
        self.gate_reversed = False
        self.colmod = 0x66  # 18 bits per pixel after reset
        ram_w, ram_h = self.ram_size
        self.window = (0, ram_w - 1, 0, ram_h - 1)
        self.scroll_area = (0, ram_h, 0)
        self.scroll_start = 0
        self._opcode: int | None = None
        self._params = bytearray()
        self._writing = False
        self._col = self._row = 0
        self._pending = b""

    # -- the bus -------------------------------------------------------------------------------

    def write_command(self, opcode: int) -> None:
        """A command byte (``dc`` low)."""
        self._finish_command()
        self._opcode = opcode
        self._params = bytearray()
        self._writing = False
        if opcode in (RAMWR, RAMWRC):
            self._writing = True
            self._pending = b""
            if opcode == RAMWR:
                self._col, self._row = self.window[0], self.window[2]
        elif opcode in _NO_PARAMS:
            self._run(opcode, b"")
            self._opcode = None

    def write_data(self, data: bytes) -> None:
        """Parameter or pixel bytes (``dc`` high)."""
        if self._writing:
            self._write_pixels(data)
        elif self._opcode is None:
            self._unknown(-1, data)  # data with no command before it
        else:
            self._params += data
            needed = _PARAMS.get(self._opcode)
            if needed is not None and len(self._params) >= needed:
                self._finish_command()

    def _finish_command(self) -> None:
        opcode, self._opcode = self._opcode, None
        if opcode is None:
            return
        if self._writing:
            self._writing = False
            self.updates += 1
            self.commands.append((opcode, b""))
            return
        self._run(opcode, bytes(self._params))

    def _run(self, opcode: int, params: bytes) -> None:
        self.commands.append((opcode, params))
        needed = _PARAMS.get(opcode, 0)
        if len(params) < needed:
            return  # a command cut short by the next one does nothing, as on the chip
        if opcode in _NO_PARAMS:
            self._state(opcode)
        elif opcode in (CASET, RASET):
            self._set_window(opcode, params)
        elif opcode == MADCTL:
            self.madctl = params[0]
        elif opcode == COLMOD:
            self.colmod = params[0]
        elif opcode == VSCRDEF:
            top, area, bottom = (int.from_bytes(params[i : i + 2], "big") for i in (0, 2, 4))
            self.scroll_area = (top, area, bottom)
        elif opcode == VSCRSADD:
            self.scroll_start = int.from_bytes(params[:2], "big")
        elif opcode in self.vendor_commands:
            self._vendor(opcode, params)
        elif opcode not in _QUIET:
            self._unknown(opcode, params)

    def _vendor(self, opcode: int, params: bytes) -> None:
        """A chip's own command (override for those that change the picture)."""

    def _state(self, opcode: int) -> None:
        if opcode == SWRESET:
            self.reset()
        elif opcode in (SLPIN, SLPOUT):
            self.sleeping = opcode == SLPIN
        elif opcode in (INVOFF, INVON):
            self.inverted = opcode == INVON
        elif opcode in (DISPOFF, DISPON):
            self.display_on = opcode == DISPON
        elif opcode in (IDMOFF, IDMON):
            self.idle = opcode == IDMON

    def _set_window(self, opcode: int, params: bytes) -> None:
        start = int.from_bytes(params[0:2], "big")
        end = int.from_bytes(params[2:4], "big")
        x0, x1, y0, y1 = self.window
        if opcode == CASET:
            self.window = (start, end, y0, y1)
        else:
            self.window = (x0, x1, start, end)

    # -- pixels into RAM -----------------------------------------------------------------------

    @property
    def bits_per_pixel(self) -> int:
        """12, 16 or 18, from COLMOD's interface format bits (the 24-bit format, 0x77 on the
        ST7789, also sends 3 bytes a pixel of which the chip keeps the top 6 bits each: 18)."""
        return _BITS.get(self.colmod & 0x07, 16)

    def _write_pixels(self, data: bytes) -> None:
        self.data_bytes += len(data)
        bits = self.bits_per_pixel
        group = 2 if bits == 16 else 3  # bytes that make whole pixels
        data = self._pending + data
        whole = len(data) - len(data) % group
        self._pending = data[whole:]
        self._store(_to_rgb666(data[:whole], bits))

    def _logical_size(self) -> tuple[int, int]:
        ram_w, ram_h = self.ram_size
        return (ram_h, ram_w) if self.madctl & MV else (ram_w, ram_h)

    def _store(self, planes: tuple[bytes, bytes, bytes]) -> None:
        """Put pixels (a plane a colour) at the write pointer, a run along the window's row at
        a time."""
        x0, x1, y0, y1 = self.window
        logical_w, logical_h = self._logical_size()
        x1, y1 = min(x1, logical_w - 1), min(y1, logical_h - 1)
        if x0 > x1 or y0 > y1:
            return  # an empty or out-of-range window takes nothing
        index, count = 0, len(planes[0])
        while index < count:
            run = min(count - index, x1 - self._col + 1)
            if run <= 0:  # the pointer left a window set after it started
                self._col, self._row = x0, y0
                continue
            for ram, plane in zip(self.ram, planes, strict=True):
                self._put_run(ram, self._col, self._row, plane[index : index + run])
            index += run
            self._col += run
            if self._col > x1:
                self._col = x0
                self._row = y0 if self._row >= y1 else self._row + 1

    def _put_run(self, ram: bytearray, col: int, row: int, run: bytes) -> None:
        """One colour of a run of pixels into its RAM plane."""
        ram_w, ram_h = self.ram_size
        count = len(run)
        if self.madctl & MV:
            # The column address walks down a RAM column.
            x = ram_w - 1 - row if self.madctl & MX else row
            if self.madctl & MY:
                start = (ram_h - 1 - col) * ram_w + x
                stop = start - count * ram_w
                ram[start : (stop if stop >= 0 else None) : -ram_w] = run
            else:
                start = col * ram_w + x
                ram[start : start + count * ram_w : ram_w] = run
            return
        y = ram_h - 1 - row if self.madctl & MY else row
        base = y * ram_w
        if self.madctl & MX:
            start = base + ram_w - col - count
            ram[start : start + count] = run[::-1]
        else:
            ram[base + col : base + col + count] = run

    # -- what the panel shows ------------------------------------------------------------------

    @property
    def lit(self) -> bool:
        """Whether the panel shows the RAM: awake and display on."""
        return self.display_on and not self.sleeping

    def ram_pixel(self, column: int, row: int) -> tuple[int, int, int]:
        """The ``(red, green, blue)`` in RAM (each 0-63) at a physical column and row."""
        ram_w, _ = self.ram_size
        i = row * ram_w + column
        return (self.ram[0][i], self.ram[1][i], self.ram[2][i])

    def render(self) -> bytes:
        if not self.lit:
            return bytes(self.width * self.height * 3)
        ram_w, _ = self.ram_size
        glass_w, glass_h = self.glass_size
        flip_x = self.flip_x != self.source_reversed
        flip_y = self.flip_y != self.gate_reversed
        rows = []
        for y in range(glass_h):
            row = self.y_offset + (glass_h - 1 - y if flip_y else y)
            start = row * ram_w + self.x_offset
            line = bytearray(3 * glass_w)
            for c, plane in enumerate(self.ram):
                part = plane[start : start + glass_w]
                line[c::3] = part[::-1] if flip_x else part
            rows.append(line)
        # the panel's 6-bit levels as 8-bit ones (the top bits repeated in the low ones)
        data = rotate_rgb(b"".join(rows).translate(_SIX_TO_EIGHT), glass_w, glass_h, self.rotation)
        if bool(self.madctl & BGR) != self.bgr_panel:
            swapped = bytearray(data)
            swapped[0::3], swapped[2::3] = data[2::3], data[0::3]
            data = bytes(swapped)
        if self.inverted != self.inverted_panel:
            data = data.translate(_INVERT)
        return data


_INVERT = bytes(255 - i for i in range(256))
#: COLMOD's interface format bits (DBI, the low 3) -> bits per pixel
_BITS = {0x03: 12, 0x05: 16, 0x06: 18, 0x07: 18}
_SIX_TO_EIGHT = bytes(((i & 0x3F) << 2) | ((i & 0x3F) >> 4) for i in range(256))
#: 16-bit 5-6-5 pixels (high byte first): red from the high byte, blue from the low one, each 5
#: bits widened to 6 by repeating the top bit; green's 6 bits from both
_R_OF_HIGH = bytes(((i >> 3) << 1) | (i >> 7) for i in range(256))
_G_OF_HIGH = bytes((i & 0x07) << 3 for i in range(256))
_G_OF_LOW = bytes(i >> 5 for i in range(256))
_B_OF_LOW = bytes(((i & 0x1F) << 1) | ((i >> 4) & 1) for i in range(256))
#: 18-bit pixels: the top 6 bits of each byte
_TOP_SIX = bytes(i >> 2 for i in range(256))
#: 12-bit pixels: each nibble's 4 bits widened to 6 by repeating its top 2
_HIGH_NIBBLE = bytes(((i >> 4) << 2) | (i >> 6) for i in range(256))
_LOW_NIBBLE = bytes(((i & 0x0F) << 2) | ((i & 0x0F) >> 2) for i in range(256))


def shown_565(color: int) -> tuple[int, int, int]:
    """The 8-bit ``(r, g, b)`` the glass shows for a 24-bit ``color`` sent as a 5-6-5 pixel
    (what displayio's 16-bit colour conversion sends): each level widened to the RAM's 6 bits,
    then to 8 bits, as :meth:`render` does."""
    r5, g6, b5 = (color >> 19) & 0x1F, (color >> 10) & 0x3F, (color >> 3) & 0x1F
    six = ((r5 << 1) | (r5 >> 4), g6, (b5 << 1) | (b5 >> 4))
    return (_SIX_TO_EIGHT[six[0]], _SIX_TO_EIGHT[six[1]], _SIX_TO_EIGHT[six[2]])


def _to_rgb666(data: bytes, bits: int) -> tuple[bytes, bytes, bytes]:
    """Whole pixels from the bus as the RAM keeps them: a red, a green and a blue plane, 0-63
    each."""
    if bits == 18:
        levels = data.translate(_TOP_SIX)
        return levels[0::3], levels[1::3], levels[2::3]
    if bits == 16:
        high, low = data[0::2], data[1::2]
        green = int.from_bytes(high.translate(_G_OF_HIGH), "big")
        green |= int.from_bytes(low.translate(_G_OF_LOW), "big")
        return (
            high.translate(_R_OF_HIGH),
            green.to_bytes(len(high), "big"),
            low.translate(_B_OF_LOW),
        )
    # 12 bits: R1G1 B1R2 G2B2, two pixels in 3 bytes
    widened = bytearray(2 * len(data))
    for i in range(3):
        part = data[i::3]
        widened[2 * i :: 6] = part.translate(_HIGH_NIBBLE)
        widened[2 * i + 1 :: 6] = part.translate(_LOW_NIBBLE)
    return bytes(widened[0::3]), bytes(widened[1::3]), bytes(widened[2::3])


_NO_PARAMS = frozenset({SWRESET, SLPIN, SLPOUT, NORON, INVOFF, INVON, DISPOFF, DISPON})
_NO_PARAMS = _NO_PARAMS | {IDMOFF, IDMON}
#: parameter bytes a command needs before it acts (it acts at the next command or deselect
#: otherwise)
_PARAMS = {CASET: 4, RASET: 4, MADCTL: 1, COLMOD: 1, VSCRDEF: 6, VSCRSADD: 2}


class ST7789(MipiDcsDisplay):
    """Sitronix ST7789 colour TFT (240 x 320 RAM), 240 x 240 by default; IPS glass.

    ``width``/``height`` give the glass (240 x 240, 240 x 135, 320 x 170 in landscape is
    170 x 320 here...) and ``x_offset``/``y_offset`` where it sits in the RAM (the driver's
    ``colstart``/``rowstart`` for that module). Wire ``clock`` (and ``mosi``), ``cs``, ``dc`` and
    optionally ``reset``. Inspect ``frame``, :meth:`pixel`, :meth:`save_png`, ``madctl``,
    ``colmod``, ``window``, ``display_on``, ``sleeping``, ``inverted``, ``commands``.
    """

    kind = "ST7789"
    default_size = (240, 240)
    flip_x = flip_y = True  # drivers draw upright with MADCTL MY|MX (0xC0)
    inverted_panel = True
    vendor_commands = frozenset(
        {0xB0, 0xB1, 0xB2, 0xB3, 0xB7, 0xBA, 0xBB, 0xC0, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7}
        | {0xCA, 0xCB, 0xD0, 0xD2, 0xDF, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE7, 0xE8, 0xE9, 0xEC}
        # not an ST7789 command, but the Feather ESP32-S2/S3 TFT's start-up sends it (the chip
        # ignores it): accepted quietly so every boot does not log it
        | {0xB6}
    )


class ILI9341(MipiDcsDisplay):
    """Ilitek ILI9341 colour TFT, 240 x 320 (the PyPortal's and the 2.4"/2.8" breakouts').

    Its glass has B, G, R filters and is wired right to left, as drivers expect (they send
    MADCTL 0x48); Display Function Control (0xB6) can reverse the source and gate scan
    directions, as the PyPortal's start-up does. Same wiring and inspection as
    :class:`ST7789`."""

    kind = "ILI9341"
    flip_x = True
    bgr_panel = True
    vendor_commands = frozenset(
        {0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xC0, 0xC1, 0xC5, 0xC7, 0xCB}
        | {0xCF, 0xE0, 0xE1, 0xE2, 0xE3, 0xE8, 0xE9, 0xEA, 0xED, 0xEF, 0xF2, 0xF6, 0xF7}
    )

    def _vendor(self, opcode: int, params: bytes) -> None:
        if opcode == 0xB6 and len(params) >= 2:  # Display Function Control: GS and SS bits
            self.gate_reversed = bool(params[1] & 0x40)
            self.source_reversed = bool(params[1] & 0x20)


class HX8357(MipiDcsDisplay):
    """Himax HX8357-D colour TFT, 320 x 480 (the 3.5" breakout and FeatherWing).

    Same wiring and inspection as :class:`ST7789`."""

    kind = "HX8357"
    ram_size = (320, 480)
    default_size = (320, 480)
    vendor_commands = frozenset(
        {0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB6, 0xB9, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6}
        | {0xC7, 0xCC, 0xE0, 0xE1, 0xE9, 0xF0}
    )


class ST7735R(MipiDcsDisplay):
    """Sitronix ST7735R colour TFT (132 x 162 RAM), 128 x 160 by default (the PyGamer's and the
    1.8" breakout's). Same wiring and inspection as :class:`ST7789`."""

    kind = "ST7735R"
    ram_size = (132, 162)
    default_size = (128, 160)
    vendor_commands = frozenset(
        {0xB1, 0xB2, 0xB3, 0xB4, 0xB6, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xFC, 0xE0, 0xE1}
    )


class ILI9341Parallel(ILI9341):
    """An ILI9341 on its 8-bit parallel interface (the PyPortal's screen): bytes arrive with
    each pulse of ``write`` while ``cs`` is low, ``dc`` telling commands from data. Wire
    ``write``, ``cs``, ``dc`` and optionally ``reset`` and ``read``; same options and
    inspection as :class:`ILI9341`."""

    kind = "ILI9341Parallel"
    roles: ClassVar[tuple[str, ...]] = ("write", "cs", "dc")
    optional_roles: tuple[str, ...] = ("reset", "read")

    def on_attach(self) -> None:
        self.listen_data("write", self._strobe)
        self._listen_reset()

    def on_detach(self) -> None:
        """Listeners go with the part (nothing on an SPI bus to leave)."""

    def _strobe(self, pin: object, data: bytes, kind: str) -> None:
        if kind != "parallel" or self.pin("cs").level:
            return
        self.spi_transfer(data)  # the same decoding: dc says command or data

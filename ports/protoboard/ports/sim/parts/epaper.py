"""E-paper controllers on 4-wire SPI with a busy pin: Solomon Systech SSD1680 (the MagTag's,
2.13"/2.9" FeatherWings), UltraChip UC8151D (2.9" / 1.54" flexible and tri-colour panels) and
IL0373 (the first MagTags', tri-colour breakouts and FeatherWing).

An e-paper panel keeps its picture without power and changes it only when the program asks for
a refresh: the controller then drives ``busy`` for ``refresh_time`` seconds (high on the SSD1680,
low on the UC8151D and IL0373, as the chips do) and the panel shows what the RAM held when the
refresh started (rows on gate lines it does not drive keep their picture). ``frame`` is that
picture (white, black and, on tri-colour glass, red); ``refreshes`` counts them. Commands the
part does not know are logged and counted in ``unknown_commands``, never a crash.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from protoboard.ports.sim.parts.panel import DataCommandSPI, DisplayPanel, rotate_rgb

WHITE, BLACK, RED = b"\xff\xff\xff", b"\x00\x00\x00", b"\xff\x00\x00"
_GREYS = (BLACK, b"\x55\x55\x55", b"\xaa\xaa\xaa", WHITE)


class EPaperPanel(DisplayPanel, DataCommandSPI):
    """What both controllers share: two bit planes, the busy pin and the refresh."""

    kind = "EPaperPanel"
    optional_roles: tuple[str, ...] = ("mosi", "miso", "reset", "busy")
    #: the controller's RAM, pixels across (sources) and down (gates)
    ram_size: ClassVar[tuple[int, int]] = (176, 296)
    #: the level of ``busy`` while the controller works
    busy_level: ClassVar[bool] = True
    #: commands whose parameter count is known (others end at the next command)
    parameters: ClassVar[dict[int, int]] = {}
    known_commands: ClassVar[frozenset[int]] = frozenset()

    def __init__(
        self,
        *,
        name: str | None = None,
        width: int = 128,
        height: int = 296,
        x_offset: int = 0,
        rotation: int = 0,
        color: bool = False,
        grayscale: bool = False,
        refresh_time: float = 1.0,
    ) -> None:
        super().__init__(name=name)
        ram_w, ram_h = self.ram_size
        if not (0 < width and 0 <= x_offset and width + x_offset <= ram_w and 0 < height <= ram_h):
            raise ValueError(
                f"a {self.kind} panel of {width} x {height} (x_offset {x_offset}) does not fit "
                f"its {ram_w} x {ram_h} RAM"
            )
        if rotation not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation}")
        if refresh_time < 0:
            raise ValueError(f"refresh_time must be 0 or more seconds, not {refresh_time}")
        self.glass_size = (width, height)
        self.x_offset = x_offset
        self.rotation = rotation
        self.width, self.height = (height, width) if rotation % 180 else (width, height)
        #: tri-colour glass (black, white and red)
        self.color = color
        #: four greys: the black/white plane is the high bit, the second plane the low bit
        #: (the MagTag's panel with its grey waveforms)
        self.grayscale = grayscale
        self.refresh_time = refresh_time
        stride = (ram_w + 7) // 8
        #: the two RAM planes, one bit per pixel, ``stride`` bytes per row
        self.stride = stride
        self.black_ram = bytearray(b"\xff" * stride * ram_h)
        self.red_ram = bytearray(stride * ram_h)
        #: how many refreshes the panel has done
        self.refreshes = 0
        self._shown = bytes(b"\xff" * self.width * self.height * 3)  # blank glass is white
        #: the glass's rows before rotation (a gate the controller does not drive keeps its row)
        self._glass_rows = [WHITE * width] * height
        self._timer: threading.Timer | None = None
        self.busy = False
        #: bytes written into the RAM planes
        self.data_bytes = 0
        self._setup_log()
        self._opcode: int | None = None
        self._params = bytearray()
        self._plane: bytearray | None = None
        self.reset()

    def on_attach(self) -> None:
        super().on_attach()
        self._drive_busy(False)

    def on_detach(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        super().on_detach()

    def reset(self) -> None:
        """The state after power-on or a reset (RAM and picture kept, as on the chip)."""
        self.sleeping = False

    # -- busy --------------------------------------------------------------------------------

    def _drive_busy(self, busy: bool) -> None:
        self.busy = busy
        if self.sim is not None and "busy" in self.connections:
            self.pin("busy").set_external(self.busy_level if busy else not self.busy_level)

    def _work(self, seconds: float) -> None:
        """Be busy for ``seconds`` (0: not at all)."""
        if self._timer is not None:
            self._timer.cancel()
        if seconds <= 0:
            self._drive_busy(False)
            return
        self._drive_busy(True)
        self._timer = threading.Timer(seconds, self._drive_busy, (False,))
        self._timer.daemon = True
        self._timer.start()

    # -- the bus -----------------------------------------------------------------------------

    def write_command(self, opcode: int) -> None:
        self._finish_command()
        self._opcode = opcode
        self._params = bytearray()
        self._plane = self._plane_for(opcode)
        if self._plane is None and self.parameters.get(opcode) == 0:
            self._finish_command()

    def write_data(self, data: bytes) -> None:
        if self._plane is not None:
            self.data_bytes += len(data)
            self._write_plane(self._plane, data)
        elif self._opcode is None:
            self._unknown(-1, data)
        else:
            self._params += data
            if len(self._params) == self.parameters.get(self._opcode, -1):
                self._finish_command()

    def _finish_command(self) -> None:
        opcode, self._opcode = self._opcode, None
        if opcode is None:
            return
        params = bytes(self._params)
        self.commands.append((opcode, params))
        if self._plane is not None:
            self._plane = None
        elif opcode in self.known_commands:
            self._run(opcode, params)
        else:
            self._unknown(opcode, params)

    def _plane_for(self, opcode: int) -> bytearray | None:
        raise NotImplementedError

    def _write_plane(self, plane: bytearray, data: bytes) -> None:
        raise NotImplementedError

    def _run(self, opcode: int, params: bytes) -> None:
        raise NotImplementedError

    # -- the picture -------------------------------------------------------------------------

    def _pixel_color(self, black_bit: int, red_bit: int) -> bytes:
        raise NotImplementedError

    def _ram_row(self, gate: int) -> int | None:
        """The RAM row a gate line (the glass's row) shows, or None when it is not driven."""
        return gate

    def _ram_column(self, source: int) -> int:
        """The RAM column a source line (the glass's column, ``x_offset`` added) shows."""
        return source

    def _refresh(self) -> None:
        """Show what the RAM holds now; busy for ``refresh_time``."""
        glass_w, glass_h = self.glass_size
        _, ram_h = self.ram_size
        columns = [self._ram_column(gx + self.x_offset) for gx in range(glass_w)]
        rows = []
        for gate in range(glass_h):
            y = self._ram_row(gate)
            if y is None or not 0 <= y < ram_h:
                rows.append(self._glass_rows[gate])
                continue
            base = y * self.stride
            line = []
            for x in columns:
                mask = 0x80 >> (x % 8)
                black = 1 if self.black_ram[base + x // 8] & mask else 0
                red = 1 if self.red_ram[base + x // 8] & mask else 0
                line.append(self._pixel_color(black, red))
            rows.append(b"".join(line))
        self._glass_rows = rows
        self._shown = rotate_rgb(b"".join(rows), glass_w, glass_h, self.rotation)
        self.refreshes += 1
        self.updates += 1
        self._work(self.refresh_time)

    def render(self) -> bytes:
        return self._shown


class SSD1680(EPaperPanel):
    """Solomon Systech SSD1680 e-paper controller (176 x 296 RAM), on SPI with ``busy``
    (high while working) and optional ``reset``.

    ``width`` x ``height`` is the glass (128 x 296 by default: the MagTag's and the 2.9"
    FeatherWing's; 122 x 250 for 2.13"), ``x_offset`` where it starts in the RAM's columns,
    ``rotation`` how it is mounted (degrees clockwise), ``color=True`` for black/white/red
    glass, ``grayscale=True`` for four greys (the black/white RAM is the high bit, the red RAM
    the low bit, as the MagTag's waveforms use them), ``refresh_time`` seconds of busy per
    refresh.

    Decoded: software reset (0x12), deep sleep (0x10), driver output control (0x01: how many
    gate lines are driven, the others keep their picture; the gate scan bits GD, SM and TB),
    data entry mode (0x11: X/Y increment or decrement, X or Y first), RAM X/Y windows
    (0x44/0x45) and counters (0x4E/0x4F), the black/white RAM (0x24: bit 1 is white) and red
    RAM (0x26: bit 1 is red), update control (0x21/0x22) and master activation (0x20: the
    refresh); the analog set-up commands are recorded."""

    kind = "SSD1680"
    busy_level = True
    parameters: ClassVar[dict[int, int]] = {
        0x01: 3,
        0x03: 1,
        0x04: 3,
        0x0C: 4,
        0x10: 1,
        0x11: 1,
        0x12: 0,
        0x18: 1,
        0x1A: 2,
        0x20: 0,
        0x21: 2,
        0x22: 1,
        0x2C: 1,
        0x3C: 1,
        0x3F: 1,
        0x44: 2,
        0x45: 4,
        0x4E: 1,
        0x4F: 2,
    }
    known_commands = frozenset(parameters) | {0x32, 0x37, 0x2F, 0x7F, 0x46, 0x47}

    def reset(self) -> None:
        super().reset()
        _, ram_h = self.ram_size
        self.entry_mode = 0x03
        self.x_window = (0, self.stride - 1)
        self.y_window = (0, ram_h - 1)
        self.x = 0
        self.y = 0
        self.update_control = 0xFF
        #: driver output control (0x01): gate lines driven (MUX + 1), and the scan bits: GD
        #: (the first gate is G1), SM (left and right gates interlaced), TB (bottom to top)
        self.gate_lines = ram_h
        self.gate_scan = 0

    def _plane_for(self, opcode: int) -> bytearray | None:
        return {0x24: self.black_ram, 0x26: self.red_ram}.get(opcode)

    def _ram_row(self, gate: int) -> int | None:
        lines = self.gate_lines
        if gate >= lines:
            return None  # not driven: the glass keeps that row
        if self.gate_scan & 0x04:  # GD: G1 first, so the gates go in swapped pairs
            gate ^= 1
            if gate >= lines:
                return None
        if self.gate_scan & 0x02:  # SM: G0, G2, G4... then G1, G3...
            gate = gate // 2 if gate % 2 == 0 else (lines + 1) // 2 + gate // 2
        if self.gate_scan & 0x01:  # TB: the first RAM row goes to the last gate
            gate = lines - 1 - gate
        return gate

    def _run(self, opcode: int, params: bytes) -> None:
        if opcode == 0x12:
            self.reset()
            self._work(0.002)
        elif opcode == 0x10:
            self.sleeping = bool(params and params[0] & 0x03)
        elif opcode == 0x01:
            self.gate_lines = (params[0] | (params[1] & 0x01) << 8) + 1
            self.gate_scan = params[2] & 0x07
        elif opcode == 0x11:
            self.entry_mode = params[0] & 0x07
        elif opcode == 0x44:
            self.x_window = (params[0] & 0x3F, params[1] & 0x3F)
        elif opcode == 0x45:
            self.y_window = (
                int.from_bytes(params[0:2], "little") & 0x1FF,
                int.from_bytes(params[2:4], "little") & 0x1FF,
            )
        elif opcode == 0x4E:
            self.x = params[0] & 0x3F
        elif opcode == 0x4F:
            self.y = int.from_bytes(params[0:2], "little") & 0x1FF
        elif opcode == 0x22:
            self.update_control = params[0]
        elif opcode == 0x20 and not self.sleeping:
            self._refresh()

    def _write_plane(self, plane: bytearray, data: bytes) -> None:
        _, ram_h = self.ram_size
        x_up, y_up, y_first = self.entry_mode & 1, self.entry_mode & 2, self.entry_mode & 4
        (x0, x1), (y0, y1) = self.x_window, self.y_window
        x_lo, x_hi = min(x0, x1), max(x0, x1)
        y_lo, y_hi = min(y0, y1), max(y0, y1)
        for byte in data:
            if self.x < self.stride and self.y < ram_h:
                plane[self.y * self.stride + self.x] = byte
            if y_first:
                self.y, wrapped = _step(self.y, y_lo, y_hi, y_up)
                if wrapped:
                    self.x, _ = _step(self.x, x_lo, x_hi, x_up)
            else:
                self.x, wrapped = _step(self.x, x_lo, x_hi, x_up)
                if wrapped:
                    self.y, _ = _step(self.y, y_lo, y_hi, y_up)

    def _pixel_color(self, black_bit: int, red_bit: int) -> bytes:
        if self.grayscale:
            return _GREYS[black_bit << 1 | red_bit]
        if self.color and red_bit:
            return RED
        return WHITE if black_bit else BLACK


def _step(value: int, low: int, high: int, up: int) -> tuple[int, bool]:
    """An address counter's next value in its window, and whether it wrapped."""
    if up:
        return (low, True) if value >= high else (value + 1, False)
    return (high, True) if value <= low else (value - 1, False)


class UC8151(EPaperPanel):
    """UltraChip UC8151D e-paper controller (128 x 296 RAM), on SPI with ``busy`` (low while
    working) and optional ``reset``.

    Same options as :class:`SSD1680`. Decoded: panel setting (0x00: black/white or
    black/white/red), power on/off (0x04/0x02, busy while the pumps start), deep sleep (0x07,
    0xA5), the two data transmissions (0x10 old or black/white data, 0x13 new or red data,
    written from the RAM's start) and the refresh (0x12); resolution, VCOM, booster, PLL and
    LUT commands are recorded. On black/white glass the picture is the 0x13 data (bit 1 is
    white); on tri-colour glass 0x10 holds black/white (bit 1 is white) and 0x13 red (bit 0 is
    red)."""

    kind = "UC8151"
    ram_size = (128, 296)
    busy_level = False
    parameters: ClassVar[dict[int, int]] = {
        0x00: 1,
        0x02: 0,
        0x03: 1,
        0x04: 0,
        0x05: 1,
        0x06: 3,
        0x07: 1,
        0x12: 0,
        0x30: 1,
        0x40: 0,
        0x41: 1,
        0x50: 1,
        0x60: 1,
        0x61: 3,
        0x82: 1,
        0x91: 0,
        0x92: 0,
    }
    known_commands = frozenset(parameters) | {0x01, 0x20, 0x21, 0x22, 0x23, 0x24, 0x90, 0x11}

    def reset(self) -> None:
        super().reset()
        self.powered = False
        self.panel_setting = 0x0F
        self._offset = 0

    def _plane_for(self, opcode: int) -> bytearray | None:
        if opcode in (0x10, 0x13):
            self._offset = 0
            return self.red_ram if opcode == 0x13 else self.black_ram
        return None

    def _run(self, opcode: int, params: bytes) -> None:
        if opcode == 0x00:
            self.panel_setting = params[0]
        elif opcode == 0x04:
            self.powered = True
            self._work(0.002)
        elif opcode == 0x02:
            self.powered = False
        elif opcode == 0x07:
            self.sleeping = bool(params and params[0] == 0xA5)
        elif opcode == 0x12 and not self.sleeping:
            self._refresh()

    def _write_plane(self, plane: bytearray, data: bytes) -> None:
        end = min(self._offset + len(data), len(plane))
        plane[self._offset : end] = data[: end - self._offset]
        self._offset += len(data)

    @property
    def tricolor(self) -> bool:
        """Whether the panel setting says black/white/red (its KW/R bit is clear)."""
        return not self.panel_setting & 0x10

    def _pixel_color(self, black_bit: int, red_bit: int) -> bytes:
        # black_ram holds 0x10's data, red_ram 0x13's
        if not self.tricolor or not self.color:
            return WHITE if red_bit else BLACK
        if not red_bit:
            return RED
        return WHITE if black_bit else BLACK


#: the IL0373's panel setting resolution bits (RES1, RES0) -> sources x gates
_IL0373_RESOLUTIONS = {0: (96, 230), 1: (96, 252), 2: (128, 296), 3: (160, 296)}


class IL0373(UC8151):
    """Good Display / UltraChip IL0373 e-paper controller (160 x 296 RAM), on SPI with ``busy``
    (low while working) and optional ``reset``: the first MagTags' 2.9" grayscale panel, the
    1.54"/2.13" tri-colour breakouts and FeatherWing, the flexible 2.13"/2.9" panels.

    The UC8151's command set (it is the same family), with what the IL0373's drivers rely on:
    the data rows are as wide as the resolution (0x61, or the panel setting's resolution bits)
    says, not the RAM; the panel setting's UD and SHL bits (0x00 bits 3 and 2) scan the gates
    and sources the other way; VCOM and data interval setting (0x50) sets the data's polarity
    (DDX: on black/white glass new data bit 1 is white, or black with DDX[1]; on tri-colour
    glass black/white bit 1 is white with DDX[0] and red bit 0 is red with DDX[1]).
    ``grayscale=True`` is the MagTag's panel with its register waveforms: 0x10 data is the high
    bit of four greys, 0x13 data the low bit. Same other options as :class:`SSD1680`."""

    kind = "IL0373"
    ram_size = (160, 296)

    def reset(self) -> None:
        super().reset()
        self.cdi = 0xD7
        #: sources x gates set by 0x61 (None: the panel setting's resolution bits)
        self.resolution: tuple[int, int] | None = None

    @property
    def scan_size(self) -> tuple[int, int]:
        """The sources and gates scanned: 0x61's resolution, or the panel setting's."""
        if self.resolution is not None:
            return self.resolution
        return _IL0373_RESOLUTIONS[self.panel_setting >> 6]

    def _run(self, opcode: int, params: bytes) -> None:
        if opcode == 0x50:
            self.cdi = params[0]
        elif opcode == 0x61:
            self.resolution = (params[0] & 0xF8, int.from_bytes(params[1:3], "big") & 0x1FF)
        else:
            super()._run(opcode, params)

    def _write_plane(self, plane: bytearray, data: bytes) -> None:
        # each row of data is one gate line, as many bytes as the resolution's sources
        row_bytes = max(self.scan_size[0] // 8, 1)
        _, ram_h = self.ram_size
        index = 0
        while index < len(data):
            row, column = divmod(self._offset, row_bytes)
            run = min(row_bytes - column, len(data) - index)
            if row < ram_h:
                fit = max(min(run, self.stride - column), 0)
                start = row * self.stride + column
                plane[start : start + fit] = data[index : index + fit]
            index += run
            self._offset += run

    def _ram_row(self, gate: int) -> int | None:
        gates = self.scan_size[1]
        if gate >= gates:
            return None
        return gate if self.panel_setting & 0x08 else gates - 1 - gate  # UD

    def _ram_column(self, source: int) -> int:
        sources = self.scan_size[0]
        if self.panel_setting & 0x04 or source >= sources:  # SHL
            return source
        return sources - 1 - source

    def _pixel_color(self, black_bit: int, red_bit: int) -> bytes:
        # black_ram holds 0x10's data, red_ram 0x13's
        if self.grayscale:
            return _GREYS[black_bit << 1 | red_bit]
        ddx = (self.cdi >> 4) & 0x03
        if not self.tricolor or not self.color:
            return WHITE if red_bit != ddx >> 1 else BLACK
        if red_bit != ddx >> 1:
            return RED
        return WHITE if black_bit == ddx & 1 else BLACK

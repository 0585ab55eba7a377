"""E-paper controllers on 4-wire SPI with a busy pin: Solomon Systech SSD1680 (the MagTag's,
2.13"/2.9" FeatherWings) and UltraChip UC8151D (2.9" / 1.54" flexible and tri-colour panels).

An e-paper panel keeps its picture without power and changes it only when the program asks for
a refresh: the controller then drives ``busy`` for ``refresh_time`` seconds (high on the SSD1680,
low on the UC8151D, as the chips do) and the panel shows what the RAM held when the refresh
started. ``frame`` is that picture (white, black and, on tri-colour glass, red);
``refreshes`` counts them. Commands the part does not know are logged and counted in
``unknown_commands``, never a crash.
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

    def _refresh(self) -> None:
        """Show what the RAM holds now; busy for ``refresh_time``."""
        glass_w, glass_h = self.glass_size
        out = []
        for y in range(glass_h):
            base = y * self.stride
            for gx in range(glass_w):
                x = gx + self.x_offset
                mask = 0x80 >> (x % 8)
                black = 1 if self.black_ram[base + x // 8] & mask else 0
                red = 1 if self.red_ram[base + x // 8] & mask else 0
                out.append(self._pixel_color(black, red))
        self._shown = rotate_rgb(b"".join(out), glass_w, glass_h, self.rotation)
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

    Decoded: software reset (0x12), deep sleep (0x10), data entry mode (0x11: X/Y increment or
    decrement, X or Y first), RAM X/Y windows (0x44/0x45) and counters (0x4E/0x4F), the
    black/white RAM (0x24: bit 1 is white) and red RAM (0x26: bit 1 is red), update control
    (0x21/0x22) and master activation (0x20: the refresh); the analog set-up commands are
    recorded."""

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

    def _plane_for(self, opcode: int) -> bytearray | None:
        return {0x24: self.black_ram, 0x26: self.red_ram}.get(opcode)

    def _run(self, opcode: int, params: bytes) -> None:
        if opcode == 0x12:
            self.reset()
            self._work(0.002)
        elif opcode == 0x10:
            self.sleeping = bool(params and params[0] & 0x03)
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

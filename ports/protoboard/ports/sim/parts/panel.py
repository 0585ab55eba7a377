"""What every display part shares: a command log with bounded memory, the unknown-command
report, and the picture (``frame``, :meth:`image`, :meth:`save_png`); and the controllers' bus
interfaces (the reset pin, 4-wire SPI with a D/C pin, I2C with control bytes).

A display part keeps its controller's RAM and works out :meth:`DisplayPanel.render`, the panel's
picture as RGB888 bytes (``width`` x ``height``, row by row). Everything else here is built on
that one method.
"""

from __future__ import annotations

import collections
import logging
from pathlib import Path
from typing import Any, ClassVar

from protoboard.ports.sim.parts.base import I2CPart, Part, SPIPart

log = logging.getLogger("protoboard.parts.display")

#: command bytes remembered per part (the newest; older ones are dropped)
COMMAND_LOG_LENGTH = 4096


def rotate_rgb(data: bytes, width: int, height: int, rotation: int) -> bytes:
    """An RGB888 picture turned ``rotation`` degrees clockwise (0, 90, 180 or 270)."""
    if rotation == 0:
        return data
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    if rotation == 180:
        pixels.reverse()
        return b"".join(pixels)
    out: list[bytes] = []
    if rotation == 90:  # new row r is old column r, read bottom to top
        for x in range(width):
            out.extend(pixels[(height - 1 - y) * width + x] for y in range(height))
    else:  # 270: new row r is old column width-1-r, read top to bottom
        for x in range(width - 1, -1, -1):
            out.extend(pixels[y * width + x] for y in range(height))
    return b"".join(out)


class DisplayPanel(Part):
    """A display controller with its glass. Subclasses set ``width``/``height`` and implement
    :meth:`render`."""

    width: int
    height: int

    def _setup_log(self) -> None:
        #: the newest command bytes received (opcode, parameters), for tests and debugging
        self.commands: collections.deque[tuple[int, bytes]] = collections.deque(
            maxlen=COMMAND_LOG_LENGTH
        )
        #: opcodes the part does not know, with how often each came (never a crash)
        self.unknown_commands: collections.Counter[int] = collections.Counter()
        #: how many full pictures reached the panel (RAM writes that ended, e-paper refreshes)
        self.updates = 0

    def _unknown(self, opcode: int, params: bytes) -> None:
        if opcode not in self.unknown_commands:
            log.warning(
                "display part '%s' (%s) ignored unknown command %#04x with %d parameter bytes",
                self.name,
                self.kind,
                opcode,
                len(params),
            )
        self.unknown_commands[opcode] += 1

    # -- the picture ---------------------------------------------------------------------------

    def render(self) -> bytes:
        """The panel's picture: ``width * height`` RGB888 pixels, row by row."""
        raise NotImplementedError

    @property
    def frame(self) -> list[list[tuple[int, int, int]]]:
        """The picture on the panel: ``height`` rows of ``width`` ``(r, g, b)`` pixels, 0-255."""
        data = self.render()
        stride = self.width * 3
        return [
            [tuple(data[i : i + 3]) for i in range(y * stride, (y + 1) * stride, 3)]  # type: ignore[misc]
            for y in range(self.height)
        ]

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        """The ``(r, g, b)`` colour at column ``x``, row ``y`` of the panel."""
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise IndexError(f"pixel ({x}, {y}) is outside the {self.width}x{self.height} panel")
        data = self.render()
        i = (y * self.width + x) * 3
        return (data[i], data[i + 1], data[i + 2])

    def colors(self) -> collections.Counter[tuple[int, int, int]]:
        """How many pixels show each colour (handy in tests)."""
        data = self.render()
        return collections.Counter(zip(data[0::3], data[1::3], data[2::3], strict=True))

    def image(self) -> Any:
        """The picture as a Pillow ``Image`` (RGB). Needs Pillow: ``pip install pillow``."""
        try:
            from PIL import Image
        except ImportError:
            raise RuntimeError(
                "seeing a display's picture as an image needs Pillow: pip install pillow"
            ) from None
        return Image.frombytes("RGB", (self.width, self.height), self.render())

    def save_png(self, path: str | Path, scale: int = 1) -> Path:
        """Write the picture as a PNG file, each pixel ``scale`` x ``scale``."""
        if scale < 1:
            raise ValueError(f"scale must be 1 or more, not {scale}")
        picture = self.image()
        if scale > 1:
            from PIL import Image

            picture = picture.resize(
                (self.width * scale, self.height * scale), Image.Resampling.NEAREST
            )
        target = Path(path)
        picture.save(target, format="PNG")
        return target


class ResetPin(Part):
    """A controller with an optional active-low ``reset`` pin: pulling it low resets the chip
    (:meth:`reset`, which each controller defines)."""

    def reset(self) -> None:
        raise NotImplementedError

    def on_attach(self) -> None:
        super().on_attach()
        self._listen_reset()

    def _listen_reset(self) -> None:
        if "reset" in self.connections:
            self.listen("reset", self._reset_pin)

    def _reset_pin(self, pin: object, level: bool, when: int) -> None:
        if not level:
            self.reset()


class DataCommandSPI(ResetPin, SPIPart):
    """A controller on 4-wire SPI: the ``dc`` pin tells command bytes (low) from data (high).
    The controller defines :meth:`write_command` (one byte) and :meth:`write_data`."""

    roles: ClassVar[tuple[str, ...]] = ("clock", "cs", "dc")
    optional_roles: tuple[str, ...] = ("mosi", "miso", "reset")

    def write_command(self, byte: int) -> None:
        raise NotImplementedError

    def write_data(self, data: bytes) -> None:
        raise NotImplementedError

    def spi_transfer(self, data: bytes) -> bytes:
        if self.pin("dc").level:
            self.write_data(bytes(data))
        else:
            for byte in data:
                self.write_command(byte)
        return bytes(len(data))  # nothing on MISO


class ControlByteI2C(ResetPin, I2CPart):
    """A controller on I2C (the SSD1306's and SH1107's scheme): after the address, each write
    starts with a control byte, ``0x00`` (Co=0, D/C#=0: the rest is commands) or ``0x40``
    (Co=0, D/C#=1: display data); with Co=1 (``0x80``/``0xC0``) one byte follows and then
    another control byte. Reading gives the status byte (bit 6 set while the display is off).
    """

    optional_roles: tuple[str, ...] = ("reset",)
    display_on: bool

    def __init__(self, address: int, *, name: str | None = None) -> None:
        super().__init__(address, name=name)
        self._control_pending = True
        self._co = False
        self._dc = False

    def write_command(self, byte: int) -> None:
        raise NotImplementedError

    def write_data(self, data: bytes) -> None:
        raise NotImplementedError

    def i2c_start(self, read: bool) -> bool:
        self._control_pending = True
        return True

    def i2c_write(self, byte: int) -> bool:
        if self._control_pending:
            self._co = bool(byte & 0x80)
            self._dc = bool(byte & 0x40)
            self._control_pending = False
            return True
        if self._dc:
            self.write_data(bytes([byte]))
        else:
            self.write_command(byte)
        if self._co:
            self._control_pending = True
        return True

    def i2c_write_block(self, data: bytes) -> int:
        index = 0
        while index < len(data):
            if not self._control_pending and not self._co and self._dc:
                self.write_data(data[index:])  # the fast path for a frame of pixels
                return len(data)
            self.i2c_write(data[index])
            index += 1
        return len(data)

    def i2c_read(self) -> int:
        return 0x00 if self.display_on else 0x40

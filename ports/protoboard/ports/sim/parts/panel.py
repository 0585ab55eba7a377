"""What every display part shares: a command log with bounded memory, the unknown-command
report, and the picture (``frame``, :meth:`image`, :meth:`save_png`).

A display part keeps its controller's RAM and works out :meth:`DisplayPanel.render`, the panel's
picture as RGB888 bytes (``width`` x ``height``, row by row). Everything else here is built on
that one method.
"""

from __future__ import annotations

import collections
import logging
from pathlib import Path
from typing import Any

from protoboard.ports.sim.parts.base import Part

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

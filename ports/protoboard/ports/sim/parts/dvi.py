"""A DVI/HDMI monitor on a board's DVI port, shown the frames of the board's ``picodvi``
driver."""

from __future__ import annotations

import struct
from typing import ClassVar

from protoboard.ports.sim.parts.panel import DisplayPanel

#: width, height, colour depth, row stride: what the driver sends before the packed frame
_HEADER = struct.Struct("<HHBxI")


def frame_message(width: int, height: int, depth: int, stride: int, frame: bytes) -> bytes:
    """What the simulated ``picodvi`` driver sends on the clock pin for one frame."""
    return _HEADER.pack(width, height, depth, stride) + frame


def _scale(value: int, bits: int) -> int:
    """A ``bits``-wide channel as 0-255 (full scale is white, as picodvi documents)."""
    return value * 255 // ((1 << bits) - 1)


def _decode_row(row: bytes, width: int, depth: int) -> bytes:
    out = bytearray()
    if depth == 32:  # 0x00RRGGBB, little-endian words
        for x in range(width):
            b, g, r = row[4 * x], row[4 * x + 1], row[4 * x + 2]
            out += bytes((r, g, b))
    elif depth == 16:  # RGB565, little-endian
        for x in range(width):
            v = row[2 * x] | row[2 * x + 1] << 8
            out += bytes((_scale(v >> 11, 5), _scale((v >> 5) & 0x3F, 6), _scale(v & 0x1F, 5)))
    elif depth == 8:  # RGB332
        for v in row[:width]:
            out += bytes((_scale(v >> 5, 3), _scale((v >> 2) & 7, 3), _scale(v & 3, 2)))
    else:  # 1, 2, 4 bits: the first pixel in the low bits of each byte
        per_byte = 8 // depth
        mask = (1 << depth) - 1
        for x in range(width):
            v = (row[x // per_byte] >> (x % per_byte * depth)) & mask
            if depth == 4:  # RGB in bits 3-1, bit 0 unused
                out += bytes((255 * (v >> 3 & 1), 255 * (v >> 2 & 1), 255 * (v >> 1 & 1)))
            else:  # grey
                grey = _scale(v, depth)
                out += bytes((grey, grey, grey))
    return bytes(out)


class DVIMonitor(DisplayPanel):
    """A monitor on a DVI port (HSTX or PIO DVI): wire ``clock`` to the ``clk_dp`` pin. It
    shows the program's ``picodvi.Framebuffer`` as the framebuffer holds it (``width`` x
    ``height`` of the framebuffer: a real monitor sees it doubled to 640 x 480 or 720 x 400),
    each colour depth decoded to RGB (1 and 2 bits grey, 4 bits one bit each of red, green and
    blue, 8 bits RGB332, 16 bits RGB565, 32 bits RGB888), full scale shown as 255. Blank
    (640 x 480 black) until the first frame. Inspect ``frame``, :meth:`pixel`, :meth:`save_png`,
    ``frames`` (how many were shown) and ``color_depth``."""

    kind = "DVIMonitor"
    roles: ClassVar[tuple[str, ...]] = ("clock",)

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.width, self.height = 640, 480
        #: bits per pixel of the shown frame (0 before the first)
        self.color_depth = 0
        self._setup_log()
        self._packed = b""
        self._stride = 0
        self._rendered: bytes | None = bytes(640 * 480 * 3)
        #: frames shown so far
        self.frames = 0

    def on_attach(self) -> None:
        self.listen_data("clock", self._frame)

    def _frame(self, pin: object, data: bytes, kind: str) -> None:
        if kind != "picodvi":
            return
        width, height, depth, stride = _HEADER.unpack_from(data)
        packed = data[_HEADER.size :]
        if depth not in (1, 2, 4, 8, 16, 32) or len(packed) < stride * height:
            raise ValueError(f"a DVI frame of {width}x{height} at {depth} bits is cut short")
        self.width, self.height, self.color_depth, self._stride = width, height, depth, stride
        self._packed = packed
        self._rendered = None  # decoded when someone looks
        self.frames += 1
        self.updates += 1

    def render(self) -> bytes:
        if self._rendered is None:
            s = self._stride
            self._rendered = b"".join(
                _decode_row(self._packed[y * s : (y + 1) * s], self.width, self.color_depth)
                for y in range(self.height)
            )
        return self._rendered

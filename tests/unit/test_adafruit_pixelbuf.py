"""adafruit_pixelbuf.PixelBuf built in: the bytes it hands _transmit, as CircuitPython's C code
computes them, and its errors."""

from __future__ import annotations

import pytest

from protoboard.bindings.adafruit_pixelbuf import PixelBuf


class Strip(PixelBuf):
    def __init__(self, *args: object, **kwargs: object) -> None:
        self.sent: list[bytes] = []
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def _transmit(self, buffer: bytearray) -> None:
        self.sent.append(bytes(buffer))


def test_byteorder_brightness_and_auto_write() -> None:
    strip = Strip(3, byteorder="GRB", brightness=0.5, auto_write=True)
    assert (strip.bpp, strip.byteorder, len(strip)) == (3, "GRB", 3)
    strip[0] = (255, 128, 2)
    assert strip.sent[-1][:3] == bytes([64, 127, 1])  # G, R, B each * 128 // 256
    assert strip[0] == (255, 128, 2)  # the colour before brightness
    strip.brightness = 1.0
    assert strip.sent[-1][:3] == bytes([128, 255, 2])
    strip.brightness = 7  # clamped, as on a board
    assert strip.brightness == 1.0
    strip.auto_write = False
    strip.fill(0x010203)
    assert len(strip.sent) == 2  # not sent without auto_write
    strip.show()
    assert strip.sent[-1] == bytes([2, 1, 3]) * 3


def test_slices_rgbw_and_dotstar() -> None:
    strip = Strip(4, byteorder="RGBW")
    strip[1:3] = [(1, 2, 3), (9, 9, 9)]
    assert strip[1:3] == ((1, 2, 3, 0), (0, 0, 0, 9))  # equal RGB lights white
    strip[::2] = [1, 2, 3, 4, 5, 6, 7, 8]  # flat components, bpp per pixel
    assert strip[0] == (1, 2, 3, 4) and strip[2] == (5, 6, 7, 8)
    assert list(strip)[3] == (0, 0, 0, 0)
    dots = Strip(1, byteorder="PBGR", header=b"\0\0\0\0", trailer=b"\xff")
    dots[0] = (10, 20, 30, 0.5)
    dots.show()
    assert dots.sent[-1] == b"\0\0\0\0" + bytes([0xE0 | (127 >> 3), 30, 20, 10]) + b"\xff"
    assert dots[0] == (10, 20, 30, (127 >> 3) / 31)


@pytest.mark.hostile
def test_errors() -> None:
    for order in ("RG", "RGBWX", "RRB", "BGRP", "PRGW", "XYZ"):
        with pytest.raises(ValueError, match="^Invalid byteorder$"):
            PixelBuf(1, byteorder=order)
    with pytest.raises(TypeError, match="^byteorder must be of type str, not int$"):
        PixelBuf(1, byteorder=3)  # type: ignore[arg-type]
    strip = Strip(2, byteorder="RGB")
    with pytest.raises(IndexError, match="^Strip index out of range$"):
        strip[2] = 0
    with pytest.raises(ValueError, match="^color length must be 3-4$"):
        strip[0] = (1, 2)
    with pytest.raises(TypeError, match="can't convert str to int"):
        strip[0] = ("a", 2, 3)
    with pytest.raises(
        ValueError, match=r"Unmatched number of items on RHS \(expected 2, got 3\)\."
    ):
        strip[0:2] = [0, 0, 0]
    with pytest.raises(AttributeError, match="_transmit"):
        PixelBuf(1).show()

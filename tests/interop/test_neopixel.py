"""neopixel + adafruit_pixelbuf (unmodified) against the simulated NeoPixel strips."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.basic import NeoPixelStrip

pytestmark = pytest.mark.network


def test_onboard_neopixel(sim, drivers) -> None:
    import board
    import neopixel

    part = sim.part("NEOPIXEL")
    pixels = neopixel.NeoPixel(board.NEOPIXEL, 1)
    pixels[0] = (255, 128, 1)
    assert part.pixels == [(255, 128, 1)]
    pixels[0] = 0x102030
    assert part.pixels == [(0x10, 0x20, 0x30)]
    pixels.brightness = 0.5
    assert part.pixels == [(8, 16, 24)]
    pixels.fill((200, 100, 50))
    assert part.pixels == [(100, 50, 25)]
    assert tuple(pixels[0]) == (200, 100, 50)  # the driver keeps the colour before brightness
    pixels.deinit()
    assert part.pixels == [(0, 0, 0)]


def test_external_strip_on_d5(sim, drivers) -> None:
    strip = sim.attach(NeoPixelStrip(name="STRIP", count=8), pin="D5")
    import board
    import neopixel

    pixels = neopixel.NeoPixel(board.D5, 8, auto_write=False)
    pixels.fill((1, 2, 3))
    assert strip.frames == 0  # nothing is sent before show() without auto_write
    pixels.show()
    assert strip.pixels == [(1, 2, 3)] * 8
    pixels[3] = (255, 0, 0)
    pixels[5:7] = [(0, 255, 0), (0, 0, 255)]
    pixels[-1] = 0xFFFFFF
    pixels.show()
    assert strip.pixels == [
        (1, 2, 3),
        (1, 2, 3),
        (1, 2, 3),
        (255, 0, 0),
        (1, 2, 3),
        (0, 255, 0),
        (0, 0, 255),
        (255, 255, 255),
    ]
    pixels.brightness = 0.25
    pixels.show()
    assert strip.pixels[3] == (63, 0, 0) and strip.pixels[7] == (63, 63, 63)
    assert strip.pixels[0] == (0, 0, 0)  # int(1 * 0.25) == 0
    assert sim.part("NEOPIXEL").pixels == [(0, 0, 0)]  # the onboard pixel saw nothing


@pytest.mark.parametrize(
    ("driver_order", "strip_order", "seen"),
    [
        ("RGB", "RGB", (10, 20, 30)),
        ("GRB", "GRB", (10, 20, 30)),
        ("BGR", "BGR", (10, 20, 30)),
        ("GRB", "RGB", (20, 10, 30)),  # wrong pixel_order: red and green swap
    ],
)
def test_pixel_order(sim, drivers, driver_order: str, strip_order: str, seen) -> None:
    strip = sim.attach(NeoPixelStrip(name="STRIP", count=2, byte_order=strip_order), pin="D5")
    import board
    import neopixel

    pixels = neopixel.NeoPixel(board.D5, 2, pixel_order=getattr(neopixel, driver_order))
    pixels[1] = (10, 20, 30)
    assert strip.pixels == [(0, 0, 0), seen]


def test_rgbw_strip(sim, drivers) -> None:
    strip = sim.attach(NeoPixelStrip(name="STRIP", count=2, byte_order="GRBW"), pin="D5")
    import board
    import neopixel

    pixels = neopixel.NeoPixel(board.D5, 2, pixel_order=neopixel.GRBW)
    pixels[0] = (1, 2, 3, 4)
    pixels[1] = (0, 0, 0, 255)
    assert strip.pixels == [(1, 2, 3, 4), (0, 0, 0, 255)]

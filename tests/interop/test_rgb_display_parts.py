"""Unmodified adafruit_rgb_display (pixel-level drivers, no displayio) against the ST7789,
ILI9341 and HX8357 display-controller parts: what the driver draws is what the panel shows."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.mipi_dcs import HX8357, ILI9341, ST7789

pytestmark = pytest.mark.network

RED, GREEN, BLUE, WHITE, BLACK = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0)


def open_display(sim, part, module: str, cls: str, **options):
    sim.attach(part, clock="SCK", mosi="MOSI", cs="D5", dc="D6", reset="D9")
    import importlib

    import board
    import digitalio

    driver = getattr(importlib.import_module(f"adafruit_rgb_display.{module}"), cls)
    display = driver(
        board.SPI(),
        dc=digitalio.DigitalInOut(board.D6),
        cs=digitalio.DigitalInOut(board.D5),
        rst=digitalio.DigitalInOut(board.D9),
        baudrate=24_000_000,
        **options,
    )
    return display


def color565(rgb: tuple[int, int, int]) -> int:
    from adafruit_rgb_display.rgb import color565 as encode

    return encode(*rgb)


def check_corners(part, display) -> None:
    """Red at the driver's (0, 0), green at its last column of row 0, blue at its last row."""
    w, h = display.width, display.height
    display.fill(0)
    display.fill_rectangle(0, 0, 4, 3, color565(RED))
    display.fill_rectangle(w - 4, 0, 4, 3, color565(GREEN))
    display.pixel(0, h - 1, color565(BLUE))
    frame = part.frame
    assert (len(frame[0]), len(frame)) == (w, h)
    assert frame[0][0] == RED and frame[2][3] == RED and frame[3][4] == BLACK
    assert frame[0][w - 1] == GREEN and frame[2][w - 4] == GREEN
    assert frame[h - 1][0] == BLUE
    counts = part.colors()
    assert counts[RED] == 12 and counts[GREEN] == 12 and counts[BLUE] == 1
    assert counts[BLACK] == w * h - 25


def test_st7789_240x240_upright(sim, drivers) -> None:
    # The 1.3"/1.54" 240x240 module: adafruit_rgb_display needs y_offset=80 (its glass sits at
    # the end of the 320-row RAM that MADCTL 0xC0 counts from)
    part = ST7789(width=240, height=240)
    display = open_display(sim, part, "st7789", "ST7789", width=240, height=240, y_offset=80)
    assert part.display_on and not part.sleeping and part.inverted
    assert part.madctl == 0xC0 and part.bits_per_pixel == 16
    check_corners(part, display)


def test_ili9341_portrait_upright_and_colours(sim, drivers) -> None:
    part = ILI9341()
    display = open_display(sim, part, "ili9341", "ILI9341")
    assert part.madctl == 0x48 and part.lit
    check_corners(part, display)
    display.fill(color565(WHITE))
    assert part.colors() == {WHITE: 240 * 320}


def test_hx8357_landscape(sim, drivers) -> None:
    part = HX8357(rotation=90)  # the 3.5" breakout held landscape
    display = open_display(sim, part, "hx8357", "HX8357")
    assert (part.width, part.height) == (480, 320)
    check_corners(part, display)


def test_image_through_pillow_matches(sim, drivers, tmp_path) -> None:
    from PIL import Image, ImageDraw

    part = ILI9341()
    display = open_display(sim, part, "ili9341", "ILI9341")
    picture = Image.new("RGB", (240, 320), (0, 0, 0))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((10, 20, 100, 60), fill=(255, 0, 0))
    draw.ellipse((50, 150, 200, 300), fill=(0, 0, 255))
    display.image(picture)
    shown = part.image()
    assert shown.tobytes() == picture.tobytes()
    saved = part.save_png(tmp_path / "frame.png", scale=2)
    with Image.open(saved) as again:
        assert again.size == (480, 640)
        assert again.getpixel((30, 50)) == (255, 0, 0)


def test_sleep_display_off_and_unknown_commands(sim, drivers) -> None:
    part = ST7789(width=240, height=240)
    display = open_display(sim, part, "st7789", "ST7789", width=240, height=240, y_offset=80)
    display.fill(color565(WHITE))
    assert part.pixel(5, 5) == WHITE
    display.write(0x28)  # DISPOFF
    assert part.colors() == {BLACK: 240 * 240}
    display.write(0x29)
    # not an ST7789 command: logged and counted once its parameters end (at the next command),
    # never a crash
    display.write(0xFE, b"\x01\x02")
    display.write(0x00)  # NOP
    assert part.unknown_commands[0xFE] == 1
    assert (0xFE, b"\x01\x02") in part.commands
    assert part.pixel(5, 5) == WHITE
    display.write(0x20)  # INVOFF on IPS glass: the colours come out inverted
    assert part.pixel(5, 5) == BLACK

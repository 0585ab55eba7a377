"""Unmodified displayio drivers (adafruit_st7789, adafruit_ili9341, adafruit_displayio_ssd1306)
through busdisplay.BusDisplay and the display buses to the display-controller parts: the init
sequence, the refresh and the picture on the panel."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.mipi_dcs import ILI9341, ST7789
from protoboard.ports.sim.parts.ssd1306 import SSD1306

pytestmark = pytest.mark.network

RED, GREEN, BLUE, WHITE, BLACK = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0)


def scene(width: int, height: int):
    """A black background, a 10x6 red block at (0, 0), a green one at the top right and one
    blue pixel at the bottom left."""
    import displayio

    bitmap = displayio.Bitmap(width, height, 4)
    palette = displayio.Palette(4)
    palette[0], palette[1], palette[2], palette[3] = 0x000000, 0xFF0000, 0x00FF00, 0x0000FF
    for x in range(10):
        for y in range(6):
            bitmap[x, y] = 1
            bitmap[width - 1 - x, y] = 2
    bitmap[0, height - 1] = 3
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    return group


def check_scene(part, width: int, height: int) -> None:
    frame = part.frame
    assert (len(frame[0]), len(frame)) == (width, height)
    assert frame[0][0] == RED and frame[5][9] == RED and frame[6][10] == BLACK
    assert frame[0][width - 1] == GREEN and frame[5][width - 10] == GREEN
    assert frame[height - 1][0] == BLUE
    assert part.colors() == {RED: 60, GREEN: 60, BLUE: 1, BLACK: width * height - 121}


def spi_bus(sim, part):
    import board
    import fourwire

    sim.attach(part, clock="SCK", mosi="MOSI", cs="D5", dc="D6", reset="D9")
    return fourwire.FourWire(board.SPI(), command=board.D6, chip_select=board.D5, reset=board.D9)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_st7789_240x240_every_rotation(sim, drivers, rotation: int) -> None:
    import adafruit_st7789

    # the glass held so that the rotated picture is upright
    part = ST7789(width=240, height=240, rotation=(360 - rotation) % 360)
    display = adafruit_st7789.ST7789(
        spi_bus(sim, part),
        width=240,
        height=240,
        rowstart=80,
        rotation=rotation,
        auto_refresh=False,
    )
    assert part.lit and part.inverted and part.madctl == 0xC0 and part.bits_per_pixel == 16
    display.root_group = scene(240, 240)
    display.refresh()
    check_scene(part, 240, 240)


def test_ili9341_landscape_and_dirty_areas(sim, drivers) -> None:
    import adafruit_ili9341
    import displayio

    part = ILI9341(rotation=270)  # the 2.4"/2.8" breakouts held landscape
    display = adafruit_ili9341.ILI9341(
        spi_bus(sim, part), width=320, height=240, auto_refresh=False
    )
    group = scene(320, 240)
    display.root_group = group
    display.refresh()
    check_scene(part, 320, 240)
    before = part.data_bytes
    bitmap = group[0].bitmap
    bitmap[100, 100] = 3
    display.refresh()
    assert part.pixel(100, 100) == BLUE
    assert part.data_bytes - before == 2  # only the changed pixel went over the bus
    display.root_group = None  # nothing shown: the panel goes black
    display.refresh()
    assert part.colors() == {BLACK: 320 * 240}
    with pytest.raises(ValueError, match="^Group already used$"):
        other = displayio.Group()
        holder = displayio.Group()
        holder.append(other)
        display.root_group = other


def test_ssd1306_over_i2cdisplaybus(sim, drivers) -> None:
    import adafruit_displayio_ssd1306
    import board
    import displayio
    import i2cdisplaybus

    part = sim.attach(SSD1306(width=128, height=32))
    bus = i2cdisplaybus.I2CDisplayBus(board.I2C(), device_address=0x3C)
    display = adafruit_displayio_ssd1306.SSD1306(bus, width=128, height=32, auto_refresh=False)
    bitmap = displayio.Bitmap(128, 32, 2)
    palette = displayio.Palette(2)
    palette[0], palette[1] = 0x000000, 0xFFFFFF
    for x in range(5):
        bitmap[x, 0] = 1
    bitmap[127, 31] = 1
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    display.root_group = group
    display.refresh()
    assert part.lit_pixels() == {(x, 0) for x in range(5)} | {(127, 31)}, part.to_text()
    display.sleep()
    assert not part.display_on
    display.wake()
    assert part.display_on


def test_auto_refresh_in_the_background(sim, drivers) -> None:
    import time

    import adafruit_st7789

    part = ST7789(width=240, height=240)
    display = adafruit_st7789.ST7789(spi_bus(sim, part), width=240, height=240, rowstart=80)
    assert display.auto_refresh
    display.root_group = scene(240, 240)
    deadline = time.monotonic() + 30
    # the board refreshes on its own, as a real one does (the bottom row comes last)
    while part.pixel(0, 239) != BLUE:
        assert time.monotonic() < deadline, "the display was never refreshed"
        time.sleep(0.01)
    display.auto_refresh = False
    check_scene(part, 240, 240)


@pytest.mark.parametrize(("height", "offset"), [(64, 0x60), (128, 0x00)])
def test_sh1107_featherwing_and_128x128(sim, drivers, height: int, offset: int) -> None:
    import adafruit_displayio_sh1107
    import board
    import displayio
    import i2cdisplaybus

    from protoboard.ports.sim.parts.sh1107 import SH1107

    part = sim.attach(SH1107(height=height))
    bus = i2cdisplaybus.I2CDisplayBus(board.I2C(), device_address=0x3C)
    display = adafruit_displayio_sh1107.SH1107(
        bus, width=128, height=height, display_offset=offset, auto_refresh=False
    )
    assert part.display_on and part.display_offset == offset and part.multiplex == height
    bitmap = displayio.Bitmap(128, height, 2)
    palette = displayio.Palette(2)
    palette[1] = 0xFFFFFF
    for x in range(6):
        for y in range(3):
            bitmap[x, y] = 1
    bitmap[127, height - 1] = 1
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    display.root_group = group
    display.refresh()
    lit = {(x, y) for y, row in enumerate(part.frame) for x, v in enumerate(row) if v == WHITE}
    assert lit == {(x, y) for x in range(6) for y in range(3)} | {(127, height - 1)}
    display.brightness = 0.5  # the brightness command (0x81) sets the contrast
    assert part.contrast == 127
    assert not part.unknown_commands


@pytest.mark.board("adafruit_funhouse")
def test_a_program_draws_on_the_funhouse_screen(sim, run_code, adafruit_libs) -> None:
    """The docs' example program, run as a board runs code.py (loop cut short), with
    adafruit_display_text's label from /lib on top."""
    from pathlib import Path

    example = Path(__file__).parents[2] / "docs" / "examples" / "displays" / "code.py"
    program = example.read_text(encoding="utf-8").replace("while True:", "for _ in range(1):")
    program += (
        "\nfrom adafruit_display_text import label\n"
        "import terminalio\n"
        "screen.append(label.Label(terminalio.FONT, text='Hi', color=0xFF0000, x=200, y=220))\n"
        "display.refresh()\n"
    )
    result = run_code(program, lib_paths=[adafruit_libs], timeout=60)
    assert result.ok, result.traceback
    screen = sim.part("DISPLAY")
    colours = screen.colors()
    assert colours[(255, 255, 0)] > 1000 and colours[(0, 0, 255)] > 1000  # the bars
    text = {screen.pixel(x, y) for x in range(195, 235) for y in range(205, 236)}
    assert (255, 0, 0) in text  # the label, below the bars
    assert screen.pixel(0, 0) == (255, 255, 255)  # the first bar, top left: upright

"""Unmodified e-paper drivers (adafruit_ssd1680, adafruit_uc8151d) through
epaperdisplay.EPaperDisplay and fourwire.FourWire to the SSD1680 and UC8151 parts: the start
sequence, RAM windows, both colour planes, the busy pin and the refresh limits."""

from __future__ import annotations

import time

import pytest

from protoboard.ports.sim.parts.epaper import SSD1680, UC8151

pytestmark = pytest.mark.network

WHITE, BLACK, RED = (255, 255, 255), (0, 0, 0), (255, 0, 0)


def scene(width: int, height: int):
    """White, a black 8x4 block at (0, 0), a red one at the top right (when there is red)."""
    import displayio

    bitmap = displayio.Bitmap(width, height, 3)
    palette = displayio.Palette(3)
    palette[0], palette[1], palette[2] = 0xFFFFFF, 0x000000, 0xFF0000
    for x in range(8):
        for y in range(4):
            bitmap[x, y] = 1
            bitmap[width - 1 - x, y] = 2
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    return group


def bus(sim, part):
    import board
    import fourwire

    sim.attach(part, clock="SCK", mosi="MOSI", cs="D5", dc="D6", reset="D9", busy="D10")
    return fourwire.FourWire(
        board.SPI(), command=board.D6, chip_select=board.D5, reset=board.D9, baudrate=1_000_000
    )


def test_ssd1680_213_tricolor(sim, drivers) -> None:
    import adafruit_ssd1680
    import board

    part = SSD1680(width=122, height=250, x_offset=8, color=True, rotation=90, refresh_time=0.05)
    display = adafruit_ssd1680.SSD1680(
        bus(sim, part),
        width=250,
        height=122,
        busy_pin=board.D10,
        highlight_color=0xFF0000,
        rotation=270,
        seconds_per_frame=0.2,
    )
    assert (display.width, display.height) == (250, 122)
    display.root_group = scene(250, 122)
    assert display.time_to_refresh == 0
    display.refresh()
    assert part.refreshes == 1 and display.busy
    assert display.time_to_refresh > 0
    with pytest.raises(RuntimeError, match="^Refresh too soon$"):
        display.refresh()
    frame = part.frame
    assert (len(frame[0]), len(frame)) == (250, 122)
    assert frame[0][0] == BLACK and frame[3][7] == BLACK and frame[4][8] == WHITE
    assert frame[0][249] == RED and frame[3][242] == RED
    assert part.colors() == {BLACK: 32, RED: 32, WHITE: 250 * 122 - 64}
    deadline = time.monotonic() + 30
    while display.busy:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert part.sleeping  # the stop sequence puts the controller into deep sleep
    time.sleep(display.time_to_refresh)
    display.refresh()  # nothing changed: nothing to send, no refresh
    assert part.refreshes == 1
    display.root_group[0].bitmap[100, 100] = 1
    display.refresh()  # the reset pin wakes the controller from deep sleep first
    assert part.refreshes == 2 and part.pixel(100, 100) == BLACK


def test_uc8151d_black_and_white(sim, drivers) -> None:
    import adafruit_uc8151d
    import board

    part = UC8151(width=128, height=296, rotation=270, refresh_time=0.05)
    display = adafruit_uc8151d.UC8151D(
        bus(sim, part),
        width=296,
        height=128,
        rotation=90,
        busy_pin=board.D10,
        seconds_per_frame=0.1,
    )
    display.root_group = scene(296, 128)
    display.refresh()
    frame = part.frame
    assert (len(frame[0]), len(frame)) == (296, 128)
    assert frame[0][0] == BLACK and frame[4][8] == WHITE
    assert frame[0][295] == BLACK  # red shows as black on black-and-white glass
    assert part.colors() == {BLACK: 64, WHITE: 296 * 128 - 64}

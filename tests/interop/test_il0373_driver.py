"""Unmodified adafruit_il0373 through epaperdisplay.EPaperDisplay and fourwire.FourWire to the
IL0373 part: the first MagTags' 2.9" grayscale panel (the board's own settings: 296 x 128,
rotation 270, four greys), a tri-colour 2.13" and a flexible black/white 2.9" (swapped RAMs);
the busy pin (low while busy) and the refresh."""

from __future__ import annotations

import time

import pytest

from protoboard.ports.sim.parts.epaper import IL0373

pytestmark = pytest.mark.network

WHITE, BLACK, RED = (255, 255, 255), (0, 0, 0), (255, 0, 0)
LIGHT, DARK = (0xAA, 0xAA, 0xAA), (0x55, 0x55, 0x55)


def bus(sim, part):
    import board
    import fourwire

    sim.attach(part, clock="SCK", mosi="MOSI", cs="D5", dc="D6", reset="D9", busy="D10")
    return fourwire.FourWire(
        board.SPI(), command=board.D6, chip_select=board.D5, reset=board.D9, baudrate=1_000_000
    )


def stripes(width: int, height: int, colours: list[int]):
    """Vertical stripes of ``colours`` from left to right, each ``width // len(colours)`` wide
    (the last one takes the rest)."""
    import displayio

    bitmap = displayio.Bitmap(width, height, len(colours))
    palette = displayio.Palette(len(colours))
    for index, colour in enumerate(colours):
        palette[index] = colour
    band = width // len(colours)
    for x in range(width):
        index = min(x // band, len(colours) - 1)
        for y in range(height):
            bitmap[x, y] = index
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    return group, bitmap


def wait_idle(display) -> None:
    deadline = time.monotonic() + 30
    while display.busy:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_the_first_magtags_grayscale_panel(sim, drivers) -> None:
    """The MagTag's IL0373 settings (CircuitPython's board_init for that revision): 296 x 128,
    rotation 270, grayscale, neither RAM inverted."""
    import adafruit_il0373
    import board

    part = IL0373(width=128, height=296, rotation=90, grayscale=True, refresh_time=0.05)
    display = adafruit_il0373.IL0373(
        bus(sim, part),
        width=296,
        height=128,
        rotation=270,
        black_bits_inverted=False,
        color_bits_inverted=False,
        grayscale=True,
        busy_pin=board.D10,
        seconds_per_frame=0.1,
    )
    group, _ = stripes(296, 128, [0x000000, 0x555555, 0xAAAAAA, 0xFFFFFF])
    display.root_group = group
    display.refresh()
    assert part.refreshes == 1 and part.resolution == (128, 296)
    assert part.panel_setting & 0x20  # the waveforms come from the registers (its grey LUTs)
    frame = part.frame
    assert (len(frame[0]), len(frame)) == (296, 128)
    assert frame[0][0] == BLACK and frame[127][73] == BLACK
    assert frame[0][74] == DARK and frame[64][147] == DARK
    assert frame[0][148] == LIGHT and frame[127][221] == LIGHT
    assert frame[0][222] == WHITE and frame[127][295] == WHITE
    assert part.colors() == {BLACK: 74 * 128, DARK: 74 * 128, LIGHT: 74 * 128, WHITE: 74 * 128}
    assert not part.unknown_commands


def test_tricolor_213_and_the_busy_pin(sim, drivers) -> None:
    import adafruit_il0373
    import board

    part = IL0373(width=104, height=212, rotation=270, color=True, refresh_time=0.2)
    display = adafruit_il0373.IL0373(
        bus(sim, part),
        width=212,
        height=104,
        rotation=90,
        busy_pin=board.D10,
        highlight_color=0xFF0000,
        seconds_per_frame=0.3,
    )
    group, bitmap = stripes(212, 104, [0xFFFFFF, 0x000000, 0xFF0000])
    bitmap[0, 0] = 2
    display.root_group = group
    display.refresh()
    assert part.tricolor and part.busy and display.busy
    assert part.pin("busy").level is False  # the IL0373 pulls busy low while it works
    frame = part.frame
    assert (len(frame[0]), len(frame)) == (212, 104)
    assert frame[0][0] == RED and frame[1][0] == WHITE and frame[50][69] == WHITE
    assert frame[50][70] == BLACK and frame[50][139] == BLACK
    assert frame[50][140] == RED and frame[103][211] == RED
    counts = part.colors()
    assert counts[RED] == 72 * 104 + 1 and counts[BLACK] == 70 * 104
    with pytest.raises(RuntimeError, match="^Refresh too soon$"):
        display.refresh()
    wait_idle(display)
    assert part.pin("busy").level is True
    assert not part.powered  # the stop sequence powers the panel off once it is idle


def test_flexible_29_black_and_white_with_swapped_rams(sim, drivers) -> None:
    """The flexible panels' example: ``swap_rams=True`` sends black to 0x13 with its bits
    inverted, and the panel setting asks for black/white only."""
    import adafruit_il0373
    import board

    part = IL0373(width=128, height=296, rotation=270, refresh_time=0.05)
    display = adafruit_il0373.IL0373(
        bus(sim, part),
        width=296,
        height=128,
        rotation=90,
        busy_pin=board.D10,
        swap_rams=True,
        seconds_per_frame=0.1,
    )
    group, _ = stripes(296, 128, [0x000000, 0xFFFFFF])
    display.root_group = group
    display.refresh()
    assert not part.tricolor
    frame = part.frame
    assert frame[0][0] == BLACK and frame[127][147] == BLACK
    assert frame[0][148] == WHITE and frame[127][295] == WHITE
    assert part.colors() == {BLACK: 148 * 128, WHITE: 148 * 128}

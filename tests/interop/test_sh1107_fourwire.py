"""Unmodified adafruit_displayio_sh1107 over fourwire.FourWire (the 128 x 128 OLED breakouts'
SPI wiring) to the SH1107SPI part: the same start sequence and page addressing as on I2C, with
the D/C pin telling commands from pixels."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.sh1107 import SH1107SPI

pytestmark = pytest.mark.network

WHITE, BLACK = (255, 255, 255), (0, 0, 0)


def scene(width: int, height: int):
    import displayio

    bitmap = displayio.Bitmap(width, height, 2)
    palette = displayio.Palette(2)
    palette[1] = 0xFFFFFF
    for x in range(6):
        for y in range(3):
            bitmap[x, y] = 1
    bitmap[width - 1, height - 1] = 1
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    return group, bitmap


def lit(part) -> set[tuple[int, int]]:
    return {(x, y) for y, row in enumerate(part.frame) for x, v in enumerate(row) if v == WHITE}


@pytest.mark.parametrize("rotation", [0, 90])
def test_sh1107_128x128_over_fourwire(sim, drivers, rotation: int) -> None:
    import adafruit_displayio_sh1107
    import board
    import fourwire

    part = sim.attach(
        SH1107SPI(rotation=(90 - rotation) % 360),  # the glass turned back to upright
        clock="SCK",
        mosi="MOSI",
        cs="D5",
        dc="D6",
        reset="D9",
    )
    bus = fourwire.FourWire(
        board.SPI(), command=board.D6, chip_select=board.D5, reset=board.D9, baudrate=8_000_000
    )
    display = adafruit_displayio_sh1107.SH1107(
        bus,
        width=128,
        height=128,
        display_offset=adafruit_displayio_sh1107.DISPLAY_OFFSET_ADAFRUIT_128x128_OLED_5297,
        rotation=rotation,
        auto_refresh=False,
    )
    assert part.display_on and part.display_offset == 0 and part.multiplex == 128
    group, bitmap = scene(128, 128)
    display.root_group = group
    display.refresh()
    assert lit(part) == {(x, y) for x in range(6) for y in range(3)} | {(127, 127)}
    assert not part.unknown_commands
    before = part.data_bytes
    bitmap[64, 64] = 1
    display.refresh()
    assert part.pixel(64, 64) == WHITE
    assert 0 < part.data_bytes - before < 128 * 128 // 8  # only the changed area was sent
    display.brightness = 0.25  # the brightness command (0x81) over SPI
    assert part.contrast == 63


def test_reset_pin_and_sleep_over_fourwire(sim, drivers) -> None:
    import adafruit_displayio_sh1107
    import board
    import fourwire

    part = sim.attach(SH1107SPI(), clock="SCK", mosi="MOSI", cs="D5", dc="D6", reset="D9")
    bus = fourwire.FourWire(board.SPI(), command=board.D6, chip_select=board.D5, reset=board.D9)
    display = adafruit_displayio_sh1107.SH1107(
        bus, width=128, height=128, display_offset=0, auto_refresh=False
    )
    assert part.display_on
    display.sleep()  # the driver's 0xAE
    assert not part.display_on and part.colors() == {BLACK: 128 * 128}
    display.wake()
    assert part.display_on
    bus.reset()  # the reset pin: the controller back to its power-on state
    assert not part.display_on and part.contrast == 0x80


def test_sh1107spi_rejects_a_panel_it_cannot_drive() -> None:
    with pytest.raises(ValueError, match="^an SH1107 panel is 128 x 64, 96 or 128, not 64 x 64$"):
        SH1107SPI(width=64, height=64)

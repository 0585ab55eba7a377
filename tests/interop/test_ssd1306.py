"""adafruit_ssd1306 + adafruit_framebuf (unmodified) against the simulated SSD1306."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.ssd1306 import SSD1306

pytestmark = pytest.mark.network

SIZES = [(128, 32), (128, 64), (64, 48)]


def open_display(sim, width: int, height: int, **options):
    part = sim.attach(SSD1306(width=width, height=height, **options))
    import adafruit_ssd1306
    import board

    display = adafruit_ssd1306.SSD1306_I2C(
        width, height, board.I2C(), **({"addr": options["address"]} if "address" in options else {})
    )
    return part, display


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_init_clears_and_turns_on(sim, drivers, width: int, height: int) -> None:
    part, _ = open_display(sim, width, height)
    assert part.display_on
    assert part.charge_pump
    assert not part.inverted
    assert part.contrast == 0xFF
    assert part.addressing_mode == "horizontal"
    assert len(part.frame) == height and all(len(row) == width for row in part.frame)
    assert part.lit_pixels() == set()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_shapes_appear_exactly(sim, drivers, width: int, height: int) -> None:
    part, display = open_display(sim, width, height)
    display.pixel(0, 0, 1)
    display.pixel(width - 1, height - 1, 1)
    display.pixel(5, 9, 1)
    display.hline(10, 2, 6, 1)
    display.vline(3, 12, 5, 1)
    display.rect(20, 20, 4, 3, 1)
    display.fill_rect(40, 8, 2, 3, 1)
    display.line(50, 0, 53, 3, 1)
    display.show()
    expected = {(0, 0), (width - 1, height - 1), (5, 9)}
    expected |= {(x, 2) for x in range(10, 16)}
    expected |= {(3, y) for y in range(12, 17)}
    expected |= {(x, y) for x in range(20, 24) for y in (20, 22)} | {(20, 21), (23, 21)}
    expected |= {(x, y) for x in (40, 41) for y in (8, 9, 10)}
    expected |= {(50, 0), (51, 1), (52, 2), (53, 3)}
    assert part.lit_pixels() == expected, "\n" + part.to_text()
    assert part.pixel(5, 9) == 1 and part.pixel(6, 9) == 0

    display.fill(0)
    assert part.lit_pixels() == expected  # nothing changes until show()
    display.show()
    assert part.lit_pixels() == set()


def test_fill_invert_contrast_power(sim, drivers) -> None:
    part, display = open_display(sim, 128, 32)
    display.fill(1)
    display.show()
    assert part.lit_pixels() == {(x, y) for x in range(128) for y in range(32)}
    display.fill(0)
    display.pixel(7, 7, 1)
    display.show()
    display.invert(True)
    assert part.inverted
    assert part.lit_pixels() == {(x, y) for x in range(128) for y in range(32)} - {(7, 7)}
    display.invert(False)
    assert part.lit_pixels() == {(7, 7)}
    display.contrast(0x20)
    assert part.contrast == 0x20
    display.poweroff()
    assert not part.display_on
    assert part.lit_pixels() == set()
    display.poweron()
    assert part.lit_pixels() == {(7, 7)}  # the RAM kept the picture


def test_rotate_turns_the_picture(sim, drivers) -> None:
    part, display = open_display(sim, 128, 64)
    display.pixel(1, 2, 1)
    display.hline(0, 63, 3, 1)
    display.show()
    display.rotate(False)
    assert part.lit_pixels() == {(126, 61), (127, 0), (126, 0), (125, 0)}
    display.rotate(True)
    assert part.lit_pixels() == {(1, 2), (0, 63), (1, 63), (2, 63)}


def test_second_display_at_0x3d(sim, drivers) -> None:
    first = sim.attach(SSD1306(name="TOP"))
    second = sim.attach(SSD1306(name="BOTTOM", address=0x3D, height=64))
    import adafruit_ssd1306
    import board

    i2c = board.I2C()
    top = adafruit_ssd1306.SSD1306_I2C(128, 32, i2c)
    bottom = adafruit_ssd1306.SSD1306_I2C(128, 64, i2c, addr=0x3D)
    top.pixel(1, 1, 1)
    top.show()
    bottom.pixel(2, 60, 1)
    bottom.show()
    assert first.lit_pixels() == {(1, 1)}
    assert second.lit_pixels() == {(2, 60)}
    assert sim.display("BOTTOM") is second


def test_to_text_and_png(sim, drivers, tmp_path) -> None:
    part, display = open_display(sim, 128, 32)
    display.rect(0, 0, 3, 3, 1)
    display.show()
    lines = part.to_text().splitlines()
    assert lines[0].startswith("###.") and lines[1].startswith("#.#.") and len(lines) == 32
    png = part.to_png(tmp_path / "screen.png", scale=2).read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png[16:24] == (256).to_bytes(4, "big") + (64).to_bytes(4, "big")


def test_spi_display_with_reset_pin(sim, drivers) -> None:
    from protoboard.ports.sim.parts.ssd1306 import SSD1306SPI

    part = sim.attach(SSD1306SPI(height=64), cs="D5", dc="D6", reset="D9")
    import adafruit_ssd1306
    import board
    import digitalio

    display = adafruit_ssd1306.SSD1306_SPI(
        128,
        64,
        board.SPI(),
        digitalio.DigitalInOut(board.D6),
        digitalio.DigitalInOut(board.D9),
        digitalio.DigitalInOut(board.D5),
    )
    assert part.display_on and part.lit_pixels() == set()
    display.line(0, 0, 3, 3, 1)
    display.pixel(127, 63, 1)
    display.show()
    assert part.lit_pixels() == {(0, 0), (1, 1), (2, 2), (3, 3), (127, 63)}
    assert sim.pin("D9").levels[-3:] == [True, False, True]  # the driver pulsed RES#


def test_page_addressing_option_on_a_64x32_panel(sim, drivers) -> None:
    part = sim.attach(SSD1306(width=64, height=32))
    import adafruit_ssd1306
    import board

    display = adafruit_ssd1306.SSD1306_I2C(64, 32, board.I2C(), page_addressing=True)
    # the driver sends 0x20, 0x10, which the SSD1306 takes as horizontal mode (A[1:0] = 00);
    # its per-page B0+page / column commands place every page correctly anyway
    assert part.addressing_mode == "horizontal"
    display.pixel(0, 0, 1)
    display.pixel(63, 31, 1)
    display.vline(10, 4, 8, 1)
    display.show()
    expected = {(0, 0), (63, 31)} | {(10, y) for y in range(4, 12)}
    assert part.lit_pixels() == expected, "\n" + part.to_text()

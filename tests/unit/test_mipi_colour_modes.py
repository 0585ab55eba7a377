"""The MIPI DCS parts' pixel formats (COLMOD): 18 bits a pixel (0x66, 3 bytes, the top 6 bits of
each count), 16 (0x55, 5-6-5 widened to 6-6-6 as the chips do) and 12 (0x33, two pixels in 3
bytes); and CircuitPython's way to drive an 18-bit panel from displayio: a ``BusDisplay`` with
``color_depth=24`` sends 3 bytes a pixel (blue first, as the C code copies a little-endian
word), which the chip takes with MADCTL's BGR bit."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.mipi_dcs import ILI9341, ST7789

CASET, RASET, RAMWR, COLMOD, MADCTL = 0x2A, 0x2B, 0x2C, 0x3A, 0x36


def four_wire(sim, part):
    import board
    import fourwire

    sim.attach(part, clock="SCK", mosi="MOSI", cs="D5", dc="D6", reset="D9")
    return fourwire.FourWire(board.SPI(), command=board.D6, chip_select=board.D5, reset=board.D9)


def start(bus, colmod: int, madctl: int = 0x48) -> None:
    """Awake, display on, this pixel format; the window at the top-left 4 x 1 pixels."""
    for command, data in ((0x11, b""), (MADCTL, bytes([madctl])), (COLMOD, bytes([colmod]))):
        bus.send(command, data)
    bus.send(0x29, b"")
    bus.send(CASET, b"\x00\x00\x00\x03")
    bus.send(RASET, b"\x00\x00\x00\x00")


def level(six: int) -> int:
    """A 6-bit level as the panel shows it in 8 bits (the top bits repeated)."""
    return (six << 2) | (six >> 4)


def test_18_bit_pixels_keep_six_bits_of_each_byte(sim) -> None:
    part = ILI9341()
    bus = four_wire(sim, part)
    start(bus, 0x66)
    assert part.bits_per_pixel == 18
    # the low 2 bits of each byte are ignored: 0xFF and 0xFC are the same level
    bus.send(RAMWR, bytes([0xFF, 0x00, 0x00, 0x84, 0x43, 0x07, 0x00, 0xFC, 0x00]))
    # MADCTL 0x48 (MX): the program's column 0 is the RAM's last
    assert part.ram_pixel(239, 0) == (63, 0, 0)
    assert part.ram_pixel(238, 0) == (33, 16, 1)
    assert part.pixel(0, 0) == (255, 0, 0)
    assert part.pixel(1, 0) == (level(33), level(16), level(1)) == (134, 65, 4)
    assert part.pixel(2, 0) == (0, 255, 0)
    # 16-bit 5-6-5 widens red and blue to 6 bits by repeating their top bit: mid red (16 of
    # 31) is 33 of 63 on the glass, as the same colour sent in 18 bits
    bus.send(COLMOD, b"\x55")
    bus.send(RAMWR, bytes([0x80, 0x00, 0x04, 0x10]))  # 5-6-5: (16, 0, 0) then (0, 32, 16)
    assert part.ram_pixel(239, 0) == (33, 0, 0) and part.ram_pixel(238, 0) == (0, 32, 33)
    assert part.pixel(1, 0) == (0, level(32), level(33))


def test_a_pixel_split_over_two_writes(sim) -> None:
    """The chip assembles a pixel from bytes as they come, whatever the transfers' sizes (here
    busio.SPI with the D/C and CS pins driven by hand, as a pixel-level driver does)."""
    import board
    import busio
    import digitalio

    part = ST7789(width=240, height=240)
    sim.attach(part, clock="SCK", mosi="MOSI", cs="D5", dc="D6")
    spi = busio.SPI(board.SCK, MOSI=board.MOSI)
    cs, dc = digitalio.DigitalInOut(board.D5), digitalio.DigitalInOut(board.D6)
    cs.switch_to_output(True)
    dc.switch_to_output(False)
    assert spi.try_lock()

    def send(command: int, *pieces: bytes) -> None:
        cs.value = False
        dc.value = False
        spi.write(bytes([command]))
        dc.value = True
        for piece in pieces:
            spi.write(piece)
        cs.value = True

    send(0x11)
    send(MADCTL, b"\x00")
    send(COLMOD, b"\x66")
    send(0x29)
    send(RAMWR, b"\xfc", b"\x00\x00\x00", b"\xfc\x00")
    assert part.data_bytes == 6
    assert part.ram_pixel(0, 0) == (63, 0, 0) and part.ram_pixel(1, 0) == (0, 63, 0)
    send(RAMWR, b"\x00\x00")  # a pixel cut short: nothing stored
    assert part.ram_pixel(0, 0) == (63, 0, 0)
    spi.unlock()


def test_12_bit_pixels_two_in_three_bytes(sim) -> None:
    part = ILI9341()
    bus = four_wire(sim, part)
    start(bus, 0x33)
    assert part.bits_per_pixel == 12
    # R1G1 B1R2 G2B2: (F, 0, 0) then (F, 8, 0); then (1, 2, 3) and (4, 5, 6)
    bus.send(RAMWR, bytes([0xF0, 0x0F, 0x80, 0x12, 0x34, 0x56]))
    assert part.ram_pixel(239, 0) == (63, 0, 0)
    assert part.ram_pixel(238, 0) == (63, 34, 0)  # 4 bits widened: 8 -> 0b100010
    assert part.ram_pixel(237, 0) == (4, 8, 12) and part.ram_pixel(236, 0) == (17, 21, 25)
    assert part.pixel(0, 0) == (255, 0, 0)


@pytest.mark.parametrize("colmod", [0x66, 0x55, 0x33])
def test_every_format_fills_the_window_in_the_same_place(sim, colmod: int) -> None:
    part = ILI9341()
    bus = four_wire(sim, part)
    start(bus, colmod)
    bus.send(CASET, b"\x00\x0a\x00\x0d")  # columns 10-13, rows 20-21: 8 pixels
    bus.send(RASET, b"\x00\x14\x00\x15")
    white = {0x66: b"\xfc\xfc\xfc" * 8, 0x55: b"\xff\xff" * 8, 0x33: b"\xff\xff\xff" * 4}
    bus.send(RAMWR, white[colmod])
    assert part.colors()[(255, 255, 255)] == 8
    assert part.pixel(10, 20) == part.pixel(13, 21) == (255, 255, 255)
    assert part.pixel(14, 20) == part.pixel(10, 22) == (0, 0, 0)


def test_busdisplay_with_24_bit_colour_drives_an_18_bit_panel(sim) -> None:
    """displayio has no 18-bit format (CircuitPython draws nothing with ``color_depth=18``):
    a driver for an 18-bit-only interface uses ``color_depth=24``, whose 3 bytes a pixel the
    chip takes in COLMOD 0x66. The C code copies each pixel's little-endian word, so blue comes
    first; MADCTL's BGR bit, against the ILI9341's BGR glass, puts it back."""
    import busdisplay
    import displayio

    part = ILI9341()
    bus = four_wire(sim, part)
    # SWRESET, SLPOUT, MADCTL 0x40 (MX; BGR clear, so the ILI9341's BGR glass shows a pixel's
    # first byte as blue, which is what comes first), COLMOD 0x66, DISPON
    init = bytes.fromhex("01 80 96 11 80 78 36 01 40 3a 01 66 29 80 14")
    display = busdisplay.BusDisplay(
        bus, init, width=240, height=320, color_depth=24, auto_refresh=False
    )
    bitmap = displayio.Bitmap(240, 320, 4)
    palette = displayio.Palette(4)
    palette[0], palette[1], palette[2], palette[3] = 0x000000, 0xFF0000, 0x00FF00, 0x8442FF
    for x in range(10):
        bitmap[x, 0] = 1
        bitmap[239 - x, 0] = 2
        bitmap[x, 319] = 3
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    display.root_group = group
    display.refresh()
    assert part.bits_per_pixel == 18
    assert part.pixel(0, 0) == (255, 0, 0) and part.pixel(239, 0) == (0, 255, 0)
    # 0x84 0x42 0xFF keep 6 bits each: 33, 16, 63
    assert part.pixel(0, 319) == (level(33), level(16), 255)
    assert part.colors()[(255, 0, 0)] == 10
    assert part.data_bytes >= 240 * 320 * 3

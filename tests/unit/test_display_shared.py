"""What busdisplay.BusDisplay and framebufferio.FramebufferDisplay share (bindings/_display.py)
and where they still differ as CircuitPython's do: ``fill_row``, rotation's checks,
``root_group``'s errors, ``show()`` removed."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.mipi_dcs import ST7789
from protoboard.testing import simulated_board


def bus_display(sim):
    import board
    import busdisplay
    import fourwire

    sim.attach(ST7789(), clock="SCK", mosi="MOSI", cs="D5", dc="D6")
    bus = fourwire.FourWire(board.SPI(), command=board.D6, chip_select=board.D5)
    init = bytes.fromhex("11 80 78 3a 01 55 36 01 c0 21 00 29 00")
    return busdisplay.BusDisplay(bus, init, width=240, height=240, rowstart=80, auto_refresh=False)


def one_red_pixel(x: int, y: int, width: int, height: int):
    import displayio

    bitmap = displayio.Bitmap(width, height, 2)
    palette = displayio.Palette(2)
    palette[1] = 0xFF0000
    bitmap[x, y] = 1
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    return group


def test_busdisplay_fill_row_and_rotation(sim) -> None:
    display = bus_display(sim)
    display.root_group = one_red_pixel(3, 2, 240, 240)
    buffer = bytearray(240 * 2)
    assert display.fill_row(2, buffer) is buffer
    assert buffer[6:8] == b"\xf8\x00"  # 5-6-5 red, high byte first (reverse_bytes_in_word)
    assert buffer[:6] == bytes(6) and buffer[8:] == bytes(240 * 2 - 8)
    with pytest.raises(ValueError, match="^Buffer too small$"):
        display.fill_row(0, bytearray(10))
    display.rotation = 45  # the bus displays take any number, as CircuitPython's do
    assert display.rotation == 45
    display.rotation = 90
    assert (display.width, display.height) == (240, 240) and display.rotation == 90
    with pytest.raises(AttributeError, match=r"^\.show\(x\) removed\. Use \.root_group = x$"):
        display.show(None)


def test_framebufferdisplay_fill_row_rotation_and_root_group() -> None:
    with simulated_board("matrixportal_m4"):
        import board
        import displayio
        import framebufferio
        import rgbmatrix

        matrix = rgbmatrix.RGBMatrix(
            width=64,
            height=32,
            bit_depth=4,
            rgb_pins=[
                *(board.MTX_R1, board.MTX_G1, board.MTX_B1),
                *(board.MTX_R2, board.MTX_G2, board.MTX_B2),
            ],
            addr_pins=[board.MTX_ADDRA, board.MTX_ADDRB, board.MTX_ADDRC, board.MTX_ADDRD],
            clock_pin=board.MTX_CLK,
            latch_pin=board.MTX_LAT,
            output_enable_pin=board.MTX_OE,
        )
        display = framebufferio.FramebufferDisplay(matrix, auto_refresh=False)
        display.root_group = one_red_pixel(5, 1, 64, 32)
        row = bytearray(64 * 2)
        display.fill_row(1, row)
        assert row[10:12] == b"\x00\xf8"  # 5-6-5 red, low byte first (the framebuffer's order)
        assert row.count(0) == 64 * 2 - 1
        with pytest.raises(ValueError, match="^Buffer too small$"):
            display.fill_row(0, bytearray(64))
        with pytest.raises(ValueError, match="^Display rotation must be in 90 degree increments$"):
            display.rotation = 45
        display.rotation = 90
        assert (display.width, display.height) == (32, 64)
        group = displayio.Group()
        holder = displayio.Group()
        holder.append(group)
        with pytest.raises(ValueError, match="^Group already used$"):
            display.root_group = group
        with pytest.raises(TypeError):
            display.root_group = 5
        display.root_group = None
        assert display.root_group is None
        assert not hasattr(display, "show")  # FramebufferDisplay never had show()


def test_vectorio_shared_properties_and_their_errors(sim) -> None:
    """The shapes' ``x``/``y``, ``location``, polygon points and sizes (vectorio's shared
    helpers): CircuitPython's errors, in the C code's order."""
    import displayio
    import vectorio

    palette = displayio.Palette(1)
    circle = vectorio.Circle(pixel_shader=palette, radius=3, x=1, y=2)
    circle.x, circle.y = -32768, 32767
    assert circle.location == (-32768, 32767)
    with pytest.raises(ValueError, match="^x must be -32768-32767$"):
        circle.x = 32768
    with pytest.raises(TypeError, match="^y must be of type int, not str$"):
        circle.location = (0, "1")
    with pytest.raises(TypeError, match="^can't convert list to tuple$"):
        circle.location = [0, 1]
    circle.radius = -5  # the C code keeps the size of a negative number
    assert circle.radius == 5
    circle.radius = 70000  # a 16-bit field: wraps
    assert circle.radius == 70000 - 65536
    rectangle = vectorio.Rectangle(pixel_shader=palette, width=4, height=2, x=0, y=0)
    rectangle.width, rectangle.height = -7, 9
    assert (rectangle.width, rectangle.height) == (7, 9)
    polygon = vectorio.Polygon(pixel_shader=palette, points=[(0, 0), (4, 0), (0, 4)], x=0, y=0)
    # x is range-checked before y's type, as the C code converts them in turn
    with pytest.raises(ValueError, match="^x must be -32768-32767$"):
        polygon.points = [(0, 0), (40000, "a"), (0, 4)]
    with pytest.raises(TypeError, match="^y must be of type int, not str$"):
        polygon.points = [(0, 0), (4, "a"), (0, 4)]
    polygon.points = [(1, 1), (5, 1), (1, 5), (5, 5)]
    assert polygon.points == [(1, 1), (5, 1), (1, 5), (5, 5)]

"""rgbmatrix.RGBMatrix and framebufferio.FramebufferDisplay on the Matrix Portal M4: a 64x32
HUB75 matrix part lit as the Learn guides' programs set it up; CircuitPython's errors."""

from __future__ import annotations

import pytest

from protoboard.testing import simulated_board


def make_matrix(**options):
    import board
    import rgbmatrix

    settings = {
        "width": 64,
        "height": 32,
        "bit_depth": 4,
        "rgb_pins": [
            board.MTX_R1, board.MTX_G1, board.MTX_B1, board.MTX_R2, board.MTX_G2, board.MTX_B2,
        ],
        "addr_pins": [board.MTX_ADDRA, board.MTX_ADDRB, board.MTX_ADDRC, board.MTX_ADDRD],
        "clock_pin": board.MTX_CLK,
        "latch_pin": board.MTX_LAT,
        "output_enable_pin": board.MTX_OE,
    }  # fmt: skip
    settings.update(options)
    return rgbmatrix.RGBMatrix(**settings)


def test_a_group_lights_the_matrix() -> None:
    with simulated_board("matrixportal_m4") as sim:
        import displayio
        import framebufferio

        panel = sim.part("MATRIX")
        display = framebufferio.FramebufferDisplay(make_matrix(), auto_refresh=False)
        assert (display.width, display.height) == (64, 32)
        bitmap = displayio.Bitmap(64, 32, 3)
        palette = displayio.Palette(3)
        palette[1], palette[2] = 0xFF0000, 0x0000FF
        for x in range(4):
            bitmap[x, 0] = 1
        bitmap[63, 31] = 2
        group = displayio.Group()
        group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
        display.root_group = group
        display.refresh()
        assert panel.frames >= 1
        assert panel.pixel(0, 0) == (255, 0, 0) and panel.pixel(3, 0) == (255, 0, 0)
        assert panel.pixel(4, 0) == (0, 0, 0) and panel.pixel(63, 31) == (0, 0, 255)
        assert panel.colors()[(255, 0, 0)] == 4
        display.brightness = 0  # off
        assert panel.colors() == {(0, 0, 0): 64 * 32}
        display.rotation = 180
        assert display.rotation == 180


def test_bit_depth_limits_the_colours() -> None:
    with simulated_board("matrixportal_m4") as sim:
        matrix = make_matrix(bit_depth=1)
        buffer = memoryview(matrix._framebuffer()).cast("H")
        buffer[0] = 0x8410  # mid grey in RGB565: a 1-bit panel shows it fully on
        matrix.refresh()
        assert sim.part("MATRIX").pixel(0, 0) == (255, 255, 255)


@pytest.mark.hostile
def test_rgbmatrix_errors() -> None:
    with simulated_board("matrixportal_m4"):
        import board
        import framebufferio

        with pytest.raises(ValueError, match="^bit_depth must be 1-6$"):
            make_matrix(bit_depth=7)
        with pytest.raises(ValueError, match="^Must use a multiple of 6 rgb pins, not 3$"):
            make_matrix(rgb_pins=[board.MTX_R1, board.MTX_G1, board.MTX_B1])
        with pytest.raises(
            ValueError,
            match="^4 address pins, 6 rgb pins and 1 tiles indicate a height of 32, not 64$",
        ):
            make_matrix(height=64)
        with pytest.raises(TypeError, match="^framebuffer must be of type FrameBuffer"):
            framebufferio.FramebufferDisplay(bytearray(10))
        matrix = make_matrix()
        with pytest.raises(ValueError, match=r"^\w+ in use$"):  # the pin's first board name
            make_matrix()
        matrix.deinit()
        make_matrix().deinit()  # its pins are free again

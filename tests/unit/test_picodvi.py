"""picodvi.Framebuffer and framebufferio.FramebufferDisplay on RP2350 boards (the Fruit Jam's
and Metro RP2350's HSTX pins): every colour depth shows what displayio drew; CircuitPython's
errors."""

from __future__ import annotations

import pytest

from protoboard.testing import simulated_board

DVI_PINS = ("CKP", "CKN", "D0P", "D0N", "D1P", "D1N", "D2P", "D2N")
ROLES = ("clk_dp", "clk_dn", "red_dp", "red_dn", "green_dp", "green_dn", "blue_dp", "blue_dn")


def make_framebuffer(width=320, height=240, **options):
    import board
    import picodvi

    pins = {role: getattr(board, name) for role, name in zip(ROLES, DVI_PINS, strict=True)}
    pins.update(options)
    return picodvi.Framebuffer(width, height, **pins)


def draw(display, color: int) -> None:
    """A 10 x 5 rectangle of ``color`` at (3, 2), through vectorio."""
    import displayio
    import vectorio

    palette = displayio.Palette(2)
    palette[0], palette[1] = 0x000000, color
    group = displayio.Group()
    group.append(
        vectorio.Rectangle(pixel_shader=palette, width=10, height=5, x=3, y=2, color_index=1)
    )
    display.root_group = group
    display.refresh()


@pytest.mark.parametrize(
    ("depth", "size", "color", "shown"),
    [
        (1, (640, 480), 0xFFFFFF, (255, 255, 255)),
        (2, (640, 480), 0xFFFFFF, (255, 255, 255)),
        (2, (720, 400), 0x808080, (170, 170, 170)),  # luma 128: grey level 2 of 3
        (4, (640, 480), 0xFF00FF, (255, 0, 255)),  # one bit each of red, green, blue
        (8, (320, 240), 0xFF8000, (255, 145, 0)),  # RGB332: green 0x80 is level 4 of 7
        (8, (640, 480), 0x00FF00, (0, 255, 0)),
        (16, (320, 240), 0x0000FF, (0, 0, 255)),
        (16, (160, 120), 0x804020, (131, 64, 32)),  # RGB565 levels 16 of 31, 16 of 63, 4 of 31
        (32, (360, 200), 0x123456, (0x12, 0x34, 0x56)),  # RGB888 exactly
    ],
)
def test_every_depth_shows_what_displayio_drew(depth, size, color, shown) -> None:
    with simulated_board("adafruit_fruit_jam") as sim:
        import framebufferio

        fb = make_framebuffer(*size, color_depth=depth)
        assert (fb.width, fb.height, fb.color_depth) == (*size, depth)
        display = framebufferio.FramebufferDisplay(fb, auto_refresh=False)
        draw(display, color)
        monitor = sim.part("DVI")
        assert (monitor.width, monitor.height, monitor.color_depth) == (*size, depth)
        inside = {(x, y) for x in range(3, 13) for y in range(2, 7)}
        assert all(monitor.pixel(x, y) == shown for x, y in inside)
        assert monitor.colors() == {shown: 50, (0, 0, 0): size[0] * size[1] - 50}
        # the framebuffer holds the packed pixels the depth documents
        row = fb._framebuffer()[2 * fb._row_stride() :]
        if depth == 8:
            assert row[3] == (color >> 16 & 0xE0) | (color >> 11 & 0x1C) | (color >> 6 & 0x03)
        if depth == 1:
            assert row[0] == 0b1111_1000  # pixels 3-7 lit, first pixel in the low bit


def test_a_bitmap_lands_at_its_pixels_and_png(tmp_path) -> None:
    with simulated_board("adafruit_metro_rp2350") as sim:
        import displayio
        import framebufferio

        display = framebufferio.FramebufferDisplay(make_framebuffer(color_depth=16))
        bitmap = displayio.Bitmap(320, 240, 3)
        palette = displayio.Palette(3)
        palette[1], palette[2] = 0xFF0000, 0x00FF00
        bitmap[0, 0] = 1
        bitmap[319, 239] = 2
        group = displayio.Group()
        group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
        display.root_group = group
        display.refresh()
        monitor = sim.display("DVI")
        assert monitor.frame[0][0] == (255, 0, 0)
        assert monitor.frame[239][319] == (0, 255, 0)
        assert monitor.frame[120][160] == (0, 0, 0)
        display.rotation = 180
        display.refresh()
        assert monitor.pixel(319, 239) == (255, 0, 0) and monitor.pixel(0, 0) == (0, 255, 0)
        png = monitor.save_png(tmp_path / "dvi.png")
        assert png.read_bytes().startswith(b"\x89PNG")
        from protoboard.web.boardview.watch import encode_frame

        picture = encode_frame(monitor.frame)  # what the board view shows
        assert picture is not None and (picture["width"], picture["mode"]) == (320, "rgb")
        frames = monitor.frames
        display.refresh()  # nothing changed: nothing sent
        assert monitor.frames == frames


def test_release_displays_frees_the_dvi_port() -> None:
    with simulated_board("adafruit_fruit_jam") as sim:
        import displayio
        import framebufferio

        fb = make_framebuffer()
        framebufferio.FramebufferDisplay(fb)
        with pytest.raises(RuntimeError, match="^picodvi in use$"):
            make_framebuffer()
        displayio.release_displays()
        with pytest.raises(ValueError, match="^Object has been deinitialized"):
            fb.width  # noqa: B018
        again = make_framebuffer(640, 480, color_depth=1)
        assert again.width == 640
        assert sim.part("DVI").frames >= 1
        again.wait_for_vblank()


@pytest.mark.hostile
def test_picodvi_errors() -> None:
    with simulated_board("adafruit_fruit_jam"):
        import board
        import framebufferio

        with pytest.raises(ValueError, match="^Invalid color_depth$"):
            make_framebuffer(color_depth=24)
        with pytest.raises(ValueError, match="^Invalid width and height$"):
            make_framebuffer(800, 480)
        with pytest.raises(ValueError, match="^Invalid width and height$"):
            make_framebuffer(640, 480, color_depth=16)  # too big for RAM: half or quarter only
        with pytest.raises(ValueError, match="^Invalid width and height$"):
            make_framebuffer(320, 240, color_depth=4)  # 4 bits is full resolution only
        with pytest.raises(ValueError, match="^width must be >= 0$"):
            make_framebuffer(-1, 240)
        with pytest.raises(ValueError, match="^Invalid clk_dp pin$"):
            make_framebuffer(clk_dp=board.A0)  # not an HSTX output
        with pytest.raises(ValueError, match="^Invalid blue_dn pin$"):
            make_framebuffer(blue_dn=board.CKP)  # the same pin twice
        with pytest.raises(TypeError, match="^clk_dn must be of type Pin, not int$"):
            make_framebuffer(clk_dn=13)
        import digitalio

        taken = digitalio.DigitalInOut(board.D0P)
        with pytest.raises(ValueError, match=r"^\w+ in use$"):
            make_framebuffer()
        taken.deinit()
        fb = make_framebuffer()
        with pytest.raises(ValueError, match=r"^\w+ in use$"):  # the DVI pins are held
            digitalio.DigitalInOut(board.CKP)
        display = framebufferio.FramebufferDisplay(fb)
        assert display.framebuffer is fb
        fb.deinit()
        make_framebuffer().deinit()  # its pins are free again


@pytest.mark.hostile
def test_rp2040_rules() -> None:
    with simulated_board("adafruit_feather_rp2040_dvi"):
        with pytest.raises(ValueError, match="^Invalid color_depth$"):
            make_framebuffer(640, 480, color_depth=8)  # colour is half resolution there
        with pytest.raises(ValueError, match="^Invalid height$"):
            make_framebuffer(720, 400)
        fb = make_framebuffer(400, 240, color_depth=16)
        assert (fb.width, fb.height) == (400, 240)

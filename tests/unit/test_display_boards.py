"""Boards with screens: board.DISPLAY made from the board file as CircuitPython's board_init()
makes it, the display part wired to the real board's TFT pins, the picture upright on the
product, and the other on-board parts."""

from __future__ import annotations

import pytest

from protoboard.testing import simulated_board

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)

BOARDS = {
    "pyportal": ("BusDisplay", 320, 240, "ILI9341Parallel", {"NEOPIXEL", "LIGHT", "LED"}),
    # board id: (display class, width, height, part kind, parts besides the display)
    "clue_nrf52840_express": ("BusDisplay", 240, 240, "ST7789", {"BUTTON_A", "BUTTON_B"}),
    "adafruit_funhouse": ("BusDisplay", 240, 240, "ST7789", {"BUTTON_UP", "LIGHT", "DOTSTAR"}),
    "adafruit_feather_esp32s2_tft": ("BusDisplay", 240, 135, "ST7789", {"BUTTON", "NEOPIXEL"}),
    "adafruit_feather_esp32s3_tft": ("BusDisplay", 240, 135, "ST7789", {"BUTTON", "NEOPIXEL"}),
    "pygamer": ("BusDisplay", 160, 128, "ST7735R", {"NEOPIXEL", "LIGHT"}),
    "adafruit_magtag_2.9_grayscale": (
        "EPaperDisplay",
        296,
        128,
        "SSD1680",
        {"BUTTON_A", "BUTTON_D", "NEOPIXEL", "LIGHT"},
    ),
}


def corner_scene(width: int, height: int):
    """White, a 6x3 red block at the top left, one blue pixel at the bottom right."""
    import displayio

    bitmap = displayio.Bitmap(width, height, 3)
    palette = displayio.Palette(3)
    palette[0], palette[1], palette[2] = 0xFFFFFF, 0xFF0000, 0x0000FF
    for x in range(6):
        for y in range(3):
            bitmap[x, y] = 1
    bitmap[width - 1, height - 1] = 2
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    return group


@pytest.mark.parametrize("board_id", sorted(BOARDS))
def test_board_display_is_upright_on_the_product(board_id: str) -> None:
    kind, width, height, part_kind, others = BOARDS[board_id]
    with simulated_board(board_id) as sim:
        import board
        import displayio

        display = board.DISPLAY
        assert type(display).__name__ == kind
        assert (display.width, display.height) == (width, height)
        assert board.DISPLAY is display  # one object, as on a board
        assert display.root_group is displayio.CIRCUITPYTHON_TERMINAL  # no group: the terminal
        part = sim.part("DISPLAY")
        assert part.kind == part_kind and (part.width, part.height) == (width, height)
        assert others <= set(sim.parts)
        if kind == "BusDisplay":
            display.auto_refresh = False
            display.refresh()  # the terminal: Blinka at the top left, on black
            logo = {part.pixel(x, y) for x in range(12) for y in range(12)}
            assert len(logo) >= 3  # black and the logo's colours
            assert part.pixel(width - 1, height - 1) == (0, 0, 0)
        display.root_group = corner_scene(width, height)
        display.refresh()
        frame = part.frame
        top_left = frame[0][0]
        bottom_right = frame[height - 1][width - 1]
        if part_kind == "SSD1680":  # four greys: red and blue are dark
            assert top_left != WHITE and bottom_right != WHITE
            assert frame[2][5] == top_left and frame[3][6] == WHITE and frame[0][6] == WHITE
        else:
            assert top_left == RED and frame[2][5] == RED and frame[3][6] == WHITE
            assert bottom_right == BLUE
        assert not part.unknown_commands


def test_release_displays_frees_the_board_display() -> None:
    with simulated_board("adafruit_feather_esp32s2_tft") as sim:
        import board
        import digitalio
        import displayio

        assert board.DISPLAY is not None
        assert sim.pin("TFT_BACKLIGHT").pwm is not None  # the backlight is a PWM output
        displayio.release_displays()
        assert board.DISPLAY is None  # released for the rest of the run
        with digitalio.DigitalInOut(board.TFT_CS) as pin:  # its pins are free again
            pin.switch_to_output()


def test_a_board_without_a_display_has_no_board_display() -> None:
    with simulated_board("matrixportal_m4") as sim:
        import board

        assert not hasattr(board, "DISPLAY")
        assert {"BUTTON_UP", "BUTTON_DOWN", "NEOPIXEL"} <= set(sim.parts)


def test_board_files_on_stubs_keep_the_real_pinout() -> None:
    from protoboard.boards import stub_board
    from protoboard.modules import MODULES
    from protoboard.registry import builtin_port

    sim_port = builtin_port("sim")
    for board_id in BOARDS:
        ours = sim_port.board(board_id)
        real = stub_board(board_id)
        assert dict(ours.pins) == dict(real.pins)
        assert {m for m in real.modules if m in MODULES} <= ours.modules <= set(MODULES)
        assert ours.display is not None


def test_the_console_is_shown_on_the_board_display() -> None:
    """What the console prints appears in the terminal on board.DISPLAY, as on a board."""
    import io

    from protoboard.runtime.vmprocess import _ScreenTee

    with simulated_board("adafruit_funhouse") as sim:
        import board

        display = board.DISPLAY
        display.auto_refresh = False
        display.refresh()
        part = sim.part("DISPLAY")
        before = [row[:] for row in part.frame]
        tee = _ScreenTee(io.BytesIO(), encoding="utf-8", write_through=True)
        tee.write("Hello from the console\n>>> ")
        display.refresh()
        after = part.frame
        changed = [(x, y) for y in range(240) for x in range(240) if after[y][x] != before[y][x]]
        assert changed  # the text was drawn
        assert all(after[y][x] in ((255, 255, 255), (0, 0, 0)) for x, y in changed)
        assert min(y for _, y in changed) > 12  # in the scroll area, under the logo line
        assert tee.buffer.getvalue() == b"Hello from the console\n>>> "  # the console too

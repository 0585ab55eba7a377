"""terminalio.Terminal's escape sequences, vectorio shapes, bitmaptools and the colour
conversions, checked against values worked out from CircuitPython's C code."""

from __future__ import annotations

import io

import pytest

from protoboard.bindings import bitmaptools, displayio, terminalio, vectorio
from protoboard.displaycore import Colorspace, convert_color, render
from protoboard.displaycore.colorspace import chroma, dither_noise_2, hue, luma, rgb332, rgb565


def _terminal(width: int = 10, height: int = 4, status: bool = False):
    font = terminalio.FONT
    palette = displayio.Palette(2)
    grid = displayio.TileGrid(
        font.bitmap, pixel_shader=palette, width=width, height=height, tile_width=6, tile_height=12
    )
    bar = None
    if status:
        bar = displayio.TileGrid(
            font.bitmap, pixel_shader=palette, width=width, height=1, tile_width=6, tile_height=12
        )
    return terminalio.Terminal(grid, font, status_bar=bar), grid, bar, palette


def _row(grid, y: int) -> str:
    return "".join(chr(grid[x, y] + 32) for x in range(grid.width))


def test_terminal_writes_and_moves_the_cursor() -> None:
    terminal, grid, _, _ = _terminal()
    assert terminal.write(b"abc") == 3
    assert (terminal.cursor_x, terminal.cursor_y) == (3, 0)
    terminal.write(b"\bX\r\tY")
    assert _row(grid, 0) == "    Y     "
    terminal.write(b"\x1b[2;3Hz")  # row 2, column 3 (1-based) on screen
    assert (terminal.cursor_x, terminal.cursor_y) == (3, (1 + 1) % 4)
    terminal.write(b"\x1b[3D")
    assert terminal.cursor_x == 0


def test_terminal_clears_lines_and_screen() -> None:
    terminal, grid, _, _ = _terminal()
    terminal.write(b"junk\r\nmore")
    terminal.write(b"\x1b[2J")  # erase all; the top row is row 0 again
    assert all(_row(grid, y).strip() == "" for y in range(4))
    assert (terminal.cursor_x, terminal.cursor_y) == (0, 0)
    terminal.write(b"01234567\x1b[1;5H\x1b[K")  # clear from column 5 to the end
    assert _row(grid, 0) == "0123      "
    terminal.write(b"\x1b[1;3H\x1b[1K")  # clear from the start to the cursor
    assert _row(grid, 0) == "  23      "


def test_terminal_scrolls_when_the_last_line_fills() -> None:
    terminal, grid, _, _ = _terminal(width=5, height=3)
    top_before = grid._top_left_y
    terminal.write(b"one\r\ntwo\r\nthree\r\nfour")
    assert grid._top_left_y != top_before
    screen = [_row(grid, (y + grid._top_left_y) % 3) for y in range(3)]
    assert screen[-1].startswith("four")


def test_terminal_colours_and_title() -> None:
    terminal, _, bar, palette = _terminal(status=True)
    terminal.write(b"\x1b[31;42m")
    assert palette[1] == 0xFF0000 and palette[0] == 0x00FF00
    terminal.write(b"\x1b[0m")
    assert (palette[0], palette[1]) == (0x000000, 0xFFFFFF)
    terminal.write(b"\x1b]0;Title\x1b\\after")
    assert _row(bar, 0).startswith("Title")
    assert terminal.cursor_x == 5  # "after" went to the scroll area


@pytest.mark.hostile
def test_terminal_bad_arguments() -> None:
    font = terminalio.FONT
    palette = displayio.Palette(2)
    tiny = displayio.TileGrid(font.bitmap, pixel_shader=palette, tile_width=6, tile_height=12)
    with pytest.raises(ValueError, match="^scroll_area_area must be >= 2$"):
        terminalio.Terminal(tiny, font)
    with pytest.raises(TypeError, match="^unsupported font type$"):
        terminalio.Terminal(tiny, "font")
    with pytest.raises(TypeError, match="^scroll_area must be of type TileGrid, not Group$"):
        terminalio.Terminal(displayio.Group(), font)
    terminal, grid, _, _ = _terminal()
    terminal.write("\u2603 snow".encode())  # a character the font lacks is skipped
    assert _row(grid, 0).startswith(" snow")
    with pytest.raises(TypeError, match="^object with buffer protocol required, not int$"):
        terminal.write(5)


# -- vectorio -----------------------------------------------------------------------------------


def _palette(*colours: int) -> displayio.Palette:
    palette = displayio.Palette(len(colours))
    for index, colour in enumerate(colours):
        palette[index] = colour
    return palette


def _pixels(group: displayio.Group, width: int, height: int) -> list[int]:
    data = render(group, Colorspace(depth=8), width, height)
    return list(data)


def test_vectorio_geometry_follows_the_c_code() -> None:
    palette = _palette(0xFFFFFF)
    rectangle = vectorio.Rectangle(pixel_shader=palette, width=3, height=2, x=1, y=1)
    assert rectangle.contains(1, 1) and rectangle.contains(3, 2) and not rectangle.contains(4, 1)
    circle = vectorio.Circle(pixel_shader=palette, radius=2, x=5, y=5)
    inside = {(x, y) for x in range(10) for y in range(10) if circle.contains(x, y)}
    assert inside == {
        (5 + dx, 5 + dy) for dx in range(-2, 3) for dy in range(-2, 3) if dx * dx + dy * dy <= 4
    }
    triangle = vectorio.Polygon(pixel_shader=palette, points=[(0, 0), (4, 0), (0, 4)], x=0, y=0)
    group = displayio.Group()
    group.append(triangle)
    pixels = _pixels(group, 6, 6)
    drawn = {(i % 6, i // 6) for i, v in enumerate(pixels) if v}
    # the area stops before x == 4 and y == 4 (x2/y2 are the largest point, exclusive)
    assert drawn and max(x for x, _ in drawn) < 4 and max(y for _, y in drawn) < 4
    assert triangle.points == [(0, 0), (4, 0), (0, 4)]
    assert circle.location == (5, 5) and circle.radius == 2


def test_vectorio_does_not_scale_with_its_group() -> None:
    palette = _palette(0xFFFFFF)
    scaled = displayio.Group(scale=3)
    scaled.append(vectorio.Rectangle(pixel_shader=palette, width=2, height=2, x=1, y=1))
    drawn = [i for i, v in enumerate(_pixels(scaled, 10, 10)) if v]
    assert sorted((i % 10, i // 10) for i in drawn) == [(3, 3), (3, 4), (4, 3), (4, 4)]


def test_vectorio_transparent_colour_still_paints() -> None:
    under = _palette(0xFFFFFF)
    over = _palette(0xFF0000)
    over.make_transparent(0)
    group = displayio.Group()
    group.append(vectorio.Rectangle(pixel_shader=under, width=4, height=4, x=0, y=0))
    group.append(vectorio.Rectangle(pixel_shader=over, width=2, height=2, x=0, y=0))
    pixels = _pixels(group, 4, 4)
    assert pixels[0] == 0 and pixels[3] == rgb332(0xFFFFFF)


@pytest.mark.hostile
def test_vectorio_errors() -> None:
    palette = _palette(0)
    with pytest.raises(TypeError, match="^unsupported pixel_shader type$"):
        vectorio.Circle(pixel_shader=None, radius=3, x=0, y=0)
    with pytest.raises(ValueError, match="^radius must be >= 1$"):
        vectorio.Circle(pixel_shader=palette, radius=0, x=0, y=0)
    with pytest.raises(ValueError, match="^width must be >= 1$"):
        vectorio.Rectangle(pixel_shader=palette, width=0, height=1, x=0, y=0)
    with pytest.raises(TypeError, match="^Polygon needs at least 3 points$"):
        vectorio.Polygon(pixel_shader=palette, points=[(0, 0), (1, 1)], x=0, y=0)
    with pytest.raises(TypeError, match="^point must be of type tuple, not list$"):
        vectorio.Polygon(pixel_shader=palette, points=[[0, 0], (1, 1), (2, 0)], x=0, y=0)
    with pytest.raises(ValueError, match="^x must be -32768-32767$"):
        vectorio.Circle(pixel_shader=palette, radius=1, x=40000, y=0)
    with pytest.raises(ValueError, match="^location length must be 2$"):
        vectorio.Circle(pixel_shader=palette, radius=1, x=0, y=0).location = (1, 2, 3)


# -- bitmaptools --------------------------------------------------------------------------------


def _rows(bitmap: displayio.Bitmap) -> list[str]:
    return ["".join(str(bitmap[x, y]) for x in range(bitmap.width)) for y in range(bitmap.height)]


def test_blit_with_skips() -> None:
    source = displayio.Bitmap(3, 2, 4)
    source[0, 0], source[1, 0], source[2, 0] = 1, 0, 2
    dest = displayio.Bitmap(5, 3, 4)
    dest.fill(3)
    dest[2, 1] = 0
    bitmaptools.blit(dest, source, 1, 1, skip_source_index=0, skip_dest_index=0)
    # (2, 1): the source's 0 is skipped; row 2: all skipped; dest 0s are never overwritten
    assert _rows(dest) == ["33333", "31023", "33333"]
    with pytest.raises(ValueError, match="^source palette too large$"):
        bitmaptools.blit(displayio.Bitmap(2, 2, 2), source, 0, 0)
    with pytest.raises(ValueError, match="^x must be 0-5$"):
        bitmaptools.blit(dest, source, 6, 0)


def test_fill_line_circle_and_boundary_fill() -> None:
    bitmap = displayio.Bitmap(7, 7, 4)
    bitmaptools.draw_circle(bitmap, 3, 3, 3, 1)
    bitmaptools.boundary_fill(bitmap, 3, 3, 2, 0)
    assert bitmap[3, 3] == 2 and bitmap[0, 0] == 0 and bitmap[3, 0] == 1
    bitmaptools.fill_region(bitmap, 0, 0, 2, 2, 3)
    assert _rows(bitmap)[0].startswith("33")
    line = displayio.Bitmap(5, 3, 2)
    bitmaptools.draw_line(line, 0, 0, 4, 2, 1)
    assert _rows(line) == ["11000", "00110", "00001"]  # the C code's Bresenham, err = dx / 2
    with pytest.raises(ValueError, match="^out of range of target$"):
        bitmaptools.draw_line(line, 0, 0, 1, 1, 2)
    with pytest.raises(ValueError, match="^y2 must be 0-3$"):
        bitmaptools.fill_region(line, 0, 0, 1, 4, 1)


def test_replace_color_arrayblit_readinto() -> None:
    bitmap = displayio.Bitmap(4, 2, 16)
    bitmaptools.arrayblit(bitmap, bytes(range(8)))
    assert _rows(bitmap) == ["0123", "4567"]
    bitmaptools.replace_color(bitmap, 5, 9)
    assert bitmap[1, 1] == 9
    with pytest.raises(IndexError, match="^index out of range$"):
        bitmaptools.arrayblit(bitmap, bytes(3))
    with pytest.raises(ValueError, match="^color out of range$"):
        bitmaptools.replace_color(bitmap, 16, 0)
    nibbles = displayio.Bitmap(4, 2, 16)
    bitmaptools.readinto(nibbles, io.BytesIO(bytes([0x21, 0x43, 0x65, 0x87])), 4, reverse_rows=True)
    assert _rows(nibbles) == ["5678", "1234"]
    with pytest.raises(EOFError):
        bitmaptools.readinto(nibbles, io.BytesIO(b"\x00"), 4)
    with pytest.raises(
        ValueError, match="^invalid bits_per_pixel 3, must be, 1, 2, 4, 8, 16, 24, or 32$"
    ):
        bitmaptools.readinto(nibbles, io.BytesIO(b""), 3)


def test_rotozoom_zoom_and_identity() -> None:
    source = displayio.Bitmap(4, 4, 17)
    for y in range(4):
        for x in range(4):
            source[x, y] = y * 4 + x + 1
    zoomed = displayio.Bitmap(8, 8, 17)
    bitmaptools.rotozoom(zoomed, source, scale=2.0)
    assert all(zoomed[x, y] == source[x // 2, y // 2] for y in range(8) for x in range(8))
    same = displayio.Bitmap(4, 4, 17)
    bitmaptools.rotozoom(same, source)
    assert _rows(same) == _rows(source)
    skipped = displayio.Bitmap(4, 4, 17)
    bitmaptools.rotozoom(skipped, source, skip_index=1)
    assert skipped[0, 0] == 0 and skipped[1, 0] == 2


def test_alphablend_and_dither() -> None:
    first = displayio.Bitmap(2, 1, 256)
    second = displayio.Bitmap(2, 1, 256)
    first[0], first[1] = 200, 0
    second[0], second[1] = 0, 100
    out = displayio.Bitmap(2, 1, 256)
    bitmaptools.alphablend(out, first, second, displayio.Colorspace.L8, 0.5, 0.5)
    assert out[0] == 66 and out[1] == 66  # (25600 * 128 / 256) / 192 and 12800 / 192, in ints
    with pytest.raises(
        ValueError, match="^For RGB colorspaces, input bitmap must have 16 bits per pixel$"
    ):
        bitmaptools.alphablend(out, first, second, displayio.Colorspace.RGB565)
    grey = displayio.Bitmap(8, 2, 65536)
    for x in range(8):
        grey[x, 0] = grey[x, 1] = 0xFFFF if x >= 4 else 0
    mono = displayio.Bitmap(8, 2, 2)
    bitmaptools.dither(mono, grey, displayio.Colorspace.RGB565)
    assert _rows(mono) == ["00001111", "00001111"]
    with pytest.raises(TypeError, match="^bitmap sizes must match$"):
        bitmaptools.dither(displayio.Bitmap(1, 1, 2), grey, displayio.Colorspace.RGB565)


# -- colour conversions -------------------------------------------------------------------------


def test_colour_arithmetic() -> None:
    assert rgb565(0xFFFFFF) == 0xFFFF and rgb565(0x808080) == 0x8410
    assert luma(0xFFFFFF) == 255 and luma(0xFF0000) == 19 and luma(0x00FF00) == 182
    assert (
        chroma(0xFF8000) == 255
        and hue(0xFF0000) == 0
        and hue(0x00FF00) == 80
        and hue(0x0000FF) == 160
    )
    assert dither_noise_2(0, 0) == dither_noise_2(0, 0)
    swapped = Colorspace(depth=16, reverse_bytes_in_word=True)
    assert convert_color(swapped, 0xFF0000) == 0x00F8
    grey2 = Colorspace(depth=2, grayscale=True)
    assert [convert_color(grey2, c) for c in (0x000000, 0x555555, 0xAAAAAA, 0xFFFFFF)] == [
        0,
        1,
        2,
        3,
    ]
    red = Colorspace(depth=1, grayscale=False, tricolor=True, tricolor_hue=hue(0xFF0000))
    assert convert_color(red, 0xFF0000) == 1 and convert_color(red, 0x0000FF) == 0
    assert convert_color(Colorspace(depth=4), 0xFF00FF) == 0b1010


def test_removing_a_shape_redraws_where_it_was() -> None:
    from protoboard.displaycore import Area, rotation_transform

    palette = _palette(0xFFFFFF)
    group = displayio.Group()
    shape = vectorio.Rectangle(pixel_shader=palette, width=3, height=2, x=4, y=5)
    group.append(shape)
    group._update_transform(rotation_transform(16, 16, 0)[0])
    group._get_refresh_areas([])
    group._finish_refresh()
    group.remove(shape)
    areas: list[Area] = []
    group._get_refresh_areas(areas)
    assert areas == [Area(4, 5, 7, 7)]


def test_a_change_made_while_a_frame_is_drawn_is_drawn_next_time() -> None:
    # Auto-refresh runs on a thread: the program may change a bitmap between the moment a
    # refresh takes its areas and the moment it ends. That change must mark the next refresh
    # (a board, whose refresh runs between bytecodes, never loses one).
    from protoboard.displaycore.area import Area
    from protoboard.displaycore.display_core import DisplayCore

    core = DisplayCore(16, 16, 0, Colorspace(depth=16))
    bitmap = displayio.Bitmap(16, 16, 2)
    palette = displayio.Palette(2)
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    core.set_root_group(group)
    assert core.start_refresh()
    assert core.refresh_areas() == [Area(0, 0, 16, 16)]  # the first frame: all of it
    bitmap[3, 4] = 1  # the program, while the frame is being drawn
    assert core.refresh_areas() == [Area(0, 0, 16, 16)]  # the refresh keeps what it took
    core.finish_refresh()
    assert core.start_refresh()
    assert [(a.x1, a.y1, a.x2, a.y2) for a in core.refresh_areas()] == [(3, 4, 4, 5)]
    core.finish_refresh()
    assert core.start_refresh() and core.refresh_areas() == []
    core.finish_refresh()

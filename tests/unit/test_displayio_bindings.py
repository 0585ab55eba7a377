"""displayio, fontio and terminalio bindings: values, and CircuitPython's exception types and
texts for bad input."""

from __future__ import annotations

import io

import pytest

from protoboard.bindings import displayio, fontio, terminalio
from protoboard.displaycore import Area, Colorspace, render, rotation_transform


@pytest.mark.parametrize(
    ("value_count", "bits"),
    [(1, 1), (2, 1), (3, 2), (5, 4), (16, 4), (17, 8), (256, 8), (257, 16), (65536, 16)],
)
def test_bitmap_bits_per_value(value_count: int, bits: int) -> None:
    assert displayio.Bitmap(4, 3, value_count).bits_per_value == bits


def test_bitmap_values_and_indexes() -> None:
    bitmap = displayio.Bitmap(10, 5, 4)
    bitmap[3, 2] = 3
    bitmap[7] = 2
    assert bitmap[3, 2] == 3 and bitmap[23] == 3 and bitmap[7, 0] == 2
    bitmap.fill(1)
    assert all(bitmap[i] == 1 for i in range(50))
    assert (bitmap.width, bitmap.height) == (10, 5)


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("action", "error", "text"),
    [
        (lambda: displayio.Bitmap(-1, 2, 2), ValueError, "width must be 0-32767"),
        (lambda: displayio.Bitmap(2, 40000, 2), ValueError, "height must be 0-32767"),
        (lambda: displayio.Bitmap(2, 2, 0), ValueError, "value_count must be 1-65536"),
        (lambda: displayio.Bitmap(2, 2, 70000), ValueError, "value_count must be 1-65536"),
        (lambda: displayio.Bitmap(2, 2, 2.5), TypeError, "can't convert float to int"),
    ],
)
def test_bitmap_constructor_errors(action, error, text) -> None:
    with pytest.raises(error, match=f"^{text}$"):
        action()


@pytest.mark.hostile
def test_bitmap_access_errors() -> None:
    bitmap = displayio.Bitmap(10, 5, 4)
    with pytest.raises(IndexError, match="^x must be 0-9$"):
        bitmap[10, 0] = 1
    with pytest.raises(IndexError, match="^y must be 0-4$"):
        _ = bitmap[0, -1]
    with pytest.raises(IndexError, match="^index must be 0-49$"):
        _ = bitmap[50]
    with pytest.raises(ValueError, match="^value must be 0-3$"):
        bitmap[0, 0] = 4
    with pytest.raises(ValueError, match="^value must be 0-3$"):
        bitmap.fill(-1)
    with pytest.raises(NotImplementedError, match="^Slices not supported$"):
        _ = bitmap[1:3]
    with pytest.raises(AttributeError, match="^Cannot delete values$"):
        del bitmap[0]
    bitmap.deinit()
    with pytest.raises(ValueError, match="deinitialized"):
        _ = bitmap.width
    with pytest.raises(RuntimeError, match="^Read-only$"):
        terminalio.FONT.bitmap[0, 0] = 1


def test_palette_accepts_every_colour_form() -> None:
    palette = displayio.Palette(6)
    palette[0] = 0x123456
    palette[1] = b"\x12\x34\x56"
    palette[2] = b"\x12\x34\x56\x00"
    palette[3] = bytearray(b"\x12\x34\x56")
    palette[4] = (0x12, 0x34, 0x56)
    palette[-1] = [0x12, 0x34, 0x56]
    assert [palette[i] for i in range(6)] == [0x123456] * 6
    assert len(palette) == 6 and bool(palette)
    palette.make_transparent(2)
    assert palette.is_transparent(2) and not palette.is_transparent(1)
    palette.make_opaque(2)
    assert not palette.is_transparent(2)


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("action", "error", "text"),
    [
        (lambda p: displayio.Palette(0), ValueError, "color_count must be 1-32767"),
        (lambda p: p.__setitem__(2, 0), IndexError, "Palette index out of range"),
        (lambda p: p.__getitem__("a"), TypeError, "Palette indices must be integers, not str"),
        (
            lambda p: p.__setitem__(0, 0x1000000),
            TypeError,
            "color must be between 0x000000 and 0xffffff",
        ),
        (lambda p: p.__setitem__(0, -1), TypeError, "color must be between 0x000000 and 0xffffff"),
        (
            lambda p: p.__setitem__(0, b"\x01\x02"),
            ValueError,
            r"color buffer must be 3 bytes \(RGB\) or 4 bytes \(RGB \+ pad byte\)",
        ),
        (
            lambda p: p.__setitem__(0, 1.5),
            TypeError,
            "color buffer must be a buffer, tuple, list, or int",
        ),
        (lambda p: p.make_transparent(2), ValueError, "palette_index must be 0-1"),
        (lambda p: p.is_transparent("0"), TypeError, "palette_index must be of type int, not str"),
    ],
)
def test_palette_errors(action, error, text) -> None:
    with pytest.raises(error, match=f"^{text}$"):
        action(displayio.Palette(2))


def test_colorconverter() -> None:
    converter = displayio.ColorConverter()
    assert converter.convert(0xFF0000) == 0xF800
    assert converter.convert(0x00FF00) == 0x07E0
    assert converter.convert(0x0000FF) == 0x001F
    rgb565 = displayio.ColorConverter(input_colorspace=displayio.Colorspace.RGB565)
    assert rgb565.convert(0xF800) == 0xF800
    converter.make_transparent(0x123456)
    with pytest.raises(RuntimeError, match="^Only one color can be transparent at a time$"):
        converter.make_transparent(0)
    converter.make_opaque(0)
    converter.make_transparent(0)
    with pytest.raises(TypeError, match="cannot create 'displayio.Colorspace' instances"):
        displayio.Colorspace()


def _grid(value_count: int = 2, size: int = 4) -> displayio.TileGrid:
    palette = displayio.Palette(value_count)
    return displayio.TileGrid(displayio.Bitmap(size, size, value_count), pixel_shader=palette)


@pytest.mark.hostile
def test_group_errors() -> None:
    group = displayio.Group()
    grid = _grid()
    group.append(grid)
    with pytest.raises(ValueError, match="^Layer already in a group$"):
        displayio.Group().append(grid)
    with pytest.raises(ValueError, match="^Layer must be a Group or TileGrid subclass$"):
        group.append(displayio.Bitmap(2, 2, 2))
    with pytest.raises(IndexError, match="^Group index out of range$"):
        _ = group[1]
    with pytest.raises(TypeError, match="^Group indices must be integers, not str$"):
        _ = group["0"]
    with pytest.raises(NotImplementedError, match="^Slices not supported$"):
        _ = group[0:1]
    with pytest.raises(ValueError, match="^object not in sequence$"):
        group.index(_grid())
    with pytest.raises(ValueError, match="^scale must be 1-32767$"):
        displayio.Group(scale=0)
    with pytest.raises(ValueError, match="^scale must be >= 1$"):
        group.scale = 0
    assert group.pop() is grid and len(group) == 0 and not group
    displayio.Group().append(grid)  # free again once popped


def test_group_sequence_behaviour() -> None:
    group = displayio.Group(x=3, y=4, scale=2)
    first, second, third = _grid(), _grid(), _grid()
    group.append(first)
    group.insert(0, second)
    group.insert(2, third)
    assert list(group) == [second, first, third] and group.index(third) == 2
    assert first in group
    group.remove(second)
    del group[0]
    assert list(group) == [third]
    replacement = _grid()
    group[0] = replacement
    assert group[0] is replacement and not third._in_group
    group.sort(key=id)
    assert (group.x, group.y, group.scale) == (3, 4, 2)


@pytest.mark.hostile
def test_tilegrid_errors() -> None:
    bitmap = displayio.Bitmap(12, 6, 2)
    palette = displayio.Palette(2)
    with pytest.raises(TypeError, match="^unsupported pixel_shader type$"):
        displayio.TileGrid(bitmap, pixel_shader=None)
    with pytest.raises(TypeError, match="^unsupported bitmap type$"):
        displayio.TileGrid(palette, pixel_shader=palette)
    with pytest.raises(ValueError, match="^Tile width must exactly divide bitmap width$"):
        displayio.TileGrid(bitmap, pixel_shader=palette, tile_width=5, tile_height=6)
    with pytest.raises(ValueError, match="^Tile height must exactly divide bitmap height$"):
        displayio.TileGrid(bitmap, pixel_shader=palette, tile_width=6, tile_height=4)
    grid = displayio.TileGrid(
        bitmap, pixel_shader=palette, width=3, height=2, tile_width=6, tile_height=6
    )
    with pytest.raises(ValueError, match="^tile must be 0-1$"):
        grid[0] = 2
    with pytest.raises(IndexError, match="^Tile index out of bounds$"):
        grid[3, 0] = 1
    with pytest.raises(ValueError, match="^New bitmap must be same size as old bitmap$"):
        grid.bitmap = displayio.Bitmap(6, 6, 2)
    grid[2, 1] = 1
    assert grid[5] == 1 and grid[0, 0] == 0
    assert grid.contains((0, 0, 0)) and not grid.contains((18, 0, 0))


@pytest.mark.hostile
def test_ondiskbitmap_bad_files(tmp_path) -> None:
    text = tmp_path / "notes.bmp"
    text.write_bytes(b"hello, this is not a picture at all")
    with pytest.raises(ValueError, match="^Invalid file$"):
        displayio.OnDiskBitmap(str(text))
    header = bytearray(54)
    header[0:2] = b"BM"
    header[14:18] = (40).to_bytes(4, "little")
    header[30:34] = (1).to_bytes(4, "little")  # RLE8
    rle = tmp_path / "rle.bmp"
    rle.write_bytes(bytes(header))
    with pytest.raises(ValueError, match="^RLE-compressed BMP not supported$"):
        displayio.OnDiskBitmap(str(rle))
    header[14:18] = (64).to_bytes(4, "little")
    odd = tmp_path / "os2.bmp"
    odd.write_bytes(bytes(header))
    with pytest.raises(ValueError, match="given header size is 64$"):
        displayio.OnDiskBitmap(str(odd))
    with pytest.raises(TypeError, match="byte mode"):
        displayio.OnDiskBitmap(io.StringIO("BM"))


def test_fontio() -> None:
    font = terminalio.FONT
    assert font.get_bounding_box() == (6, 12)
    glyph = font.get_glyph(ord("A"))
    assert isinstance(glyph, fontio.Glyph)
    assert (glyph.tile_index, glyph.width, glyph.height, glyph.shift_x) == (33, 6, 12, 6)
    assert font.get_glyph(0x2603) is None and font.get_glyph(0x1F) is None
    assert (font.bitmap.width, font.bitmap.height) == (95 * 6, 12)
    with pytest.raises(TypeError, match="^codepoint must be of type int, not str$"):
        font.get_glyph("A")
    with pytest.raises(TypeError, match="^cannot create 'fontio.BuiltinFont' instances$"):
        fontio.BuiltinFont()


def test_release_displays_releases_registered_displays() -> None:
    from protoboard.displaycore import registry

    class Display:
        released = False

        def _release(self) -> None:
            self.released = True

    display = Display()
    registry.register(display)
    displayio.release_displays()
    assert display.released and registry.displays() == ()


def test_circuitpython_terminal_is_a_group() -> None:
    assert isinstance(displayio.CIRCUITPYTHON_TERMINAL, displayio.Group)


# -- rendering state: what a display asks -------------------------------------------------------


def _shown(group: displayio.Group, width: int = 16, height: int = 16) -> None:
    transform, _ = rotation_transform(width, height, 0)
    group._update_transform(transform)


def _refresh(group: displayio.Group) -> list[Area]:
    areas: list[Area] = []
    group._get_refresh_areas(areas)
    seen = [area.copy() for area in areas]  # the areas are the layers' own, live until finished
    group._finish_refresh()
    return seen


def test_dirty_areas_follow_the_c_code() -> None:
    palette = displayio.Palette(2)
    bitmap = displayio.Bitmap(4, 4, 2)
    grid = displayio.TileGrid(bitmap, pixel_shader=palette, x=2, y=3)
    group = displayio.Group()
    group.append(grid)
    _shown(group)
    assert _refresh(group) == [Area(2, 3, 6, 7)]  # first draw: all of it
    assert _refresh(group) == []  # nothing changed
    bitmap[1, 1] = 1
    assert _refresh(group) == [Area(3, 4, 4, 5)]  # the changed pixel only
    grid.x = 4
    assert _refresh(group) == [Area(2, 3, 8, 7)]  # where it was and where it is
    palette[0] = 0xFFFFFF
    assert _refresh(group) == [Area(4, 3, 8, 7)]
    grid.hidden = True
    assert _refresh(group) == [Area(4, 3, 8, 7)]  # hiding clears where it was
    group.remove(grid)
    assert _refresh(group) == []


def test_removed_layer_redraws_where_it_was() -> None:
    group = displayio.Group()
    grid = _grid()
    group.append(grid)
    _shown(group)
    _refresh(group)
    group.pop()
    assert _refresh(group) == [Area(0, 0, 4, 4)]


def test_dither_path_equals_row_path_without_dither() -> None:
    """The per-pixel path (used when a shader dithers) and the row path give the same frame."""

    class PerPixel(displayio.Palette):
        def _row_converter(self, cs):  # force the per-pixel path, without dithering
            return None

    frames = []
    for palette_type in (displayio.Palette, PerPixel):
        palette = palette_type(4)
        for index, colour in enumerate((0x000000, 0xFF0000, 0x00FF00, 0x0000FF)):
            palette[index] = colour
        palette.make_transparent(0)
        bitmap = displayio.Bitmap(8, 6, 4)
        for y in range(6):
            for x in range(8):
                bitmap[x, y] = (x * 3 + y) % 4
        group = displayio.Group(scale=2)
        for flags in range(8):
            grid = displayio.TileGrid(
                bitmap,
                pixel_shader=palette,
                width=2,
                height=1,
                tile_width=4,
                tile_height=6,
                x=flags * 3,
                y=flags,
            )
            grid[1] = 1
            grid.flip_x, grid.flip_y, grid.transpose_xy = (
                bool(flags & 1),
                bool(flags & 2),
                bool(flags & 4),
            )
            group.append(grid)
        frames.append(
            [render(group, Colorspace(depth=16), 64, 40, rotation=r) for r in (0, 90, 180, 270)]
        )
    assert frames[0] == frames[1]


def test_sub_byte_displays_pack_pixels_as_the_c_code() -> None:
    palette = displayio.Palette(2)
    palette[0], palette[1] = 0x000000, 0xFFFFFF
    bitmap = displayio.Bitmap(8, 8, 2)
    for i in range(8):
        bitmap[i, i] = 1
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    rows = Colorspace(depth=1, grayscale=True, pixels_in_byte_share_row=True)
    assert render(group, rows, 8, 8) == bytes(1 << i for i in range(8))
    reversed_rows = Colorspace(depth=1, grayscale=True, reverse_pixels_in_byte=True)
    assert render(group, reversed_rows, 8, 8) == bytes(0x80 >> i for i in range(8))
    columns = Colorspace(depth=1, grayscale=True, pixels_in_byte_share_row=False)  # SSD1306
    assert render(group, columns, 8, 8) == bytes(1 << i for i in range(8))


def test_circuitpython_terminal_layout_for_a_display() -> None:
    from protoboard.bindings import _terminal_display

    terminal = _terminal_display.start_terminal(320, 240)
    group = displayio.CIRCUITPYTHON_TERMINAL
    scroll, logo, status = list(group)
    assert group.scale == 1 and _terminal_display.terminal() is terminal
    assert (scroll.width, scroll.height) == (53, 19)  # 320 // 6, 240 // 12 - 1
    assert (scroll.x, scroll.y) == (320 - 53 * 6, 240 - 19 * 12)
    assert (status.width, status.y, logo.x) == ((320 - 13) // 6, 0, 0)
    wide = _terminal_display.start_terminal(800, 480)
    assert displayio.CIRCUITPYTHON_TERMINAL.scale == 2 and wide is not terminal

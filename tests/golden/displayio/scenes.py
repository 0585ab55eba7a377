"""Golden scenes: each builds a displayio group with the modules it is given, so the same
scene renders on Protoboard and on Adafruit's pure-Python adafruit-blinka-displayio.

A scene is ``build(m) -> Scene`` where ``m`` has ``displayio``, ``vectorio`` and
``terminalio`` attributes. Plain data only (no Protoboard imports): the Blinka comparison runs
this file in a separate venv.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Scene:
    group: Any
    width: int
    height: int
    rotation: int = 0
    #: "rgb565" (a 16-bit panel) or "tricolor" (black/white/red e-paper)
    kind: str = "rgb565"
    notes: list[str] = field(default_factory=list)


def _palette(displayio: Any, colours: list[int]) -> Any:
    palette = displayio.Palette(len(colours))
    for index, colour in enumerate(colours):
        palette[index] = colour
    return palette


def _sprite(displayio: Any, size: int = 8) -> Any:
    """An asymmetric 4-colour sprite (an arrow-ish 'F'), so flips and transposes show."""
    bitmap = displayio.Bitmap(size, size, 4)
    for y in range(size):
        for x in range(size):
            value = 0
            if x == 0 or y == 0:
                value = 1
            elif y == size // 2 and x < size - 2:
                value = 2
            elif x == y:
                value = 3
            bitmap[x, y] = value
    return bitmap


def tilegrid_transparency(m: Any) -> Scene:
    d = m.displayio
    group = d.Group()
    background = d.Bitmap(64, 48, 2)
    for y in range(48):
        for x in range(64):
            background[x, y] = (x // 8 + y // 8) % 2
    group.append(d.TileGrid(background, pixel_shader=_palette(d, [0x202080, 0x80C0FF])))
    palette = _palette(d, [0x000000, 0xFF0000, 0x00FF00, 0xFFFF00])
    palette.make_transparent(0)
    sprite = _sprite(d)
    for index in range(4):
        group.append(d.TileGrid(sprite, pixel_shader=palette, x=4 + index * 14, y=6 + index * 8))
    return Scene(group, 64, 48)


def flip_transpose(m: Any) -> Scene:
    d = m.displayio
    group = d.Group()
    palette = _palette(d, [0x101010, 0xFF8000, 0x00C0FF, 0xFFFFFF])
    sheet = d.Bitmap(16, 8, 4)  # two 8x8 tiles side by side
    sprite = _sprite(d)
    for y in range(8):
        for x in range(8):
            sheet[x, y] = sprite[x, y]
            sheet[x + 8, y] = 3 - sprite[x, y]
    combos = [(fx, fy, t) for t in (False, True) for fy in (False, True) for fx in (False, True)]
    for index, (fx, fy, t) in enumerate(combos):
        grid = d.TileGrid(
            sheet,
            pixel_shader=palette,
            width=2,
            height=1,
            tile_width=8,
            tile_height=8,
            x=2 + (index % 4) * 20,
            y=2 + (index // 4) * 20,
        )
        grid[0] = 0
        grid[1] = 1
        grid.flip_x, grid.flip_y, grid.transpose_xy = fx, fy, t
        group.append(grid)
    return Scene(group, 80, 44)


def group_scale_hidden(m: Any) -> Scene:
    d = m.displayio
    outer = d.Group(scale=2, x=3, y=2)
    inner = d.Group(x=4, y=3)
    palette = _palette(d, [0x000000, 0xFF00FF, 0x00FF80, 0x8080FF])
    inner.append(d.TileGrid(_sprite(d), pixel_shader=palette))
    outer.append(inner)
    hidden = d.Group()
    hidden.append(d.TileGrid(_sprite(d), pixel_shader=palette, x=20))
    hidden.hidden = True
    outer.append(hidden)
    root = d.Group()
    root.append(outer)
    return Scene(root, 48, 40)


def vectorio_shapes(m: Any) -> Scene:
    d, v = m.displayio, m.vectorio
    palette = _palette(d, [0xFF0000, 0x00FF00, 0x0000FF, 0xFFFF00])
    group = d.Group()
    group.append(v.Rectangle(pixel_shader=palette, width=30, height=20, x=4, y=4))
    group.append(v.Circle(pixel_shader=palette, radius=12, x=50, y=20, color_index=1))
    group.append(
        v.Polygon(pixel_shader=palette, points=[(0, 0), (24, 6), (6, 24)], x=66, y=4, color_index=2)
    )
    group.append(v.Circle(pixel_shader=palette, radius=5, x=20, y=34, color_index=3))
    return Scene(group, 96, 48)


def palette_and_565(m: Any) -> Scene:
    d = m.displayio
    group = d.Group()
    ramp = d.Bitmap(64, 8, 64)
    for y in range(8):
        for x in range(64):
            ramp[x, y] = x
    palette = d.Palette(64)
    for index in range(64):
        palette[index] = (index * 4) << 16 | (255 - index * 4) << 8 | (index * 37 % 256)
    group.append(d.TileGrid(ramp, pixel_shader=palette))
    colours = d.Bitmap(64, 16, 65536)
    for y in range(16):
        for x in range(64):
            colours[x, y] = ((x >> 1) << 11) | ((y * 4) << 5) | (31 - (x >> 1))
    converter = d.ColorConverter(input_colorspace=d.Colorspace.RGB565)
    group.append(d.TileGrid(colours, pixel_shader=converter, y=8))
    rgb = d.Bitmap(64, 8, 65536)
    for y in range(8):
        for x in range(64):
            rgb[x, y] = (x * 1031 + y * 4099) & 0xFFFF
    swapped = d.ColorConverter(input_colorspace=d.Colorspace.BGR565_SWAPPED)
    group.append(d.TileGrid(rgb, pixel_shader=swapped, y=24))
    return Scene(group, 64, 32)


def font_tiles(m: Any) -> Scene:
    """terminalio.FONT's bitmap as tiles, one glyph a tile (what Terminal and Label use)."""
    d, t = m.displayio, m.terminalio
    font = t.FONT
    width, height = font.get_bounding_box()[:2]
    text = "Hello, Protoboard! 0123"
    palette = _palette(d, [0x000000, 0xFFFFFF])
    grid = d.TileGrid(
        font.bitmap,
        pixel_shader=palette,
        width=len(text),
        height=1,
        tile_width=width,
        tile_height=height,
        x=2,
        y=2,
    )
    for index, char in enumerate(text):
        grid[index] = font.get_glyph(ord(char)).tile_index
    group = d.Group()
    group.append(grid)
    return Scene(group, len(text) * width + 4, height + 4)


def _rotation_scene(m: Any, rotation: int) -> Scene:
    scene = tilegrid_transparency(m)
    return Scene(scene.group, 64, 48, rotation=rotation)


def rotation_0(m: Any) -> Scene:
    return _rotation_scene(m, 0)


def rotation_90(m: Any) -> Scene:
    return _rotation_scene(m, 90)


def rotation_180(m: Any) -> Scene:
    return _rotation_scene(m, 180)


def rotation_270(m: Any) -> Scene:
    return _rotation_scene(m, 270)


def epaper_tricolor(m: Any) -> Scene:
    d = m.displayio
    group = d.Group()
    bitmap = d.Bitmap(48, 32, 4)
    for y in range(32):
        for x in range(48):
            bitmap[x, y] = 0 if x < 16 else (1 if x < 32 else 2)
            if 10 <= y < 20:
                bitmap[x, y] = 3
    palette = _palette(d, [0xFFFFFF, 0x000000, 0xFF0000, 0xE02010])
    group.append(d.TileGrid(bitmap, pixel_shader=palette))
    return Scene(group, 48, 32, kind="tricolor")


#: scenes both implementations render (the Blinka comparison runs these)
SHARED = {
    "tilegrid_transparency": tilegrid_transparency,
    "flip_transpose": flip_transpose,
    "group_scale_hidden": group_scale_hidden,
    "vectorio_shapes": vectorio_shapes,
    "palette_and_565": palette_and_565,
    "font_tiles": font_tiles,
    "rotation_0": rotation_0,
    "rotation_90": rotation_90,
    "rotation_180": rotation_180,
    "rotation_270": rotation_270,
    "epaper_tricolor": epaper_tricolor,
}

"""The REPL on a display: ``displayio.CIRCUITPYTHON_TERMINAL`` laid out for a display's size,
as CircuitPython's ``supervisor/shared/display.c`` (``supervisor_start_terminal``) does.

A display (``busdisplay``, ``framebufferio``...) calls :func:`start_terminal` with its size when
it is made and shows ``displayio.CIRCUITPYTHON_TERMINAL`` while ``root_group`` is None (or
after ``root_group = displayio.CIRCUITPYTHON_TERMINAL``); the runtime writes the serial
console's output to the returned :class:`terminalio.Terminal`. The group holds the scroll area,
the Blinka logo and the status bar (the title line), in that order; text is white on black
and scaled 2x when more than 120 characters would fit a row.
"""

from __future__ import annotations

from protoboard.bindings import displayio, terminalio

#: the 12x12 Blinka logo, four bits a pixel, one row a line (palette indexes)
_BLINKA_ROWS = (
    "000001110000",
    "000011531000",
    "000011561100",
    "000011111400",
    "000001120020",
    "000000113000",
    "000000112000",
    "000111441300",
    "002323241200",
    "011114441300",
    "323232341201",
    "111111444410",
)
#: colour 0 is transparent; purple, pink, light blue, dark purple, white, dark blue
_BLINKA_COLOURS = (0x000000, 0x8428BC, 0xFF89BC, 0x7BEFFE, 0x51395F, 0xFFFFFF, 0x0736A0)

_state: dict[str, terminalio.Terminal] = {}


def _blinka() -> displayio.TileGrid:
    bitmap = displayio.Bitmap(12, 12, 16)
    for y, row in enumerate(_BLINKA_ROWS):
        for x, value in enumerate(row):
            bitmap[x, y] = int(value)
    bitmap._read_only = True
    palette = displayio.Palette(len(_BLINKA_COLOURS))
    for index, colour in enumerate(_BLINKA_COLOURS):
        palette[index] = colour
    palette.make_transparent(0)
    return displayio.TileGrid(bitmap, pixel_shader=palette)


def start_terminal(width_px: int, height_px: int, scale: int | None = None) -> terminalio.Terminal:
    """Lay out ``displayio.CIRCUITPYTHON_TERMINAL`` for a ``width_px`` x ``height_px`` display
    and return the terminal that writes into it (``scale``: ``CIRCUITPY_TERMINAL_SCALE``)."""
    font = terminalio.FONT
    glyph_w, glyph_h = font.get_bounding_box()
    if scale is None:
        scale = 1 if width_px // glyph_w <= 120 else 2
    width_tiles = max(1, width_px // (glyph_w * scale))
    height_tiles = max(2, height_px // (glyph_h * scale))
    width_px //= scale
    height_px //= scale
    palette = displayio.Palette(2)
    palette[0], palette[1] = 0x000000, 0xFFFFFF
    logo = _blinka()
    status_tiles = max(1, (width_px - (12 + 1)) // glyph_w)
    status = displayio.TileGrid(
        font.bitmap, pixel_shader=palette, width=status_tiles, height=1,
        tile_width=glyph_w, tile_height=glyph_h,
        x=width_px - status_tiles * glyph_w, y=12 - glyph_h,
    )  # fmt: skip
    scroll = displayio.TileGrid(
        font.bitmap, pixel_shader=palette, width=width_tiles, height=height_tiles - 1,
        tile_width=glyph_w, tile_height=glyph_h,
        x=width_px - width_tiles * glyph_w, y=height_px - (height_tiles - 1) * glyph_h,
    )  # fmt: skip
    group = displayio.CIRCUITPYTHON_TERMINAL
    while len(group):
        group.pop()
    group.scale = scale
    for layer in (scroll, logo, status):
        group.append(layer)
    terminal = terminalio.Terminal(scroll, font, status_bar=status)
    _state["terminal"] = terminal
    return terminal


def terminal() -> terminalio.Terminal | None:
    """The terminal of the last :func:`start_terminal`, if any."""
    return _state.get("terminal")

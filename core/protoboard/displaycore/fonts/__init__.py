"""The built-in font: Terminus 6x12 (OFL-1.1, see ter-u12n.bdf.license), laid out as
CircuitPython's ``tools/gen_display_resources.py`` lays it out for an en_US build."""

from __future__ import annotations

import io
from pathlib import Path

#: visible ASCII; the en_US translation adds no other characters (the extra characters of other
#: languages' builds follow these in the bitmap)
CHARACTERS = "".join(chr(code) for code in range(0x20, 0x7F))
EXTRA_CHARACTERS = ""


def _glyphs(text: str, wanted: set[int]) -> dict[int, tuple[int, int, int, int, list[int]]]:
    """``codepoint -> (width, height, dx, dy, rows)`` for the wanted codepoints of a BDF font."""
    found: dict[int, tuple[int, int, int, int, list[int]]] = {}
    code = -1
    box = (0, 0, 0, 0)
    rows: list[int] | None = None
    for line in text.splitlines():
        if line.startswith("ENCODING "):
            code = int(line.split()[1])
        elif line.startswith("BBX "):
            w, h, dx, dy = (int(part) for part in line.split()[1:5])
            box = (w, h, dx, dy)
        elif line == "BITMAP":
            rows = [] if code in wanted else None
        elif line == "ENDCHAR":
            if rows is not None:
                found[code] = (*box, rows)
            rows = None
        elif rows is not None:
            rows.append(int(line, 16) << (8 * ((box[0] + 7) // 8) - len(line) * 4) if line else 0)
    return found


def terminus_bitmap() -> tuple[int, int, bytearray, str]:
    """``(tile_width, tile_height, pixels, characters)``: the font bitmap one byte per pixel,
    ``len(characters) * 6`` wide and 12 high, glyph ``i`` in tile ``i``."""
    # io.open_code, as imports read files: in a run's VM, open() maps paths onto the drive.
    with io.open_code(str(Path(__file__).with_name("ter-u12n.bdf"))) as handle:
        text = handle.read().decode("utf-8")
    characters = CHARACTERS + EXTRA_CHARACTERS
    glyphs = _glyphs(text, {ord(c) for c in characters})
    tile_w, tile_h = 6, 12
    width = tile_w * len(characters)
    pixels = bytearray(width * tile_h)
    placed = [c for c in characters if ord(c) in glyphs]
    for index, char in enumerate(placed):
        w, h, dx, dy, rows = glyphs[ord(char)]
        start_x = index * tile_w + dx
        start_y = (tile_h - 2) - (dy + h)
        row_bits = 8 * ((w + 7) // 8)
        for y, row in enumerate(rows):
            for i in range(w):
                if row >> (row_bits - 1 - i) & 1:
                    pixels[(start_y + y) * width + start_x + i] = 1
    return tile_w, tile_h, pixels, characters

"""``common_hal_bitmaptools_dither``: error diffusion to two levels, serpentine rows."""

from __future__ import annotations

from typing import Any

#: (count, mx, dl, terms) as the C tables: dl is the weight to the next pixel along the row
_ATKINSON = (2, 256 // 8, ((2, 0, 256 // 8), (-1, 1, 256 // 8), (0, 1, 256 // 8), (0, 2, 256 // 8)))
_FLOYD = (1, 7 * 256 // 16, ((-1, 1, 3 * 256 // 16), (0, 1, 5 * 256 // 16), (1, 1, 1 * 256 // 16)))


def _cdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _i16(value: int) -> int:
    return (value + 0x8000) % 0x10000 - 0x8000


def _luma_row(source: Any, y: int, colorspace: str) -> list[int]:
    width = source._width
    row = source._row(y, 0, width)
    if source._bits_per_value == 8:
        return list(row)
    swap_bytes = colorspace.endswith("_SWAPPED")
    swap_rb = colorspace.startswith("BGR")
    out = []
    for pixel in row:
        if swap_bytes:
            pixel = ((pixel & 0xFF) << 8) | (pixel >> 8)
        r, g, b = (pixel >> 8) & 0xF8, (pixel >> 3) & 0xFC, (pixel << 3) & 0xF8
        if swap_rb:
            r, b = b, r
        out.append((r * 78 + g * 154 + b * 29) // 256)
    return out


def dither_bitmap(dest: Any, source: Any, colorspace: str, floyd: bool) -> None:
    mx, dl, terms = _FLOYD if floyd else _ATKINSON
    width, height = dest._width, dest._height
    pad = [0] * mx

    def fill(y: int) -> list[int]:
        if y >= source._height:
            return pad + [0] * width + pad
        return pad + _luma_row(source, y, colorspace) + pad

    rows = [fill(0), fill(1), fill(2)]
    high = 65535 if dest._bits_per_value == 16 else 1
    err = 0
    y = 0
    while y < height:
        out = [0] * width
        for x in range(width):
            pixel_in = rows[0][x + mx] + err
            lit = pixel_in >= 128
            out[x] = high if lit else 0
            err = _i16(pixel_in - (255 if lit else 0))
            for tdx, tdy, tdl in terms:
                k = x + tdx + mx
                rows[tdy][k] = _i16(_cdiv(tdl * err, 256) + rows[tdy][k])
            err = _i16(_cdiv(err * dl, 256))
        dest._store_run(y * width, out)
        rows = [rows[1], rows[2], rows[0]]
        y += 1
        if y == height:
            break
        rows[2] = fill(y + 2)
        out = [0] * width
        for x in range(width - 1, -1, -1):
            pixel_in = _i16(rows[0][x + mx] + err)
            lit = pixel_in >= 128
            out[x] = high if lit else 0
            err = _i16(pixel_in - (255 if lit else 0))
            for tdx, tdy, tdl in terms:
                k = x - tdx + mx
                rows[tdy][k] = _i16(_cdiv(tdl * err, 256) + rows[tdy][k])
            err = _i16(_cdiv(err * dl, 256))
        dest._store_run(y * width, out)
        rows = [rows[1], rows[2], rows[0]]
        rows[2] = fill(y + 3)
        y += 1

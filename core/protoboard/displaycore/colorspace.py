"""A display's pixel format and the colour conversions of
``shared-module/displayio/ColorConverter.c``.

Every function here computes what CircuitPython's C code computes, integer for integer, so a
frame rendered here has the bytes a board would send to its panel.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(slots=True)
class Colorspace:
    """The display's native pixel format (``_displayio_colorspace_t``).

    ``depth`` is bits per pixel (1, 2, 4, 8, 16, 24 or 32). Below 8 bits, pixels share bytes:
    along a row when ``pixels_in_byte_share_row`` else along a column, the first pixel in the
    low bits unless ``reverse_pixels_in_byte``. At 16 bits, RGB565 with its two bytes swapped
    when ``reverse_bytes_in_word`` (the usual SPI order: high byte first on the wire).
    """

    depth: int = 16
    bytes_per_cell: int = 1
    tricolor: bool = False
    sevencolor: bool = False
    grayscale: bool = False
    pixels_in_byte_share_row: bool = True
    reverse_pixels_in_byte: bool = False
    reverse_bytes_in_word: bool = True
    dither: bool = False
    tricolor_hue: int = 0
    tricolor_luma: int = 0
    fourcolor: bool = False
    fourcolor_hue: int = 0
    sixcolor: bool = False
    #: the lowest grey bit used: normally ``8 - depth`` (e-paper changes it between passes)
    grayscale_bit: int = -1

    def __post_init__(self) -> None:
        if self.grayscale_bit < 0:
            self.grayscale_bit = max(0, 8 - self.depth)

    def key(self) -> tuple[object, ...]:
        """What a cached conversion depends on (``cached_colorspace`` and its grey fields)."""
        return (
            self.depth,
            self.tricolor,
            self.sevencolor,
            self.grayscale,
            self.reverse_bytes_in_word,
            self.tricolor_hue,
            self.fourcolor,
            self.fourcolor_hue,
            self.sixcolor,
            self.grayscale_bit,
        )


_F32 = struct.Struct("<f")


def _f32(value: float) -> float:
    result: float = _F32.unpack(_F32.pack(value))[0]
    return result


def dither_noise_1(n: int) -> int:
    n = ((n >> 13) ^ n) & 0xFFFF_FFFF
    nn = (n * (n * n * 60493 + 19990303) + 1376312589) & 0x7FFF_FFFF
    # C: (uint32_t)(((float)nn / (1073741824.0f * 2)) * 255), all in float32
    return int(_f32(_f32(_f32(float(nn)) / 2147483648.0) * 255.0))


def dither_noise_2(x: int, y: int) -> int:
    return dither_noise_1((x + y * 0xFFFF) & 0xFFFF_FFFF)


def rgb565(c: int) -> int:
    return ((c >> 19) & 0x1F) << 11 | ((c >> 10) & 0x3F) << 5 | ((c >> 3) & 0x1F)


def rgb332(c: int) -> int:
    return ((c >> 21) & 0x7) << 5 | ((c >> 13) & 0x7) << 2 | ((c >> 6) & 0x3)


def rgbd(c: int) -> int:
    return ((c >> 23) & 1) << 3 | ((c >> 15) & 1) << 2 | ((c >> 7) & 1) << 1


def luma(c: int) -> int:
    r, g, b = (c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF
    return ((r * 19 + g * 182 + b * 54) // 255) & 0xFF


def chroma(c: int) -> int:
    r, g, b = (c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF
    return max(r, g, b) - min(r, g, b)


def _cdiv(a: int, b: int) -> int:
    """C's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def hue(c: int) -> int:
    r, g, b = (c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF
    high = max(r, g, b)
    span = high - min(r, g, b)
    if span == 0:
        return 0
    if high == r:
        h = _cdiv((g - b) * 40, span)
        h = h - 240 * _cdiv(h, 240)  # C's % keeps the sign of the dividend
    elif high == g:
        h = _cdiv(((b - r) + 2 * span) * 40, span)
    else:
        h = _cdiv(((r - g) + 4 * span) * 40, span)
    if h < 0:
        h += 240
    return h & 0xFF


def _colour_index(c: int, table: tuple[tuple[int, int], ...], fallback: int) -> int:
    if chroma(c) >= 64:
        h = hue(c)
        for limit, code in table:
            if h < limit:
                return code
        return fallback
    return 0x1 if luma(c) >= 128 else 0x0


_SIX = ((10, 0x3), (63, 0x2), (127, 0x6), (212, 0x5))
_SEVEN = ((10, 0x4), (31, 0x6), (63, 0x5), (127, 0x2), (212, 0x3))


def sixcolor(c: int) -> int:
    return _colour_index(c, _SIX, 0x3)


def sevencolor(c: int) -> int:
    return _colour_index(c, _SEVEN, 0x4)


def _near_hue(target: int, pixel_hue: int) -> bool:
    diff = target - pixel_hue
    return -10 <= diff <= 10 or diff <= -220 or diff >= 220


def _tricolor(cs: Colorspace, pixel_chroma: int, pixel_hue: int, value: int) -> int:
    if pixel_chroma <= 16:
        return value if cs.grayscale else 0
    if _near_hue(cs.tricolor_hue, pixel_hue):
        return 0 if cs.grayscale else 1
    return value if cs.grayscale else 0


def _fourcolor(cs: Colorspace, pixel_chroma: int, pixel_hue: int, value: int) -> int:
    value >>= 1
    if pixel_chroma <= 16:
        return value
    if _near_hue(cs.tricolor_hue, pixel_hue):
        value = 2
    if _near_hue(cs.fourcolor_hue, pixel_hue):
        value = 3
    return value


def _dithered(cs: Colorspace, c: int, x: int, y: int) -> int:
    rand_r = dither_noise_2(x, y) & 0xFF
    rand_g = dither_noise_2(x + 33, y) & 0xFF
    rand_b = dither_noise_2(x, y + 33) & 0xFF
    r, g, b = (c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF
    if cs.depth == 16:
        b = min(255, b + (rand_b & 0x07))
        r = min(255, r + (rand_r & 0x07))
        g = min(255, g + (rand_g & 0x03))
    else:
        bits = 0xFF >> cs.depth
        b = min(255, b + (rand_b & bits))
        r = min(255, r + (rand_r & bits))
        g = min(255, g + (rand_g & bits))
    return r << 16 | g << 8 | b


def convert_color(
    cs: Colorspace, rgb888: int, dither: bool = False, x: int = 0, y: int = 0
) -> int | None:
    """An RGB888 colour in the display's format (``displayio_convert_color``), or None when the
    format has no conversion (the pixel stays transparent). ``x``/``y`` seed the dither noise."""
    c = rgb888 & 0xFFFF_FFFF
    if dither:
        c = _dithered(cs, c, x, y)
    depth = cs.depth
    if depth == 16:
        packed = rgb565(c)
        if cs.reverse_bytes_in_word:
            packed = ((packed & 0xFF) << 8) | (packed >> 8)
        return packed
    if cs.tricolor or cs.fourcolor:
        value = luma(c) >> (8 - depth)
        if cs.tricolor:
            return _tricolor(cs, chroma(c), hue(c), value)
        return _fourcolor(cs, chroma(c), hue(c), value)
    if cs.grayscale and depth <= 8:
        return (luma(c) >> cs.grayscale_bit) & ((1 << depth) - 1)
    if depth in (24, 32):
        return c
    if depth == 8:
        return rgb332(c)
    if depth == 4:
        if cs.sixcolor:
            return sixcolor(c)
        if cs.sevencolor:
            return sevencolor(c)
        return rgbd(c)
    return None


def _bswap16(p: int) -> int:
    return ((p & 0xFF) << 8) | ((p >> 8) & 0xFF)


def _expand5(v: int) -> int:
    return (v << 3) | ((v >> 2) & 0b111)


def to_rgb888(input_colorspace: str, pixel: int) -> int:
    """A pixel of ``input_colorspace`` (``displayio.Colorspace`` name) as RGB888
    (``displayio_colorconverter_convert_pixel``)."""
    if input_colorspace.endswith("_SWAPPED"):
        pixel = _bswap16(pixel)
        input_colorspace = input_colorspace[: -len("_SWAPPED")]
    if input_colorspace == "RGB565":
        r, g, b = (pixel >> 11) << 3, ((pixel >> 5) << 2) & 0xFF, (pixel << 3) & 0xFF
    elif input_colorspace == "BGR565":
        b, g, r = (pixel >> 11) << 3, ((pixel >> 5) << 2) & 0xFF, (pixel << 3) & 0xFF
    elif input_colorspace == "RGB555":
        r, g, b = (_expand5((pixel >> s) & 0x1F) for s in (10, 5, 0))
    elif input_colorspace == "BGR555":
        b, g, r = (_expand5((pixel >> s) & 0x1F) for s in (10, 5, 0))
    elif input_colorspace == "L8":
        return (pixel & 0xFF) * 0x010101
    else:
        return pixel
    return ((r << 16) | (g << 8) | b) & 0xFFFF_FFFF

"""Collection of bitmap manipulation tools

.. note:: If you're looking for information about displaying bitmaps on
    screens in CircuitPython, see `this Learn guide
    <https://learn.adafruit.com/circuitpython-display-support-using-displayio>`_
    for information about using the :py:mod:`displayio` module.

Each function works as CircuitPython's ``shared-module/bitmaptools`` does, with its argument
checks and messages; floating-point work (``rotozoom``, ``alphablend`` factors) is done in 32-bit
floats as on a board.
"""

from __future__ import annotations

import math
import struct
from collections import deque
from typing import Any

from protoboard.bindings import _enum, _validate
from protoboard.bindings.displayio import Bitmap, Colorspace
from protoboard.displaycore.area import Area as _Area

_F32 = struct.Struct("<f")
_INT_MAX = 2**31 - 1


def _f(value: float) -> float:
    """``value`` as the nearest 32-bit float (``mp_float_t`` on a board)."""
    try:
        result: float = _F32.unpack(_F32.pack(value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)
    return result


def _i16(value: int) -> int:
    return (value + 0x8000) % 0x10000 - 0x8000


def _bitmap(value: Any, name: str) -> Bitmap:
    if not isinstance(value, Bitmap):
        raise TypeError(f"{name} must be of type Bitmap, not {_validate.type_name(value)}")
    return value


def _int(value: Any, name: str) -> int:
    """``mp_arg_validate_type_int``."""
    if not isinstance(value, int):
        raise TypeError(f"{name} must be of type int, not {_validate.type_name(value)}")
    return int(value)


def _coord_range(first: Any, second: Any, limit: int, names: tuple[str, str]) -> tuple[int, int]:
    low = _validate.int_range(_int(first, names[0]), 0, limit, names[0])
    if second is None:
        return low, limit
    return low, _validate.int_range(_int(second, names[1]), low, limit, names[1])


def _rect(bitmap: Bitmap, x1: Any, y1: Any, x2: Any, y2: Any) -> tuple[int, int, int, int]:
    left, right = _coord_range(x1, x2, bitmap._width, ("x1", "x2"))
    top, bottom = _coord_range(y1, y2, bitmap._height, ("y1", "y2"))
    return left, top, right, bottom


def _value_mask(bitmap: Bitmap) -> int:
    bits = bitmap._bits_per_value
    return (1 << bits) - 1 if bits < 32 else 0xFFFF_FFFF


def _write(bitmap: Bitmap, x: int, y: int, value: int) -> None:
    """``displayio_bitmap_write_pixel``: outside the bitmap is ignored."""
    if bitmap._read_only:
        raise RuntimeError("Read-only")
    if 0 <= x < bitmap._width and 0 <= y < bitmap._height:
        bitmap._data[y * bitmap._width + x] = value & _value_mask(bitmap)


def _dirty(bitmap: Bitmap, x1: int, y1: int, x2: int, y2: int, clip: bool = False) -> None:
    area = _Area(x1, y1, x2, y2)
    if clip:
        clipped = area.intersection(_Area(0, 0, bitmap._width, bitmap._height))
        if clipped is None:
            # compute_overlap wrote its x range before failing
            area = _Area(max(x1, 0), y1, min(x2, bitmap._width), y2)
        else:
            area = clipped
    bitmap._mark_dirty(area)


def _check_value(bitmap: Bitmap, value: Any, message: str = "out of range of target") -> int:
    number = _validate.to_int(value, "value") & 0xFFFF_FFFF
    if (1 << bitmap._bits_per_value) <= number:
        raise ValueError(message)
    return number


def _optional_int(value: Any) -> int | None:
    return None if value is None else _validate.to_int(value, "value") & 0xFFFF_FFFF


def _clip_point(value: Any, default: tuple[int, int]) -> tuple[int, int]:
    if value is None:
        return default
    if isinstance(value, int | float | bool):
        raise ValueError("clip point must be (x,y) tuple")
    items = _validate.sequence(value)
    if len(items) != 2:
        raise ValueError("tuple/list has wrong length")
    return _i16(_validate.to_int(items[0], "x")), _i16(_validate.to_int(items[1], "y"))


def _clip_region(bitmap: Bitmap, clip0: Any, clip1: Any) -> tuple[int, int, int, int]:
    x0, y0 = _clip_point(clip0, (0, 0))
    x1, y1 = _clip_point(clip1, (bitmap._width, bitmap._height))
    x0, x1 = min(x0, x1), max(x0, x1)
    y0, y1 = min(y0, y1), max(y0, y1)
    x0 = min(max(x0, 0), bitmap._width)
    y0 = min(max(y0, 0), bitmap._height)
    x1 = min(max(x1, 0), bitmap._width)
    y1 = min(max(y1, 0), bitmap._height)
    return x0, y0, x1, y1


def rotozoom(
    dest_bitmap: Bitmap,
    source_bitmap: Bitmap,
    *,
    ox: int | None = None,
    oy: int | None = None,
    dest_clip0: tuple[int, int] | None = None,
    dest_clip1: tuple[int, int] | None = None,
    px: int | None = None,
    py: int | None = None,
    source_clip0: tuple[int, int] | None = None,
    source_clip1: tuple[int, int] | None = None,
    angle: float | None = None,
    scale: float | None = None,
    skip_index: int | None = None,
) -> None:
    """Inserts the source bitmap region into the destination bitmap with rotation
    (angle), scale and clipping (both on source and destination bitmaps).

    :param bitmap dest_bitmap: Destination bitmap that will be copied into
    :param bitmap source_bitmap: Source bitmap that contains the graphical region to be copied
    :param int ox: Horizontal pixel location in destination bitmap where source bitmap
           point (px,py) is placed. Defaults to None which causes it to use the horizontal
           midway point of the destination bitmap.
    :param int oy: Vertical pixel location in destination bitmap where source bitmap
           point (px,py) is placed. Defaults to None which causes it to use the vertical
           midway point of the destination bitmap.
    :param Tuple[int,int] dest_clip0: First corner of rectangular destination clipping
           region that constrains region of writing into destination bitmap
    :param Tuple[int,int] dest_clip1: Second corner of rectangular destination clipping
           region that constrains region of writing into destination bitmap
    :param int px: Horizontal pixel location in source bitmap that is placed into the
           destination bitmap at (ox,oy). Defaults to None which causes it to use the
           horizontal midway point in the source bitmap.
    :param int py: Vertical pixel location in source bitmap that is placed into the
           destination bitmap at (ox,oy). Defaults to None which causes it to use the
           vertical midway point in the source bitmap.
    :param Tuple[int,int] source_clip0: First corner of rectangular source clipping
           region that constrains region of reading from the source bitmap
    :param Tuple[int,int] source_clip1: Second corner of rectangular source clipping
           region that constrains region of reading from the source bitmap
    :param float angle: Angle of rotation, in radians (positive is clockwise direction).
           Defaults to None which gets treated as 0.0 radians or no rotation.
    :param float scale: Scaling factor. Defaults to None which gets treated as 1.0 or same
           as original source size.
    :param int skip_index: Bitmap palette index in the source that will not be copied,
           set to None to copy all pixels"""
    dest = _bitmap(dest_bitmap, "dest_bitmap")
    source = _bitmap(source_bitmap, "source_bitmap")
    if dest._bits_per_value < source._bits_per_value:
        raise ValueError("source palette too large")
    o_x = _i16(dest._width // 2 if ox is None else _validate.to_int(ox, "ox"))
    o_y = _i16(dest._height // 2 if oy is None else _validate.to_int(oy, "oy"))
    dclip = _clip_region(dest, dest_clip0, dest_clip1)
    p_x = _i16(source._width // 2 if px is None else _validate.to_int(px, "px"))
    p_y = _i16(source._height // 2 if py is None else _validate.to_int(py, "py"))
    sclip = _clip_region(source, source_clip0, source_clip1)
    turn = 0.0 if angle is None else _f(_validate.to_float(angle, "angle"))
    zoom = 1.0 if scale is None else _f(_validate.to_float(scale, "scale"))
    if zoom < 0:
        zoom = 1.0
    skip = _optional_int(skip_index)
    _rotozoom(dest, o_x, o_y, dclip, source, p_x, p_y, sclip, turn, zoom, skip)


# Long: common_hal_bitmaptools_rotozoom step by step (corners, clip, then the scan), so its
# 32-bit float rounding can be checked line by line against the C code.
def _rotozoom(
    dest: Bitmap,
    ox: int,
    oy: int,
    dclip: tuple[int, int, int, int],
    source: Bitmap,
    px: int,
    py: int,
    sclip: tuple[int, int, int, int],
    angle: float,
    scale: float,
    skip: int | None,
) -> None:
    d0x, d0y, d1x, d1y = dclip
    sin_a, cos_a = _f(math.sin(angle)), _f(math.cos(angle))
    sw, sh = source._width, source._height
    corners = (
        (
            -cos_a * px * scale + sin_a * py * scale + ox,
            -sin_a * px * scale - cos_a * py * scale + oy,
        ),
        (
            cos_a * (sw - px) * scale + sin_a * py * scale + ox,
            sin_a * (sw - px) * scale - cos_a * py * scale + oy,
        ),
        (
            cos_a * (sw - px) * scale - sin_a * (sh - py) * scale + ox,
            sin_a * (sw - px) * scale + cos_a * (sh - py) * scale + oy,
        ),
        (
            -cos_a * px * scale - sin_a * (sh - py) * scale + ox,
            -sin_a * px * scale + cos_a * (sh - py) * scale + oy,
        ),
    )
    minx, miny, maxx, maxy = d1x, d1y, d0x, d0y
    for cx, cy in corners:
        cx, cy = _f(cx), _f(cy)
        if cx < minx:
            minx = _i16(int(cx))
        if cx > maxx:
            maxx = _i16(int(cx))
        if cy < miny:
            miny = _i16(int(cy))
        if cy > maxy:
            maxy = _i16(int(cy))
    minx, maxx = max(minx, d0x), min(maxx, d1x - 1)
    miny, maxy = max(miny, d0y), min(maxy, d1y - 1)
    dv_col = _f(cos_a / scale) if scale else math.copysign(math.inf, cos_a)
    du_col = _f(sin_a / scale) if scale else math.copysign(math.inf, sin_a)
    du_row, dv_row = dv_col, -du_col
    start_u = _f(px - _f(_f(ox * dv_col) + _f(oy * du_col)))
    start_v = _f(py - _f(_f(ox * dv_row) + _f(oy * du_row)))
    row_u = _f(start_u + _f(miny * du_col))
    row_v = _f(start_v + _f(miny * dv_col))
    _dirty(dest, minx, miny, maxx + 1, maxy + 1)
    s0x, s0y, s1x, s1y = sclip
    for y in range(miny, maxy + 1):
        u = _f(row_u + _f(minx * du_row))
        v = _f(row_v + _f(minx * dv_row))
        for x in range(minx, maxx + 1):
            if s0x <= u < s1x and s0y <= v < s1y:
                value = source._get(int(u), int(v))
                if skip is None or value != skip:
                    _write(dest, x, y, value)
            u = _f(u + du_row)
            v = _f(v + dv_row)
        row_u = _f(row_u + du_col)
        row_v = _f(row_v + dv_col)


class BlendMode(_enum.Constant):
    """The blend mode for alphablend to operate use"""

    __slots__ = ()
    Normal: BlendMode
    """Blend based on the normal blending mode (``NORMAL``)"""
    Screen: BlendMode
    """Blend based on the screen blending mode (``SCREEN``)"""


_enum.define(BlendMode, Normal="normal", Screen="screen")


def alphablend(
    dest_bitmap: Bitmap,
    source_bitmap_1: Bitmap,
    source_bitmap_2: Bitmap,
    colorspace: Colorspace,
    factor_1: float = 0.5,
    factor_2: float | None = None,
    blendmode: BlendMode | None = BlendMode.Normal,
    skip_source1_index: int | None = None,
    skip_source2_index: int | None = None,
    mask: Bitmap | None = None,
) -> None:
    """Alpha blend the two source bitmaps into the destination.

    It is permitted for the destination bitmap to be one of the two
    source bitmaps.

    :param bitmap dest_bitmap: Destination bitmap that will be written into
    :param bitmap source_bitmap_1: The first source bitmap
    :param bitmap source_bitmap_2: The second source bitmap
    :param float factor1: The proportion of bitmap 1 to mix in
    :param float factor2: The proportion of bitmap 2 to mix in.  If specified as `None`,
        ``1-factor1`` is used.  Usually the proportions should sum to 1.
    :param displayio.Colorspace colorspace: The colorspace of the bitmaps. They must all have the
        same colorspace.  Only the following colorspaces are permitted:  ``L8``, ``RGB565``,
        ``RGB565_SWAPPED``, ``BGR565`` and ``BGR565_SWAPPED``.
    :param bitmaptools.BlendMode blendmode: The blend mode to use. Default is Normal.
    :param int skip_source1_index: Bitmap palette or luminance index in source_bitmap_1 that will
        not be blended, set to None to blend all pixels
    :param int skip_source2_index: Bitmap palette or luminance index in source_bitmap_2 that will
        not be blended, set to None to blend all pixels
    :param displayio.Bitmap mask: Optional 8-bits-per-value grayscale mask bitmap controlling
        per-pixel opacity of ``source_bitmap_2``.

    For the L8 colorspace, the bitmaps must have a bits-per-value of 8.
    For the RGB colorspaces, they must have a bits-per-value of 16."""
    dest = _bitmap(dest_bitmap, "dest_bitmap")
    src1 = _bitmap(source_bitmap_1, "source_bitmap_1")
    src2 = _bitmap(source_bitmap_2, "source_bitmap_2")
    if not isinstance(colorspace, Colorspace):
        raise TypeError(
            f"colorspace must be of type Colorspace, not {_validate.type_name(colorspace)}"
        )
    mode = BlendMode.Normal if blendmode is None else blendmode
    if not isinstance(mode, BlendMode):
        raise TypeError(
            f"blendmode must be of type BlendMode, not {_validate.type_name(blendmode)}"
        )
    f1 = 0.5 if factor_1 is None else _f(_validate.to_float(factor_1, "factor_1"))
    f2 = _f(1 - f1) if factor_2 is None else _f(_validate.to_float(factor_2, "factor_2"))
    sizes = {(b._width, b._height, b._bits_per_value) for b in (dest, src1, src2)}
    if len(sizes) != 1:
        raise ValueError("Bitmap size and bits per value must match")
    name = colorspace._name
    if name == "L8":
        if dest._bits_per_value != 8:
            raise ValueError("For L8 colorspace, input bitmap must have 8 bits per pixel")
    elif name in ("RGB565", "RGB565_SWAPPED", "BGR565", "BGR565_SWAPPED"):
        if dest._bits_per_value != 16:
            raise ValueError("For RGB colorspaces, input bitmap must have 16 bits per pixel")
    else:
        raise ValueError("Unsupported colorspace")
    skip1 = _optional_int(skip_source1_index)
    skip2 = _optional_int(skip_source2_index)
    if mask is not None:
        _bitmap(mask, "mask")
        if mask._width != dest._width or mask._height != dest._height:
            raise ValueError("Mask bitmap size must match the other bitmaps")
        if mask._bits_per_value != 8:
            raise ValueError("Mask bitmap must have 8 bits per pixel")
    from protoboard.displaycore.blend import blend

    _dirty(dest, 0, 0, dest._width, dest._height)
    blend(dest, src1, src2, name, f1, f2, mode._name == "Screen", skip1, skip2, mask)


def replace_color(dest_bitmap: Bitmap, old_color: int, new_color: int) -> None:
    """Replaces color value in a bitmap.

    :param displayio.Bitmap bitmap: Bitmap that will be changed
    :param int old_color: Bitmap palette index that will overwritten
    :param int new_color: Bitmap palette index that will get put in the bitmap"""
    bitmap = _bitmap(dest_bitmap, "bitmap")
    old = _validate.to_int(old_color, "old_color") & 0xFFFF_FFFF
    new = _validate.to_int(new_color, "new_color") & 0xFFFF_FFFF
    depth = 1 << bitmap._bits_per_value
    if depth <= old or depth <= new:
        raise ValueError("color out of range")
    if bitmap._read_only:
        raise RuntimeError("Read-only")
    data = bitmap._data
    for index, value in enumerate(data):
        if value == old:
            data[index] = new


def fill_region(dest_bitmap: Bitmap, x1: int, y1: int, x2: int, y2: int, value: int) -> None:
    """Draws the color value into the destination bitmap within the
    rectangular region bounded by (x1,y1) and (x2,y2), exclusive.

    :param bitmap dest_bitmap: Destination bitmap that will be written into
    :param int x1: x-pixel position of the first corner of the rectangular fill region
    :param int y1: y-pixel position of the first corner of the rectangular fill region
    :param int x2: x-pixel position of the second corner of the rectangular fill region (exclusive)
    :param int y2: y-pixel position of the second corner of the rectangular fill region (exclusive)
    :param int value: Bitmap palette index that will be written into the rectangular
           fill region in the destination bitmap"""
    dest = _bitmap(dest_bitmap, "dest_bitmap")
    number = _check_value(dest, value)
    left, top, right, bottom = _rect(dest, x1, y1, x2, y2)
    _dirty(dest, left, top, right, bottom, clip=True)
    if dest._read_only:
        raise RuntimeError("Read-only")
    stored = number & _value_mask(dest)
    for y in range(top, bottom):
        dest._fill_run(y * dest._width + left, right - left, stored)


def boundary_fill(
    dest_bitmap: Bitmap,
    x: int,
    y: int,
    fill_color_value: int,
    replaced_color_value: int | None = None,
) -> None:
    """Draws the color value into the destination bitmap enclosed
    area of pixels of the background_value color. Like "Paint Bucket"
    fill tool.

    :param bitmap dest_bitmap: Destination bitmap that will be written into
    :param int x: x-pixel position of the first pixel to check and fill if needed
    :param int y: y-pixel position of the first pixel to check and fill if needed
    :param int fill_color_value: Bitmap palette index that will be written into the
           enclosed area in the destination bitmap
    :param int replaced_color_value: Bitmap palette index that will filled with the
           value color in the enclosed area in the destination bitmap"""
    dest = _bitmap(dest_bitmap, "dest_bitmap")
    fill = _check_value(dest, fill_color_value, "value out of range of target")
    depth = 1 << dest._bits_per_value
    replaced = (
        _INT_MAX
        if replaced_color_value is None
        else _validate.to_int(replaced_color_value, "replaced_color_value") & 0xFFFF_FFFF
    )
    if replaced != _INT_MAX and depth <= replaced:
        raise ValueError("background value out of range of target")
    px, py = _i16(_validate.to_int(x, "x")), _i16(_validate.to_int(y, "y"))
    if px < 0 or px >= dest._width or py < 0 or py >= dest._height:
        raise ValueError("out of range of target")
    if fill == replaced:
        return
    if replaced == _INT_MAX:
        replaced = dest._get(px, py)
        if replaced == fill:
            # The C loop would refill the same pixels until the board runs out of memory;
            # nothing would change, so stop here (docs: differences).
            return
    if dest._read_only:
        raise RuntimeError("Read-only")
    minx = maxx = px
    miny = maxy = py
    queue = deque([(px, py)])
    while queue:
        cx, cy = queue.popleft()
        if dest._get(cx, cy) != replaced:
            continue
        minx, maxx = min(minx, cx), max(maxx, cx)
        miny, maxy = min(miny, cy), max(maxy, cy)
        _write(dest, cx, cy, fill)
        if cy - 1 >= 0:
            queue.append((cx, cy - 1))
        if cx - 1 >= 0:
            queue.append((cx - 1, cy))
        if cx + 1 < dest._width:
            queue.append((cx + 1, cy))
        if cy + 1 < dest._height:
            queue.append((cx, cy + 1))
    _dirty(dest, minx, miny, maxx + 1, maxy + 1)


def _line(dest: Bitmap, x0: int, y0: int, x1: int, y1: int, value: int) -> None:
    """``draw_line`` of the C code: clipped straight runs, Bresenham otherwise."""
    if x0 == x1:
        y0, y1 = min(y0, y1), max(y0, y1)
        for y in range(max(0, y0), min(y1, dest._height - 1) + 1):
            _write(dest, x0, y, value)
        return
    if y0 == y1:
        x0, x1 = min(x0, x1), max(x0, x1)
        for x in range(max(0, x0), min(x1, dest._width - 1) + 1):
            _write(dest, x, y0, value)
        return
    steep = abs(y1 - y0) > abs(x1 - x0)
    if steep:
        x0, y0, x1, y1 = y0, x0, y1, x1
    if x0 > x1:
        x0, x1, y0, y1 = x1, x0, y1, y0
    dx = _i16(x1 - x0)
    dy = _i16(abs(y1 - y0))
    err = float(int(dx / 2))  # C: mp_float_t err = dx / 2 (integer division first)
    ystep = 1 if y0 < y1 else -1
    for x in range(x0, x1 + 1):
        if steep:
            _write(dest, y0, x, value)
        else:
            _write(dest, x, y0, value)
        err -= dy
        if err < 0:
            y0 = _i16(y0 + ystep)
            err += dx


def draw_line(dest_bitmap: Bitmap, x1: int, y1: int, x2: int, y2: int, value: int) -> None:
    """Draws a line into a bitmap specified two endpoints (x1,y1) and (x2,y2).

    :param bitmap dest_bitmap: Destination bitmap that will be written into
    :param int x1: x-pixel position of the line's first endpoint
    :param int y1: y-pixel position of the line's first endpoint
    :param int x2: x-pixel position of the line's second endpoint
    :param int y2: y-pixel position of the line's second endpoint
    :param int value: Bitmap palette index that will be written into the
        line in the destination bitmap"""
    dest = _bitmap(dest_bitmap, "dest_bitmap")
    number = _check_value(dest, value)
    ax, ay, bx, by = (
        _i16(_validate.to_int(v, n)) for v, n in ((x1, "x1"), (y1, "y1"), (x2, "x2"), (y2, "y2"))
    )
    _dirty(dest, min(ax, bx), min(ay, by), max(ax, bx) + 1, max(ay, by) + 1, clip=True)
    _line(dest, ax, ay, bx, by, number)


def _coordinates(buffer: Any) -> tuple[list[int], int]:
    try:
        view = memoryview(buffer)
    except TypeError:
        raise TypeError(
            f"object with buffer protocol required, not {_validate.type_name(buffer)}"
        ) from None
    size = view.itemsize
    raw = view.cast("B")
    code = {1: "b", 2: "h", 4: "i"}.get(size, "b")
    count = len(raw) // size
    return list(raw[: count * size].cast(code)), size  # type: ignore[call-overload]


def draw_polygon(
    dest_bitmap: Bitmap, xs: Any, ys: Any, value: int, close: bool | None = True
) -> None:
    """Draw a polygon connecting points on provided bitmap with provided value

    :param bitmap dest_bitmap: Destination bitmap that will be written into
    :param ReadableBuffer xs: x-pixel position of the polygon's vertices
    :param ReadableBuffer ys: y-pixel position of the polygon's vertices
    :param int value: Bitmap palette index that will be written into the
           line in the destination bitmap
    :param bool close: (Optional) Whether to connect first and last point. (True)

    .. code-block:: Python

       import board
       import displayio
       import bitmaptools

       display = board.DISPLAY
       main_group = displayio.Group()
       display.root_group = main_group

       palette = displayio.Palette(3)
       palette[0] = 0xffffff
       palette[1] = 0x0000ff
       palette[2] = 0xff0000

       bmp = displayio.Bitmap(128,128, 3)
       bmp.fill(0)

       xs = bytes([4, 101, 101, 19])
       ys = bytes([4, 19, 121, 101])
       bitmaptools.draw_polygon(bmp, xs, ys, 1)

       xs = bytes([14, 60, 110])
       ys = bytes([14, 24, 90])
       bitmaptools.draw_polygon(bmp, xs, ys, 2, False)

       tilegrid = displayio.TileGrid(bmp, pixel_shader=palette)
       main_group.append(tilegrid)

       while True:
           pass
    """
    dest = _bitmap(dest_bitmap, "dest_bitmap")
    px, x_size = _coordinates(xs)
    py, y_size = _coordinates(ys)
    if x_size != y_size:
        raise ValueError("Coordinate arrays types have different sizes")
    if len(px) != len(py):
        raise ValueError("Coordinate arrays have different lengths")
    number = _check_value(dest, value)
    if not px:
        return
    x0, y0 = _i16(px[0]), _i16(py[0])
    xprev, yprev = x0, y0
    xmin = xmax = x0
    ymin = ymax = y0
    for x, y in zip(px[1:], py[1:], strict=True):
        x, y = _i16(x), _i16(y)
        _line(dest, xprev, yprev, x, y, number)
        xprev, yprev = x, y
        xmin, xmax = min(xmin, x), max(xmax, x)
        ymin, ymax = min(ymin, y), max(ymax, y)
    if close is None or close:
        _line(dest, xprev, yprev, x0, y0, number)
    _dirty(dest, xmin, ymin, xmax, ymax, clip=True)


def arrayblit(
    bitmap: Bitmap,
    data: Any,
    x1: int = 0,
    y1: int = 0,
    x2: int | None = None,
    y2: int | None = None,
    skip_index: int | None = None,
) -> None:
    """Inserts pixels from ``data`` into the rectangle of widthxheight pixels with the upper left
    corner at ``(x,y)``

    The values from ``data`` are taken modulo the number of color values
    available in the destination bitmap.

    If x1 or y1 are not specified, they are taken as 0.  If x2 or y2
    are not specified, or are given as None, they are taken as the width
    and height of the image.

    The coordinates affected by the blit are
    ``x1 <= x < x2`` and ``y1 <= y < y2``.

    ``data`` must contain at least as many elements as required.  If it
    contains excess elements, they are ignored.

    The blit takes place by rows, so the first elements of ``data`` go
    to the first row, the next elements to the next row, and so on.

    :param displayio.Bitmap bitmap: A writable bitmap
    :param ReadableBuffer data: Buffer containing the source pixel values
    :param int x1: The left corner of the area to blit into (inclusive)
    :param int y1: The top corner of the area to blit into (inclusive)
    :param int x2: The right of the area to blit into (exclusive)
    :param int y2: The bottom corner of the area to blit into (exclusive)
    :param int skip_index: Bitmap palette index in the source that will not be copied,
                           set to None to copy all pixels
    """
    target = _bitmap(bitmap, "bitmap")
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(
            f"object with buffer protocol required, not {_validate.type_name(data)}"
        ) from None
    left, top, right, bottom = _rect(target, x1, y1, x2, y2)
    size = view.itemsize if view.itemsize in (1, 2, 4) else 1
    raw = view.cast("B")
    values = raw[: len(raw) // size * size].cast({1: "B", 2: "H", 4: "I"}[size])  # type: ignore[call-overload]
    skip = _optional_int(skip_index)
    if len(values) < (right - left) * (bottom - top):
        raise IndexError("index out of range")
    mask = _value_mask(target)
    position = 0
    for y in range(top, bottom):
        for x in range(left, right):
            value = values[position]
            position += 1
            if skip is None or value != skip:
                _write(target, x, y, value & mask)
    _dirty(target, left, top, right, bottom)


def readinto(
    bitmap: Bitmap,
    file: Any,
    bits_per_pixel: int,
    element_size: int = 1,
    reverse_pixels_in_element: bool = False,
    swap_bytes_in_element: bool = False,
    reverse_rows: bool = False,
) -> None:
    """Reads from a binary file into a bitmap.

    The file must be positioned so that it consists of ``bitmap.height``
    rows of pixel data, where each row is the smallest multiple of
    ``element_size`` bytes that can hold ``bitmap.width`` pixels.

    The bytes in an element can be optionally swapped, and the pixels in an
    element can be reversed.  Also, the
    row loading direction can be reversed, which may be requires for loading
    certain bitmap files.

    This function efficiently loads palette-based bitmaps into a Bitmap
    object.

    :param displayio.Bitmap bitmap: A writable bitmap
    :param typing.BinaryIO file: A file opened in binary mode
    :param int bits_per_pixel: Number of bits per pixel.  Values 1, 2, 4, 8, 16, 24, and 32 are
        supported;
    :param int element_size: Number of bytes per element.  Values of 1, 2, and 4 are supported,
        except that 24 ``bits_per_pixel`` requires 1 byte per element.
    :param bool reverse_pixels_in_element: If set, the first pixel in a word is taken from the Most
        Significant Bits; otherwise, it is taken from the Least Significant Bits.
    :param bool swap_bytes_in_element: If the ``element_size`` is not 1, then reverse the byte order
        of each element read.
    :param bool reverse_rows: Reverse the direction of the row loading (required for some bitmap
        images).
    """
    target = _bitmap(bitmap, "bitmap")
    size = _validate.to_int(element_size, "element_size")
    if size not in (1, 2, 4):
        raise ValueError(f"invalid element_size {size}, must be, 1, 2, or 4")
    bpp = _validate.to_int(bits_per_pixel, "bits_per_pixel")
    if bpp == 24 and size != 1:
        raise ValueError(f"invalid element size {size} for bits_per_pixel {bpp}\n")
    if bpp not in (1, 2, 4, 8, 16, 24, 32):
        raise ValueError(f"invalid bits_per_pixel {bpp}, must be, 1, 2, 4, 8, 16, 24, or 32")
    read = getattr(file, "read", None)
    if read is None:
        raise OSError(22, "stream operation not supported")  # MP_EINVAL from mp_get_stream_raise
    if target._read_only:
        raise RuntimeError("Read-only")
    _dirty(target, 0, 0, target._width, target._height)
    width = target._width
    per_row = (width * bpp + size * 8 - 1) // (size * 8)
    row_size = size * per_row
    mask = _value_mask(target)
    from protoboard.displaycore.unpack import unpack_row

    for y in range(target._height):
        row = read(row_size)
        if row is None or len(row) != row_size:
            raise EOFError
        values = unpack_row(
            bytes(row),
            width,
            bpp,
            size,
            bool(reverse_pixels_in_element),
            bool(swap_bytes_in_element),
        )
        y_draw = target._height - 1 - y if reverse_rows else y
        target._store_run(y_draw * width, [v & mask for v in values])


class DitherAlgorithm(_enum.Constant):
    """The dither algorithm to use, one of the `DitherAlgorithm` values."""

    __slots__ = ()
    Atkinson: DitherAlgorithm
    """The classic Atkinson dither, often associated with the Apple Macintosh"""
    FloydStenberg: DitherAlgorithm
    """The Floyd-Stenberg dither"""


_enum.define(DitherAlgorithm, Atkinson="atkinson", FloydStenberg="floyd-stenberg")


def dither(
    dest_bitmap: Bitmap,
    source_bitmap: Bitmap,
    source_colorspace: Colorspace,
    algorithm: DitherAlgorithm = DitherAlgorithm.Atkinson,
) -> None:
    """Convert the input image into a 2-level output image using the given dither algorithm.

    :param bitmap dest_bitmap: Destination bitmap.  It must have a value_count of 2 or 65536.  The
        stored values are 0 and the maximum pixel value.
    :param bitmap source_bitmap: Source bitmap that contains the graphical region to be dithered.
        It must have a value_count of 65536.
    :param colorspace: The colorspace of the image.  The supported colorspaces are ``RGB565``,
        ``BGR565``, ``RGB565_SWAPPED``, and ``BGR565_SWAPPED``
    :param algorithm: The dither algorithm to use, one of the `DitherAlgorithm` values.
    """
    source = _bitmap(source_bitmap, "source_bitmap")
    dest = _bitmap(dest_bitmap, "dest_bitmap")
    if not isinstance(algorithm, DitherAlgorithm):
        raise TypeError(
            f"algorithm must be of type DitherAlgorithm, not {_validate.type_name(algorithm)}"
        )
    if not isinstance(source_colorspace, Colorspace):
        raise TypeError(
            "source_colorspace must be of type Colorspace, not "
            f"{_validate.type_name(source_colorspace)}"
        )
    if source._width != dest._width or source._height != dest._height:
        raise TypeError("bitmap sizes must match")
    if dest._bits_per_value not in (16, 1):
        raise TypeError("source_bitmap must have value_count of 2 or 65536")
    name = source_colorspace._name
    if name in ("RGB565", "RGB565_SWAPPED", "BGR565", "BGR565_SWAPPED"):
        if source._bits_per_value != 16:
            raise TypeError("source_bitmap must have value_count of 65536")
    elif name == "L8":
        if source._bits_per_value != 8:
            raise TypeError("source_bitmap must have value_count of 8")
    else:
        raise TypeError("unsupported colorspace for dither")
    from protoboard.displaycore.dither import dither_bitmap

    dither_bitmap(dest, source, name, algorithm._name == "floyd-stenberg")
    _dirty(dest, 0, 0, dest._width, dest._height)


def draw_circle(dest_bitmap: Bitmap, x: int, y: int, radius: int, value: int) -> None:
    """Draws a circle into a bitmap specified using a center (x0,y0) and radius r.

    :param bitmap dest_bitmap: Destination bitmap that will be written into
    :param int x: x-pixel position of the circle's center
    :param int y: y-pixel position of the circle's center
    :param int radius: circle's radius
    :param int value: Bitmap palette index that will be written into the
           circle in the destination bitmap

    .. code-block:: Python

       import board
       import displayio
       import bitmaptools

       display = board.DISPLAY
       main_group = displayio.Group()
       display.root_group = main_group

       palette = displayio.Palette(2)
       palette[0] = 0xffffff
       palette[1] = 0x440044

       bmp = displayio.Bitmap(128,128, 2)
       bmp.fill(0)

       bitmaptools.circle(64,64, 50, bmp, 1)

       tilegrid = displayio.TileGrid(bmp, pixel_shader=palette)
       main_group.append(tilegrid)

       while True:
           pass

    """
    dest = _bitmap(dest_bitmap, "dest_bitmap")
    number = _check_value(dest, value)
    cx = _i16(_validate.to_int(x, "x"))
    cy = _i16(_validate.to_int(y, "y"))
    r = _i16(_validate.to_int(radius, "radius"))
    _validate.int_range(cx, 0, dest._width, "x")
    _validate.int_range(cy, 0, dest._height, "y")
    _validate.int_at_least(r, 0, "radius")
    _dirty(dest, cx - r, cy - r, cx + r, cy + r, clip=True)
    cx = max(0, min(cx, dest._width))
    cy = max(0, min(cy, dest._height))
    yb = r
    d = _i16(3 - 2 * r)
    xb = 0
    while xb <= yb:
        for px, py in (
            (xb + cx, yb + cy),
            (-xb + cx, -yb + cy),
            (-xb + cx, yb + cy),
            (xb + cx, -yb + cy),
            (yb + cx, xb + cy),
            (-yb + cx, xb + cy),
            (-yb + cx, -xb + cy),
            (yb + cx, -xb + cy),
        ):
            _write(dest, _i16(px), _i16(py), number)
        if d <= 0:
            d = _i16(d + 4 * xb + 6)
        else:
            d = _i16(d + 4 * (xb - yb) + 10)
            yb -= 1
        xb += 1


def blit(
    dest_bitmap: Bitmap,
    source_bitmap: Bitmap,
    x: int,
    y: int,
    *,
    x1: int = 0,
    y1: int = 0,
    x2: int | None = None,
    y2: int | None = None,
    skip_source_index: int | None = None,
    skip_dest_index: int | None = None,
) -> None:
    """Inserts the source_bitmap region defined by rectangular boundaries
    (x1,y1) and (x2,y2) into the bitmap at the specified (x,y) location.

    :param bitmap dest_bitmap: Destination bitmap that the area will be copied into.
    :param bitmap source_bitmap: Source bitmap that contains the graphical region to be copied
    :param int x: Horizontal pixel location in bitmap where source_bitmap upper-left
                  corner will be placed
    :param int y: Vertical pixel location in bitmap where source_bitmap upper-left
                  corner will be placed
    :param int x1: Minimum x-value for rectangular bounding box to be copied from the source bitmap
    :param int y1: Minimum y-value for rectangular bounding box to be copied from the source bitmap
    :param int x2: Maximum x-value (exclusive) for rectangular bounding box to be copied from the
        source bitmap. If unspecified or `None`, the source bitmap width is used.
    :param int y2: Maximum y-value (exclusive) for rectangular bounding box to be copied from the
        source bitmap. If unspecified or `None`, the source bitmap height is used.
    :param int skip_source_index: bitmap palette index in the source that will not be copied,
                           set to None to copy all pixels
    :param int skip_dest_index: bitmap palette index in the destination bitmap that will not get
        overwritten by the pixels from the source"""
    dest = _bitmap(dest_bitmap, "dest_bitmap")
    dx = _validate.int_range(_validate.to_int(x, "x"), 0, dest._width, "x")
    dy = _validate.int_range(_validate.to_int(y, "y"), 0, dest._height, "y")
    source = _bitmap(source_bitmap, "source_bitmap")
    left, top, right, bottom = _rect(source, x1, y1, x2, y2)
    if dest._bits_per_value < source._bits_per_value:
        raise ValueError("source palette too large")
    skip_source = _optional_int(skip_source_index)
    skip_dest = _optional_int(skip_dest_index)
    if dest._read_only:
        raise RuntimeError("Read-only")
    _dirty(dest, dx, dy, min(dx + right - left, dest._width), min(dy + bottom - top, dest._height))
    from protoboard.displaycore.blit import blit_rows

    blit_rows(dest, source, dx, dy, left, top, right, bottom, skip_source, skip_dest)


_enum.publish(
    "bitmaptools",
    BlendMode,
    DitherAlgorithm,
    alphablend,
    arrayblit,
    blit,
    boundary_fill,
    dither,
    draw_circle,
    draw_line,
    draw_polygon,
    fill_region,
    readinto,
    replace_color,
    rotozoom,
)

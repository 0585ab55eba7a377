"""displayio.Bitmap and displayio.Colorspace."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _validate
from protoboard.displaycore.area import Area
from protoboard.displaycore.bitmapcore import BitmapCore


class Colorspace(_enum.Constant):
    """The colorspace for a `ColorConverter` to operate in"""

    __slots__ = ()
    RGB888: Colorspace
    """The standard 24-bit colorspace.  Bits 0-7 are blue, 8-15 are green, and 16-24 are red.
    (0xRRGGBB)"""
    RGB565: Colorspace
    """The standard 16-bit colorspace.  Bits 0-4 are blue, bits 5-10 are green, and 11-15 are red
    (0bRRRRRGGGGGGBBBBB)"""
    RGB565_SWAPPED: Colorspace
    """The swapped 16-bit colorspace.  First, the high and low 8 bits of the number are swapped,
    then they are interpreted as for RGB565"""
    RGB555: Colorspace
    """The standard 15-bit colorspace.  Bits 0-4 are blue, bits 5-9 are green, and 11-14 are red.
    The top bit is ignored. (0bxRRRRRGGGGGBBBBB)"""
    RGB555_SWAPPED: Colorspace
    """The swapped 15-bit colorspace.  First, the high and low 8 bits of the number are swapped,
    then they are interpreted as for RGB555"""
    BGR565: Colorspace
    """The standard 16-bit colorspace with blue and red swapped."""
    BGR565_SWAPPED: Colorspace
    """BGR565 with its two bytes swapped."""
    BGR555: Colorspace
    """The standard 15-bit colorspace with blue and red swapped."""
    BGR555_SWAPPED: Colorspace
    """BGR555 with its two bytes swapped."""
    L8: Colorspace
    """The 8-bit grayscale (luminance) colorspace."""


_enum.define(
    Colorspace,
    **{
        name: name
        for name in (
            "RGB888",
            "RGB565",
            "RGB565_SWAPPED",
            "RGB555",
            "RGB555_SWAPPED",
            "BGR565",
            "BGR565_SWAPPED",
            "BGR555",
            "BGR555_SWAPPED",
            "L8",
        )
    },
)


def _bits_for(value_count: int) -> int:
    bits = 1
    while (value_count - 1) >> bits:
        bits = bits << 1 if bits < 8 else bits + 8
    return bits


class Bitmap(BitmapCore):
    """Stores values of a certain size in a 2D array

    Bitmaps can be treated as read-only buffers. If the number of bits in a pixel is 8, 16,
    or 32; and the number of bytes per row is a multiple of 4, then the resulting memoryview
    will correspond directly with the bitmap's contents. Otherwise, the bitmap data is packed
    into the memoryview with unspecified padding.

    A Bitmap can be treated as a buffer, allowing its content to be
    viewed and modified using e.g., with ``ulab.numpy.frombuffer``,
    but the `displayio.Bitmap.dirty` method must be used to inform
    displayio when a bitmap was modified through the buffer interface.

    `bitmaptools.arrayblit` can also be useful to move data efficiently
    into a Bitmap."""

    def __init__(self, width: int, height: int, value_count: int) -> None:
        """Create a Bitmap object with the given fixed size. Each pixel stores a value that is used
        to
        index into a corresponding palette. This enables differently colored sprites to share the
        underlying Bitmap. value_count is used to minimize the memory used to store the Bitmap.

        :param int width: The number of values wide
        :param int height: The number of values high
        :param int value_count: The number of possible pixel values."""
        w = _validate.int_range(width, 0, 32767, "width")
        h = _validate.int_range(height, 0, 32767, "height")
        count = _validate.int_range(value_count, 1, 65536, "value_count")
        super().__init__(w, h, _bits_for(count))
        self._deinited = False

    def _check(self) -> None:
        if self._deinited:
            _validate.raise_deinited()

    @property
    def width(self) -> int:
        """Width of the bitmap. (read only)"""
        self._check()
        return self._width

    @property
    def height(self) -> int:
        """Height of the bitmap. (read only)"""
        self._check()
        return self._height

    @property
    def bits_per_value(self) -> int:
        """Bits per Pixel of the bitmap. (read only)"""
        self._check()
        return self._bits_per_value

    def _index(self, index: Any) -> tuple[int, int]:
        if isinstance(index, slice):
            raise NotImplementedError("Slices not supported")
        if isinstance(index, int):
            total = self._width * self._height
            if index < 0 or index >= total:
                raise IndexError(f"index must be 0-{total - 1}")
            return index % self._width, index // self._width
        try:
            items = _validate.sequence(index)
        except TypeError:
            raise TypeError(
                f"object '{_validate.type_name(index)}' isn't a tuple or list"
            ) from None
        if len(items) != 2:
            raise ValueError("tuple/list has wrong length")
        x = _validate.to_int(items[0], "x")
        if x < 0 or x >= self._width:
            raise IndexError(f"x must be 0-{self._width - 1}")
        y = _validate.to_int(items[1], "y")
        if y < 0 or y >= self._height:
            raise IndexError(f"y must be 0-{self._height - 1}")
        return x, y

    def __getitem__(self, index: tuple[int, int] | int) -> int:
        """Returns the value at the given index. The index can either be an x,y tuple or an int
        equal
        to ``y * width + x``.

        This allows you to::

          print(bitmap[0,1])"""
        self._check()
        x, y = self._index(index)
        return int(self._data[y * self._width + x])

    def __setitem__(self, index: tuple[int, int] | int, value: int) -> None:
        """Sets the value at the given index. The index can either be an x,y tuple or an int equal
        to ``y * width + x``.

        This allows you to::

          bitmap[0,1] = 3"""
        self._check()
        x, y = self._index(index)
        number = _validate.int_range(value, 0, (1 << self._bits_per_value) - 1, "value")
        self._mark_dirty(Area(x, y, x + 1, y + 1))
        self._data[y * self._width + x] = number

    def __delitem__(self, index: Any) -> None:
        raise AttributeError("Cannot delete values")

    def fill(self, value: int) -> None:
        """Fills the bitmap with the supplied palette index value."""
        self._check()
        number = _validate.int_range(value, 0, (1 << self._bits_per_value) - 1, "value")
        self._mark_dirty(Area(0, 0, self._width, self._height))
        if isinstance(self._data, bytearray):
            self._data[:] = bytes([number]) * len(self._data)
        else:
            for index in range(len(self._data)):
                self._data[index] = number

    def dirty(self, x1: int = 0, y1: int = 0, x2: int = -1, y2: int = -1) -> None:
        """Inform displayio of bitmap updates done via the buffer
        protocol.

        :param int x1: Minimum x-value for rectangular bounding box to be considered as modified
        :param int y1: Minimum y-value for rectangular bounding box to be considered as modified
        :param int x2: Maximum x-value (exclusive) for rectangular bounding box to be considered as
            modified
        :param int y2: Maximum y-value (exclusive) for rectangular bounding box to be considered as
            modified

        If x1 or y1 are not specified, they are taken as 0.  If x2 or y2
        are not specified, or are given as -1, they are taken as the width
        and height of the image.  Thus, calling dirty() with the
        default arguments treats the whole bitmap as modified.

        When a bitmap is modified through the buffer protocol, the
        display will not be properly updated unless the bitmap is
        notified of the "dirty rectangle" that encloses all modified
        pixels."""
        self._check()
        area = Area(
            _validate.to_int(x1, "x1"),
            _validate.to_int(y1, "y1"),
            self._width if x2 == -1 else _validate.to_int(x2, "x2"),
            self._height if y2 == -1 else _validate.to_int(y2, "y2"),
        )
        self._mark_dirty(area)

    def deinit(self) -> None:
        """Release resources allocated by Bitmap."""
        self._deinited = True

"""A bitmap's storage and dirty area (``shared-module/displayio/Bitmap.c``).

Values are kept one element per pixel (a bytearray up to 8 bits per value, an ``array`` of
``H``/``I`` above), so a row of a bitmap is one slice.
"""

from __future__ import annotations

from array import array
from typing import Union

from protoboard.displaycore.area import Area

Storage = Union[bytearray, "array[int]"]


def new_storage(bits_per_value: int, count: int) -> Storage:
    if bits_per_value <= 8:
        return bytearray(count)
    return array(
        "H" if bits_per_value == 16 else "I", bytes(count * (2 if bits_per_value == 16 else 4))
    )


class BitmapCore:
    """Width, height, bits per value, the values and the area changed since the last refresh."""

    def __init__(self, width: int, height: int, bits_per_value: int) -> None:
        self._width = width
        self._height = height
        self._bits_per_value = bits_per_value
        self._data: Storage = new_storage(bits_per_value, width * height)
        self._read_only = False
        self._dirty = Area(0, 0, width, height)

    def _row(self, y: int, x1: int, x2: int) -> Storage:
        """Values ``x1..x2-1`` of row ``y`` (all inside the bitmap)."""
        start = y * self._width
        return self._data[start + x1 : start + x2]

    def _fill_run(self, start: int, count: int, value: int) -> None:
        """Set ``count`` values from flat index ``start`` to ``value``."""
        if isinstance(self._data, bytearray):
            self._data[start : start + count] = bytes([value]) * count
        else:
            self._data[start : start + count] = array(self._data.typecode, [value]) * count

    def _store_run(self, start: int, values: list[int]) -> None:
        """Store ``values`` from flat index ``start`` (each already fits the storage)."""
        if isinstance(self._data, bytearray):
            self._data[start : start + len(values)] = bytes(values)
        else:
            self._data[start : start + len(values)] = array(self._data.typecode, values)

    def _get(self, x: int, y: int) -> int:
        if 0 <= x < self._width and 0 <= y < self._height:
            return self._data[y * self._width + x]
        return 0

    def _mark_dirty(self, area: Area) -> None:
        """``displayio_bitmap_set_dirty_area``: grow the dirty area, clipped to the bitmap."""
        if self._read_only:
            raise RuntimeError("Read-only")
        area = area.copy()
        area.canon()
        grown = area.union(self._dirty)
        clipped = grown.intersection(Area(0, 0, self._width, self._height))
        if clipped is None:
            clipped = Area(0, 0, 0, 0)
        self._dirty = clipped

    def _get_refresh_areas(self, areas: list[Area]) -> None:
        if self._dirty.x1 == self._dirty.x2 or self._read_only:
            return
        areas.append(self._dirty)

    def _finish_refresh(self) -> None:
        if self._read_only:
            return
        self._dirty = Area(0, 0, 0, 0)

"""vectorio's render side (``shared-module/vectorio``): shapes drawn pixel by pixel from their
geometry, positioned (not scaled) by the group transform, as the C code does.

Faithful quirks: a shape ignores its group's ``scale`` for its size (only its position scales);
a polygon's area stops before its rightmost column and bottom row; a palette colour made
transparent still paints (value 0) and hides what is below, as ``vectorio_vector_shape_fill_area``
writes every covered pixel.
"""

from __future__ import annotations

from typing import Any

from protoboard.displaycore.area import NULL_TRANSFORM, Area, Transform
from protoboard.displaycore.colorspace import Colorspace
from protoboard.displaycore.raster import RowWriter, pack_mask, unpack_mask


def _i16(value: int) -> int:
    return (value + 0x8000) % 0x10000 - 0x8000


class VectorShapeCore:
    """Position, dirty tracking and drawing shared by Circle, Polygon and Rectangle."""

    _pixel_shader: Any
    _is_vector_shape = True

    def _init_shape(self, pixel_shader: Any, x: int, y: int) -> None:
        self._x = x
        self._y = y
        self._pixel_shader = pixel_shader
        self._hidden = False
        self._in_group = False
        self._transform: Transform = NULL_TRANSFORM
        self._ephemeral = Area(0, 0, 0, 0)
        self._current_area_dirty = True
        self._current_area = self._screen_area()

    # The shape's geometry: subclasses.
    def _shape_area(self) -> Area:
        raise NotImplementedError

    def _shape_pixel(self, x: int, y: int) -> int:
        raise NotImplementedError

    def _screen_area(self) -> Area:
        t = self._transform
        a = self._shape_area()
        if t.transpose_xy:
            x = t.x + t.dx * self._y
            y = t.y + t.dy * self._x
            if t.dx < 1:
                x -= 1
                a.y1, a.y2 = -a.y1 + 1, -a.y2 + 1
            if t.dy < 1:
                y -= 1
                a.x1, a.x2 = -a.x1 + 1, -a.x2 + 1
            a = Area(a.y1, a.x1, a.y2, a.x2)
        else:
            x = t.x + t.dx * self._x
            y = t.y + t.dy * self._y
            if t.dx < 1:
                x -= 1
                a.x1, a.x2 = -a.x1 + 1, -a.x2 + 1
            if t.dy < 1:
                y -= 1
                a.y1, a.y2 = -a.y1 + 1, -a.y2 + 1
        a.canon()
        a.shift(x, y)
        return a

    def _to_shape(self, x: int, y: int) -> tuple[int, int]:
        t = self._transform
        if t.transpose_xy:
            sx = _i16(y - t.y - t.dy * self._x)
            sy = _i16(x - t.x - t.dx * self._y)
            if t.dx < 1:
                sy = -sy - 1
            if t.dy < 1:
                sx = -sx - 1
        else:
            sx = _i16(x - t.x - t.dx * self._x)
            sy = _i16(y - t.y - t.dy * self._y)
            if t.dx < 1:
                sx = -sx - 1
            if t.dy < 1:
                sy = -sy - 1
        return sx, sy

    def _set_dirty(self) -> None:
        current = self._screen_area()
        if current != self._current_area:
            self._ephemeral = self._current_area.union(self._ephemeral)
            self._current_area = current
        self._current_area_dirty = True

    # --- the layer interface ----------------------------------------------------------------

    def _update_transform(self, transform: Transform | None) -> None:
        self._transform = NULL_TRANSFORM if transform is None else transform
        self._set_dirty()

    def _set_hidden_by_parent(self, hidden: bool) -> None:
        self._set_dirty()

    def _get_previous_area(self) -> Area | None:
        return None

    def _removal_area(self) -> Area | None:
        """Where a removed shape must be redrawn: ``vectorio_vector_shape_get_dirty_area``."""
        return self._ephemeral.union(self._current_area)

    def _get_refresh_areas(self, areas: list[Area]) -> None:
        shader_changed = getattr(self._pixel_shader, "_needs_refresh", False)
        if self._current_area_dirty or shader_changed:
            if not self._ephemeral.empty():
                overlap = self._ephemeral.intersection(self._current_area)
                overlap_size = (
                    overlap.size()
                    if overlap is not None
                    else _partial_overlap_size(self._ephemeral, self._current_area)
                )
                union = self._ephemeral.union(self._current_area)
                dirty_size = self._ephemeral.size()
                current_size = self._current_area.size()
                if union.size() - dirty_size - current_size + overlap_size <= min(
                    dirty_size, current_size
                ):
                    self._ephemeral = union
                else:
                    areas.append(self._current_area)
                areas.append(self._ephemeral)
            else:
                self._current_area_dirty = True
                areas.append(self._current_area)
        elif not self._ephemeral.empty():
            areas.append(self._ephemeral)

    def _finish_refresh(self) -> None:
        if self._ephemeral.empty() and not self._current_area_dirty:
            return
        self._ephemeral = Area(0, 0, 0, 0)
        self._current_area_dirty = False
        finish = getattr(self._pixel_shader, "_finish_refresh", None)
        if finish is not None:
            finish()

    def _fill_area(self, cs: Colorspace, area: Area, mask: bytearray, buffer: memoryview) -> bool:
        if self._hidden:
            return False
        overlap = area.intersection(self._current_area)
        if overlap is None:
            return False
        full_coverage = overlap == area
        width = area.width()
        pixels = unpack_mask(mask, area.size())
        writer = RowWriter(cs, width, pixels, buffer)
        shader = self._pixel_shader
        convert = shader._row_converter(cs)
        for y in range(overlap.y1, overlap.y2):
            values = self._row_values(y, overlap.x1, overlap.x2)
            if 0 in values:
                full_coverage = False
            if convert is not None:
                shaded = convert([v - 1 if v else 0 for v in values])
            else:
                shaded = [
                    shader._pixel(cs, v - 1 if v else 0, x, y)
                    for x, v in zip(range(overlap.x1, overlap.x2), values, strict=True)
                ]
            out: list[int | None] = []
            for value, colour in zip(values, shaded, strict=True):
                if value == 0:
                    out.append(None)
                elif colour is None:
                    full_coverage = False
                    out.append(0)  # transparent colours still paint 0 here, as in C
                else:
                    out.append(colour)
            first = (y - area.y1) * width + (overlap.x1 - area.x1)
            writer.write(first, 1, out)
        pack_mask(pixels, mask)
        return full_coverage

    def _row_values(self, y: int, x1: int, x2: int) -> list[int]:
        """The shape's values (0: not covered, else colour index + 1) along a screen row."""
        get = self._shape_pixel
        to_shape = self._to_shape
        return [get(*to_shape(x, y)) for x in range(x1, x2)]


def _partial_overlap_size(a: Area, b: Area) -> int:
    """``compute_overlap`` into a scratch area that the C code then measures even when the
    areas do not overlap (its fields are partly computed): emulated for the size only."""
    x1, x2 = max(a.x1, b.x1), min(a.x2, b.x2)
    if x1 >= x2:
        return 0  # C leaves y unset from an earlier use; its size then is a stale value
    y1, y2 = max(a.y1, b.y1), min(a.y2, b.y2)
    return (x2 - x1) * (y2 - y1) & 0xFFFF_FFFF if y1 < y2 else 0


def _register() -> None:
    from protoboard.displaycore import layers

    layers.register(VectorShapeCore)


_register()

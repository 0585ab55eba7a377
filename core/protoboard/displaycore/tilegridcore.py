"""A TileGrid's render side (``shared-module/displayio/TileGrid.c``): where it lands, what
changed, and filling an area of the display's buffer.

``_fill_area`` follows the C loop exactly (the same pixels, offsets, tile lookups and shader
inputs) but works a source row at a time: a row's pixels land at evenly spaced buffer offsets,
so a row without transparency or already-drawn pixels is converted with one ``map`` and stored
with one slice. Dithering shaders need each pixel's bitmap coordinates and take the per-pixel
path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from protoboard.displaycore.area import NULL_TRANSFORM, Area, Transform
from protoboard.displaycore.bitmapcore import BitmapCore
from protoboard.displaycore.colorspace import Colorspace
from protoboard.displaycore.raster import RowWriter, pack_mask, unpack_mask
from protoboard.displaycore.shaders import RowConvert, raw_converter


class TileGridCore:
    _bitmap: Any
    _pixel_shader: Any

    def _init_core(
        self,
        bitmap: Any,
        pixel_shader: Any,
        bitmap_width_in_tiles: int,
        bitmap_height_in_tiles: int,
        width: int,
        height: int,
        tile_width: int,
        tile_height: int,
        x: int,
        y: int,
        default_tile: int,
    ) -> None:
        self._bitmap = bitmap
        self._pixel_shader = pixel_shader
        self._bitmap_width_in_tiles = bitmap_width_in_tiles
        self._tiles_in_bitmap = bitmap_width_in_tiles * bitmap_height_in_tiles
        self._width_in_tiles = width
        self._height_in_tiles = height
        self._tile_width = tile_width
        self._tile_height = tile_height
        self._pixel_width = width * tile_width
        self._pixel_height = height * tile_height
        mask = 0xFFFF if self._tiles_in_bitmap > 255 else 0xFF
        self._tiles = [default_tile & mask] * (width * height)
        self._x = x
        self._y = y
        self._top_left_x = 0
        self._top_left_y = 0
        self._in_group = False
        self._hidden = False
        self._hidden_by_parent = False
        self._rendered_hidden = False
        self._flip_x = False
        self._flip_y = False
        self._transpose_xy = False
        self._absolute_transform: Transform | None = None
        self._current_area = Area(0, 0, 0, 0)
        self._previous_area = Area(0xFFFF, 0, 0xFFFF, 0)
        self._dirty_area = Area(0, 0, 0, 0)
        self._moved = False
        self._full_change = False
        self._partial_change = False
        self._update_current_x()
        self._update_current_y()

    # --- position -------------------------------------------------------------------------

    def _transform(self) -> Transform:
        return self._absolute_transform if self._absolute_transform is not None else NULL_TRANSFORM

    def _update_current_x(self) -> None:
        width = self._pixel_height if self._transpose_xy else self._pixel_width
        t, a = self._transform(), self._current_area
        if t.transpose_xy:
            a.y1, a.y2 = _span(t.y, t.dy, self._x, width)
        else:
            a.x1, a.x2 = _span(t.x, t.dx, self._x, width)

    def _update_current_y(self) -> None:
        height = self._pixel_width if self._transpose_xy else self._pixel_height
        t, a = self._transform(), self._current_area
        if t.transpose_xy:
            a.x1, a.x2 = _span(t.x, t.dx, self._y, height)
        else:
            a.y1, a.y2 = _span(t.y, t.dy, self._y, height)

    def _update_transform(self, transform: Transform | None) -> None:
        """Place the grid under its parent's absolute transform (None: out of any group)."""
        self._in_group = transform is not None
        self._absolute_transform = transform
        if transform is not None:
            self._moved = True
            self._update_current_x()
            self._update_current_y()

    def _set_hidden_by_parent(self, hidden: bool) -> None:
        self._hidden_by_parent = hidden
        self._rendered_hidden = False
        if not hidden:
            self._full_change = True

    def _get_previous_area(self) -> Area | None:
        if self._previous_area.x1 == self._previous_area.x2:
            return None
        return self._previous_area.copy()

    def _removal_area(self) -> Area | None:
        return self._get_previous_area()

    def _mark_tile_dirty(self, x: int, y: int) -> None:
        tx = (x - self._top_left_x) % self._width_in_tiles
        ty = (y - self._top_left_y) % self._height_in_tiles
        tile = Area(
            tx * self._tile_width,
            ty * self._tile_height,
            tx * self._tile_width + self._tile_width,
            ty * self._tile_height + self._tile_height,
        )
        self._dirty_area = self._dirty_area.union(tile) if self._partial_change else tile
        self._partial_change = True

    # --- refresh bookkeeping --------------------------------------------------------------

    def _get_refresh_areas(self, areas: list[Area]) -> None:
        """Append the display areas this grid changed since the last refresh."""
        first_draw = self._previous_area.x1 == self._previous_area.x2
        hidden = self._hidden or self._hidden_by_parent
        if hidden:
            self._rendered_hidden = True
            if not first_draw:
                areas.append(self._previous_area)
            return
        if self._moved and not first_draw:
            dirty = self._previous_area.union(self._current_area)
            if dirty.size() <= 2 * self._pixel_width * self._pixel_height:
                self._dirty_area = dirty
                areas.append(dirty)
                return
            areas.append(self._previous_area)
            areas.append(self._current_area)
            return
        bitmap = self._bitmap
        if isinstance(bitmap, BitmapCore):
            changed: list[Area] = []
            bitmap._get_refresh_areas(changed)
            if changed:
                if self._tiles_in_bitmap == 1:
                    self._dirty_area = changed[0].copy()
                    self._partial_change = True
                else:
                    self._full_change = True
        shader = self._pixel_shader
        if getattr(shader, "_needs_refresh", False):
            self._full_change = True
        if self._full_change or first_draw:
            areas.append(self._current_area)
            return
        if self._partial_change:
            areas.append(self._partial_dirty_area())

    def _partial_dirty_area(self) -> Area:
        t = self._transform()
        x, y = self._x, self._y
        if t.transpose_xy:
            x, y = y, x
        d = self._dirty_area
        x1, x2, y1, y2 = d.x1, d.x2, d.y1, d.y2
        if self._flip_x:
            x1, x2 = self._pixel_width - x1, self._pixel_width - x2
        if self._flip_y:
            y1, y2 = self._pixel_height - y1, self._pixel_height - y2
        if self._transpose_xy != t.transpose_xy:
            x1, y1 = y1, x1
            x2, y2 = y2, x2
        area = Area(
            t.x + t.dx * (x + x1),
            t.y + t.dy * (y + y1),
            t.x + t.dx * (x + x2),
            t.y + t.dy * (y + y2),
        )
        area.canon()
        self._dirty_area = area
        return area

    def _finish_refresh(self) -> None:
        first_draw = self._previous_area.x1 == self._previous_area.x2
        hidden = self._hidden or self._hidden_by_parent
        if not first_draw and hidden:
            self._previous_area.x2 = self._previous_area.x1
        elif self._moved or first_draw:
            self._previous_area = self._current_area.copy()
        self._moved = False
        self._full_change = False
        self._partial_change = False
        finish = getattr(self._pixel_shader, "_finish_refresh", None)
        if finish is not None:
            finish()
        if isinstance(self._bitmap, BitmapCore):
            self._bitmap._finish_refresh()

    # --- drawing --------------------------------------------------------------------------

    def _fill_area(self, cs: Colorspace, area: Area, mask: bytearray, buffer: memoryview) -> bool:
        """Draw this grid's part of ``area`` into ``buffer`` where ``mask`` is clear; True when
        the grid covered all of ``area`` with opaque pixels (layers below need not draw)."""
        if self._hidden or self._hidden_by_parent or not self._tiles:
            return False
        overlap = area.intersection(self._current_area)
        if overlap is None:
            return False
        t = self._transform()
        width = area.width()
        x_stride, y_stride = 1, width
        flip_x, flip_y = self._flip_x, self._flip_y
        swap = self._transpose_xy != t.transpose_xy
        if swap:
            flip_x, flip_y = flip_y, flip_x
        mirror_x = (t.dx < 0) != flip_x
        mirror_y = (t.dy < 0) != flip_y
        start = 0
        if mirror_x:
            start += (area.x2 - area.x1 - 1) * x_stride
            x_stride = -x_stride
        if mirror_y:
            start += (area.y2 - area.y1 - 1) * y_stride
            y_stride = -y_stride
        full_coverage = overlap == area
        transformed = overlap.transform_within(mirror_x, mirror_y, swap, self._current_area)
        cur = self._current_area
        start_x, end_x = transformed.x1 - cur.x1, transformed.x2 - cur.x1
        start_y, end_y = transformed.y1 - cur.y1, transformed.y2 - cur.y1
        x_shift = area.x2 - overlap.x2 if mirror_x else overlap.x1 - area.x1
        y_shift = area.y2 - overlap.y2 if mirror_y else overlap.y1 - area.y1
        if swap:
            x_stride, y_stride = y_stride, x_stride
            x_shift, y_shift = y_shift, x_shift

        pixels = unpack_mask(mask, area.size())
        writer = RowWriter(cs, width, pixels, buffer)
        convert = self._row_converter(cs)
        scale = t.scale
        cached_local_y = -1
        out: list[int | None] = []
        for y in range(start_y, end_y):
            row_start = start + (y - start_y + y_shift) * y_stride
            first = row_start + x_shift * x_stride
            local_y = y // scale
            if convert is None:
                out = self._shade_pixels(cs, local_y, start_x, end_x, scale)
            elif local_y != cached_local_y:
                out = convert(self._source_row(local_y, start_x, end_x, scale))
                cached_local_y = local_y
            if not writer.write(first, x_stride, out):
                full_coverage = False
        pack_mask(pixels, mask)
        return full_coverage

    def _row_converter(self, cs: Colorspace) -> RowConvert | None:
        shader = self._pixel_shader
        if shader is None:
            return raw_converter(cs)
        make = getattr(shader, "_row_converter", None)
        return make(cs) if make is not None else None

    def _source_row(self, local_y: int, start_x: int, end_x: int, scale: int) -> Sequence[int]:
        """The bitmap values under grid pixels ``start_x..end_x-1`` of scaled row ``local_y``."""
        lx0 = start_x // scale
        lx1 = (end_x - 1) // scale + 1
        tw, th = self._tile_width, self._tile_height
        wit = self._width_in_tiles
        bwt = self._bitmap_width_in_tiles
        ty = (local_y // th + self._top_left_y) % self._height_in_tiles
        y_in = local_y % th
        tiles = self._tiles
        bitmap = self._bitmap
        segments = []
        pos = lx0
        while pos < lx1:
            column = pos // tw
            seg_end = min(lx1, (column + 1) * tw)
            tile = tiles[ty * wit + (column + self._top_left_x) % wit]
            bx = (tile % bwt) * tw + pos % tw
            by = (tile // bwt) * th + y_in
            segments.append(bitmap._row(by, bx, bx + seg_end - pos))
            pos = seg_end
        row = (
            segments[0]
            if len(segments) == 1
            else segments[0][:0].join(segments)
            if isinstance(segments[0], bytearray)
            else _concat(segments)
        )
        if scale == 1:
            return row
        wide = [0] * (len(row) * scale)
        for k in range(scale):
            wide[k::scale] = row
        skip = start_x - lx0 * scale
        return wide[skip : skip + end_x - start_x]

    def _shade_pixels(
        self, cs: Colorspace, local_y: int, start_x: int, end_x: int, scale: int
    ) -> list[int | None]:
        """One row through a shader that needs each pixel's bitmap coordinates (dithering)."""
        tw, th = self._tile_width, self._tile_height
        wit = self._width_in_tiles
        bwt = self._bitmap_width_in_tiles
        ty = (local_y // th + self._top_left_y) % self._height_in_tiles
        y_in = local_y % th
        shader = self._pixel_shader
        bitmap = self._bitmap
        out: list[int | None] = []
        for x in range(start_x, end_x):
            local_x = x // scale
            tile = self._tiles[ty * wit + (local_x // tw + self._top_left_x) % wit]
            tile_x = (tile % bwt) * tw + local_x % tw
            tile_y = (tile // bwt) * th + y_in
            value = bitmap._get(tile_x, tile_y)
            out.append(shader._pixel(cs, value, tile_x, tile_y))
        return out


def _concat(segments: list[Any]) -> Any:
    row = segments[0][:]
    for segment in segments[1:]:
        row.extend(segment)
    return row


def _register() -> None:
    from protoboard.displaycore import layers

    layers.register(TileGridCore)


_register()


def _span(origin: int, step: int, start: int, length: int) -> tuple[int, int]:
    """The panel coordinates ``start`` to ``start + length`` cover along one axis of a
    transform (``origin`` and direction ``step``), lowest first."""
    low, high = origin + step * start, origin + step * (start + length)
    return (low, high) if low <= high else (high, low)

"""A Group's render side (``shared-module/displayio/Group.c``): the absolute transform handed to
its children, hiding, removed layers' areas, and drawing its layers top first."""

from __future__ import annotations

from typing import Any

from protoboard.displaycore.area import Area, Transform
from protoboard.displaycore.colorspace import Colorspace


class GroupCore:
    _members: list[Any]

    def _init_core(self, x: int, y: int, scale: int) -> None:
        self._members = []
        self._x = x
        self._y = y
        self._scale = scale
        self._hidden = False
        self._hidden_by_parent = False
        self._in_group = False
        self._item_removed = False
        self._dirty_area = Area(0, 0, 0, 0)
        self._absolute_transform = Transform(x=x, y=y, dx=scale, dy=scale, scale=scale)

    def _update_child_transforms(self) -> None:
        if not self._in_group:
            return
        for member in self._members:
            member._update_transform(self._absolute_transform)

    def _update_transform(self, parent: Transform | None) -> None:
        """Place the group under ``parent`` (a display's or a group's absolute transform);
        None takes it out of any group."""
        self._in_group = parent is not None
        if parent is not None:
            x, y = self._x, self._y
            if parent.transpose_xy:
                x, y = y, x
            t = self._absolute_transform
            t.x = parent.x + parent.dx * x
            t.y = parent.y + parent.dy * y
            t.dx = parent.dx * self._scale
            t.dy = parent.dy * self._scale
            t.transpose_xy = parent.transpose_xy
            t.mirror_x = parent.mirror_x
            t.mirror_y = parent.mirror_y
            t.scale = parent.scale * self._scale
        self._update_child_transforms()

    def _set_hidden_by_parent(self, hidden: bool) -> None:
        if self._hidden_by_parent == hidden:
            return
        self._hidden_by_parent = hidden
        if self._hidden:
            return
        for member in self._members:
            member._set_hidden_by_parent(hidden)

    def _set_hidden(self, hidden: bool) -> None:
        if self._hidden == hidden:
            return
        self._hidden = hidden
        if self._hidden_by_parent:
            return
        for member in self._members:
            member._set_hidden_by_parent(hidden)

    def _set_scale(self, scale: int) -> None:
        if self._scale == scale:
            return
        t = self._absolute_transform
        parent_scale = t.scale // self._scale
        t.dx = _cdiv(t.dx, self._scale) * scale
        t.dy = _cdiv(t.dy, self._scale) * scale
        t.scale = parent_scale * scale
        self._scale = scale
        self._update_child_transforms()

    def _set_x(self, x: int) -> None:
        if self._x == x:
            return
        t = self._absolute_transform
        if t.transpose_xy:
            t.y += _cdiv(t.dy, self._scale) * (x - self._x)
        else:
            t.x += _cdiv(t.dx, self._scale) * (x - self._x)
        self._x = x
        self._update_child_transforms()

    def _set_y(self, y: int) -> None:
        if self._y == y:
            return
        t = self._absolute_transform
        if t.transpose_xy:
            t.x += _cdiv(t.dx, self._scale) * (y - self._y)
        else:
            t.y += _cdiv(t.dy, self._scale) * (y - self._y)
        self._y = y
        self._update_child_transforms()

    def _get_previous_area(self) -> Area | None:
        """What the group's TileGrids and groups drew last frame, with the areas of removed
        layers (None: nothing). ``vectorio`` shapes are left out: the C code reads an
        uninitialised area for them here."""
        result: Area | None = None
        for member in self._members:
            if getattr(member, "_is_vector_shape", False):
                continue
            area = member._get_previous_area()
            if area is not None:
                result = area if result is None else result.union(area)
        if self._item_removed:
            result = self._dirty_area.copy() if result is None else result.union(self._dirty_area)
        return result

    def _removal_area(self) -> Area | None:
        return self._get_previous_area()

    def _add_layer(self, layer: Any) -> None:
        """A layer joins: it takes the group's transform and hidden state."""
        if layer._in_group:
            raise ValueError("Layer already in a group")
        layer._in_group = True
        layer._update_transform(self._absolute_transform)
        layer._set_hidden_by_parent(self._hidden or self._hidden_by_parent)

    def _remove_layer(self, layer: Any) -> None:
        """A layer leaves: where it was drawn must be redrawn."""
        layer._in_group = False
        area = layer._removal_area()
        layer._update_transform(None)
        if area is None:
            return
        self._dirty_area = self._dirty_area.union(area) if self._item_removed else area
        self._item_removed = True

    def _fill_area(self, cs: Colorspace, area: Area, mask: bytearray, buffer: memoryview) -> bool:
        """Draw the layers, topmost first, into ``buffer``; True once a layer covered it all."""
        if not self._hidden:
            for member in reversed(self._members):
                if member._fill_area(cs, area, mask, buffer):
                    return True
        return False

    def _finish_refresh(self) -> None:
        self._item_removed = False
        for member in reversed(self._members):
            member._finish_refresh()

    def _get_refresh_areas(self, areas: list[Area]) -> None:
        if self._item_removed:
            areas.append(self._dirty_area)
        for member in reversed(self._members):
            if getattr(member, "_rendered_hidden", False):  # TileGrids only
                continue
            member._get_refresh_areas(areas)


def _cdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _register() -> None:
    from protoboard.displaycore import layers

    layers.register(GroupCore)


_register()

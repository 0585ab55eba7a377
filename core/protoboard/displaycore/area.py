"""Rectangles and transforms in display coordinates, as ``shared-module/displayio/area.c``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Area:
    """A rectangle of pixels; ``x2``/``y2`` are exclusive (``displayio_area_t``)."""

    x1: int = 0
    y1: int = 0
    x2: int = 0
    y2: int = 0

    def copy(self) -> Area:
        return Area(self.x1, self.y1, self.x2, self.y2)

    def empty(self) -> bool:
        return self.x1 == self.x2 or self.y1 == self.y2

    def width(self) -> int:
        return self.x2 - self.x1

    def height(self) -> int:
        return self.y2 - self.y1

    def size(self) -> int:
        return (self.x2 - self.x1) * (self.y2 - self.y1)

    def canon(self) -> None:
        """Order the corners so ``x1 <= x2`` and ``y1 <= y2``."""
        if self.x1 > self.x2:
            self.x1, self.x2 = self.x2, self.x1
        if self.y1 > self.y2:
            self.y1, self.y2 = self.y2, self.y1

    def union(self, other: Area) -> Area:
        """The bounding box of both (an empty area adds nothing), as ``displayio_area_union``."""
        if self.empty():
            return other.copy()
        if other.empty():
            return self.copy()
        return Area(
            min(self.x1, other.x1),
            min(self.y1, other.y1),
            max(self.x2, other.x2),
            max(self.y2, other.y2),
        )

    def intersection(self, other: Area) -> Area | None:
        """The overlap of both, or None (``displayio_area_compute_overlap``)."""
        x1 = max(self.x1, other.x1)
        x2 = min(self.x2, other.x2)
        if x1 >= x2:
            return None
        y1 = max(self.y1, other.y1)
        y2 = min(self.y2, other.y2)
        if y1 >= y2:
            return None
        return Area(x1, y1, x2, y2)

    def shift(self, dx: int, dy: int) -> None:
        self.x1 += dx
        self.x2 += dx
        self.y1 += dy
        self.y2 += dy

    def scale(self, factor: int) -> None:
        self.x1 *= factor
        self.y1 *= factor
        self.x2 *= factor
        self.y2 *= factor

    def transform_within(
        self, mirror_x: bool, mirror_y: bool, transpose_xy: bool, whole: Area
    ) -> Area:
        """This area (inside ``whole``) mirrored and transposed within ``whole``."""
        if mirror_x:
            x1 = whole.x1 + (whole.x2 - self.x2)
            x2 = whole.x2 - (self.x1 - whole.x1)
        else:
            x1, x2 = self.x1, self.x2
        if mirror_y:
            y1 = whole.y1 + (whole.y2 - self.y2)
            y2 = whole.y2 - (self.y1 - whole.y1)
        else:
            y1, y2 = self.y1, self.y2
        if transpose_xy:
            x1, y1, x2, y2 = (
                whole.x1 + (y1 - whole.y1),
                whole.y1 + (x1 - whole.x1),
                whole.x1 + (y2 - whole.y1),
                whole.y1 + (x2 - whole.x1),
            )
        return Area(x1, y1, x2, y2)


def compute_overlap(a: Area, b: Area) -> Area | None:
    """``displayio_area_compute_overlap``: the common part of ``a`` and ``b`` or None."""
    return a.intersection(b)


@dataclass(slots=True)
class Transform:
    """Where a layer lands on the display (``displayio_buffer_transform_t``).

    A point ``(x, y)`` of a layer is at display column ``x + dx * x`` (``y`` likewise, after
    swapping x and y when ``transpose_xy``); ``dx``/``dy`` include the scale and the sign of a
    mirror.
    """

    x: int = 0
    y: int = 0
    dx: int = 1
    dy: int = 1
    scale: int = 1
    width: int = 0
    height: int = 0
    mirror_x: bool = False
    mirror_y: bool = False
    transpose_xy: bool = False

    def copy(self) -> Transform:
        return Transform(
            self.x,
            self.y,
            self.dx,
            self.dy,
            self.scale,
            self.width,
            self.height,
            self.mirror_x,
            self.mirror_y,
            self.transpose_xy,
        )


#: the identity transform layers outside any group use (``null_transform``)
NULL_TRANSFORM = Transform()


def rotation_transform(width: int, height: int, rotation: int) -> tuple[Transform, Area]:
    """A display's transform and its area in its own (rotated) coordinates for ``rotation``
    degrees, as ``displayio_display_core_set_rotation``; ``width``/``height`` are the panel's."""
    rotation %= 360
    t = Transform()
    if rotation == 180:
        t.mirror_x = t.mirror_y = True
    elif rotation in (90, 270):
        t.transpose_xy = True
        if rotation == 270:
            t.mirror_y = True
        else:
            t.mirror_x = True
    if t.transpose_xy:
        area = Area(0, 0, height, width)
        if t.mirror_x:
            t.x, t.dx = height, -1
        if t.mirror_y:
            t.y, t.dy = width, -1
    else:
        area = Area(0, 0, width, height)
        if t.mirror_x:
            t.x, t.dx = width, -1
        if t.mirror_y:
            t.y, t.dy = height, -1
    return t, area

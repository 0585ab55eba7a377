"""Lightweight 2D shapes for displays

The :py:attr:`vectorio` module provide simple filled drawing primitives for
use with `displayio`.

.. code-block:: python

    group = displayio.Group()

    palette = displayio.Palette(1)
    palette[0] = 0x125690

    circle = vectorio.Circle(pixel_shader=palette, radius=25, x=70, y=40)
    group.append(circle)

    rectangle = vectorio.Rectangle(pixel_shader=palette, width=40, height=30, x=55, y=45)
    group.append(rectangle)

    points=[(5, 5), (100, 20), (20, 20), (20, 100)]
    polygon = vectorio.Polygon(pixel_shader=palette, points=points, x=0, y=0)
    group.append(polygon)

"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from protoboard.bindings import _enum, _validate
from protoboard.bindings.displayio import ColorConverter, Palette
from protoboard.displaycore.area import Area as _Area
from protoboard.displaycore.vectorcore import VectorShapeCore as _VectorShapeCore

_SHRT_MIN, _SHRT_MAX = -32768, 32767


def _shader(pixel_shader: Any) -> Any:
    if not isinstance(pixel_shader, Palette | ColorConverter):
        raise TypeError("unsupported pixel_shader type")
    return pixel_shader


def _short(value: Any, name: str) -> int:
    return _validate.int_range(value, _SHRT_MIN, _SHRT_MAX, name)


def _u16(value: int) -> int:
    return value & 0xFFFF


def _int_pair(
    value: tuple[Any, ...], what: str, convert: Callable[[int, str], int] | None = None
) -> tuple[int, int]:
    """An ``(x, y)`` of ints (a shape's ``location``, a polygon's point), each through
    ``convert`` once checked (x is converted before y is checked, as the C code goes), or
    CircuitPython's error for what is wrong with it."""
    _validate.length(len(value), 2, what)
    pair = []
    for item, name in zip(value, ("x", "y"), strict=True):
        if not isinstance(item, int):
            raise TypeError(f"{name} must be of type int, not {_validate.type_name(item)}")
        pair.append(item if convert is None else convert(item, name))
    return pair[0], pair[1]


def _position(axis: str, doc: str) -> property:
    """A shape's ``x`` or ``y``: a signed 16-bit number; a change marks the shape dirty."""
    attribute = "_" + axis

    def get(self: _Shape) -> int:
        return int(getattr(self, attribute))

    def set_(self: _Shape, value: int) -> None:
        number = _validate.to_int(value, axis)
        if number == getattr(self, attribute):
            return
        setattr(self, attribute, _short(number, axis))
        self._set_dirty()

    return property(get, set_, doc=doc)


def _length(attribute: str, name: str, doc: str) -> property:
    """A circle's ``radius``, a rectangle's ``width``/``height``: kept as the C code's 16-bit
    field (a negative or too large number wraps, its size is taken)."""

    def get(self: _Shape) -> int:
        return _i16(getattr(self, attribute))

    def set_(self: _Shape, value: int) -> None:
        setattr(self, attribute, abs(_i16(_validate.to_int(value, name))))
        self._set_dirty()

    return property(get, set_, doc=doc)


class _Shape(_VectorShapeCore):
    """What every vectorio shape has: position, visibility, shader and hit test."""

    _color_index: int

    def _start(self, pixel_shader: Any, x: Any, y: Any, color_index: Any) -> None:
        _shader(pixel_shader)
        self._color_index = _u16(_validate.to_int(color_index, "color_index") + 1)
        self._init_shape(pixel_shader, _short(x, "x"), _short(y, "y"))

    @property
    def color_index(self) -> int:
        """The color_index of the shape in the palette."""
        return _u16(self._color_index - 1)

    @color_index.setter
    def color_index(self, value: int) -> None:
        self._color_index = abs(_u16(_validate.to_int(value, "color_index")) + 1) & 0xFFFF
        self._set_dirty()

    x = _position("x", "X position of the center point of the shape in the parent.")
    y = _position("y", "Y position of the center point of the shape in the parent.")

    @property
    def hidden(self) -> bool:
        """Hide the shape or not."""
        return self._hidden

    @hidden.setter
    def hidden(self, value: bool) -> None:
        self._hidden = bool(value)
        self._set_dirty()

    @property
    def location(self) -> tuple[int, int]:
        """(X,Y) position of the center point of the shape in the parent."""
        return self._x, self._y

    @location.setter
    def location(self, value: tuple[int, int]) -> None:
        if not isinstance(value, tuple):
            raise TypeError(f"can't convert {_validate.type_name(value)} to tuple")
        x, y = _int_pair(value, "location")
        dirty = False
        if self._x != x:
            self._x = _short(x, "x")
            dirty = True
        if self._y != y:
            self._y = _short(y, "y")
            dirty = True
        if dirty:
            self._set_dirty()

    @property
    def pixel_shader(self) -> ColorConverter | Palette:
        """The pixel shader of the shape."""
        return self._pixel_shader  # type: ignore[no-any-return]

    @pixel_shader.setter
    def pixel_shader(self, value: ColorConverter | Palette) -> None:
        self._pixel_shader = _shader(value)
        self._set_dirty()

    def contains(self, x: int, y: int) -> bool:
        """Returns True if the shape contains the point (x, y)."""
        sx, sy = self._to_shape(_short(x, "x"), _short(y, "y"))
        return self._shape_pixel(sx, sy) != 0


class Circle(_Shape):
    def __init__(
        self,
        pixel_shader: ColorConverter | Palette,
        radius: int,
        x: int,
        y: int,
        color_index: int = 0,
    ) -> None:
        """Circle is positioned on screen by its center point.

        :param Union[~displayio.ColorConverter,~displayio.Palette] pixel_shader: The pixel shader
            that produces colors from values
        :param int radius: The radius of the circle in pixels
        :param int x: Initial x position of the axis.
        :param int y: Initial y position of the axis.
        :param int color_index: Initial color_index to use when selecting color from the palette.
        """
        self._radius = _u16(_validate.int_at_least(radius, 1, "radius"))
        self._start(pixel_shader, x, y, color_index)

    radius = _length("_radius", "radius", "The radius of the circle in pixels.")

    def _shape_area(self) -> _Area:
        r = _i16(self._radius)
        return _Area(-r - 1, -r - 1, r + 1, r + 1)

    def _shape_pixel(self, x: int, y: int) -> int:
        radius = _i16(self._radius)
        x, y = abs(x), abs(y)
        if x + y <= radius:
            return self._color_index
        if x > radius or y > radius:
            return 0
        return self._color_index if x * x + y * y <= radius * radius else 0

    def _row_values(self, y: int, x1: int, x2: int) -> list[int]:
        if self._transform.transpose_xy:
            return super()._row_values(y, x1, x2)
        return _circle_row(self, y, x1, x2)


def _circle_row(circle: Circle, y: int, x1: int, x2: int) -> list[int]:
    """A row of a circle: its shape y is fixed, so only the x span inside changes."""
    sx1, sy = circle._to_shape(x1, y)
    step = -1 if circle._transform.dx < 1 else 1
    get = circle._shape_pixel
    return [get(_i16(sx1 + step * k), sy) for k in range(x2 - x1)]


def _i16(value: int) -> int:
    return (value + 0x8000) % 0x10000 - 0x8000


class Rectangle(_Shape):
    def __init__(
        self,
        pixel_shader: ColorConverter | Palette,
        width: int,
        height: int,
        x: int,
        y: int,
        color_index: int = 0,
    ) -> None:
        """Represents a rectangle by defining its bounds

        :param Union[~displayio.ColorConverter,~displayio.Palette] pixel_shader: The pixel shader
            that produces colors from values
        :param int width: The number of pixels wide
        :param int height: The number of pixels high
        :param int x: Initial x position of the top left corner.
        :param int y: Initial y position of the top left corner.
        :param int color_index: Initial color_index to use when selecting color from the palette.
        """
        self._width = _validate.int_at_least(width, 1, "width") & 0xFFFF_FFFF
        self._height = _validate.int_at_least(height, 1, "height") & 0xFFFF_FFFF
        self._start(pixel_shader, x, y, color_index)

    width = _length("_width", "width", "The width of the rectangle in pixels.")
    height = _length("_height", "height", "The height of the rectangle in pixels.")

    def _shape_area(self) -> _Area:
        return _Area(0, 0, _i16(self._width), _i16(self._height))

    def _shape_pixel(self, x: int, y: int) -> int:
        if 0 <= x < self._width and 0 <= y < self._height:
            return self._color_index
        return 0

    def _row_values(self, y: int, x1: int, x2: int) -> list[int]:
        if self._transform.transpose_xy:
            return super()._row_values(y, x1, x2)
        sx1, sy = self._to_shape(x1, y)
        if not 0 <= sy < self._height:
            return [0] * (x2 - x1)
        step = -1 if self._transform.dx < 1 else 1
        inside = [0 <= _i16(sx1 + step * k) < self._width for k in range(x2 - x1)]
        colour = self._color_index
        return [colour if flag else 0 for flag in inside]


class Polygon(_Shape):
    def __init__(
        self,
        pixel_shader: ColorConverter | Palette,
        points: list[tuple[int, int]],
        x: int,
        y: int,
        color_index: int = 0,
    ) -> None:
        """Represents a closed shape by ordered vertices. The path will be treated as
        'closed', the last point will connect to the first point.

        :param Union[~displayio.ColorConverter,~displayio.Palette] pixel_shader: The pixel
            shader that produces colors from values
        :param List[Tuple[int,int]] points: Vertices for the polygon
        :param int x: Initial screen x position of the 0,0 origin in the points list.
        :param int y: Initial screen y position of the 0,0 origin in the points list.
        :param int color_index: Initial color_index to use when selecting color from the palette.
        """
        if not isinstance(points, list):
            raise TypeError(f"points must be of type list, not {_validate.type_name(points)}")
        self._points: list[int] = []
        self._set_points(points)
        self._start(pixel_shader, x, y, color_index)

    def _set_points(self, points: list[Any]) -> None:
        if not isinstance(points, list):
            raise TypeError(f"can't convert {_validate.type_name(points)} to list")
        if len(points) < 3:
            raise TypeError("Polygon needs at least 3 points")
        self._points = []
        flat: list[int] = []
        for point in points:
            if not isinstance(point, tuple):
                raise TypeError(f"point must be of type tuple, not {_validate.type_name(point)}")
            flat += _int_pair(point, "point", _short)
        self._points = flat

    @property
    def points(self) -> list[tuple[int, int]]:
        """Vertices for the polygon."""
        pts = self._points
        return [(pts[i], pts[i + 1]) for i in range(0, len(pts), 2)]

    @points.setter
    def points(self, value: list[tuple[int, int]]) -> None:
        self._set_points(value)
        self._set_dirty()

    def _shape_area(self) -> _Area:
        area = _Area(_SHRT_MAX, _SHRT_MAX, _SHRT_MIN, _SHRT_MIN)
        pts = self._points
        for i in range(0, len(pts), 2):
            x, y = pts[i], pts[i + 1]
            area.x1 = min(area.x1, x)
            area.y1 = min(area.y1, y)
            area.x2 = max(area.x2, x)
            area.y2 = max(area.y2, y)
        return area

    def _shape_pixel(self, x: int, y: int) -> int:
        pts = self._points
        size = len(pts)
        if size == 0:
            return 0
        winding = 0
        x1, y1 = pts[0], pts[1]
        i = 2
        while i <= size + 1:
            x2 = pts[i % size]
            i += 1
            y2 = pts[i % size]
            i += 1
            side = (x - x1) * (y2 - y1) - (y - y1) * (x2 - x1)
            if y1 <= y:
                if y2 > y and side < 0:
                    winding += 1
            elif y2 <= y and side > 0:
                winding -= 1
            x1, y1 = x2, y2
        return 0 if winding == 0 else self._color_index


_enum.publish("vectorio", Circle, Polygon, Rectangle)

"""displayio.TileGrid."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _validate
from protoboard.bindings.displayio._bitmap import Bitmap
from protoboard.bindings.displayio._ondisk import OnDiskBitmap
from protoboard.bindings.displayio._shaders import ColorConverter, Palette
from protoboard.displaycore.tilegridcore import TileGridCore


def _check_shader(pixel_shader: Any) -> Any:
    if not isinstance(pixel_shader, Palette | ColorConverter):
        raise TypeError("unsupported pixel_shader type")
    return pixel_shader


def _check_bitmap(bitmap: Any) -> Any:
    if not isinstance(bitmap, Bitmap | OnDiskBitmap):
        raise TypeError("unsupported bitmap type")
    return bitmap


class TileGrid(TileGridCore):
    """A grid of tiles sourced out of one bitmap

    Position a grid of tiles sourced from a bitmap and pixel_shader combination. Multiple grids
    can share bitmaps and pixel shaders.

    A single tile grid is also known as a Sprite."""

    def __init__(
        self,
        bitmap: Bitmap | OnDiskBitmap,
        *,
        pixel_shader: ColorConverter | Palette,
        width: int = 1,
        height: int = 1,
        tile_width: int | None = None,
        tile_height: int | None = None,
        default_tile: int = 0,
        x: int = 0,
        y: int = 0,
    ) -> None:
        """Create a TileGrid object. The bitmap is source for 2d pixels. The pixel_shader is used to
        convert the value and its location to a display native pixel color. This may be a simple
        color
        palette lookup, a gradient, a pattern or a color transformer.

        To save RAM usage, tile values are only allowed in the range from 0 to 255 inclusive (single
        byte values).

        tile_width and tile_height match the height of the bitmap by default.

        :param Bitmap,OnDiskBitmap bitmap: The bitmap storing one or more tiles.
        :param ColorConverter,Palette pixel_shader: The pixel shader that produces colors from
            values
        :param int width: Width of the grid in tiles.
        :param int height: Height of the grid in tiles.
        :param int tile_width: Width of a single tile in pixels. Defaults to the full Bitmap and
            must evenly divide into the Bitmap's dimensions.
        :param int tile_height: Height of a single tile in pixels. Defaults to the full Bitmap and
            must evenly divide into the Bitmap's dimensions.
        :param int default_tile: Default tile index to show.
        :param int x: Initial x position of the left edge within the parent.
        :param int y: Initial y position of the top edge within the parent."""
        _check_bitmap(bitmap)
        _check_shader(pixel_shader)
        bitmap_width, bitmap_height = bitmap._width, bitmap._height
        tw = _validate.to_int(0 if tile_width is None else tile_width, "tile_width") & 0xFFFF
        th = _validate.to_int(0 if tile_height is None else tile_height, "tile_height") & 0xFFFF
        tw = tw or bitmap_width
        th = th or bitmap_height
        if tw == 0 or bitmap_width % tw != 0:
            raise ValueError("Tile width must exactly divide bitmap width")
        if th == 0 or bitmap_height % th != 0:
            raise ValueError("Tile height must exactly divide bitmap height")
        w = _validate.to_int(width, "width") & 0xFFFF
        h = _validate.to_int(height, "height") & 0xFFFF
        self._init_core(
            bitmap,
            pixel_shader,
            bitmap_width // tw,
            bitmap_height // th,
            w,
            h,
            tw,
            th,
            _validate.to_int(x, "x"),
            _validate.to_int(y, "y"),
            _validate.to_int(default_tile, "default_tile"),
        )

    @property
    def hidden(self) -> bool:
        """True when the TileGrid is hidden. This may be False even when a part of a hidden
        Group."""
        return self._hidden

    @hidden.setter
    def hidden(self, value: bool) -> None:
        self._hidden = bool(value)
        self._rendered_hidden = False
        if not self._hidden:
            self._full_change = True

    @property
    def x(self) -> int:
        """X position of the left edge in the parent."""
        return self._x

    @x.setter
    def x(self, value: int) -> None:
        number = _validate.to_int(value, "x")
        if number == self._x:
            return
        self._moved = True
        self._x = number
        if self._absolute_transform is not None:
            self._update_current_x()

    @property
    def y(self) -> int:
        """Y position of the top edge in the parent."""
        return self._y

    @y.setter
    def y(self, value: int) -> None:
        number = _validate.to_int(value, "y")
        if number == self._y:
            return
        self._moved = True
        self._y = number
        if self._absolute_transform is not None:
            self._update_current_y()

    @property
    def width(self) -> int:
        """Width of the tilegrid in tiles."""
        return self._width_in_tiles

    @property
    def height(self) -> int:
        """Height of the tilegrid in tiles."""
        return self._height_in_tiles

    @property
    def tile_width(self) -> int:
        """Width of a single tile in pixels."""
        return self._tile_width

    @property
    def tile_height(self) -> int:
        """Height of a single tile in pixels."""
        return self._tile_height

    @property
    def flip_x(self) -> bool:
        """If true, the left edge rendered will be the right edge of the right-most tile."""
        return self._flip_x

    @flip_x.setter
    def flip_x(self, value: bool) -> None:
        if self._flip_x != bool(value):
            self._flip_x = bool(value)
            self._full_change = True

    @property
    def flip_y(self) -> bool:
        """If true, the top edge rendered will be the bottom edge of the bottom-most tile."""
        return self._flip_y

    @flip_y.setter
    def flip_y(self, value: bool) -> None:
        if self._flip_y != bool(value):
            self._flip_y = bool(value)
            self._full_change = True

    @property
    def transpose_xy(self) -> bool:
        """If true, the TileGrid's axis will be swapped. When combined with mirroring, any 90 degree
        rotation can be achieved along with the corresponding mirrored version."""
        return self._transpose_xy

    @transpose_xy.setter
    def transpose_xy(self, value: bool) -> None:
        flag = bool(value)
        if self._transpose_xy == flag:
            return
        self._transpose_xy = flag
        if self._pixel_width == self._pixel_height:
            self._full_change = True
            return
        self._update_current_x()
        self._update_current_y()
        self._moved = True

    def contains(self, touch_tuple: tuple[int, int, int]) -> bool:
        """Returns True if the first two values in ``touch_tuple`` represent an x,y coordinate
        inside the tilegrid rectangle bounds."""
        items = _validate.sequence(touch_tuple)
        if len(items) != 3:
            raise ValueError("tuple/list has wrong length")
        x = _validate.to_int(items[0], "x") & 0xFFFF
        y = _validate.to_int(items[1], "y") & 0xFFFF
        right = (self._x + self._width_in_tiles * self._tile_width) & 0xFFFF
        bottom = (self._y + self._height_in_tiles * self._tile_height) & 0xFFFF
        return (self._x & 0xFFFF) <= x < right and (self._y & 0xFFFF) <= y < bottom

    @property
    def pixel_shader(self) -> ColorConverter | Palette:
        """The pixel shader of the tilegrid."""
        return self._pixel_shader  # type: ignore[no-any-return]

    @pixel_shader.setter
    def pixel_shader(self, value: ColorConverter | Palette) -> None:
        self._pixel_shader = _check_shader(value)
        self._full_change = True

    @property
    def bitmap(self) -> Bitmap | OnDiskBitmap:
        """The bitmap of the tilegrid."""
        return self._bitmap  # type: ignore[no-any-return]

    @bitmap.setter
    def bitmap(self, value: Bitmap | OnDiskBitmap) -> None:
        _check_bitmap(value)
        if value._width != self._bitmap._width or value._height != self._bitmap._height:
            raise ValueError("New bitmap must be same size as old bitmap")
        self._bitmap = value
        self._full_change = True

    def _tile_xy(self, index: Any) -> tuple[int, int]:
        if isinstance(index, slice):
            raise NotImplementedError("Slices not supported")
        if isinstance(index, int):
            x, y = index % self._width_in_tiles, index // self._width_in_tiles
        else:
            items = _validate.sequence(index)
            if len(items) != 2:
                raise ValueError("tuple/list has wrong length")
            x = _validate.to_int(items[0], "x")
            y = _validate.to_int(items[1], "y")
        x &= 0xFFFF
        y &= 0xFFFF
        if x >= self._width_in_tiles or y >= self._height_in_tiles:
            raise IndexError("Tile index out of bounds")
        return x, y

    def __getitem__(self, index: tuple[int, int] | int) -> int:
        """Returns the tile index at the given index. The index can either be an x,y tuple or an int
        equal
        to ``y * width + x``.

        This allows you to::

          print(grid[0])"""
        x, y = self._tile_xy(index)
        return self._tiles[y * self._width_in_tiles + x]

    def __setitem__(self, index: tuple[int, int] | int, value: int) -> None:
        """Sets the tile index at the given index. The index can either be an x,y tuple or an int
        equal
        to ``y * width + x``.

        This allows you to::

          grid[0] = 10

        or::

          grid[0,0] = 10"""
        x, y = self._tile_xy(index)
        tile = _validate.to_int(value, "tile")
        _validate.int_range(tile, 0, self._tiles_in_bitmap - 1, "tile")
        self._tiles[y * self._width_in_tiles + x] = tile
        self._mark_tile_dirty(x, y)

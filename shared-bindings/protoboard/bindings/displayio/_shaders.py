"""displayio.Palette and displayio.ColorConverter."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _validate
from protoboard.bindings.displayio._bitmap import Colorspace
from protoboard.displaycore.colorspace import Colorspace as DisplayColorspace
from protoboard.displaycore.shaders import NO_TRANSPARENT_COLOR, ColorConverterCore, PaletteCore


def _index(palette: Palette, index: Any) -> int:
    """``mp_get_index``: ints (negative from the end) inside the palette."""
    if not isinstance(index, int):
        raise TypeError(f"Palette indices must be integers, not {_validate.type_name(index)}")
    size = len(palette._colors)
    if index < 0:
        index += size
    if not 0 <= index < size:
        raise IndexError("Palette index out of range")
    return int(index)


def _color(value: Any) -> int:
    if isinstance(value, tuple | list):
        value = bytes(value)
    if isinstance(value, int):
        if value < 0 or value > 0xFFFFFF:
            raise TypeError("color must be between 0x000000 and 0xffffff")
        return int(value)
    try:
        view = memoryview(value)
    except TypeError:
        raise TypeError("color buffer must be a buffer, tuple, list, or int") from None
    if view.format not in ("b", "B"):
        raise ValueError("color buffer must be a bytearray or array of type 'b' or 'B'")
    raw = view.cast("B") if view.ndim == 1 else view
    if len(raw) not in (3, 4):
        raise ValueError("color buffer must be 3 bytes (RGB) or 4 bytes (RGB + pad byte)")
    return int(raw[0]) << 16 | int(raw[1]) << 8 | int(raw[2])


class Palette(PaletteCore):
    """Map a pixel palette_index to a full color. Colors are transformed to the display's format
    internally to
    save memory."""

    def __init__(self, color_count: int, *, dither: bool = False) -> None:
        """Create a Palette object to store a set number of colors.

        :param int color_count: The number of colors in the Palette
        :param bool dither: When true, dither the RGB color before converting to the display's color
            space
        """
        count = _validate.int_range(color_count, 1, 32767, "color_count")
        super().__init__(count, bool(dither))

    @property
    def dither(self) -> bool:
        """When `True` the Palette dithers the output color by adding random
        noise when computing the display color."""
        return self._dither

    @dither.setter
    def dither(self, value: bool) -> None:
        self._dither = bool(value)

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        """Returns the number of colors in a Palette"""
        return len(self._colors)

    def __getitem__(self, index: int) -> int | None:
        """Return the pixel color at the given index as an integer."""
        if isinstance(index, slice):
            raise TypeError("'Palette' object isn't subscriptable")
        return self._colors[_index(self, index)]

    def __setitem__(self, index: int, value: Any) -> None:
        """Sets the pixel color at the given index. The index should be an integer in the range 0 to
        color_count-1.

        The value argument represents a color, and can be from 0x000000 to 0xFFFFFF (to represent an
        RGB value).
        Value can be an int, bytes (3 bytes (RGB) or 4 bytes (RGB + pad byte)), bytearray,
        or a tuple or list of 3 integers.

        This allows you to::

          palette[0] = 0xFFFFFF                     # set using an integer
          palette[1] = b'\\xff\\xff\\x00'           # set using 3 bytes
          palette[2] = b'\\xff\\xff\\x00\\x00'      # set using 4 bytes
          palette[3] = bytearray(b'\\x00\\x00\\xFF') # set using a bytearay of 3 or 4 bytes
          palette[4] = (10, 20, 30)                 # set using a tuple of 3 integers
        """
        if isinstance(index, slice):
            raise TypeError("'Palette' object doesn't support item assignment")
        position = _index(self, index)
        color = _color(value)
        if self._colors[position] == color:
            return
        self._colors[position] = color
        self._changed()

    def __delitem__(self, index: Any) -> None:
        raise TypeError("'Palette' object doesn't support item deletion")

    def _checked_index(self, palette_index: Any) -> int:
        if not isinstance(palette_index, int):
            raise TypeError(
                f"palette_index must be of type int, not {_validate.type_name(palette_index)}"
            )
        return _validate.int_range(palette_index, 0, len(self._colors) - 1, "palette_index")

    def make_transparent(self, palette_index: int) -> None:
        index = self._checked_index(palette_index)
        self._transparent[index] = True
        self._changed()

    def make_opaque(self, palette_index: int) -> None:
        index = self._checked_index(palette_index)
        self._transparent[index] = False
        self._changed()

    def is_transparent(self, palette_index: int) -> bool:
        """Returns `True` if the palette index is transparent.  Returns `False` if opaque."""
        return self._transparent[self._checked_index(palette_index)]


class ColorConverter(ColorConverterCore):
    """Converts one color format to another."""

    def __init__(
        self, *, input_colorspace: Colorspace = Colorspace.RGB888, dither: bool = False
    ) -> None:
        """Create a ColorConverter object to convert color formats.

        :param Colorspace colorspace: The source colorspace, one of the Colorspace constants
        :param bool dither: Adds random noise to dither the output image"""
        if not isinstance(input_colorspace, Colorspace):
            raise TypeError(
                "input_colorspace must be of type Colorspace, not "
                f"{_validate.type_name(input_colorspace)}"
            )
        super().__init__(input_colorspace._name, bool(dither))

    def convert(self, color: int) -> int:
        """Converts the given color to RGB565 or RGB888 (the display's colorspace, 16 bits here)"""
        if not isinstance(color, int):
            raise TypeError(f"color must be of type int, not {_validate.type_name(color)}")
        result = self._convert_one(
            DisplayColorspace(depth=16, reverse_bytes_in_word=False), color & 0xFFFF_FFFF
        )
        return 0 if result is None else result

    @property
    def dither(self) -> bool:
        """When `True` the ColorConverter dithers the output by adding random noise when
        truncating to display bitdepth"""
        return self._dither

    @dither.setter
    def dither(self, value: bool) -> None:
        self._dither = bool(value)

    def make_transparent(self, color: int) -> None:
        """Set the transparent color or index for the ColorConverter. This will
        raise an Exception if there is already a selected transparent index.

        :param int color: The color to be transparent"""
        number = _validate.to_int(color, "color")
        if self._transparent_color != NO_TRANSPARENT_COLOR:
            raise RuntimeError("Only one color can be transparent at a time")
        self._transparent_color = number & 0xFFFF_FFFF

    def make_opaque(self, color: int) -> None:
        """Make the ColorConverter be opaque and have no transparent pixels.

        :param int color: [IGNORED] Use any value"""
        _validate.to_int(color, "color")
        self._transparent_color = NO_TRANSPARENT_COLOR
